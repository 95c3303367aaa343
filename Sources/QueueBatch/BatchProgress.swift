import Foundation

/// What a run has done so far: read by the progress display while the run goes on.
public actor BatchProgress {
    private var snapshot = ProgressSnapshot()
    private var started = ContinuousClock.now

    /// An empty progress.
    public init() {}

    func begin(_ counts: BatchCounts) {
        started = .now
        snapshot = ProgressSnapshot()
        snapshot.total = counts.total
        snapshot.doneBefore = counts.completed + counts.failed + counts.unknown
    }

    func startedJob() { snapshot.inFlight += 1 }

    func finished(_ outcome: RowOutcome) {
        snapshot.inFlight -= 1
        switch outcome {
        case .completed: snapshot.completed += 1
        case .failed: snapshot.failed += 1
        case .unknown: snapshot.unknown += 1
        case .retried: snapshot.retried += 1
        case .released, .journalFailure: break
        }
    }

    /// The numbers now, with the rate since the run started.
    public func current() -> ProgressSnapshot {
        var copy = snapshot
        let elapsed = ContinuousClock.now - started
        copy.elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return copy
    }
}

/// One reading of a run's progress.
public struct ProgressSnapshot: Sendable, Hashable {
    /// Rows in the batch.
    public var total = 0
    /// Rows finished (completed, failed or unknown) before this run started.
    public var doneBefore = 0
    /// Rows completed in this run.
    public var completed = 0
    /// Rows failed for good in this run.
    public var failed = 0
    /// Rows left unknown in this run.
    public var unknown = 0
    /// Failed attempts that went back to pending for another one.
    public var retried = 0
    /// Jobs in flight now.
    public var inFlight = 0
    /// Seconds since the run started.
    public var elapsedSeconds = 0.0

    /// Rows finished, this run and before.
    public var done: Int { doneBefore + completed + failed + unknown }
    /// Rows finished per second in this run.
    public var rate: Double { elapsedSeconds > 0 ? Double(completed + failed + unknown) / elapsedSeconds : 0 }
    /// Seconds left at the current rate, if there is one.
    public var etaSeconds: Double? { rate > 0 ? Double(max(0, total - done)) / rate : nil }

    /// One line for people: `812/10000 done · 143.2/s · ETA 1m04s · 16 in flight · 2 failed`.
    public var line: String {
        var text = "\(done)/\(total) done · " + String(format: "%.1f/s", rate)
        if let eta = etaSeconds { text += " · ETA " + Self.duration(eta) }
        text += " · \(inFlight) in flight"
        if failed > 0 { text += " · \(failed) failed" }
        if unknown > 0 { text += " · \(unknown) unknown" }
        return text
    }

    /// One JSON object for machines (`--json-progress`).
    public var json: String {
        "{\"done\":\(done),\"total\":\(total),\"completed\":\(completed),\"failed\":\(failed),\"unknown\":\(unknown),\"retried\":\(retried),\"in_flight\":\(inFlight),\"rate\":"
            + String(format: "%.2f", rate) + ",\"eta_seconds\":" + (etaSeconds.map { String(format: "%.0f", $0) } ?? "null") + "}"
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 3600 { return "\(whole / 3600)h\(String(format: "%02d", whole / 60 % 60))m" }
        if whole >= 60 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole)s"
    }
}
