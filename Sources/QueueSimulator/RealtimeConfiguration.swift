import Foundation

/// How the simulator's realtime route behaves (`SimulatorConfiguration.realtime`).
public struct RealtimeSimulation: Sendable {
    /// A session with no input for this long gets `x-fal-error` TIMEOUT and is closed (fal's
    /// `session_timeout`).
    public var sessionTimeout: Duration = .seconds(60)
    /// How long one input takes to answer (inputs that arrive meanwhile wait in the buffer).
    public var inferenceTime: Duration = .zero
    /// Inputs kept while busy when the client gives no `max_buffering`.
    public var defaultMaxBuffering = 60
    /// The largest frame (and message) accepted; a larger one closes the session with 1009.
    public var maximumFrameSize = 16 << 20
    /// The longest token lifetime `POST /tokens/` grants, in seconds.
    public var maximumTokenLifetime = 3600

    /// The defaults: 60 s idle timeout, immediate answers, buffer of 60, 16 MiB frames.
    public init() {}
}

/// A misbehaviour of the realtime route, applied to the next inputs in order (one fault per input).
public enum RealtimeFault: Sendable, Hashable {
    /// The input gets no output.
    case drop
    /// The output comes after this extra delay.
    case delay(Duration)
    /// Instead of the output: `{"type":"x-fal-error","error":<error>,"reason":…}`.
    case errorFrame(String)
    /// Instead of the output, the session is closed with this code.
    case close(code: UInt16)
    /// Instead of the output, a binary frame of this many bytes (to test size limits).
    case oversizedFrame(bytes: Int)
}

/// What the realtime route has done, for tests and benchmarks.
public struct RealtimeStatistics: Sendable, Hashable {
    /// Tokens `POST /tokens/` issued.
    public var tokensIssued = 0
    /// Token requests refused (no or a wrong key).
    public var tokensRefused = 0
    /// WebSocket sessions accepted (token or key valid).
    public var sessionsOpened = 0
    /// Sessions that ended (either side closed, or the idle timeout).
    public var sessionsClosed = 0
    /// Sessions refused after the upgrade (`Unauthorized`).
    public var sessionsRefused = 0
    /// Inputs received (binary frames).
    public var inputsReceived = 0
    /// Inputs dropped because the buffer was full (`max_buffering`).
    public var inputsDropped = 0
    /// Outputs sent.
    public var outputsSent = 0
    /// Sessions ended by the idle timeout.
    public var timeouts = 0
    /// The close codes sessions ended with, as the server saw them (the client's or its own).
    public var closeCodes: [UInt16] = []
    /// The inputs received, in order, as msgpack values (the last 256).
    public var recentInputs: [[UInt8]] = []
    /// The `max_buffering` the last session asked for.
    public var lastMaxBuffering: Int?
}
