import Foundation
import QueueRuntime

/// What became of one claimed row.
enum RowOutcome: Sendable {
    case completed
    case failed
    case unknown
    /// A failed attempt went back to pending.
    case retried
    /// Let go without a change (stopped, or not accepted by the service yet).
    case released
    /// The journal could not record a change: the run stops.
    case journalFailure(String)
}

/// Where a row's task is: done with the service (its slot is free) with its output still to
/// record, or finished.
enum RowStep: Sendable {
    /// The job's output arrived: the rest (its file, its journal entry) needs no slot.
    case recording(@Sendable () async -> RowOutcome)
    /// A row that held its slot to the end.
    case finished(RowOutcome)
    /// A row that recorded its output.
    case recorded(RowOutcome)
}

/// Runs a batch from its journal: claims rows, submits them with the runtime's `submit`, follows
/// them with `complete` (resumed ones through `job(resuming:)`), and journals every step.
public final class BatchRunner: Sendable {
    let client: QueueClient
    let journal: any BatchJournal
    let endpoint: QueueEndpoint<RawInput, RawOutput>
    let folder: OutputFolder
    let options: BatchOptions
    /// The in-flight limit (AIMD on 429).
    public let limit: ConcurrencyLimit
    /// What the run has done so far.
    public let progress = BatchProgress()
    private let control = StopControl()

    /// A runner for the batch `options.batch` of `journal`, submitting to `endpointID`.
    public init(client: QueueClient, journal: any BatchJournal, endpointID: String, folder: OutputFolder, options: BatchOptions) throws {
        guard let id = EndpointID(endpointID) else { throw BatchError("not an endpoint id (owner/alias[/path]): \(endpointID)") }
        limit = ConcurrencyLimit(ceiling: options.concurrency)
        var configuration = client.configuration
        configuration.middlewares.append(ThrottleObserver(limit: limit))
        self.client = QueueClient(configuration: configuration)
        self.journal = journal
        endpoint = QueueEndpoint(id: id)
        self.folder = folder
        self.options = options
    }

    /// Stops claiming rows; the jobs in flight finish (Ctrl-C). Cancel the task that awaits `run`
    /// to also cancel those on the server (a second Ctrl-C).
    public func stopSubmitting() async { await control.stop() }

    /// Runs until every row is finished (or `stopSubmitting`), then writes the manifest.
    public func run() async throws -> BatchSummary {
        let batch = options.batch
        _ = try await journal.recover(batch: batch, worker: options.worker, resubmitUnknown: options.resubmitUnknown)
        await progress.begin(try await journal.counts(batch: batch))
        let renewal = Task { [journal, options] in
            while !Task.isCancelled {
                try? await Task.sleep(for: options.leaseRenewal)
                try? await journal.renewLease(batch: batch, worker: options.worker)
            }
        }
        let failure = await loop()
        renewal.cancel()
        let stopped = await control.isStopped
        // The manifest and the summary are written even after a second Ctrl-C.
        let summary = try await Task { [journal, folder, limit, progress] in
            try await Manifest.write(batch: batch, journal: journal, folder: folder)
            let counts = try await journal.counts(batch: batch)
            return BatchSummary(
                counts: counts, run: await progress.current(), concurrency: await limit.counted,
                stopped: stopped && counts.pending + counts.running > 0, unknownLines: try await journal.unknownLines(batch: batch, limit: 1_000))
        }.value
        if let failure { throw BatchError("the journal failed, the batch stopped (run the command again to resume): \(failure)") }
        return summary
    }

