#if AsyncHTTPClientTransport && (os(Linux) || os(Android) || os(Windows))
import Foundation
import HTTPTypes
import Logging
internal import NIOCore
internal import NIOWebSocket
import Synchronization
internal import WSClient

/// swift-websocket's `WebSocketClient`, whose handler-shaped API is turned into a socket: the
/// handler hands out its writer and forwards messages until the connection ends.
struct WSClientConnector: RealtimeSocketConnector {
    func connect(url: URL, headers: [(String, String)], maximumMessageSize: Int, openTimeout: Duration) async throws
        -> any RealtimeSocket
    {
        var configuration = WebSocketClientConfiguration(maxFrameSize: maximumMessageSize)
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { configuration.additionalHeaders.append(HTTPField(name: field, value: value)) }
        }
        configuration.closeTimeout = .seconds(5)
        let (events, eventSink) = AsyncThrowingStream<RealtimeSocketEvent, any Error>.makeStream()
        let (writers, writerSink) = AsyncStream<WebSocketOutboundWriter>.makeStream(bufferingPolicy: .bufferingNewest(1))
        var logger = Logger(label: "queue-runtime.realtime")
        logger.logLevel = .critical
        let client = WebSocketClient(url: url.absoluteString, configuration: configuration, logger: logger) { inbound, outbound, _ in
            writerSink.yield(outbound)
            writerSink.finish()
            for try await message in inbound.messages(maxSize: maximumMessageSize) {
                switch message {
                case .text(let text): eventSink.yield(.text(text))
                case .binary(let buffer): eventSink.yield(.binary(Data(buffer.readableBytesView)))
                }
            }
        }
        let task = Task {
            do {
                let frame = try await client.run()
                eventSink.yield(.closed(code: frame.map { UInt16(webSocketErrorCode: $0.closeCode) }, reason: frame?.reason))
                eventSink.finish()
            } catch {
                eventSink.finish(throwing: error)
            }
            writerSink.finish()
        }
        // The handler hands out its writer once the upgrade is done; past the open timeout the
        // client's task is cancelled and the writers' stream ended here, so the wait ends even if
        // the client's task does not (it is not awaited then).
        let started = ContinuousClock.now
        let timer = Task {
            try? await Task.sleep(for: openTimeout)
            if !Task.isCancelled {
                task.cancel()
                writerSink.finish()
            }
        }
        var iterator = writers.makeAsyncIterator()
        let writer = await iterator.next()
        timer.cancel()
        guard let writer else {
            if ContinuousClock.now - started >= openTimeout {
                eventSink.finish()
                throw RealtimeError.connectionFailed(reason: "the WebSocket did not open within \(openTimeout)")
            }
            _ = await task.value
            var reason = "the WebSocket upgrade did not complete"
            do {
                for try await _ in events {}
            } catch {
                reason = "\(error)"
            }
            throw RealtimeError.connectionFailed(reason: reason)
        }
        return WSClientSocket(writer: writer, events: events, task: task)
    }
}

/// An open connection; closing or cancelling ends the client's task, which closes the channel.
struct WSClientSocket: RealtimeSocket {
    let writer: WebSocketOutboundWriter
    let events: AsyncThrowingStream<RealtimeSocketEvent, any Error>
    let task: Task<Void, Never>

    func send(_ data: Data) async throws {
        try await writer.writeBinaryMessage(ByteBuffer(bytes: data))
    }

    func close(code: UInt16) async {
        try? await writer.close(WebSocketErrorCode(codeNumber: Int(code)), reason: nil)
        // The client waits up to its close timeout for the peer's close; cancel beyond that.
        let task = self.task
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(5))
            task.cancel()
        }
        await task.value
        watchdog.cancel()
    }
}
#endif
