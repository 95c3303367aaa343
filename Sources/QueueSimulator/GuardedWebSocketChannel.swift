import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// Hummingbird's HTTP/1.1 channel with the WebSocket upgrade (the realtime route), made safe to
/// stop while connections arrive for the same reason as `GuardedHTTP1Channel`: a connection
/// released without reaching a handler is closed and then handed to the channel's own handler,
/// which finishes its writer.
struct GuardedWebSocketChannel: ServerChildChannel {
    let inner: HTTP1WebSocketUpgradeChannel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<AcceptedUpgrade> {
        let inner = self.inner
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try FirstRequestErrorReply.install(in: channel.pipeline.syncOperations)  // FirstRequestErrorReply.swift
            return AcceptedUpgrade(value, inner: inner, logger: logger)
        }
    }

    func handle(value: AcceptedUpgrade, logger: Logger) async {
        guard let connection = value.take() else { return }
        await inner.handle(value: connection, logger: logger)
    }

    /// Plain HTTP goes to the simulator's responder; `GET /run/{endpoint id}/realtime` upgrades.
    static func builder(_ simulator: QueueSimulator) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
                http1: .init(), ws: .init(maxFrameSize: simulator.configuration.realtime.maximumFrameSize))
            return GuardedWebSocketChannel(
                inner: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: configuration) { head, _, _ in
                    guard let admission = simulator.realtimeAdmission(head) else { return .dontUpgrade }
                    return .upgrade([:]) { inbound, outbound, _ in
                        await simulator.runRealtimeSession(admission, inbound: inbound, outbound: outbound)
                    }
                })
        }
    }
}

/// An accepted connection on its way to a handler (see `AcceptedConnection`).
final class AcceptedUpgrade: ServerChildChannelValue {
    typealias Connection = HTTP1WebSocketUpgradeChannel.Value
    private let connection: Mutex<Connection?>
    private let inner: HTTP1WebSocketUpgradeChannel
    private let logger: Logger
    let channel: any Channel

    init(_ connection: Connection, inner: HTTP1WebSocketUpgradeChannel, logger: Logger) {
        self.connection = Mutex(connection)
        self.inner = inner
        self.logger = logger
        self.channel = connection.channel
    }

    /// Hands the connection to its handler, which then owns closing it.
    func take() -> Connection? {
        connection.withLock { $0.take() }
    }

    deinit {
        guard let unhandled = connection.withLock({ $0.take() }) else { return }
        let inner = self.inner
        let logger = self.logger
        unhandled.channel.close(promise: nil)
        Task { await inner.handle(value: unhandled, logger: logger) }
    }
}
