import Foundation

/// How a realtime session connects, throttles and bounds what it holds. The defaults are fal-js's.
public struct RealtimeOptions: Sendable {
    /// Inputs sent within this interval of the last one are held, newest wins, and sent when it
    /// ends (leading edge plus a trailing send); 128 ms by default, zero sends every input.
    public var throttleInterval: Duration = .milliseconds(128)
    /// `max_buffering` (1…60): how many inputs the server keeps while busy (older ones dropped);
    /// nil leaves the server's default.
    public var maxBuffering: Int? = nil
    /// The lifetime asked for the token, in seconds (120 by default); it is refreshed at 90 % of it.
    public var tokenExpiration: Int = 120
    /// When false, no token is fetched: the key goes in `Authorization` on the handshake, for
    /// server-side callers (Python's `use_jwt=False`). Not allowed in proxy mode.
    public var useJWT = true
    /// The path after the endpoint id, `/realtime` by default (not repeated when the id ends with it).
    public var path = "/realtime"
    /// The largest message (and frame) accepted or sent, in bytes; 16 MiB by default.
    public var maximumMessageSize = 16 << 20
    /// How long opening the WebSocket (after the token) may take; 30 s by default.
    public var openTimeout: Duration = .seconds(30)
    /// Results kept for a consumer that reads slower than they arrive (the oldest are dropped); 64.
    public var resultBufferSize = 64
    /// The defaults.
    public init() {}
}
