import Foundation
import OpenAPIRuntime

/// Nothing arrived for longer than the idle timeout while `operation` waited.
struct IdleTimeoutExceeded: Error, CustomStringConvertible {
    var operation: String
    var limit: Duration
    var waitingFor: String
    var description: String { "\(operation): no data for \(limit.seconds.formatted()) s while waiting for \(waitingFor) (idle timeout)" }
}

/// Runs `operation`, throwing `onTimeout()` if it has not finished after `limit`.
///
/// Not a task group: a group waits for all its children, and a transport's wait that ignores
/// cancellation would then hold the caller anyway. The first of the operation and the timer
/// resumes the caller; the loser is cancelled and left to end on its own. (`package`: flux-redux
/// bounds its Ctrl-C cancel with it.)
package func race<Value: Sendable>(
    _ limit: Duration, onTimeout: @escaping @Sendable () -> any Error, _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let first = FirstOutcome<Value>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            first.install(continuation)
            let work = Task {
                do { first.finish(.success(try await operation())) } catch { first.finish(.failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                first.finish(.failure(onTimeout()))
            }
            first.onFinish { work.cancel(); timer.cancel() }
        }
    } onCancel: {
        first.finish(.failure(CancellationError()))
    }
}

/// Resumes a continuation with the first outcome it is given; later ones are dropped.
final class FirstOutcome<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, any Error>?
    private var pending: Result<Value, any Error>?
    private var cleanup: (@Sendable () -> Void)?
    private var done = false

    func install(_ continuation: CheckedContinuation<Value, any Error>) {
        let early = lock.withLock { () -> Result<Value, any Error>? in
            if let pending { return pending }
            self.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock { () -> Bool in
            if done { return true }
            self.cleanup = cleanup
            return false
        }
        if runNow { cleanup() }
    }

    func finish(_ result: Result<Value, any Error>) {
        let taken = lock.withLock { () -> (CheckedContinuation<Value, any Error>?, (@Sendable () -> Void)?)? in
            guard !done else { return nil }
            done = true
            if continuation == nil { pending = result }
            defer { continuation = nil; cleanup = nil }
            return (continuation, cleanup)
        }
        guard let (continuation, cleanup) = taken else { return }
        continuation?.resume(with: result)
        cleanup?()
    }
}

/// The body's iterator, used by one reader at a time.
private final class IteratorBox: @unchecked Sendable {
    var iterator: HTTPBody.AsyncIterator
    init(_ iterator: HTTPBody.AsyncIterator) { self.iterator = iterator }
}

extension HTTPBody {
    /// The body, failing with `IdleTimeoutExceeded` when no chunk arrives for `limit` (a server
    /// that sends its headers and then a byte every few seconds must not hold a call forever).
    func withIdleTimeout(_ limit: Duration, operation: String) -> HTTPBody {
        let box = IteratorBox(makeAsyncIterator())
        let chunks = AsyncThrowingStream<ArraySlice<UInt8>, any Error>(unfolding: {
            try await race(limit, onTimeout: { IdleTimeoutExceeded(operation: operation, limit: limit, waitingFor: "the body") }) {
                try await box.iterator.next()
            }
        })
        return HTTPBody(chunks, length: length, iterationBehavior: .single)
    }
}
