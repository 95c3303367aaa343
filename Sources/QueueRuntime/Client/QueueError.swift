import Foundation

/// Everything a queue call can fail with; switch over it.
///
/// No description contains the credential: the client never puts it into an error, and texts
/// that come from elsewhere (error bodies, status messages, transport errors, URLs) are scrubbed
/// of it when the error is made. Only these shown texts are: the bodies and URLs the client uses
/// are never altered.
public enum QueueError: Error, Sendable, CustomStringConvertible {
    /// The service answered with an error status.
    case http(HTTPFailure)
    /// The input breaks bounds of its schema; nothing was sent.
    case invalidInput([ValidationIssue])
    /// The job completed with `error`.
    case jobFailed(JobFailure)
    /// A response did not have the expected shape.
    case decoding(DecodingFailure)
    /// The client deadline passed; the job (if submitted) was cancelled on the server. `run`
    /// throws `deadlineExceeded` instead, which also says what was happening; this case stays for
    /// code that matches on it.
    case timeout(requestID: String?)
    /// The deadline of a `run` passed: what it was doing, the last problem it met, and the
    /// request id (the job was then cancelled on the server).
    case deadlineExceeded(DeadlineFailure)
    /// The awaiting task was cancelled; the job (if submitted) was cancelled on the server.
    case cancelled(requestID: String?)
    /// The request did not get a response (connection refused, reset, timed out…).
    case transport(TransportFailure)
    /// A URL uses plain `http` to a host that is not loopback.
    case insecureURL(String)
    /// A URL the service returned points to a host that is not configured, and the client is set
    /// to refuse such URLs (`ForeignHostPolicy.refuse`).
    case foreignHost(String)

    /// The request id the error concerns, when one is known.
    public var requestID: String? {
        switch self {
        case .http(let failure): failure.requestID
        case .jobFailed(let failure): failure.requestID
        case .decoding(let failure): failure.requestID
        case .timeout(let id), .cancelled(let id): id
        case .transport(let failure): failure.requestID
        case .deadlineExceeded(let failure): failure.requestID
        case .invalidInput, .insecureURL, .foreignHost: nil
        }
    }

    /// What failed and why, with the request id when known; never the credential.
    public var description: String {
        switch self {
        case .http(let failure): failure.description
        case .invalidInput(let issues): "invalid input: " + issues.map(\.description).joined(separator: "; ")
        case .jobFailed(let failure): failure.description
        case .decoding(let failure): failure.description
        case .timeout(let id): "deadline passed" + (id.map { " for request \($0) (cancelled on the server)" } ?? " before the job was submitted")
        case .cancelled(let id): "cancelled" + (id.map { " request \($0) (cancelled on the server)" } ?? " before the job was submitted")
        case .transport(let failure): failure.description
        case .deadlineExceeded(let failure): failure.description
        case .insecureURL(let url): "refusing plain http to a host that is not loopback: \(url)"
        case .foreignHost(let url): "refusing a URL on a host that is not configured: \(url)"
        }
    }
}

/// An error status from the service, with what the body and headers said about it.
public struct HTTPFailure: Sendable, Hashable, CustomStringConvertible {
    /// What the request was doing: `submit`, `status`, `result`, `cancel`, `run`, `upload`.
    public var operation: String
    /// The HTTP status code.
    public var status: Int
    /// fal's `detail`: field issues or a message.
    public var detail: ErrorDetail?
    /// `error_type` from the body, else the `X-Fal-Error-Type` header.
    public var errorType: String?
    /// `X-Fal-Retryable`, when sent.
    public var retryable: Bool?
    /// The request id, from the job or the `x-fal-request-id` header.
    public var requestID: String?
    /// The start of the body, for errors that are not JSON.
    public var bodyExcerpt: String

    /// Makes a value from its parts.
    public init(
        operation: String, status: Int, detail: ErrorDetail? = nil, errorType: String? = nil, retryable: Bool? = nil,
        requestID: String? = nil, bodyExcerpt: String = ""
    ) {
        self.operation = operation
        self.status = status
        self.detail = detail
        self.errorType = errorType
        self.retryable = retryable
        self.requestID = requestID
        self.bodyExcerpt = bodyExcerpt
    }

