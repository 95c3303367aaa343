import Foundation
import Logging

extension QueueClient {
    /// Submits, follows the job and returns its output.
    ///
    /// Cancelling the awaiting task, or passing `timeout`, cancels the job on the server and
    /// throws `QueueError.cancelled` / `.timeout`. A submit in flight is allowed to finish first
    /// so its job can be cancelled rather than left running unseen.
    public func run<Input, Output>(
        _ endpoint: QueueEndpoint<Input, Output>, _ input: Input, options: SubmitOptions = SubmitOptions(),
        timeout: Duration? = nil, onUpdate: (@Sendable (QueueStatus) -> Void)? = nil
    ) async throws -> Output {
        try await run(endpoint, input, options: options, deadline: timeout.map { .now + $0 }, onUpdate: onUpdate)
    }

    /// `run` with an absolute deadline.
    public func run<Input, Output>(
        _ endpoint: QueueEndpoint<Input, Output>, _ input: Input, options: SubmitOptions = SubmitOptions(),
        deadline: ContinuousClock.Instant?, onUpdate: (@Sendable (QueueStatus) -> Void)? = nil
    ) async throws -> Output {
        // Validate before anything else so bad input never waits on a deadline.
        let issues = input.validate()
        guard issues.isEmpty else { throw QueueError.invalidInput(issues) }
        let submitted = SubmittedJob<Output>()
        do {
            return try await withDeadline(deadline) {
                // Not cancelled with the caller: a submit that reached the server must report its
                // request id so the job can be cancelled.
                let job = try await Task { try await submit(endpoint, input, options: options) }.value
                submitted.set(job)
                try Task.checkCancellation()
                return try await complete(job, onUpdate: onUpdate)
            }
        } catch {
            let timedOut = error is DeadlineExceeded
            guard timedOut || Task.isCancelled || error is CancellationError else { throw error }
            let job = submitted.get()
            if let job { await cancelDetached(job, reason: timedOut ? "deadline" : "task cancelled") }
            throw timedOut ? QueueError.timeout(requestID: job?.requestID) : QueueError.cancelled(requestID: job?.requestID)
        }
    }

    /// Follows a submitted job and fetches its output; a job that completed with `error` throws
    /// `QueueError.jobFailed`, with the result route's error response attached.
    public func complete<Output>(_ job: QueueJob<Output>, onUpdate: (@Sendable (QueueStatus) -> Void)? = nil) async throws -> Output {
        let final = try await follow(job) { onUpdate?($0) }
        if final.isFailed {
            var response: HTTPFailure?
            do { _ = try await result(job) } catch QueueError.http(let failure) { response = failure }
            throw QueueError.jobFailed(
                JobFailure(error: final.error ?? final.errorType ?? "failed", errorType: final.errorType, requestID: job.requestID, response: response))
        }
        return try await result(job)
    }

    /// Cancels on the server from a task that is not itself cancelled.
    func cancelDetached<Output>(_ job: QueueJob<Output>, reason: String) async {
        var logger = configuration.logger
        logger[metadataKey: "request_id"] = "\(job.requestID)"
        logger.info("cancelling on the server", metadata: ["reason": "\(reason)"])
        let outcome = await Task { try? await cancel(job) }.value
        if outcome == nil { logger.warning("cancel on the server failed") }
    }
}

/// The client deadline passed.
struct DeadlineExceeded: Error {}

/// Runs `operation`, throwing `DeadlineExceeded` once `deadline` passes.
func withDeadline<Value: Sendable>(
    _ deadline: ContinuousClock.Instant?, _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    guard let deadline else { return try await operation() }
    return try await withThrowingTaskGroup(of: Value.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() else { throw DeadlineExceeded() }
        return value
    }
}

/// The job a `run` submitted, once known.
final class SubmittedJob<Output: QueueModel>: @unchecked Sendable {
    private let lock = NSLock()
    private var job: QueueJob<Output>?

    func set(_ job: QueueJob<Output>) {
        lock.lock()
        self.job = job
        lock.unlock()
    }

    func get() -> QueueJob<Output>? {
        lock.lock()
        defer { lock.unlock() }
        return job
    }
}
