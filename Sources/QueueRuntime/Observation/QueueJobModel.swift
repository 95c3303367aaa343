import Foundation
import Observation

/// One queue job as an observable value for a user interface: run a new job or resume one by
/// request id, then read its phase, queue position, logs, elapsed time and typed output or error,
/// and cancel it. A SwiftUI view that reads these properties redraws when they change.
///
/// ```swift
/// @State private var job = QueueJobModel(client: client, endpoint: .flux1Schnell)
/// // in a button: job.start(Flux1Schnell.Input(prompt: prompt))
/// // in the body: switch job.phase { case .queued(let position): … case .completed: … }
/// ```
///
/// Main-actor isolated: every property changes on the main actor, in the order the service
/// reported it. The job is followed by the client's own `complete(_:onUpdate:)`, so status
/// streaming, polling fallback, retries and failure handling are the client's.
@available(macOS 14, iOS 17, tvOS 17, watchOS 10, *)
@MainActor
@Observable
public final class QueueJobModel<Input: QueueInput, Output: QueueModel> {
    /// Where the job is.
    public enum Phase: Sendable, Equatable {
        /// Not started.
        case idle
        /// The submit is on its way.
        case submitting
        /// Waiting; `position` requests are ahead when the service says so.
        case queued(position: Int?)
        /// Running.
        case running
        /// Finished; `output` holds the result.
        case completed
        /// Failed; `error` says why.
        case failed
        /// Cancelled by `cancel()`.
        case cancelled

        /// Whether the job is over (completed, failed or cancelled).
        public var isFinished: Bool { self == .completed || self == .failed || self == .cancelled }
    }

    /// The client that runs the job.
    public let client: QueueClient
    /// The endpoint the job runs on.
    public let endpoint: QueueEndpoint<Input, Output>

    /// Where the job is.
    public private(set) var phase: Phase = .idle
    /// The request id, once the service accepted the job (store it to resume later).
    public private(set) var requestID: String?
    /// The last status the service reported.
    public private(set) var status: QueueStatus?
    /// Requests ahead of this one, while queued.
    public var queuePosition: Int? { if case .queued(let position) = phase { position } else { nil } }
    /// Every log line reported so far, oldest first.
    public private(set) var logs: [LogEntry] = []
    /// The output, once completed.
    public private(set) var output: Output?
    /// Why the job failed (or `.cancelled`), once it did.
    public private(set) var error: QueueError?
    /// When `start` or `resume` was called.
    public private(set) var startedAt: ContinuousClock.Instant?
    /// When the job finished, whatever the outcome.
    public private(set) var finishedAt: ContinuousClock.Instant?

    @ObservationIgnored private var task: Task<Void, Never>?
    @ObservationIgnored private var cancelling: Task<Void, Never>?
    @ObservationIgnored private var job: QueueJob<Output>?

    /// A model for jobs on `endpoint`, run by `client`.
    public init(client: QueueClient, endpoint: QueueEndpoint<Input, Output>) {
        self.client = client
        self.endpoint = endpoint
    }

    /// Time since the start, up to the finish once finished; zero before the start. Not observed
    /// by itself (it changes every instant): a view that shows a running clock reads it inside a
    /// `TimelineView`.
    public var elapsed: Duration {
        guard let startedAt else { return .zero }
        return (finishedAt ?? .now) - startedAt
    }

    /// Submits `input` and follows the job. Does nothing while a job is running; a finished model
    /// starts over. Invalid input fails at once with `.invalidInput`, and nothing is sent.
    public func start(_ input: Input, options: SubmitOptions = SubmitOptions()) {
        guard begin() else { return }
        let issues = input.validate()
        guard issues.isEmpty else {
            finish(.failed, error: .invalidInput(issues))
            return
        }
        phase = .submitting
        let client = client, endpoint = endpoint
        task = Task { [weak self] in
            do {
                let job = try await client.submit(endpoint, input, options: options)
                self?.accepted(job)
                await self?.follow(job)
            } catch {
                self?.finish(error)
            }
        }
    }

    /// Follows a job submitted earlier (by this app, maybe before a restart) from its request id.
    public func resume(requestID: String) {
        guard begin() else { return }
        let job = client.job(resuming: requestID, endpoint: endpoint)
        accepted(job)
        task = Task { [weak self] in await self?.follow(job) }
    }

    /// Cancels the job: stops following it and asks the service to cancel it (a job already
    /// running may still finish there). The phase becomes `.cancelled` at once.
    public func cancel() {
        guard !phase.isFinished, phase != .idle else { return }
        task?.cancel()
        task = nil
        let job = job
        finish(.cancelled, error: .cancelled(requestID: job?.requestID))
        if let job {
            let client = client
            cancelling = Task { _ = try? await client.cancel(job) }
        }
    }

    /// Waits until the job is over, and a cancel has reached the service (for tests and scripts;
    /// a view observes `phase` instead).
    public func finished() async {
        await task?.value
        await cancelling?.value
    }

    // MARK: Steps

    private func begin() -> Bool {
        if task != nil, !phase.isFinished, phase != .idle { return false }
        phase = .idle
        requestID = nil
        status = nil
        logs = []
        output = nil
        error = nil
        finishedAt = nil
        job = nil
        startedAt = .now
        return true
    }

    private func accepted(_ job: QueueJob<Output>) {
        guard !phase.isFinished else { return }
        self.job = job
        requestID = job.requestID
        phase = .queued(position: nil)
    }

    /// The client's own follow-and-fetch, with its updates handed to the main actor in order.
    private func follow(_ job: QueueJob<Output>) async {
        let (updates, continuation) = AsyncStream.makeStream(of: QueueStatus.self, bufferingPolicy: .unbounded)
        let client = client
        let fetching = Task { try await client.complete(job) { continuation.yield($0) } }
        // Ends when `complete` returns or throws, so every update is applied before the outcome.
        Task {
            _ = await fetching.result
            continuation.finish()
        }
        await withTaskCancellationHandler {
            for await status in updates { apply(status) }
        } onCancel: {
            fetching.cancel()
        }
        switch await fetching.result {
        case .success(let value):
            guard !phase.isFinished else { return }
            output = value
            finish(.completed, error: nil)
        case .failure(let failure):
            finish(failure)
        }
    }

    private func apply(_ status: QueueStatus) {
        guard !phase.isFinished else { return }
        self.status = status
        if let lines = status.logs, lines.count > logs.count, lines.starts(with: logs) {
            logs = lines
        } else if let lines = status.logs, !lines.starts(with: logs) {
            // A stream that sends only new lines rather than all of them.
            logs += lines
        }
        switch status.state {
        case .inQueue: phase = .queued(position: status.queuePosition)
        case .inProgress, .completed, .unknown: phase = .running
        }
    }

    private func finish(_ failure: any Error) {
        guard !phase.isFinished else { return }
        if let failure = failure as? QueueError {
            finish(.failed, error: failure)
        } else if failure is CancellationError {
            finish(.cancelled, error: .cancelled(requestID: requestID))
        } else {
            // `complete` throws `QueueError`s; anything else is reported as a failure to follow the job.
            let description = String(describing: failure)
            finish(.failed, error: .transport(TransportFailure(
                operation: "following the job", underlying: failure, notSent: false, description: description, requestID: requestID)))
        }
    }

    private func finish(_ phase: Phase, error: QueueError?) {
        self.phase = phase
        self.error = error
        finishedAt = .now
    }
}
