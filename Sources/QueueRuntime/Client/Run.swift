import Foundation
import Logging

extension QueueClient {
    /// Submits, follows the job and returns its output.
    ///
    /// Cancelling the awaiting task, or passing `timeout`, cancels the job on the server and
    /// throws `QueueError.cancelled` / `.deadlineExceeded`. The deadline bounds the whole call:
    /// once it passes no request is retried, a submit in flight gets `cancelTimeout` to report
    /// its request id (so its job can be cancelled rather than left running unseen), and the error
    /// says what the call was doing and what went wrong last.
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
        let log = AttemptLog()
        do {
            return try await AttemptLog.$current.withValue(log) {
                try await withDeadline(deadline) {
                    log.enter("submitting the job")
                    // Not cancelled with the caller: a submit that reached the server must report
                    // its request id so the job can be cancelled.
                    let submitting = Task { try await submit(endpoint, input, options: options) }
                    submitted.setSubmit(submitting)
                    let job = try await submitting.value
                    submitted.set(job)
                    try Task.checkCancellation()
                    log.enter("waiting for request \(job.requestID) to complete")
                    return try await complete(job) { status in
                        if status.isCompleted {
                            submitted.markCompleted()
                            log.enter("fetching the result of request \(job.requestID)")
                        } else {
                            log.enter("waiting for request \(job.requestID) to complete (last status \(status.state))")
                        }
                        onUpdate?(status)
                    }
                }
            }
        } catch {
            let timedOut = error is DeadlineExceeded
            if timedOut || Task.isCancelled || error is CancellationError {
                // No more retries; give a submit in flight a moment to say whether it made a job.
                log.stop()
                var job = submitted.get()
                if job == nil, let submitting = submitted.submitTask {
                    // Between retries there is nothing to wait for; a request on the wire may
                    // have made a job, so it gets `cancelTimeout` to say which.
                    if !log.isSending { submitting.cancel() }
                    job = try? await race(configuration.cancelTimeout, onTimeout: { DeadlineExceeded() }) { try await submitting.value }
                    submitting.cancel()
                }
                if let job { await cancelDetached(job, reason: timedOut ? "deadline" : "task cancelled") }
                guard timedOut else { throw QueueError.cancelled(requestID: job?.requestID) }
                let (phase, cause) = log.snapshot
                throw QueueError.deadlineExceeded(
                    DeadlineFailure(requestID: job?.requestID, phase: phase, lastProblem: cause.map { configuration.credentials?.redact($0) ?? $0 }))
            }
            guard let job = submitted.get() else { throw error }
            // Any other failure after the submit (an unreadable status, a refused URL, a broken
            // connection) would leave the job running unseen: cancel it once, briefly, unless it
            // finished. The error then carries the request id.
            if !submitted.completed { await cancelDetached(job, reason: "the run failed", attempts: 1) }
            throw Self.attaching(job.requestID, to: error)
        }
    }

    /// `error` with `requestID` filled in where it has room for one.
    static func attaching(_ requestID: String, to error: any Error) -> any Error {
        guard let error = error as? QueueError else { return error }
        switch error {
        case .http(var failure) where failure.requestID == nil:
            failure.requestID = requestID
            return QueueError.http(failure)
        case .decoding(var failure) where failure.requestID == nil:
            failure.requestID = requestID
            return QueueError.decoding(failure)
        case .transport(var failure) where failure.requestID == nil:
            failure.requestID = requestID
            return QueueError.transport(failure)
        default:
            return error
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

    /// Cancels on the server from a task that is not itself cancelled, giving up after
    /// `configuration.cancelTimeout` (an unanswered cancel must not hold the caller) and saying so.
    func cancelDetached<Output>(_ job: QueueJob<Output>, reason: String, attempts: Int? = nil) async {
        var logger = configuration.logger
        logger[metadataKey: "request_id"] = "\(job.requestID)"
        logger.info("cancelling on the server", metadata: ["reason": "\(reason)"])
        var configuration = configuration
        if let attempts { configuration.retryPolicy.maxAttempts = attempts }
        let client = QueueClient(configuration: configuration)
        let limit = configuration.cancelTimeout
        let outcome = await Task { () -> Result<CancelOutcome, any Error> in
            do { return .success(try await withDeadline(ContinuousClock.now + limit) { try await client.cancel(job) }) } catch { return .failure(error) }
        }.value
        switch outcome {
        case .success: break
        case .failure(let error) where error is DeadlineExceeded:
            logger.warning("gave up on the cancel: no answer within \(limit)")
        case .failure(let error):
            logger.warning("cancel on the server failed", metadata: ["error": "\(error)"])
        }
    }
}

/// The client deadline passed.
struct DeadlineExceeded: Error {}

/// Runs `operation`, throwing `DeadlineExceeded` once `deadline` passes, at once: not after
/// `operation` has noticed its cancellation (a wait that ignores it would stretch the deadline).
func withDeadline<Value: Sendable>(
    _ deadline: ContinuousClock.Instant?, _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    guard let deadline else { return try await operation() }
    return try await race(deadline - ContinuousClock.now, onTimeout: { DeadlineExceeded() }, operation)
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

    private var sawCompleted = false
    private var submitting: Task<QueueJob<Output>, any Error>?

    /// The submit's task, so a deadline can wait for it briefly and then cancel it.
    func setSubmit(_ task: Task<QueueJob<Output>, any Error>) {
        lock.lock()
        submitting = task
        lock.unlock()
    }

    var submitTask: Task<QueueJob<Output>, any Error>? {
        lock.lock()
        defer { lock.unlock() }
        return submitting
    }

    /// The job reported `COMPLETED`: there is nothing left to cancel.
    func markCompleted() {
        lock.lock()
        sawCompleted = true
        lock.unlock()
    }

    var completed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return sawCompleted
    }
}
