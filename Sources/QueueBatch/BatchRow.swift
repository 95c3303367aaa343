import Foundation

/// Where one input of a batch is: the journaled states of the issue.
///
/// `pending → submitting → submitted → completed | failed`; `unknown` is a row whose POST may
/// have reached the service but whose answer never came back (the process died in between).
public enum RowState: String, Sendable, Hashable, CaseIterable {
    /// Not sent yet (or sent, failed retryably, and waiting for another attempt).
    case pending
    /// Journaled, and synced, just before its POST: after a crash it becomes `unknown`.
    case submitting
    /// The service accepted it: the request id is known and is followed, never resubmitted.
    case submitted
    /// The output is in the journal and in `DIR/<line>.json`.
    case completed
    /// Failed for good (not retryable, or out of attempts), or invalid with `--skip-invalid`.
    case failed
    /// A POST without an answer: a job may exist on the service. Not resubmitted unless asked.
    case unknown
}

/// One input of a batch as the journal holds it.
public struct BatchRow: Sendable, Hashable {
    /// The 1-based line of the input file.
    public var line: Int
    /// The input object, as the line held it.
    public var input: String
    /// Where the row is.
    public var state: RowState
    /// The request id, once the service gave one.
    public var requestID: String?
    /// POSTs made for this row so far.
    public var attempts: Int
    /// The output JSON, once completed.
    public var output: String?
    /// The files saved for the output (`--download`), as a JSON array of file names.
    public var files: [String]
    /// The last error, for failed and unknown rows.
    public var error: String?
    /// How many times this row was resubmitted after being `unknown` (`--resubmit-unknown`).
    public var resubmitted: Int

    /// Makes a row from its parts.
    public init(
        line: Int, input: String, state: RowState, requestID: String? = nil, attempts: Int = 0, output: String? = nil,
        files: [String] = [], error: String? = nil, resubmitted: Int = 0
    ) {
        self.line = line
        self.input = input
        self.state = state
        self.requestID = requestID
        self.attempts = attempts
        self.output = output
        self.files = files
        self.error = error
        self.resubmitted = resubmitted
    }
}

/// How many rows are in each state: what `queue-batch status` prints.
public struct BatchCounts: Sendable, Hashable, Codable {
    /// Rows not sent yet.
    public var pending = 0
    /// Rows being submitted or followed (`submitting` and `submitted`).
    public var running = 0
    /// Rows with their output.
    public var completed = 0
    /// Rows failed for good.
    public var failed = 0
    /// Rows whose POST may or may not have made a job.
    public var unknown = 0
    /// Resubmissions of unknown rows (`--resubmit-unknown`), over the batch's life.
    public var resubmitted = 0

    /// All counts zero.
    public init() {}

    /// Every row of the batch.
    public var total: Int { pending + running + completed + failed + unknown }

    /// The JSON object `status --json` prints, keys in a fixed order.
    public var json: String {
        "{\"pending\":\(pending),\"running\":\(running),\"completed\":\(completed),\"failed\":\(failed),\"unknown\":\(unknown),\"resubmitted\":\(resubmitted)}"
    }
}

/// What a batch is: stored once, checked on every resume so that a journal is never continued
/// with another endpoint or another input file.
public struct BatchInfo: Sendable, Hashable {
    /// The batch's name (`--batch`, `default` without it).
    public var name: String
    /// The endpoint every row is submitted to.
    public var endpointID: String
    /// A digest of the input file's bytes (FNV-1a, 64 bits): a different file is refused.
    public var inputDigest: String
    /// The number of input lines.
    public var lineCount: Int
    /// The output folder of the first run (what `retry-failed` writes into).
    public var outputFolder: String
    /// Whether files an output references are saved.
    public var download: Bool

    /// Makes a value from its parts.
    public init(name: String, endpointID: String, inputDigest: String, lineCount: Int, outputFolder: String, download: Bool) {
        self.name = name
        self.endpointID = endpointID
        self.inputDigest = inputDigest
        self.lineCount = lineCount
        self.outputFolder = outputFolder
        self.download = download
    }
}

/// Everything a journal can fail with, saying where and what.
public struct BatchError: Error, Sendable, CustomStringConvertible {
    /// The message.
    public var description: String

    /// An error with `description`.
    public init(_ description: String) {
        self.description = description
    }
}
