import Foundation
import Testing
import QueueTestSupport

/// The test helpers themselves: a wait that can hang must end with a failure instead.
@Suite("Test harness")
struct TestHarnessTests {
    /// A wait that ignores cancellation, resumed only by `release()`.
    final class StuckWait: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Void, Never>?
        private var released = false

        func wait() async {
            await withCheckedContinuation { continuation in
                let now = lock.withLock { () -> Bool in
                    if released { return true }
                    self.continuation = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        }

        func release() {
            let waiting = lock.withLock { () -> CheckedContinuation<Void, Never>? in
                released = true
                defer { continuation = nil }
                return continuation
            }
            waiting?.resume()
        }
    }

    @Test("within(…) ends a wait that ignores cancellation with TestTimeout (a task group would wait forever)")
    func withinEndsStuckWaits() async throws {
        let stuck = StuckWait()
        await #expect(throws: TestTimeout.self) {
            try await within(.milliseconds(100)) { await stuck.wait() }
        }
        stuck.release()  // let the abandoned wait finish, so nothing outlives the test
        // And a wait that finishes in time gives its value.
        #expect(try await within(.seconds(30)) { 42 } == 42)
    }
}
