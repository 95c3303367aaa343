import Foundation

/// Where a batch keeps its rows, so that a killed process, or another machine, can continue it.
///
/// Every state change is durable when the call returns: `markSubmitting` in particular is synced
/// before the POST it announces. Rows are claimed by one worker at a time under a lease (`owner`,
/// renewed by `renewLease`); a worker that stops renewing loses its rows to the others.
public protocol BatchJournal: Sendable {
    /// Opens or creates the batch; `nil` when it exists and its rows are registered. Throws when
    /// the journal holds a batch of that name for another endpoint or another input file.
    func open(_ info: BatchInfo) async throws -> BatchInfo?
    /// The batch's stored description, or `nil` when there is no such batch.
    func info(batch: String) async throws -> BatchInfo?
    /// Adds pending rows (lines already present are left as they are).
    func insertPending(_ rows: [(line: Int, input: String)], batch: String) async throws
    /// Adds rows that failed validation (`--skip-invalid`) as failed.
    func insertInvalid(_ rows: [(line: Int, input: String, error: String)], batch: String) async throws
    /// Records that every line is in the journal, so a resume skips registering them.
    func finishRegistration(batch: String) async throws
    /// After a crash: `submitting` rows whose holder is gone become `unknown`; with
    /// `resubmitUnknown`, unknown rows go back to pending and are counted as resubmitted.
    /// Returns the unknown rows left (with `resubmitUnknown`, none).
    func recover(batch: String, worker: String, resubmitUnknown: Bool) async throws -> Int
    /// Up to `limit` rows for `worker` to work on, pending or submitted, none held by another
    /// live worker; each is held under the worker's lease until it leaves the row.
    func claim(batch: String, worker: String, limit: Int) async throws -> [BatchRow]
    /// Whether rows that are not finished are held by other workers (a worker waits for their
    /// lease rather than stopping).
    func othersHoldUnfinished(batch: String, worker: String) async throws -> Bool
    /// Extends the lease on every row `worker` holds.
    func renewLease(batch: String, worker: String) async throws
    /// Synced before the POST: the row is `submitting`, one more attempt.
    func markSubmitting(batch: String, line: Int) async throws
    /// The service accepted the row's POST.
    func markSubmitted(batch: String, line: Int, requestID: String) async throws
    /// The row's output, and the files saved for it.
    func markCompleted(batch: String, line: Int, output: String, files: [String]) async throws
    /// A failure: back to pending for another attempt when `retry`, else failed for good.
    func markFailed(batch: String, line: Int, error: String, retry: Bool) async throws
    /// The POST may have made a job: the row is `unknown`.
    func markUnknown(batch: String, line: Int, error: String) async throws
    /// The worker lets go of the row without a change of state (it is claimed again later).
    func release(batch: String, line: Int, restoringState: RowState) async throws
    /// Rows in each state.
    func counts(batch: String) async throws -> BatchCounts
    /// Rows with `line` greater than `after`, in order, at most `limit` (for the manifest).
    func rows(batch: String, after: Int, limit: Int) async throws -> [BatchRow]
    /// Unknown rows' lines, in order (for `status`).
    func unknownLines(batch: String, limit: Int) async throws -> [Int]
    /// Failed rows go back to pending with their attempts reset; returns how many.
    func retryFailed(batch: String) async throws -> Int
}

/// Opens the journal a `--journal` value names.
public enum JournalLocation {
    /// A `postgres://` URL names a PostgreSQL journal; anything else is a SQLite file path.
    public static func isPostgres(_ value: String) -> Bool {
        value.hasPrefix("postgres://") || value.hasPrefix("postgresql://")
    }
}
