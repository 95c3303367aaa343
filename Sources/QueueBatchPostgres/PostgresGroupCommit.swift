import Foundation
import Logging
import PostgresNIO

/// One row's change of state, as `PostgresGroupCommit` applies it: what each `mark…` and
/// `release` of the journal sets.
struct RowChange: Sendable {
    /// What becomes of a nullable column.
    enum Column: Int, Sendable {
        case keep = 0
        case set = 1
        case clear = 2
    }

    var line: Int
    var state: String
    /// One more attempt (`submitting`).
    var addsAttempt = false
    var requestID = Column.keep
    var requestIDValue = ""
    /// Sets `output` and `files` (`completed`).
    var setsOutput = false
    var output = ""
    var files = ""
    var error = Column.keep
    var errorValue = ""
    /// The worker lets go of the row (owner and lease cleared).
    var releases = false
    /// Logs who follows the request id (`submitted`).
    var logsFollow = false
}

/// Applies the row changes of concurrent jobs together: one statement, in one round trip, for
/// every change waiting, instead of a round trip each. Each caller still returns only once its
/// change is committed (so `submitting` is durable before its POST).
///
/// A change applies only while this worker holds the row; the caller learns whether it did. The
/// rows of a group are taken in line order, and a group the server aborts on a deadlock or a
/// serialization failure (with another worker's statement) is sent again: it was rolled back whole.
actor PostgresGroupCommit {
    private let client: PostgresClient
    private let worker: String
    private let logger = Logger(label: "queue-batch.postgres")
    private var waiting: [(batch: String, change: RowChange, done: CheckedContinuation<Bool, any Error>)] = []
    private var flushing = false
    /// Times a group is sent again after a deadlock or serialization failure before the error stands.
    static let attempts = 8

    init(client: PostgresClient, worker: String) {
        self.client = client
        self.worker = worker
    }

    /// Applies `change` to the row in the next group; true when this worker held the row.
    func apply(_ change: RowChange, batch: String) async throws -> Bool {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Bool, any Error>) in
            waiting.append((batch, change, done))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    /// Sends what is waiting, then what arrived meanwhile, until nothing is left. A row changed
    /// twice waits for the next group with its second change, so its changes keep their order.
    private func flush() async {
        while !waiting.isEmpty {
            // Jobs that are ready to run add their changes first: fewer, fuller round trips.
            await Task.yield()
            var seen = Set<RowKey>()
            var group: [(batch: String, change: RowChange, done: CheckedContinuation<Bool, any Error>)] = []
            var later: [(batch: String, change: RowChange, done: CheckedContinuation<Bool, any Error>)] = []
            for item in waiting {
                if seen.insert(RowKey(batch: item.batch, line: item.change.line)).inserted { group.append(item) } else { later.append(item) }
            }
            waiting = later
            group.sort { ($0.batch, $0.change.line) < ($1.batch, $1.change.line) }
            do {
                let held = try await send(group.map { ($0.batch, $0.change) })
                for item in group { item.done.resume(returning: held.contains(RowKey(batch: item.batch, line: item.change.line))) }
            } catch {
                for item in group { item.done.resume(throwing: error) }
            }
        }
        flushing = false
    }

    /// One statement for the group, sent again on a deadlock or serialization failure; returns
    /// the rows it changed.
    private func send(_ group: [(batch: String, change: RowChange)]) async throws -> Set<RowKey> {
        var attempt = 1
        while true {
            do {
                return try await statement(group)
            } catch let error as PSQLError where attempt < Self.attempts && Self.isTransient(error) {
                logger.debug("row changes sent again", metadata: ["attempt": "\(attempt)", "sqlstate": "\(error.serverInfo?[.sqlState] ?? "")"])
                try? await Task.sleep(for: .milliseconds(5 * attempt))
                attempt += 1
            }
        }
    }

    /// A deadlock or a serialization failure: the statement was rolled back and may be sent again.
    static func isTransient(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    private func statement(_ group: [(batch: String, change: RowChange)]) async throws -> Set<RowKey> {
        var held = Set<RowKey>()
        for try await (batch, line) in try await client.execute(GroupedRowChanges(group: group, worker: worker), logger: logger) {
            held.insert(RowKey(batch: batch, line: line))
        }
        return held
    }
}

/// The statement for a group of row changes, prepared once per connection: the server parses
/// and plans it once rather than for every group.
struct GroupedRowChanges: PostgresPreparedStatement {
    static let sql = """
        WITH c AS (
          SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bool[], $8::text[], $9::text[],
            $10::bigint[], $11::text[], $12::bool[], $13::bool[])
            AS t(batch, line, state, attempt, request_mode, request_id, sets_output, output, files, error_mode, error, releases, logs_follow)
        ), u AS (
          UPDATE queue_batch_rows r SET state = c.state, attempts = r.attempts + c.attempt,
            request_id = CASE c.request_mode WHEN 1 THEN c.request_id WHEN 2 THEN NULL ELSE r.request_id END,
            output = CASE WHEN c.sets_output THEN c.output ELSE r.output END,
            files = CASE WHEN c.sets_output THEN c.files ELSE r.files END,
            error = CASE c.error_mode WHEN 1 THEN c.error WHEN 2 THEN NULL ELSE r.error END,
            owner = CASE WHEN c.releases THEN NULL ELSE r.owner END,
            lease_until = CASE WHEN c.releases THEN NULL ELSE r.lease_until END
          FROM c WHERE r.batch = c.batch AND r.line = c.line AND r.owner = $14
          RETURNING r.batch, r.line, r.request_id, c.logs_follow
        ), f AS (
          INSERT INTO queue_batch_follows (batch, line, request_id, worker)
          SELECT batch, line, request_id, $14 FROM u WHERE logs_follow
        )
        SELECT batch, line FROM u
        """
    typealias Row = (String, Int)

    /// The changes, in line order, with their batches.
    var group: [(batch: String, change: RowChange)]
    /// The worker that must hold each row.
    var worker: String

    func makeBindings() -> PostgresBindings {
        let changes = group.map(\.change)
        var bindings = PostgresBindings(capacity: 14)
        bindings.append(group.map(\.batch))
        bindings.append(changes.map(\.line))
        bindings.append(changes.map(\.state))
        bindings.append(changes.map { $0.addsAttempt ? 1 : 0 })
        bindings.append(changes.map(\.requestID.rawValue))
        bindings.append(changes.map(\.requestIDValue))
        bindings.append(changes.map(\.setsOutput))
        bindings.append(changes.map(\.output))
        bindings.append(changes.map(\.files))
        bindings.append(changes.map(\.error.rawValue))
        bindings.append(changes.map(\.errorValue))
        bindings.append(changes.map(\.releases))
        bindings.append(changes.map(\.logsFollow))
        bindings.append(worker)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}

/// A row of the journal: its batch and line.
struct RowKey: Hashable, Sendable {
    var batch: String
    var line: Int
}
