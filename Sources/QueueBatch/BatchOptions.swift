import Foundation

/// How a batch runs.
public struct BatchOptions: Sendable {
    /// The batch's name in the journal.
    public var batch: String
    /// The most jobs in flight (`--concurrency`); 429s lower it for a while.
    public var concurrency: Int
    /// POSTs per input at most, where failures are retryable (`--max-attempts`).
    public var maxAttempts: Int
    /// Resubmit rows whose POST may have made a job (`--resubmit-unknown`).
    public var resubmitUnknown: Bool
    /// Save the files outputs reference (`--download`).
    public var download: Bool
    /// This worker's name in the journal's leases; unique per process.
    public var worker: String
    /// How often the lease on claimed rows is renewed (a third of the journal's lease or less).
    public var leaseRenewal: Duration
    /// How long to wait before looking again for rows that other workers hold.
    public var othersPollInterval: Duration

    /// The defaults: 16 in flight, 3 attempts, a worker name from the host and the process.
    public init(
        batch: String = "default", concurrency: Int = 16, maxAttempts: Int = 3, resubmitUnknown: Bool = false, download: Bool = false,
        worker: String? = nil, leaseRenewal: Duration = .seconds(5), othersPollInterval: Duration = .seconds(1)
    ) {
        self.batch = batch
        self.concurrency = max(1, concurrency)
        self.maxAttempts = max(1, maxAttempts)
        self.resubmitUnknown = resubmitUnknown
        self.download = download
        self.worker = worker ?? Self.defaultWorker()
        self.leaseRenewal = leaseRenewal
        self.othersPollInterval = othersPollInterval
    }

    /// A worker name unique to this process: host, process id and a random number.
    public static func defaultWorker() -> String {
        let info = ProcessInfo.processInfo
        return "\(info.hostName)-\(info.processIdentifier)-\(UInt32.random(in: 0 ... .max))"
    }
}

/// How a run of a batch ended.
public struct BatchSummary: Sendable {
    /// The rows by state at the end.
    public var counts: BatchCounts
    /// What this run did.
    public var run: ProgressSnapshot
    /// What the concurrency went through.
    public var concurrency: ConcurrencyStatistics
    /// Whether the run stopped early (Ctrl-C) with rows left.
    public var stopped: Bool
    /// Unknown rows left (not resubmitted: without `--resubmit-unknown`).
    public var unknownLines: [Int]
}
