import Foundation
import Logging
import PostgresNIO
import QueueBatch

/// The journal for many machines: one PostgreSQL database that any number of `queue-batch run`
/// processes share.
///
/// Rows are claimed with `FOR UPDATE SKIP LOCKED` under a lease that the holder renews; a worker
/// that dies stops renewing, and after its lease another worker takes its rows over: submitted ones
/// are followed by their request id, `submitting` ones become `unknown`. Every state change is
/// made only while the worker still holds the row (else `LeaseLost`), so a worker that was paused
/// past its lease cannot overwrite the row's new holder, nor send it again. The changes of
/// concurrent jobs share one statement (`PostgresGroupCommit`).
public final class PostgresJournal: BatchJournal {
    let client: PostgresClient
    let worker: String
    let leaseSeconds: Double
    private let running: Task<Void, Never>
    private let commits: PostgresGroupCommit

    /// Connects to the `postgres://user:password@host:port/database` URL (the password is never
    /// shown in an error) and creates or migrates the schema. `worker` names this process's leases.
    public init(url: String, worker: String, lease: Duration = .seconds(30)) async throws {
        let configuration = try Self.configuration(url)
        let pool = PostgresClient(configuration: configuration)
        client = pool
        running = Task { await pool.run() }
        self.worker = worker
        leaseSeconds = Double(lease.components.seconds)
        commits = PostgresGroupCommit(client: pool, worker: worker)
        do { try await PostgresSchema.migrate(pool) } catch {
            running.cancel()
            throw BatchError("cannot prepare the PostgreSQL journal at \(Self.redacted(url)): \(String(reflecting: error))")
        }
    }

    /// Stops the connection pool.
    public func close() async {
        running.cancel()
        _ = await running.value
    }

