import Foundation

/// Runs `operation`, failing if it takes longer than `limit` (so no test can hang).
///
/// Not a task group: a group waits for all its children before it returns, and a child stuck in a
/// wait that ignores cancellation (`withCheckedContinuation`) would hold it forever. Here the
/// first of the operation and the timer resumes the caller; the other is cancelled and left.
package func within<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = FirstResult<T>()
    return try await withCheckedThrowingContinuation { continuation in
        race.install(continuation)
        let work = Task {
            do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            race.finish(.failure(TestTimeout(limit: limit)))
        }
        race.onFinish { work.cancel(); timer.cancel() }
    }
}

/// Resumes a continuation with the first result it is given; later ones are dropped.
package final class FirstResult<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var cleanup: (@Sendable () -> Void)?
    private var done = false

    package func install(_ continuation: CheckedContinuation<T, any Error>) { lock.withLock { self.continuation = continuation } }

    package func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock { () -> Bool in
            if done { return true }
            self.cleanup = cleanup
            return false
        }
        if runNow { cleanup() }
    }

    package func finish(_ result: Result<T, any Error>) {
        let taken = lock.withLock { () -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?)? in
            guard !done else { return nil }
            done = true
            defer { continuation = nil; cleanup = nil }
            return (continuation, cleanup)
        }
        guard let (continuation, cleanup) = taken else { return }
        continuation?.resume(with: result)
        cleanup?()
    }
}

package struct TestTimeout: Error, CustomStringConvertible {
    package var limit: Duration
    package init(limit: Duration) { self.limit = limit }
    package var description: String { "test step took longer than \(limit)" }
}
