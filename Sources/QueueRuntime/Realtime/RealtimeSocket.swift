import Foundation

/// What a realtime WebSocket delivers to the session.
enum RealtimeSocketEvent: Sendable, Equatable {
    /// A text message (the JSON control frames).
    case text(String)
    /// A binary message (a msgpack output).
    case binary(Data)
    /// The connection closed: the peer's close code (nil when none came) and reason.
    case closed(code: UInt16?, reason: String?)
}

/// One open WebSocket, as the realtime session uses it. Two implementations: swift-websocket's
/// `WebSocketClient` on Linux (`WSClientSocket.swift`) and `URLSessionWebSocketTask` on Apple
/// platforms (`URLSessionSocket.swift`); tests may supply their own.
protocol RealtimeSocket: Sendable {
    /// Everything the peer sends, ending with `.closed` (or an error when the transport fails).
    var events: AsyncThrowingStream<RealtimeSocketEvent, any Error> { get }
    /// Sends one binary message.
    func send(_ data: Data) async throws
    /// Closes with `code` (1000 unless said) and waits, boundedly, for the peer's answer.
    func close(code: UInt16) async
}

/// Opens realtime WebSockets.
protocol RealtimeSocketConnector: Sendable {
    /// Opens `url` (ws or wss) with extra handshake `headers`; messages (and frames) larger than
    /// `maximumMessageSize` bytes are refused by closing the connection with 1009.
    func connect(url: URL, headers: [(String, String)], maximumMessageSize: Int, openTimeout: Duration) async throws
        -> any RealtimeSocket
}

/// The connector for this platform.
enum PlatformSocketConnector {
    static var `default`: any RealtimeSocketConnector {
        #if canImport(Darwin)
        URLSessionSocketConnector()
        #elseif AsyncHTTPClientTransport && (os(Linux) || os(Android) || os(Windows))
        WSClientConnector()
        #else
        UnavailableSocketConnector()
        #endif
    }
}

#if !canImport(Darwin) && !(AsyncHTTPClientTransport && (os(Linux) || os(Android) || os(Windows)))
/// Linux without the `AsyncHTTPClientTransport` trait: no WebSocket client is built in
/// (FoundationNetworking's `URLSessionWebSocketTask` needs a libcurl built with WebSocket support,
/// and Debian 12's 7.88 lists no ws or wss among its protocols), so a realtime session says what it needs on its first send.
struct UnavailableSocketConnector: RealtimeSocketConnector {
    func connect(url: URL, headers: [(String, String)], maximumMessageSize: Int, openTimeout: Duration) async throws
        -> any RealtimeSocket
    {
        throw RealtimeError.connectionFailed(
            reason: "realtime on this platform needs swift-queue-client's AsyncHTTPClientTransport trait "
                + "(its WebSocket client); it is off in this build")
    }
}
#endif
