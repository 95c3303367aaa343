import Foundation
import GRDB

/// Commits the row updates of concurrent jobs together: each caller still returns only once its
/// update is committed (so `submitting` is durable before its POST), but 32 jobs in flight share
/// a transaction instead of queueing for one each.
actor GroupCommit {
    private let pool: DatabasePool
    private var waiting: [(sql: String, arguments: StatementArguments, done: CheckedContinuation<Void, any Error>)] = []
    private var flushing = false

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Runs `sql` in the next group's transaction; returns when that transaction is committed.
    func execute(_ sql: String, _ arguments: StatementArguments) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            waiting.append((sql, arguments, done))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    /// Commits what is waiting, then what arrived meanwhile, until nothing is left.
    private func flush() async {
        while !waiting.isEmpty {
            let group = waiting
            waiting.removeAll(keepingCapacity: true)
            do {
                try await pool.write { db in
                    // A handful of distinct statements, each compiled once per connection.
                    for update in group { try db.cachedStatement(sql: update.sql).execute(arguments: update.arguments) }
                }
                for update in group { update.done.resume() }
            } catch {
                for update in group { update.done.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