    /// Claims and runs rows until none is left; returns the journal failure that stopped it, if any.
    private func loop() async -> String? {
        let batch = options.batch
        let worker = options.worker
        // Rows are claimed in chunks and handed out as room frees up: one journal query per
        // chunk rather than per job.
        let chunk = max(8, min(128, options.concurrency * 2))
        return await withTaskGroup(of: RowStep.self) { group in
            // Rows with a slot: from the claim to their output's arrival. A row whose output is
            // being recorded (file, journal) gives its slot to the next row, as a plain loop over
            // `run` would: the service counts jobs, not journal writes.
            var inFlight = 0
            // Rows recording their outputs; bounded, so a slow journal slows the claims down.
            var recording = 0
            let recordingBound = max(8, options.concurrency * 2)
            var drained = false
            var failure: String?
            var buffered: [BatchRow] = []
            while true {
                let stopping = await control.isStopped || failure != nil || Task.isCancelled
                if !stopping, !drained || !buffered.isEmpty, recording < recordingBound {
                    if let pause = await limit.pause() {
                        try? await Task.sleep(for: pause)
                        continue
                    }
                    let room = await limit.current - inFlight
                    if room > 0 {
                        if buffered.isEmpty {
                            do {
                                buffered = try await journal.claim(batch: batch, worker: worker, limit: max(room, chunk))
                            } catch {
                                failure = "\(error)"
                                continue
                            }
                        }
                        if buffered.isEmpty { drained = true } else {
                            for row in buffered.prefix(room) {
                                inFlight += 1
                                await limit.started(inFlight: inFlight)
                                await progress.startedJob()
                                group.addTask { await self.process(row) }
                            }
                            buffered.removeFirst(min(room, buffered.count))
                            continue
                        }
                    }
                }
                if inFlight + recording == 0 {
                    if stopping { break }
                    // Rows held by other workers: wait for them to finish or for their lease to run out.
                    let waiting = (try? await journal.othersHoldUnfinished(batch: batch, worker: worker)) ?? false
                    guard waiting else { break }
                    try? await Task.sleep(for: options.othersPollInterval)
                    _ = try? await journal.recover(batch: batch, worker: worker, resubmitUnknown: options.resubmitUnknown)
                    drained = false
                    continue
                }
                guard let step = await group.next() else { break }
                let outcome: RowOutcome
                switch step {
                case .recording(let record):
                    inFlight -= 1
                    recording += 1
                    group.addTask { .recorded(await record()) }
                    continue
                case .finished(let finished):
                    inFlight -= 1
                    outcome = finished
                case .recorded(let recorded):
                    recording -= 1
                    outcome = recorded
                }
                drained = false
                await progress.finished(outcome)
                if case .journalFailure(let text) = outcome, failure == nil { failure = text }
            }
            // Claimed but not started (a stop): let the other workers have them now.
            for row in buffered {
                try? await journal.release(batch: batch, line: row.line, restoringState: row.state)
            }
            return failure
        }
    }

    // MARK: One row

    /// Submits a pending row, or follows a submitted one, and journals what happened.
    func process(_ row: BatchRow) async -> RowStep {
        do {
            if row.state == .submitted, let requestID = row.requestID {
                // Resumed: followed by its request id, never submitted again.
                return try await follow(client.job(resuming: requestID, endpoint: endpoint), row: row, attempts: row.attempts)
            }
            return try await submit(row)
        } catch {
            return .finished(.journalFailure("line \(row.line): \(error)"))
        }
    }

    private func submit(_ row: BatchRow) async throws -> RowStep {
        let batch = options.batch
        let input: RawInput
        do { input = try RawInput(line: row.input) } catch {
            try await journal.markFailed(batch: batch, line: row.line, error: "the journaled input is not JSON: \(error)", retry: false)
            return .finished(.failed)
        }
        let stopped = await control.isStopped
        if Task.isCancelled || stopped {
            try await journal.release(batch: batch, line: row.line, restoringState: .pending)
            return .finished(.released)
        }
        // Synced before the POST: a crash from here on leaves the row `unknown`, not pending.
        try await journal.markSubmitting(batch: batch, line: row.line)
        let attempts = row.attempts + 1
        let job: QueueJob<RawOutput>
        do {
            // Not cancelled with the run (a second Ctrl-C): a POST on its way must report its
            // request id, so that its job is cancelled on the server rather than left unknown.
            job = try await Task { [client, endpoint] in try await client.submit(endpoint, input) }.value
        } catch {
            switch SubmitFailure(error) {
            case .notAccepted(let text):
                // Provably not a job (refused connection, 429 after the runtime's retries).
                if attempts >= options.maxAttempts {
                    try await durably { try await self.journal.markFailed(batch: batch, line: row.line, error: text, retry: false) }
                    return .finished(.failed)
                }
                try await durably { try await self.journal.release(batch: batch, line: row.line, restoringState: .pending) }
                return .finished(.released)
            case .rejected(let text):
                try await durably { try await self.journal.markFailed(batch: batch, line: row.line, error: text, retry: false) }
                return .finished(.failed)
            case .ambiguous(let text):
                try await durably { try await self.journal.markUnknown(batch: batch, line: row.line, error: text) }
                return .finished(.unknown)
            }
        }
        await limit.succeeded()
        // The request id is journaled at once, and the job is followed meanwhile: the row's next
        // change waits for this one (so they commit in order), the job does not. Until it commits,
        // a crash leaves the row `submitting`, as a crash just before the answer would.
        let recorded = Task { [journal] in try await journal.markSubmitted(batch: batch, line: row.line, requestID: job.requestID) }
        return try await follow(job, row: row, attempts: attempts, recorded: recorded)
    }

