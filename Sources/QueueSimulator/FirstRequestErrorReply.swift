import NIOCore
import NIOHTTP1

/// Answers a first request the HTTP parser rejects with a 400, on the WebSocket-capable channel.
///
/// Hummingbird's plain HTTP/1.1 channel hands a parse error to its handler, which answers 400;
/// its WebSocket upgrade channel parses the first request inside the upgrade negotiation, and a
/// parse error there fails the negotiation and closes the connection without a word (the request
/// mutation test found requests with a control character or non-ASCII byte in the path left
/// unanswered). These two handlers cover that window only: once the first request head has been
/// parsed they leave the pipeline, and Hummingbird (or the WebSocket) owns what follows.
enum FirstRequestErrorReply {
    /// Adds the handlers around the HTTP request decoder; must run on the channel's event loop.
    static func install(in pipeline: ChannelPipeline.SynchronousOperations) throws {
        let writer = RawReplyWriter()
        try pipeline.addHandler(writer, position: .first)
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try pipeline.addHandler(ParseErrorCatcher(writer: writer), position: .after(decoder))
    }
}

/// At the head of the pipeline, so its bytes go to the socket without passing the HTTP encoder.
final class RawReplyWriter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes a complete `400 Bad Request` and closes the connection.
    func replyBadRequest() {
        guard let context else { return }
        let body = #"{"detail":"Bad Request: the request could not be parsed"}"#
        let head = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n"
        // On the channel's event loop (a handler method), so the close may capture `context`.
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: head + body))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

/// Right after the request decoder: sees the decoder's errors before the upgrade handler does.
final class ParseErrorCatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    private let writer: RawReplyWriter
    private var answered = false

    init(writer: RawReplyWriter) { self.writer = writer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The first request parsed: from here on Hummingbird answers errors itself.
        let pipeline = context.pipeline.syncOperations
        let writer = self.writer
        context.fireChannelRead(data)
        pipeline.removeHandler(context: context, promise: nil)
        pipeline.removeHandler(writer, promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError, !answered {
            answered = true
            writer.replyBadRequest()
        }
        context.fireErrorCaught(error)
    }
}
