import Foundation
import QueueBatch
import QueueBatchPostgres
import Testing

/// The PostgreSQL journal sends the changes of concurrent jobs as one statement: each caller
/// must still learn about its own row (held or not), the changes of one row must keep their
/// order, and two workers changing their rows at once must not deadlock each other.
@Suite("PostgreSQL journal: grouped row changes", .serialized)
struct PostgresGroupCommitTests {
    static let url = ProcessInfo.processInfo.environment["QUEUE_BATCH_POSTGRES_URL"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    @Test("Two workers, 64 jobs each at once: every row completed once, in order; a row another worker holds is refused",
          .enabled(if: url != nil || inCI))
    func twoWorkers() async throws {
        guard let url = Self.url else {
            Issue.record("QUEUE_BATCH_POSTGRES_URL is not set: run the tests through scripts/test.sh, which starts PostgreSQL")
            return
        }
        let batch = "grouped-\(UUID().uuidString.prefix(8))"
        let total = 1_000
        let names = ["first-\(UUID().uuidString.prefix(4))", "second-\(UUID().uuidString.prefix(4))"]
        // Leases far longer than the test: on a loaded machine the claims alone can take longer
        // than the default 30 s, and rows whose lease ran out would rightly be claimed again by
        // the other worker. Lease expiry has its own tests (PostgresBatchTests).
        let first = try await PostgresJournal(url: url, worker: names[0], lease: .seconds(3_600))
        let second = try await PostgresJournal(url: url, worker: names[1], lease: .seconds(3_600))
        let journals = [first, second]
        do {
            try await first.insertPending((1...total).map { (line: $0, input: "{\"seed\":\($0)}") }, batch: batch)
            // Interleaved claims: each worker's rows are spread over the whole batch.
            var held: [[Int]] = [[], []]
            while true {
                var got = 0
                for (index, journal) in journals.enumerated() {
                    let rows = try await journal.claim(batch: batch, worker: names[index], limit: 7)
                    held[index] += rows.map(\.line)
                    got += rows.count
                }
                if got == 0 { break }
            }
            #expect(held[0].count + held[1].count == total)
            #expect(Set(held[0]).isDisjoint(with: Set(held[1])))

            // 64 jobs per worker at once, each through submitting, submitted and completed;
            // every tenth also tries to change a row the other worker holds, and must be refused.
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, journal) in journals.enumerated() {
                    let name = index == 0 ? "first" : "second"
                    let lines = held[index]
                    let others = held[1 - index]
                    for lane in 0..<64 {
                        group.addTask {
                            var refused = 0
                            for (position, line) in lines.enumerated() where position % 64 == lane {
                                try await journal.markSubmitting(batch: batch, line: line)
                                try await journal.markSubmitted(batch: batch, line: line, requestID: "\(name)-\(line)")
                                if position % 10 == 0 {
                                    let other = others[(position * 7 + lane) % others.count]
                                    do {
                                        try await journal.markSubmitting(batch: batch, line: other)
                                    } catch is LeaseLost {
                                        refused += 1
                                    }
                                }
                                try await journal.markCompleted(batch: batch, line: line, output: "{\"line\":\(line)}", files: [])
                            }
                            return refused
                        }
                    }
                }
                var refused = 0
                for try await count in group { refused += count }
                let tries = held.map { lines in lines.indices.filter { $0 % 10 == 0 }.count }.reduce(0, +)
                #expect(refused == tries, "every change of another worker's row was refused")
            }

            let counts = try await first.counts(batch: batch)
            #expect(counts.completed == total, "\(counts.json)")
            let rows = try await first.rows(batch: batch, after: 0, limit: total)
            #expect(rows.count == total)
            for row in rows {
                let owner = held[0].contains(row.line) ? "first" : "second"
                #expect(row.state == .completed)
                #expect(row.attempts == 1, "line \(row.line): \(row.attempts) attempts")
                #expect(row.requestID == "\(owner)-\(row.line)")
                #expect(row.output == "{\"line\":\(row.line)}")
                #expect(row.error == nil)
            }
            // Each request id was logged once, by its worker.
            let follows = try await PostgresBatchTests.integers(
                "SELECT count(*)::bigint FROM queue_batch_follows WHERE batch = '\(batch)' AND split_part(worker, '-', 1) = split_part(request_id, '-', 1)")
            #expect(follows == [total])
        } catch {
            await first.close()
            await second.close()
            throw error
        }
        await first.close()
        await second.close()
    }
}
