import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Hummingbird's HTTP/1.1 child channel, made safe to stop while connections arrive.
///
/// swift-nio hands each accepted connection to the server as a `NIOAsyncChannel` whose writer
/// must be finished before it is released, or the process stops ("Deinited NIOAsyncWriter without
/// calling finish()"). A connection accepted just as the server stops can be released without
/// ever reaching a handler: it is still being set up when the server's stream of connections
/// ends, or it waits in that stream when the loop reading it is cancelled. The simulator is
/// started and stopped many times in one test process, so it meets that race. Here each accepted
/// connection is boxed; a box released without being handled closes its connection through
/// `executeThenClose`, which finishes the writer.
struct GuardedHTTP1Channel: ServerChildChannel {
    let inner: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<AcceptedConnection> {
        inner.setup(channel: channel, logger: logger).map(AcceptedConnection.init)
    }

    func handle(value: AcceptedConnection, logger: Logger) async {
        await inner.handle(value: value.take(), logger: logger)
    }

    static var builder: HTTPServerBuilder {
        HTTPServerBuilder { responder in GuardedHTTP1Channel(inner: HTTP1Channel(responder: responder)) }
    }
}

/// An accepted connection on its way to a handler.
final class AcceptedConnection: ServerChildChannelValue {
    typealias Connection = HTTP1Channel.Value
    private let connection: Mutex<Connection?>
    let channel: any Channel

    init(_ connection: Connection) {
        self.connection = Mutex(connection)
        self.channel = connection.channel
    }

    /// Hands the connection to its handler, which then owns closing it.
    func take() -> Connection {
        connection.withLock { connection in
            defer { connection = nil }
            return connection!
        }
    }

    deinit {
        guard let unhandled = connection.withLock({ $0.take() }) else { return }
        Task { try? await unhandled.executeThenClose { _, _ in } }
    }
}
