#if canImport(Darwin)
import Foundation

/// `URLSessionWebSocketTask` on Apple platforms (compiled there only; Linux uses WSClientSocket).
struct URLSessionSocketConnector: RealtimeSocketConnector {
    func connect(url: URL, headers: [(String, String)], maximumMessageSize: Int, openTimeout: Duration) async throws
        -> any RealtimeSocket
    {
        var request = URLRequest(url: url)
        request.timeoutInterval = Double(openTimeout.components.seconds) + 1
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let task = URLSession.shared.webSocketTask(with: request)
        task.maximumMessageSize = maximumMessageSize
        task.resume()
        let socket = URLSessionSocket(task: task)
        // The first receive fails if the handshake does; a ping answered means the socket is open.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            task.sendPing { error in
                if let error { continuation.resume(throwing: RealtimeError.connectionFailed(reason: "\(error.localizedDescription)")) }
                else { continuation.resume() }
            }
        }
        return socket
    }
}

/// An open `URLSessionWebSocketTask`, with a loop that turns its receives into events.
struct URLSessionSocket: RealtimeSocket {
    let task: URLSessionWebSocketTask
    let events: AsyncThrowingStream<RealtimeSocketEvent, any Error>

    init(task: URLSessionWebSocketTask) {
        self.task = task
        let (events, sink) = AsyncThrowingStream<RealtimeSocketEvent, any Error>.makeStream()
        self.events = events
        Task {
            while true {
                do {
                    switch try await task.receive() {
                    case .string(let text): sink.yield(.text(text))
                    case .data(let data): sink.yield(.binary(data))
                    @unknown default: break
                    }
                } catch {
                    if task.closeCode != .invalid {
                        let reason = task.closeReason.map { String(decoding: $0, as: UTF8.self) }
                        sink.yield(.closed(code: UInt16(task.closeCode.rawValue), reason: reason))
                        sink.finish()
                    } else {
                        sink.finish(throwing: error)
                    }
                    return
                }
            }
        }
    }

    func send(_ data: Data) async throws { try await task.send(.data(data)) }

    func close(code: UInt16) async {
        task.cancel(with: URLSessionWebSocketTask.CloseCode(rawValue: Int(code)) ?? .normalClosure, reason: nil)
    }
}
#endif
