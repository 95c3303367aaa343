import Foundation

/// A submitted job: its request id and the URLs the service returned for it.
///
/// Store `requestID` to pick the job up again later with `QueueClient.job(resuming:endpoint:)`.
public struct QueueJob<Output: QueueModel>: Sendable, Hashable, CustomStringConvertible {
    /// The id the service gave the request.
    public let requestID: String
    /// The endpoint the job runs on.
    public let endpointID: EndpointID
    /// Where the output is fetched.
    public let responseURL: URL
    /// Where the status is read (`/stream` appended for the event stream).
    public let statusURL: URL
    /// Where the job is cancelled.
    public let cancelURL: URL
    /// The queue position the submit reported, if any.
    public let queuePositionAtSubmit: Int?
    /// `X-Fal-Billable-Units` from the submit response, if sent.
    public let billableUnits: String?

    /// Makes a value from its parts.
    public init(
        requestID: String, endpointID: EndpointID, responseURL: URL, statusURL: URL, cancelURL: URL,
        queuePositionAtSubmit: Int? = nil, billableUnits: String? = nil
    ) {
        self.requestID = requestID
        self.endpointID = endpointID
        self.responseURL = responseURL
        self.statusURL = statusURL
        self.cancelURL = cancelURL
        self.queuePositionAtSubmit = queuePositionAtSubmit
        self.billableUnits = billableUnits
    }

    /// `<endpoint id> request <request id>`, for logs.
    public var description: String { "\(endpointID) request \(requestID)" }
}

/// What a cancel request found.
public enum CancelOutcome: Sendable, Hashable {
    /// Accepted (202); a job already running may still finish.
    case cancellationRequested
    /// The job had finished first (400).
    case alreadyCompleted
    /// The service does not know the request id (404).
    case notFound
}

/// The optional parts of a submit.
public struct SubmitOptions: Sendable, Hashable {
    /// Queue priority (`X-Fal-Queue-Priority`).
    public enum Priority: String, Sendable, Hashable {
        /// The default priority.
        case normal
        /// Served after normal-priority requests.
        case low
    }

    /// Where the service POSTs the result (`fal_webhook`).
    public var webhookURL: URL?
    /// Reject with 429 when more requests than this are waiting (`fal_max_queue_length`).
    public var maxQueueLength: Int?
    /// Queue priority.
    public var priority: Priority?
    /// Routing affinity (`X-Fal-Runner-Hint`).
    public var runnerHint: String?
    /// Server-side deadline for the job to *start*, more than 1 s (`X-Fal-Request-Timeout`).
    public var startTimeout: Duration?
    /// Ask the service not to retry the job itself (`X-Fal-No-Retry: 1`).
    public var noServerRetry: Bool
    /// `false` asks the service not to keep the payloads (`X-Fal-Store-IO: 0`).
    public var storeIO: Bool
    /// How long generated files live (`X-Fal-Object-Lifecycle-Preference`).
    public var objectLifetime: Duration?
    /// Extra request headers, sent as they are.
    public var extraHeaders: [String: String]

    /// Makes a value from its parts.
    public init(
        webhookURL: URL? = nil, maxQueueLength: Int? = nil, priority: Priority? = nil, runnerHint: String? = nil,
        startTimeout: Duration? = nil, noServerRetry: Bool = false, storeIO: Bool = true, objectLifetime: Duration? = nil,
        extraHeaders: [String: String] = [:]
    ) {
        self.webhookURL = webhookURL
        self.maxQueueLength = maxQueueLength
        self.priority = priority
        self.runnerHint = runnerHint
        self.startTimeout = startTimeout
        self.noServerRetry = noServerRetry
        self.storeIO = storeIO
        self.objectLifetime = objectLifetime
        self.extraHeaders = extraHeaders
    }
}