    /// The field issues of a validation error; empty for other errors.
    public var fieldIssues: [FieldIssue] {
        if case .issues(let issues)? = detail { return issues }
        return []
    }

    /// The operation, status, error type, detail and request id, on one line.
    public var description: String {
        var text = "\(operation) failed with HTTP \(status)"
        if let errorType { text += " (\(errorType))" }
        if let detail { text += ": \(detail)" } else if !bodyExcerpt.isEmpty { text += ": \(bodyExcerpt)" }
        if let requestID { text += " [request \(requestID)]" }
        if let retryable { text += retryable ? " (retryable)" : " (not retryable)" }
        return text
    }
}

/// fal's `detail`: a list of field issues, or a message.
public enum ErrorDetail: Sendable, Hashable, CustomStringConvertible {
    /// Validation errors, one per field.
    case issues([FieldIssue])
    /// A plain message.
    case message(String)
    /// Some other JSON value.
    case other(JSONValue)

    init(json: JSONValue) {
        switch json {
        case .string(let message): self = .message(message)
        case .array(let items):
            let issues = items.compactMap(FieldIssue.init(json:))
            self = issues.count == items.count && !issues.isEmpty ? .issues(issues) : .other(json)
        default: self = .other(json)
        }
    }

    /// The field issues joined with `; `, or the message.
    public var description: String {
        switch self {
        case .issues(let issues): issues.map(\.description).joined(separator: "; ")
        case .message(let message): message
        case .other(let value): value.description
        }
    }
}

/// One field issue of a validation error (`{"loc","msg","type","ctx","input"}`).
public struct FieldIssue: Sendable, Hashable, CustomStringConvertible {
    /// Where: `["body", "num_inference_steps"]`, indexes as decimal strings.
    public var location: [String]
    /// The message.
    public var message: String
    /// The kind, such as `less_than_equal`.
    public var type: String?
    /// The rule's parameters, such as `{"le": 12}`.
    public var context: JSONValue?
    /// The value that was rejected.
    public var input: JSONValue?

    /// Makes a value from its parts.
    public init(location: [String], message: String, type: String? = nil, context: JSONValue? = nil, input: JSONValue? = nil) {
        self.location = location
        self.message = message
        self.type = type
        self.context = context
        self.input = input
    }

    init?(json: JSONValue) {
        guard let message = json["msg"]?.stringValue else { return nil }
        var location: [String] = []
        if case .array(let parts)? = json["loc"] {
            location = parts.map { $0.stringValue ?? $0.description }
        }
        self.init(location: location, message: message, type: json["type"]?.stringValue, context: json["ctx"], input: json["input"])
    }

    /// The location without the leading `body`, dotted: `image_size.width`.
    public var fieldPath: String {
        let parts = location.first == "body" ? Array(location.dropFirst()) : location
        return parts.joined(separator: ".")
    }

    /// `field.path: message (type)`.
    public var description: String { "\(fieldPath): \(message)" + (type.map { " (\($0))" } ?? "") }
}

/// A job that completed with `error`.
public struct JobFailure: Sendable, Hashable, CustomStringConvertible {
    /// The service's message.
    public var error: String
    /// The machine-readable kind, if sent.
    public var errorType: String?
    /// The request id.
    public var requestID: String
    /// The result route's error response, which usually carries the field issues.
    public var response: HTTPFailure?

    /// Makes a value from its parts.
    public init(error: String, errorType: String? = nil, requestID: String, response: HTTPFailure? = nil) {
        self.error = error
        self.errorType = errorType
        self.requestID = requestID
        self.response = response
    }

    /// The request id, the error type and the message.
    public var description: String {
        var text = "job \(requestID) failed"
        if let errorType { text += " (\(errorType))" }
        text += ": \(error)"
        // The result route often repeats the status's message; say it once.
        if let detail = response?.detail, detail.description != error { text += " — \(detail)" }
        return text
    }
}

