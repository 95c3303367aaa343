import Foundation

/// A job's status as the status route or the status stream reports it.
///
/// Decoded leniently: only `status` is required; unknown status values are kept in
/// `State.unknown`, unknown fields are ignored, fields of an unexpected type read as absent.
public struct QueueStatus: Sendable, Hashable, CustomStringConvertible {
    /// Where the job is.
    public enum State: Sendable, Hashable, CustomStringConvertible {
        /// Waiting; `queuePosition` says how many requests are ahead.
        case inQueue
        /// Running; `logs` carries what it printed so far.
        case inProgress
        /// Finished, successfully or not (`error`).
        case completed
        /// A value this client does not know, kept as it was sent.
        case unknown(String)

        /// The state for a wire value.
        public init(rawValue: String) {
            switch rawValue {
            case "IN_QUEUE": self = .inQueue
            case "IN_PROGRESS": self = .inProgress
            case "COMPLETED": self = .completed
            default: self = .unknown(rawValue)
            }
        }

        /// The wire value.
        public var rawValue: String {
            switch self {
            case .inQueue: "IN_QUEUE"
            case .inProgress: "IN_PROGRESS"
            case .completed: "COMPLETED"
            case .unknown(let value): value
            }
        }

        /// The wire value (`IN_QUEUE`).
        public var description: String { rawValue }
    }

    /// Where the job is.
    public var state: State
    /// The request id, when the server repeated it.
    public var requestID: String?
    /// Requests ahead of this one (0-based), while queued.
    public var queuePosition: Int?
    /// Log lines, when asked for and sent; `nil` when `logs` was null or absent.
    public var logs: [LogEntry]?
    /// Metrics of a completed job, such as `inference_time`.
    public var metrics: [String: JSONValue]
    /// Why a completed job failed, if it did.
    public var error: String?
    /// The machine-readable kind of `error`.
    public var errorType: String?
    /// The whole JSON object as received, for fields this type does not model.
    public var raw: JSONValue

    /// Seconds the model ran, for a completed job.
    public var inferenceTime: Double? { metrics["inference_time"]?.doubleValue }
    /// Whether the job is finished.
    public var isCompleted: Bool { state == .completed }
    /// Whether the job finished with an error.
    public var isFailed: Bool { state == .completed && (error != nil || errorType != nil) }

    /// Builds a status from its parts; `raw` defaults to an empty object.
    public init(
        state: State, requestID: String? = nil, queuePosition: Int? = nil, logs: [LogEntry]? = nil,
        metrics: [String: JSONValue] = [:], error: String? = nil, errorType: String? = nil, raw: JSONValue = [:]
    ) {
        self.state = state
        self.requestID = requestID
        self.queuePosition = queuePosition
        self.logs = logs
        self.metrics = metrics
        self.error = error
        self.errorType = errorType
        self.raw = raw
    }

    /// Reads a status object; throws only when the JSON is broken or has no `status` string.
    public init(json data: Data) throws {
        let value = try JSONValue(parsing: data)
        guard let state = value["status"]?.stringValue else {
            throw DecodingError.keyNotFound(
                StatusKey.status, .init(codingPath: [], debugDescription: "a status object has a \"status\" string"))
        }
        self.init(state: State(rawValue: state), raw: value)
        requestID = value["request_id"]?.stringValue
        if case .int(let position)? = value["queue_position"] { queuePosition = Int(position) }
        if case .array(let entries)? = value["logs"] { logs = entries.compactMap(LogEntry.init(json:)) }
        if case .object(let metrics)? = value["metrics"] { self.metrics = metrics }
        error = value["error"].flatMap(Self.text)
        errorType = value["error_type"]?.stringValue
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        default: value.description
        }
    }

    private enum StatusKey: CodingKey { case status }

    /// The state, queue position, number of log lines and error, on one line.
    public var description: String {
        var text = state.rawValue
        if let queuePosition { text += " position \(queuePosition)" }
        if let logs, !logs.isEmpty { text += " (\(logs.count) log lines)" }
        if let error { text += " error: \(error)" }
        return text
    }
}

/// One log line of a running job. Only `message` is always there.
public struct LogEntry: Sendable, Hashable, CustomStringConvertible {
    /// The text.
    public var message: String
    /// `STDERR`, `STDOUT`, `ERROR`, `INFO`, `WARN`, `DEBUG`, or another value.
    public var level: String?
    /// Where it came from, such as `user`.
    public var source: String?
    /// The timestamp as sent (ISO 8601, with or without `Z`).
    public var timestamp: String?
    /// Extra labels, as sent.
    public var labels: JSONValue?

    /// Makes a value from its parts.
    public init(message: String, level: String? = nil, source: String? = nil, timestamp: String? = nil, labels: JSONValue? = nil) {
        self.message = message
        self.level = level
        self.source = source
        self.timestamp = timestamp
        self.labels = labels
    }

    /// Reads an entry; `nil` when it has no `message` string.
    init?(json: JSONValue) {
        guard let message = json["message"]?.stringValue else { return nil }
        self.init(
            message: message, level: json["level"]?.stringValue, source: json["source"]?.stringValue,
            timestamp: json["timestamp"]?.stringValue, labels: json["labels"])
    }

    /// `timestamp` as a date, read with or without a zone (no zone means UTC).
    public var date: Date? {
        guard var text = timestamp else { return nil }
        if !(text.hasSuffix("Z") || text.range(of: #"[+-]\d\d:?\d\d$"#, options: .regularExpression) != nil) { text += "Z" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// `[level] message`, or the message alone.
    public var description: String { level.map { "[\($0)] \(message)" } ?? message }
}