    /// Follows `job` to its end; a failure is journaled here, an output by the `recording` step
    /// this returns. `recorded`, when given, is the journaling of its request id, which every
    /// later change of the row waits for.
    private func follow(
        _ job: QueueJob<RawOutput>, row: BatchRow, attempts: Int, recorded: Task<Void, any Error>? = nil
    ) async throws -> RowStep {
        let batch = options.batch
        let output: RawOutput
        do {
            output = try await client.complete(job)
        } catch QueueError.jobFailed(let failure) {
            let retry = Self.isRetryable(failure) && attempts < options.maxAttempts
            try await change(recorded) { try await self.journal.markFailed(batch: batch, line: row.line, error: failure.description, retry: retry) }
            return .finished(retry ? .retried : .failed)
        } catch QueueError.http(let failure) where failure.status == 404 {
            try await change(recorded) {
                try await self.journal.markFailed(
                    batch: batch, line: row.line, error: "the service does not know request \(job.requestID) (404)", retry: false)
            }
            return .finished(.failed)
        } catch {
            return .finished(try await followFailed(error, job: job, row: row, recorded: recorded))
        }
        return .recording { [self] in
            do {
                return try await self.record(output, job: job, row: row, recorded: recorded)
            } catch {
                return .journalFailure("line \(row.line): \(error)")
            }
        }
    }

    /// Writes the output's file (and downloads), then journals the row completed.
    private func record(_ output: RawOutput, job: QueueJob<RawOutput>, row: BatchRow, recorded: Task<Void, any Error>?) async throws -> RowOutcome {
        let batch = options.batch
        do {
            let text = OutputText.json(output.value)
            try folder.writeOutput(text, line: row.line)
            let files = options.download ? try await folder.download(output.value, line: row.line, client: client) : []
            try await change(recorded) { try await self.journal.markCompleted(batch: batch, line: row.line, output: text, files: files) }
            return .completed
        } catch {
            return try await followFailed(error, job: job, row: row, recorded: recorded)
        }
    }

    /// Following or recording `job` failed: on a second Ctrl-C the job is cancelled on the server;
    /// otherwise the row stays submitted and is followed again, unless that keeps failing.
    private func followFailed(_ error: any Error, job: QueueJob<RawOutput>, row: BatchRow, recorded: Task<Void, any Error>?) async throws -> RowOutcome {
        let batch = options.batch
        if Task.isCancelled {
            // The row stays submitted, so a resume follows the request id and finds what became of it.
            _ = await Task { [client] in try? await client.cancel(job) }.value
            try await change(recorded) { try await self.journal.release(batch: batch, line: row.line, restoringState: .submitted) }
            return .released
        }
        let failures = await control.followFailed(line: row.line)
        if failures >= options.maxAttempts {
            try await change(recorded) {
                try await self.journal.markFailed(
                    batch: batch, line: row.line, error: "following request \(job.requestID) failed: \(error)", retry: false)
            }
            return .failed
        }
        try await change(recorded) { try await self.journal.release(batch: batch, line: row.line, restoringState: .submitted) }
        return .released
    }

    /// A change of a row after its request id's journaling (`recorded`, which a cancellation does
    /// not stop): the row's changes are made in order, and a failed one stops the run.
    private func change(_ recorded: Task<Void, any Error>?, _ write: @escaping @Sendable () async throws -> Void) async throws {
        try await recorded?.value
        try await durably(write)
    }

    /// Runs a journal write even when the calling task was cancelled (a second Ctrl-C): what
    /// happened to a row must be recorded whatever the user asks next.
    private func durably(_ write: @escaping @Sendable () async throws -> Void) async throws {
        if Task.isCancelled { try await Task { try await write() }.value } else { try await write() }
    }

    /// Whether another attempt can succeed where this job failed: not for the input's fault.
    static func isRetryable(_ failure: JobFailure) -> Bool {
        if let retryable = failure.response?.retryable { return retryable }
        if let status = failure.response?.status, (400..<500).contains(status) { return [408, 409, 429].contains(status) }
        if let type = failure.errorType, type.contains("validation") || type == "client_cancelled" { return false }
        return true
    }
}

/// Why a submit did not return a job, sorted by what it means for the row.
enum SubmitFailure {
    /// The service provably did not take it: try again later.
    case notAccepted(String)
    /// The service refused the input, or the client refused to send it: retrying cannot help.
    case rejected(String)
    /// A job may exist: the row is `unknown`.
    case ambiguous(String)

    init(_ error: any Error) {
        let text = "\(error)"
        switch error {
        case QueueError.http(let failure):
            if failure.status == 429 || (failure.status == 503 && failure.requestID == nil) {
                self = .notAccepted(text)
            } else if (400..<500).contains(failure.status), ![408, 409].contains(failure.status) {
                self = .rejected(text)
            } else {
                self = .ambiguous(text)
            }
        case QueueError.transport(let failure): self = failure.notSent ? .notAccepted(text) : .ambiguous(text)
        case QueueError.invalidInput, QueueError.insecureURL, QueueError.foreignHost: self = .rejected(text)
        default: self = .ambiguous(text)
        }
    }
}

/// The first Ctrl-C, and the follow failures per row.
actor StopControl {
    private(set) var isStopped = false
    private var followFailures: [Int: Int] = [:]

    func stop() { isStopped = true }

    func followFailed(line: Int) -> Int {
        followFailures[line, default: 0] += 1
        return followFailures[line]!
    }
}
