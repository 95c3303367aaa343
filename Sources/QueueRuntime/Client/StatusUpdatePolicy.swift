/// How the client follows a job until it completes.
///
/// Streaming opens the server-sent-event status stream: one request for the whole job, and each
/// change arrives as it happens. Where the stream is unavailable (an error status, a stream that
/// breaks or stays silent for `streamIdleTimeout` `maxStreamAttempts` times) the client polls the
/// status route instead, starting at `pollInitialInterval` and backing off to `pollMaxInterval`,
/// back to the start whenever the status changes. The largest event the stream may send is
/// `QueueClient.Configuration.maximumEventSize`, the same for every stream the client reads; a
/// larger one ends the stream and the client polls instead.
public struct StatusUpdatePolicy: Sendable, Hashable {
    /// Streaming with a polling fallback, or polling only.
    public enum Mode: Sendable, Hashable {
        /// The status stream, polling where it is unavailable.
        case streaming
        /// The status route only, with backoff.
        case polling
    }

    /// How updates are fetched.
    public var mode: Mode
    /// Whether to ask for logs (`logs=1`).
    public var includeLogs: Bool
    /// The first wait between two polls.
    public var pollInitialInterval: Duration
    /// The longest wait between two polls.
    public var pollMaxInterval: Duration
    /// The factor the wait grows by after a poll that saw no change.
    public var pollMultiplier: Double
    /// A stream silent for this long (no event, no ping) is given up; fal's JS client uses 15 s.
    public var streamIdleTimeout: Duration
    /// Stream attempts that may fail before the client polls instead. Each is one request: the
    /// stream's connections are not retried on their own as well.
    public var maxStreamAttempts: Int

    /// Makes a value from its parts.
    public init(
        mode: Mode = .streaming,
        includeLogs: Bool = true,
        pollInitialInterval: Duration = .milliseconds(50),
        pollMaxInterval: Duration = .seconds(1),
        pollMultiplier: Double = 1.5,
        streamIdleTimeout: Duration = .seconds(15),
        maxStreamAttempts: Int = 3
    ) {
        self.mode = mode
        self.includeLogs = includeLogs
        self.pollInitialInterval = pollInitialInterval
        self.pollMaxInterval = pollMaxInterval
        self.pollMultiplier = pollMultiplier
        self.streamIdleTimeout = streamIdleTimeout
        self.maxStreamAttempts = max(1, maxStreamAttempts)
    }

    /// The status stream, polling where it is unavailable (the default).
    public static var streaming: StatusUpdatePolicy { StatusUpdatePolicy() }

    /// Polling with backoff from 50 ms to 1 s.
    public static var polling: StatusUpdatePolicy { StatusUpdatePolicy(mode: .polling) }

    /// Polling at a fixed interval, as the official clients do (0.1 s Python, 0.5 s JS).
    public static func fixedPolling(every interval: Duration) -> StatusUpdatePolicy {
        StatusUpdatePolicy(mode: .polling, pollInitialInterval: interval, pollMaxInterval: interval, pollMultiplier: 1)
    }
}
