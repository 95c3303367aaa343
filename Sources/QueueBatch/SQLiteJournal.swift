import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded journal: one SQLite file in WAL mode, for one process at a time.
///
/// `synchronous = NORMAL` in WAL mode makes every commit durable against a killed process (the
/// case this journal is for: the data is in the WAL file before the call returns); against a
/// power cut the last commits may be lost, and a lost `submitting` mark would let a resume send
/// that row again. `durability: .full` closes that gap at the cost of an fsync per state change.
/// A lock file next to the journal keeps a second process from working on it at the same time.
public final class SQLiteJournal: BatchJournal {
    /// How hard commits are pushed to the disk.
    public enum Durability: Sendable {
        /// Durable against a killed process.
        case processCrash
        /// Durable against a power cut too (an fsync per commit).
        case full
    }

    let pool: DatabasePool
    private let commits: GroupCommit
    private let lock: JournalLock?
    /// How long a claim holds a row without renewal.
    let lease: Double

    /// Opens (creating and migrating) the journal at `path`; `exclusive` takes the lock that keeps
    /// other processes from running the same journal (a `status` reader does not need it).
    public init(path: String, exclusive: Bool = true, durability: Durability = .processCrash, lease: Duration = .seconds(30)) throws {
        if exclusive { lock = try JournalLock(path: path + ".lock") } else { lock = nil }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let synchronous = durability == .full ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        do { pool = try DatabasePool(path: path, configuration: configuration) } catch {
            throw BatchError("cannot open the journal \(path): \(error)")
        }
        self.lease = Double(lease.components.seconds)
        commits = GroupCommit(pool: pool)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE batches (name TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, input_digest TEXT NOT NULL,
                      line_count INTEGER NOT NULL, output_folder TEXT NOT NULL, download INTEGER NOT NULL,
                      registered INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE batch_rows (batch TEXT NOT NULL, line INTEGER NOT NULL, input TEXT NOT NULL, state TEXT NOT NULL,
                      request_id TEXT, attempts INTEGER NOT NULL DEFAULT 0, output TEXT, files TEXT, error TEXT,
                      resubmitted INTEGER NOT NULL DEFAULT 0, owner TEXT, lease_until REAL,
                      PRIMARY KEY (batch, line)) WITHOUT ROWID;
                    CREATE INDEX batch_rows_state ON batch_rows(batch, state, line);
                    """)
        }
        return migrator
    }

    private var now: Double { Date().timeIntervalSince1970 }

    public func open(_ info: BatchInfo) async throws -> BatchInfo? {
        try await pool.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE name = ?", arguments: [info.name]) {
                let stored = Self.info(row)
                try BatchInfoCheck.same(stored, info)
                let registered: Bool = row["registered"]
                return registered ? stored : nil
            }
            try db.execute(
                sql: "INSERT INTO batches (name, endpoint_id, input_digest, line_count, output_folder, download) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [info.name, info.endpointID, info.inputDigest, info.lineCount, info.outputFolder, info.download])
            return nil
        }
    }

    public func info(batch: String) async throws -> BatchInfo? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM batches WHERE name = ?", arguments: [batch]).map(Self.info)
        }
    }

    static func info(_ row: Row) -> BatchInfo {
        BatchInfo(
            name: row["name"], endpointID: row["endpoint_id"], inputDigest: row["input_digest"], lineCount: row["line_count"],
            outputFolder: row["output_folder"], download: row["download"])
    }

    public func insertPending(_ rows: [(line: Int, input: String)], batch: String) async throws {
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO batch_rows (batch, line, input, state) VALUES (?, ?, ?, 'pending')")
            for row in rows { try statement.execute(arguments: [batch, row.line, row.input]) }
        }
    }

    public func insertInvalid(_ rows: [(line: Int, input: String, error: String)], batch: String) async throws {
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO batch_rows (batch, line, input, state, error) VALUES (?, ?, ?, 'failed', ?)")
            for row in rows { try statement.execute(arguments: [batch, row.line, row.input, row.error]) }
        }
    }

    public func finishRegistration(batch: String) async throws {
        try await pool.write { db in try db.execute(sql: "UPDATE batches SET registered = 1 WHERE name = ?", arguments: [batch]) }
    }

    public func recover(batch: String, worker: String, resubmitUnknown: Bool) async throws -> Int {
        // The lock says no other process runs this journal: every holder is gone.
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE batch_rows SET state = 'unknown', error = 'killed between its POST and the answer', owner = NULL WHERE batch = ? AND state = 'submitting'",
                arguments: [batch])
            try db.execute(sql: "UPDATE batch_rows SET owner = NULL, lease_until = NULL WHERE batch = ? AND owner IS NOT NULL", arguments: [batch])
            if resubmitUnknown {
                try db.execute(
                    sql: "UPDATE batch_rows SET state = 'pending', resubmitted = resubmitted + 1, request_id = NULL WHERE batch = ? AND state = 'unknown'",
                    arguments: [batch])
            }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM batch_rows WHERE batch = ? AND state = 'unknown'", arguments: [batch]) ?? 0
        }
    }

    public func claim(batch: String, worker: String, limit: Int) async throws -> [BatchRow] {
        let now = now
        let lease = lease
        return try await pool.write { db in
            // Submitted rows first (their jobs already run), then pending ones; one state per
            // query so each walks the (batch, state, line) index in order, without a sort.
            // `INDEXED BY`: without statistics SQLite's planner prefers the primary key's line
            // order for `ORDER BY line` and scans every row of the batch, finished ones included,
            // on each claim (quadratic in the batch's size).
            var claimed: [BatchRow] = []
            for state in ["submitted", "pending"] where claimed.count < limit {
                let rows = try Row.fetchAll(
                    db.cachedStatement(sql: Self.claimSQL), arguments: [worker, now + lease, batch, batch, state, now, limit - claimed.count])
                claimed += rows.map(Self.row).sorted { $0.line < $1.line }
            }
            return claimed
        }
    }

    /// Claims the first free rows of one state (parameters: worker, lease end, batch, batch,
    /// state, now, limit).
    static let claimSQL = """
        UPDATE batch_rows SET owner = ?, lease_until = ? WHERE batch = ? AND line IN (
          SELECT line FROM batch_rows INDEXED BY batch_rows_state WHERE batch = ? AND state = ?
            AND (owner IS NULL OR lease_until < ?) ORDER BY line LIMIT ?)
        RETURNING *
        """

    public func othersHoldUnfinished(batch: String, worker: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM batch_rows INDEXED BY batch_rows_state WHERE batch = ? AND state IN ('pending', 'submitting', 'submitted') AND owner IS NOT NULL AND owner != ?)",
                arguments: [batch, worker]) ?? false
        }
    }

    public func renewLease(batch: String, worker: String) async throws {
        let until = now + lease
        try await pool.write { db in
            try db.execute(sql: "UPDATE batch_rows SET lease_until = ? WHERE batch = ? AND owner = ?", arguments: [until, batch, worker])
        }
    }

    public func markSubmitting(batch: String, line: Int) async throws {
        try await update("state = 'submitting', attempts = attempts + 1", [], batch, line)
    }

    public func markSubmitted(batch: String, line: Int, requestID: String) async throws {
        try await update("state = 'submitted', request_id = ?", [requestID], batch, line)
    }

    public func markCompleted(batch: String, line: Int, output: String, files: [String]) async throws {
        try await update(
            "state = 'completed', output = ?, files = ?, error = NULL, owner = NULL, lease_until = NULL", [output, FileList.encode(files)], batch, line)
    }

    public func markFailed(batch: String, line: Int, error: String, retry: Bool) async throws {
        // A retried row gets a new job: its old request id (of a failed job) is dropped.
        let assignments = retry ? "state = 'pending', request_id = NULL" : "state = 'failed'"
        try await update("\(assignments), error = ?, owner = NULL, lease_until = NULL", [error], batch, line)
    }

    public func markUnknown(batch: String, line: Int, error: String) async throws {
        try await update("state = 'unknown', error = ?, owner = NULL, lease_until = NULL", [error], batch, line)
    }

    public func release(batch: String, line: Int, restoringState: RowState) async throws {
        try await update("state = ?, owner = NULL, lease_until = NULL", [restoringState.rawValue], batch, line)
    }

    private func update(_ assignments: String, _ values: [(any DatabaseValueConvertible)?], _ batch: String, _ line: Int) async throws {
        try await commits.execute("UPDATE batch_rows SET \(assignments) WHERE batch = ? AND line = ?", StatementArguments(values + [batch, line]))
    }

    public func counts(batch: String) async throws -> BatchCounts {
        try await pool.read { db in
            var counts = BatchCounts()
            let rows = try Row.fetchAll(
                db, sql: "SELECT state, count(*) AS n, sum(resubmitted) AS r FROM batch_rows WHERE batch = ? GROUP BY state", arguments: [batch])
            for row in rows {
                let state = RowState(rawValue: row["state"]) ?? .pending
                counts.add(state, row["n"], resubmitted: row["r"] ?? 0)
            }
            return counts
        }
    }

    public func rows(batch: String, after: Int, limit: Int) async throws -> [BatchRow] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM batch_rows WHERE batch = ? AND line > ? ORDER BY line LIMIT ?", arguments: [batch, after, limit]
            ).map(Self.row)
        }
    }

    public func unknownLines(batch: String, limit: Int) async throws -> [Int] {
        try await pool.read { db in
            try Int.fetchAll(
                db, sql: "SELECT line FROM batch_rows WHERE batch = ? AND state = 'unknown' ORDER BY line LIMIT ?", arguments: [batch, limit])
        }
    }

    public func retryFailed(batch: String) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: RetryFailedSQL.statement, arguments: [batch])
            return db.changesCount
        }
    }

    static func row(_ row: Row) -> BatchRow {
        BatchRow(
            line: row["line"], input: row["input"], state: RowState(rawValue: row["state"]) ?? .pending, requestID: row["request_id"],
            attempts: row["attempts"], output: row["output"], files: FileList.decode(row["files"]), error: row["error"],
            resubmitted: row["resubmitted"])
    }
}

extension BatchCounts {
    /// Adds `count` rows in `state` (and their resubmissions).
    public mutating func add(_ state: RowState, _ count: Int, resubmitted: Int) {
        switch state {
        case .pending: pending += count
        case .submitting, .submitted: running += count
        case .completed: completed += count
        case .failed: failed += count
        case .unknown: unknown += count
        }
        self.resubmitted += resubmitted
    }
}

/// The files column: a JSON array of names.
enum FileList {
    static func encode(_ files: [String]) -> String {
        "[" + files.map(Manifest.quoted).joined(separator: ",") + "]"
    }

    static func decode(_ text: String?) -> [String] {
        guard let text else { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}

/// `retry-failed`: a row whose following failed goes back to `submitted` (its job may have
/// finished: it is followed, not submitted again); any other failed row to pending, attempts reset.
public enum RetryFailedSQL {
    /// The condition for a failed row whose job may have finished.
    public static let followingFailed = "request_id IS NOT NULL AND error LIKE 'following request%'"
    /// The statement for SQLite (one parameter: the batch).
    public static let statement = """
        UPDATE batch_rows SET state = CASE WHEN \(followingFailed) THEN 'submitted' ELSE 'pending' END,
          request_id = CASE WHEN \(followingFailed) THEN request_id ELSE NULL END,
          attempts = CASE WHEN \(followingFailed) THEN attempts ELSE 0 END, error = NULL
        WHERE batch = ? AND state = 'failed'
        """
}

/// Whether a stored batch is the one a command describes.
public enum BatchInfoCheck {
    /// Throws unless `given` describes the batch `stored` is.
    public static func same(_ stored: BatchInfo, _ given: BatchInfo) throws {
        guard stored.endpointID == given.endpointID else {
            throw BatchError("batch \(stored.name) of this journal runs \(stored.endpointID), not \(given.endpointID): use another --batch or journal")
        }
        guard stored.inputDigest == given.inputDigest, stored.lineCount == given.lineCount else {
            throw BatchError(
                "batch \(stored.name) of this journal was made from another input file (\(stored.lineCount) lines, digest \(stored.inputDigest)): use another --batch or journal")
        }
    }
}

/// An exclusive advisory lock on a file, held until the value is released.
final class JournalLock: Sendable {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BatchError("cannot create the journal's lock file \(path): errno \(errno)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw BatchError("another queue-batch process is running this journal (lock \(path) is held)")
        }
    }

    deinit { close(descriptor) }
}
