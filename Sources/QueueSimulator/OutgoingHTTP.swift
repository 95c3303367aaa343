import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP requests the simulator makes itself: downloading an input from a loopback URL and
/// delivering a webhook.
///
/// Not `URLSession.data(for:)`: on Linux, cancelling a task that awaits it while the response
/// arrives deadlocks. The task's cancellation handler runs under the task's status lock and
/// cancels the URLSession task synchronously on the session's queue, while that queue, finishing
/// the request, waits on the same lock to resume the task. It showed as a test run hung for good
/// in `QueueSimulator.stop()`, which cancels the job tasks. Here the completion-handler API is
/// bridged by hand and a cancellation is passed on from another queue, so nothing waits on the
/// session's queue while holding the lock. A request is also bounded in time: 30 s without a byte
/// from the peer, 60 s for the whole exchange, so the simulator never waits on a peer for good.
///
/// Not AsyncHTTPClient, which the package has: on Apple platforms the simulator would then build
/// it, BoringSSL included, for requests that only ever go to loopback.
enum OutgoingHTTP {
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.timeoutIntervalForResource = 60
        return URLSession(configuration: configuration)
    }()

    /// Sends `request` and returns the body and the HTTP response; throws on a transport error,
    /// on cancellation, and when the peer stops answering (see the bounds above).
    static func send(_ request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        var request = request
        request.timeoutInterval = min(request.timeoutInterval, session.configuration.timeoutIntervalForRequest)
        let exchange = Exchange()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, HTTPURLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let response = response as? HTTPURLResponse {
                        continuation.resume(returning: (data ?? Data(), response))
                    } else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                    }
                }
                exchange.start(task)
            }
        } onCancel: {
            exchange.cancel()
        }
    }

    /// The URLSession task of one exchange, and whether it was cancelled before it started.
    private final class Exchange: @unchecked Sendable {
        private let lock = NSLock()
        private var task: URLSessionDataTask?
        private var cancelled = false

        func start(_ task: URLSessionDataTask) {
            let cancelled = lock.withLock {
                self.task = task
                return self.cancelled
            }
            task.resume()
            if cancelled { Self.cancelLater(task) }
        }

        func cancel() {
            let task = lock.withLock {
                cancelled = true
                return self.task
            }
            if let task { Self.cancelLater(task) }
        }

        /// Off the cancelling thread, which may hold the task's status lock.
        private static func cancelLater(_ task: URLSessionDataTask) {
            DispatchQueue.global().async { task.cancel() }
        }
    }
}