    static func configuration(_ text: String) throws -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else {
            throw BatchError("not a postgres:// URL: \(redacted(text))")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let user = url.user ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        var configuration = PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: user, password: url.password, database: database.isEmpty ? nil : database,
            tls: .disable)
        configuration.options.maximumConnections = 8
        return configuration
    }

    /// The URL with its password replaced, for messages.
    static func redacted(_ text: String) -> String {
        guard var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? "postgres://***"
    }

    public func open(_ info: BatchInfo) async throws -> BatchInfo? {
        try await client.query(
            """
            INSERT INTO queue_batch_batches (name, endpoint_id, input_digest, line_count, output_folder, download)
            VALUES (\(info.name), \(info.endpointID), \(info.inputDigest), \(info.lineCount), \(info.outputFolder), \(info.download))
            ON CONFLICT (name) DO NOTHING
            """)
        guard let (stored, registered) = try await storedInfo(info.name) else { throw BatchError("batch \(info.name) vanished") }
        try BatchInfoCheck.same(stored, info)
        return registered ? stored : nil
    }

    public func info(batch: String) async throws -> BatchInfo? {
        try await storedInfo(batch)?.0
    }

    private func storedInfo(_ batch: String) async throws -> (BatchInfo, Bool)? {
        let rows = try await client.query(
            "SELECT name, endpoint_id, input_digest, line_count, output_folder, download, registered FROM queue_batch_batches WHERE name = \(batch)")
        for try await (name, endpoint, digest, lines, folder, download, registered) in rows.decode((String, String, String, Int, String, Bool, Bool).self) {
            return (BatchInfo(name: name, endpointID: endpoint, inputDigest: digest, lineCount: lines, outputFolder: folder, download: download), registered)
        }
        return nil
    }

    public func insertPending(_ rows: [(line: Int, input: String)], batch: String) async throws {
        guard !rows.isEmpty else { return }
        try await client.query(
            """
            INSERT INTO queue_batch_rows (batch, line, input, state)
            SELECT \(batch), l, i, 'pending' FROM unnest(\(rows.map(\.line))::bigint[], \(rows.map(\.input))::text[]) AS t(l, i)
            ON CONFLICT DO NOTHING
            """)
    }

    public func insertInvalid(_ rows: [(line: Int, input: String, error: String)], batch: String) async throws {
        guard !rows.isEmpty else { return }
        try await client.query(
            """
            INSERT INTO queue_batch_rows (batch, line, input, state, error)
            SELECT \(batch), l, i, 'failed', e FROM unnest(\(rows.map(\.line))::bigint[], \(rows.map(\.input))::text[], \(rows.map(\.error))::text[]) AS t(l, i, e)
            ON CONFLICT DO NOTHING
            """)
    }

    public func finishRegistration(batch: String) async throws {
        try await client.query("UPDATE queue_batch_batches SET registered = true WHERE name = \(batch)")
    }

    public func recover(batch: String, worker: String, resubmitUnknown: Bool) async throws -> Int {
        // Only rows whose holder's lease ran out: their holder is gone.
        try await client.query(
            """
            UPDATE queue_batch_rows SET state = 'unknown', error = 'its worker died between its POST and the answer',
              owner = NULL, lease_until = NULL
            WHERE batch = \(batch) AND state = 'submitting' AND (owner IS NULL OR lease_until < now())
            """)
        try await client.query(
            "UPDATE queue_batch_rows SET owner = NULL, lease_until = NULL WHERE batch = \(batch) AND owner IS NOT NULL AND lease_until < now()")
        if resubmitUnknown {
            try await client.query(
                """
                UPDATE queue_batch_rows SET state = 'pending', resubmitted = resubmitted + 1, request_id = NULL
                WHERE batch = \(batch) AND state = 'unknown'
                """)
        }
        let rows = try await client.query("SELECT count(*)::bigint FROM queue_batch_rows WHERE batch = \(batch) AND state = 'unknown'")
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    public func claim(batch: String, worker: String, limit: Int) async throws -> [BatchRow] {
        // Submitted rows first (their jobs already run), then pending ones; one state per query
        // so each walks the (batch, state, line) index in order.
        var claimed: [BatchRow] = []
        for state in ["submitted", "pending"] where claimed.count < limit {
            // The rows are picked first (at most `limit`, in line order) and then joined by their
            // key: with `line IN (subquery)` the planner can choose to scan the whole table for
            // each claim once it is large, and claims then slow down as the batch grows.
            let rows = try await client.query(
                """
                WITH picked AS (
                  SELECT batch, line FROM queue_batch_rows WHERE batch = \(batch) AND state = \(state)
                    AND (owner IS NULL OR lease_until < now()) ORDER BY line LIMIT \(limit - claimed.count) FOR UPDATE SKIP LOCKED)
                UPDATE queue_batch_rows r SET owner = \(worker), lease_until = now() + make_interval(secs => \(leaseSeconds))
                FROM picked WHERE r.batch = picked.batch AND r.line = picked.line
                RETURNING \(unescaped: PostgresRows.qualifiedColumns)
                """)
            claimed += try await PostgresRows.decode(rows).sorted { $0.line < $1.line }
        }
        let followed = claimed.filter { $0.state == .submitted }
        if !followed.isEmpty {
            try await logFollows(batch, followed.map { ($0.line, $0.requestID ?? "") })
        }
        return claimed
    }

    /// Who followed which request id: what shows that no request id is followed by two live workers.
    private func logFollows(_ batch: String, _ rows: [(Int, String)]) async throws {
        try await client.query(
            """
            INSERT INTO queue_batch_follows (batch, line, request_id, worker)
            SELECT \(batch), l, r, \(worker) FROM unnest(\(rows.map(\.0))::bigint[], \(rows.map(\.1))::text[]) AS t(l, r)
            """)
    }

    public func othersHoldUnfinished(batch: String, worker: String) async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT EXISTS (SELECT 1 FROM queue_batch_rows WHERE batch = \(batch) AND state IN ('pending', 'submitting', 'submitted')
              AND owner IS NOT NULL AND owner <> \(worker))
            """)
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    public func renewLease(batch: String, worker: String) async throws {
        try await client.query(
            "UPDATE queue_batch_rows SET lease_until = now() + make_interval(secs => \(leaseSeconds)) WHERE batch = \(batch) AND owner = \(worker)")
    }

    public func markSubmitting(batch: String, line: Int) async throws {
        try await apply(RowChange(line: line, state: RowState.submitting.rawValue, addsAttempt: true), batch)
    }

    public func markSubmitted(batch: String, line: Int, requestID: String) async throws {
        try await apply(
            RowChange(line: line, state: RowState.submitted.rawValue, requestID: .set, requestIDValue: requestID, logsFollow: true), batch)
    }

    public func markCompleted(batch: String, line: Int, output: String, files: [String]) async throws {
        let list = files.isEmpty ? "[]" : String(decoding: try JSONEncoder().encode(files), as: UTF8.self)
        try await apply(
            RowChange(line: line, state: RowState.completed.rawValue, setsOutput: true, output: output, files: list, error: .clear, releases: true),
            batch)
    }

    public func markFailed(batch: String, line: Int, error: String, retry: Bool) async throws {
        // A retried row gets a new job: its old request id (of a failed job) is dropped.
        try await apply(
            RowChange(
                line: line, state: (retry ? RowState.pending : .failed).rawValue, requestID: retry ? .clear : .keep, error: .set, errorValue: error,
                releases: true), batch)
    }

    public func markUnknown(batch: String, line: Int, error: String) async throws {
        try await apply(RowChange(line: line, state: RowState.unknown.rawValue, error: .set, errorValue: error, releases: true), batch)
    }

    public func release(batch: String, line: Int, restoringState: RowState) async throws {
        try await apply(RowChange(line: line, state: restoringState.rawValue, releases: true), batch)
    }

    /// Applies `change` with the other jobs' changes; throws `LeaseLost` unless this worker held the row.
    private func apply(_ change: RowChange, _ batch: String) async throws {
        guard try await commits.apply(change, batch: batch) else { throw LeaseLost(line: change.line) }
    }

    public func counts(batch: String) async throws -> BatchCounts {
        let rows = try await client.query(
            "SELECT state, count(*)::bigint, coalesce(sum(resubmitted), 0)::bigint FROM queue_batch_rows WHERE batch = \(batch) GROUP BY state")
        var counts = BatchCounts()
        for try await (state, count, resubmitted) in rows.decode((String, Int, Int).self) {
            counts.add(RowState(rawValue: state) ?? .pending, count, resubmitted: resubmitted)
        }
        return counts
    }

    public func rows(batch: String, after: Int, limit: Int) async throws -> [BatchRow] {
        try await PostgresRows.decode(
            client.query(
                "SELECT \(unescaped: PostgresRows.columns) FROM queue_batch_rows WHERE batch = \(batch) AND line > \(after) ORDER BY line LIMIT \(limit)"))
    }

    public func unknownLines(batch: String, limit: Int) async throws -> [Int] {
        let rows = try await client.query(
            "SELECT line FROM queue_batch_rows WHERE batch = \(batch) AND state = 'unknown' ORDER BY line LIMIT \(limit)")
        var lines: [Int] = []
        for try await line in rows.decode(Int.self) { lines.append(line) }
        return lines
    }

    public func retryFailed(batch: String) async throws -> Int {
        let rows = try await client.query(
            """
            UPDATE queue_batch_rows SET state = CASE WHEN \(unescaped: RetryFailedSQL.followingFailed) THEN 'submitted' ELSE 'pending' END,
              request_id = CASE WHEN \(unescaped: RetryFailedSQL.followingFailed) THEN request_id ELSE NULL END,
              attempts = CASE WHEN \(unescaped: RetryFailedSQL.followingFailed) THEN attempts ELSE 0 END, error = NULL
            WHERE batch = \(batch) AND state = 'failed' RETURNING line
            """)
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}

/// This worker no longer holds the row (its lease ran out and another worker took it).
public struct LeaseLost: Error, CustomStringConvertible {
    /// The row.
    public var line: Int
    public var description: String { "line \(line) is held by another worker now (this worker's lease ran out)" }
}

/// Reading `queue_batch_rows` into `BatchRow`s.
enum PostgresRows {
    static let columns = "line, input, state, request_id, attempts, output, files, error, resubmitted"
    /// `columns` of the table aliased `r`.
    static let qualifiedColumns = "r.line, r.input, r.state, r.request_id, r.attempts, r.output, r.files, r.error, r.resubmitted"

    static func decode(_ rows: PostgresRowSequence) async throws -> [BatchRow] {
        var result: [BatchRow] = []
        for try await (line, input, state, requestID, attempts, output, files, error, resubmitted) in rows.decode(
            (Int, String, String, String?, Int, String?, String?, String?, Int).self)
        {
            let list = files.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
            result.append(
                BatchRow(
                    line: line, input: input, state: RowState(rawValue: state) ?? .pending, requestID: requestID, attempts: attempts,
                    output: output, files: list, error: error, resubmitted: resubmitted))
        }
        return result
    }
}
