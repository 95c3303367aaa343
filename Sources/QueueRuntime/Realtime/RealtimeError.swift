import Foundation

/// Why a realtime input got no output, or a connection ended badly. Delivered in the session's
/// results (the session goes on: the next `send` reconnects), or thrown by `send`.
public enum RealtimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server closed the connection with a code other than 1000 (normal closure).
    case closed(code: UInt16, reason: String?)
    /// An `x-fal-error` control frame other than TIMEOUT (which only ends an idle session).
    case server(error: String, reason: String?)
    /// `{"status":"error","error":"Unauthorized"}`: the token was refused; it is dropped and the
    /// next send fetches a new one.
    case unauthorized
    /// The token request failed (its HTTP status, or nil for a transport failure or a bad answer).
    case tokenRequestFailed(status: Int?, message: String)
    /// The WebSocket did not open, or broke (a frame over the size limit closes it too).
    case connectionFailed(reason: String)
    /// An output that does not decode as the endpoint's output type.
    case undecodableOutput(String)
    /// An input that could not be encoded as msgpack, or breaks the endpoint's bounds.
    case invalidInput(String)
    /// The session was closed (by `close()` or cancellation); nothing more is sent.
    case sessionClosed

    /// What went wrong, for a log or an alert.
    public var description: String {
        switch self {
        case .closed(let code, let reason): "realtime connection closed with code \(code)\(reason.map { ": \($0)" } ?? "")"
        case .server(let error, let reason): "realtime server error \(error)\(reason.map { ": \($0)" } ?? "")"
        case .unauthorized: "realtime token refused (Unauthorized); a new one is fetched on the next send"
        case .tokenRequestFailed(let status, let message):
            "realtime token request failed\(status.map { " with HTTP \($0)" } ?? ""): \(message)"
        case .connectionFailed(let reason): "realtime connection failed: \(reason)"
        case .undecodableOutput(let reason): "realtime output does not decode: \(reason)"
        case .invalidInput(let reason): "realtime input refused: \(reason)"
        case .sessionClosed: "realtime session is closed"
        }
    }
}