/// A response that did not have the expected shape.
public struct DecodingFailure: Sendable, Hashable, CustomStringConvertible {
    /// What was being read: `submit response`, `status`, `Flux1SchnellRedux.Output`.
    public var what: String
    /// The field path where reading failed, dotted (`images[0].width`); empty for the top level.
    public var fieldPath: String
    /// What went wrong there.
    public var reason: String
    /// The start of the body.
    public var excerpt: String
    /// The request id, when known.
    public var requestID: String?

    /// Makes a value from its parts.
    public init(what: String, fieldPath: String, reason: String, excerpt: String, requestID: String? = nil) {
        self.what = what
        self.fieldPath = fieldPath
        self.reason = reason
        self.excerpt = excerpt
        self.requestID = requestID
    }

    /// What was read, where it failed, why, and the start of the body.
    public var description: String {
        "could not read \(what)" + (fieldPath.isEmpty ? "" : " at \(fieldPath)") + ": \(reason)"
            + (excerpt.isEmpty ? "" : "; body starts \(excerpt)")
            + (requestID.map { " [request \($0)]" } ?? "")
    }
}

/// A request that got no response.
public struct TransportFailure: Error, Sendable, CustomStringConvertible {
    /// What the request was doing.
    public var operation: String
    /// The error the transport threw.
    public var underlying: any Error
    /// Whether the request provably never reached the server (connection refused).
    public var notSent: Bool
    /// The underlying error's description, scrubbed of the credential.
    public var detail: String
    /// The request id, when the failure came after a submit.
    public var requestID: String?

    /// Makes a value from its parts.
    public init(operation: String, underlying: any Error, notSent: Bool, description: String, requestID: String? = nil) {
        self.operation = operation
        self.underlying = underlying
        self.notSent = notSent
        self.detail = description
        self.requestID = requestID
    }

    /// What happened, and the request id when known.
    public var description: String { detail + (requestID.map { " [request \($0)]" } ?? "") }
}

extension DecodingFailure {
    /// Describes a `DecodingError` with its field path and an excerpt of `body`.
    init(_ error: any Error, what: String, body: Data, requestID: String?) {
        var path = ""
        var reason = String(describing: error)
        if let error = error as? DecodingError {
            let context: DecodingError.Context
            switch error {
            case .typeMismatch(let type, let c):
                context = c
                reason = "expected \(type)"
            case .valueNotFound(let type, let c):
                context = c
                reason = "missing \(type) value"
            case .keyNotFound(let key, let c):
                context = c
                reason = "missing key \"\(key.stringValue)\""
                path = Self.path(c.codingPath + [key])
            case .dataCorrupted(let c):
                context = c
                reason = c.debugDescription
            @unknown default:
                context = .init(codingPath: [], debugDescription: "")
            }
            if path.isEmpty { path = Self.path(context.codingPath) }
        }
        self.init(what: what, fieldPath: path, reason: reason, excerpt: excerptOf(body), requestID: requestID)
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
        }
        return text
    }
}

/// The first 200 characters of a body, as text.
func excerptOf(_ body: Data) -> String {
    let text = String(decoding: body.prefix(200), as: UTF8.self)
    return body.count > 200 ? text + "…" : text
}

/// A `run` whose deadline passed.
public struct DeadlineFailure: Sendable, Hashable, CustomStringConvertible {
    /// The request id, when the job had been submitted (it was then cancelled on the server).
    public var requestID: String?
    /// What the call was doing: `submitting the job`, `waiting for request … to complete`, …
    public var phase: String
    /// The last failure met along the way (a refused connection, an HTTP status), if any.
    public var lastProblem: String?

    /// Makes a value from its parts.
    public init(requestID: String? = nil, phase: String, lastProblem: String? = nil) {
        self.requestID = requestID
        self.phase = phase
        self.lastProblem = lastProblem
    }

    /// What the call was doing when the deadline passed, and what was cancelled.
    public var description: String {
        var text = "deadline passed while \(phase)"
        if let lastProblem { text += "; the last problem was: \(lastProblem)" }
        text += requestID.map { " (request \($0) was cancelled on the server)" } ?? " (no request id had come back, so there was nothing to cancel)"
        return text
    }
}
