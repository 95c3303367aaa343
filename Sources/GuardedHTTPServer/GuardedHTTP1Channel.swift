import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// Hummingbird's HTTP/1.1 child channel, made safe to stop while connections arrive, with the
/// bounds a server facing the network needs: an idle timeout and a connection limit.
///
/// Shared by the local queue server and `queue-proxy` (a package-internal target, so neither copies it).
///
/// swift-nio hands each accepted connection to the server as a `NIOAsyncChannel` whose writer
/// must be finished before it is released, or the process stops ("Deinited NIOAsyncWriter without
/// calling finish()"). A connection accepted just as the server stops can be released without
/// ever reaching a handler: it is still being set up when the server's stream of connections
/// ends, or it waits in that stream when the loop reading it is cancelled. Servers here are
/// started and stopped many times in one test process, so they meet that race. Here each accepted
/// connection is boxed; a box released without being handled closes its connection through
/// `executeThenClose`, which finishes the writer.
package struct GuardedHTTP1Channel: ServerChildChannel {
    let inner: HTTP1Channel
    let gate: ConnectionGate?

    package func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<AcceptedConnection> {
        guard let gate else { return inner.setup(channel: channel, logger: logger).map(AcceptedConnection.init) }
        let admitted = gate.open()
        if admitted { channel.closeFuture.whenComplete { _ in gate.close() } } else { gate.noteRefusal() }
        return channel.eventLoop.makeCompletedFuture {
            // A refused connection gets its answer from a handler in front of the HTTP codec, so
            // the bytes go straight to the socket and no request reaches the responder.
            if !admitted { try channel.pipeline.syncOperations.addHandler(RefusingHandler(answer: gate.refusal)) }
        }.flatMap {
            inner.setup(channel: channel, logger: logger).map(AcceptedConnection.init)
        }
    }

    package func handle(value: AcceptedConnection, logger: Logger) async {
        await inner.handle(value: value.take(), logger: logger)
    }

    /// No idle timeout and no connection limit (the local queue server's defaults).
    package static var builder: HTTPServerBuilder {
        builder(limits: ServerLimits())
    }

    /// A server whose connections are bounded by `limits`.
    package static func builder(limits: ServerLimits) -> HTTPServerBuilder {
        let gate = limits.maximumConnections.map { ConnectionGate(limit: $0, retryAfterSeconds: limits.retryAfterSeconds) }
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: limits.idleTimeout.map(TimeAmount.init))),
                gate: gate)
        }
    }
}

/// What a server's connections are bounded by.
package struct ServerLimits: Sendable {
    /// How long a connection may go without a complete request part while a request is being
    /// read (the head included: a connection stalled inside its request head is closed after
    /// this), or without a request between two (keep-alive). A response being written, such as
    /// a status stream, is not idle. `nil`: no timeout.
    package var idleTimeout: Duration?
    /// How many connections are held at once; past it, a new connection is answered 503 with
    /// `Retry-After` and closed, rather than left waiting in the accept backlog. `nil`: no bound.
    package var maximumConnections: Int?
    /// The `Retry-After` of that refusal, in seconds.
    package var retryAfterSeconds: Int = 1

    package init(idleTimeout: Duration? = nil, maximumConnections: Int? = nil, retryAfterSeconds: Int = 1) {
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.retryAfterSeconds = retryAfterSeconds
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Counts open connections against a limit.
package final class ConnectionGate: Sendable {
    let limit: Int
    let refusal: [UInt8]
    private let count = Atomic<Int>(0)
    private let refusals = Atomic<Int>(0)

    init(limit: Int, retryAfterSeconds: Int) {
        self.limit = limit
        let body = #"{"detail":"the server is at its connection limit; retry later","error_type":"server_busy"}"#
        self.refusal = Array(
            ("HTTP/1.1 503 Service Unavailable\r\nRetry-After: \(max(0, retryAfterSeconds))\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8)
    }

    /// Takes a place, or says there is none.
    func open() -> Bool {
        if count.add(1, ordering: .relaxed).newValue <= limit { return true }
        count.subtract(1, ordering: .relaxed)
        return false
    }

    func close() { count.subtract(1, ordering: .relaxed) }

    /// Connections currently held.
    package var openConnections: Int { count.load(ordering: .relaxed) }
    /// Connections refused so far.
    package var refusedConnections: Int { refusals.load(ordering: .relaxed) }

    func noteRefusal() { refusals.add(1, ordering: .relaxed) }
}

/// Answers a connection over the limit with the canned 503 as soon as it is active, drops what it
/// sends, and closes it.
final class RefusingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let answer: [UInt8]
    var answered = false

    init(answer: [UInt8]) { self.answer = answer }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func answer(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let buffer = context.channel.allocator.buffer(bytes: answer)
        // Half-close after the answer and keep draining what the client sends, so the 503 is not
        // lost to a reset; the full close follows shortly whatever the client does.
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(mode: .output, promise: nil) }
        context.writeAndFlush(NIOAny(buffer), promise: written)
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { context.close(promise: nil) }
    }
}

/// An accepted connection on its way to a handler.
package final class AcceptedConnection: ServerChildChannelValue {
    package typealias Connection = HTTP1Channel.Value
    private let connection: Mutex<Connection?>
    package let channel: any Channel

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
