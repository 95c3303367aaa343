import Foundation
import Logging
import PostgresNIO
import QueueBatch
import QueueSimulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Three `queue-batch run` processes share one batch in a real PostgreSQL server; one is SIGKILLed.
///
/// scripts/test.sh starts the server and exports QUEUE_BATCH_POSTGRES_URL. Without it the test
/// shows as skipped on a developer's machine, and fails in CI (`CI=true`): never a silent pass.
@Suite("queue-batch with a PostgreSQL journal", .serialized)
struct PostgresBatchTests {
    typealias Support = BatchTestSupport
    static let url = ProcessInfo.processInfo.environment["QUEUE_BATCH_POSTGRES_URL"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Runs `sql` and returns its single-column integer results.
    static func integers(_ sql: String) async throws -> [Int] {
        let text = try #require(url)
        let components = try #require(URLComponents(string: text))
        let configuration = PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: [Int]?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql))
            var values: [Int] = []
            for try await value in rows.decode(Int.self) { values.append(value) }
            group.cancelAll()
            return values
        }
    }

    @Test("Three workers on 5,000 inputs, one SIGKILLed midway: each input completed once, its rows taken over after its lease",
          .enabled(if: url != nil || inCI))
    func threeWorkersOneKilled() async throws {
        guard let url = Self.url else {
            Issue.record("QUEUE_BATCH_POSTGRES_URL is not set: run the tests through scripts/test.sh, which starts PostgreSQL")
            return
        }
        let simulator = try Support.fastServer()
        try await simulator.whileRunning { simulator in
            let total = 5_000
            let folder = try Support.folder("postgres")
            let inputs = try Support.inputs(total, in: folder)
            let batch = "three-workers-\(UUID().uuidString.prefix(8))"
            let arguments = [
                "run", Support.endpointID, "--inputs", inputs, "--journal", url, "--batch", batch, "--out",
                folder.appendingPathComponent("out").path, "--concurrency", "16", "--resubmit-unknown", "--lease-seconds", "3",
            ]
            let workers = try (0..<3).map { index in
                try Support.launch(arguments, simulator: simulator, log: folder.appendingPathComponent("worker-\(index).log"))
            }
            let midway = try await Support.wait(upTo: 300) { simulator.statistics.jobsCompleted >= total / 2 }
            #expect(midway)
            let victim = workers[1]
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
            let killedAt = try await Self.integers("SELECT (extract(epoch FROM now()) * 1000)::bigint")[0]
            for index in [0, 2] {
                let status = try await Support.exitStatus(workers[index], within: 600)
                let log = (try? String(contentsOf: folder.appendingPathComponent("worker-\(index).log"), encoding: .utf8)) ?? ""
                #expect(status == 0, "worker \(index): \(log)")
            }

            let quotedBatch = "'\(batch)'"
            let completed = try await Self.integers(
                "SELECT count(*)::bigint FROM queue_batch_rows WHERE batch = \(quotedBatch) AND state = 'completed'")[0]
            #expect(completed == total)
            let resubmitted = try await Self.integers(
                "SELECT coalesce(sum(resubmitted), 0)::bigint FROM queue_batch_rows WHERE batch = \(quotedBatch)")[0]
            // Every job the server made is a completed row's, or a counted resubmission's. (A row
            // killed after its `submitting` mark but before its POST left the process is counted
            // as resubmitted without a second job: the server tells them apart by the seed.)
            #expect(simulator.statistics.jobsSubmitted <= total + resubmitted)
            let perSeed = KillAndResumeTests.jobsPerSeed(simulator.submissionsPerInput)
            #expect(perSeed.count == total, "every input reached the server")
            let resubmittedLines = Set(
                try await Self.integers("SELECT line FROM queue_batch_rows WHERE batch = \(quotedBatch) AND resubmitted > 0"))
            let twice = perSeed.filter { seed, jobs in jobs > 1 && !resubmittedLines.contains(seed) }
            #expect(twice.isEmpty, "inputs sent twice without being counted: \(twice.prefix(5))")
            #expect(perSeed.values.allSatisfy { $0 <= 2 })
            let distinctIDs = try await Self.integers(
                "SELECT count(DISTINCT request_id)::bigint FROM queue_batch_rows WHERE batch = \(quotedBatch)")[0]
            #expect(distinctIDs == total)

            let dead = "'%-\(victim.processIdentifier)-%'"
            // No request id was followed by two live workers.
            let sharedByLive = try await Self.integers(
                """
                SELECT count(*)::bigint FROM (SELECT request_id FROM queue_batch_follows WHERE batch = \(quotedBatch)
                  AND worker NOT LIKE \(dead) GROUP BY request_id HAVING count(DISTINCT worker) > 1) AS shared
                """)[0]
            #expect(sharedByLive == 0)
            // The dead worker's submitted rows were followed by a survivor, after its lease.
            let takeovers = try await Self.integers(
                """
                SELECT (extract(epoch FROM at) * 1000)::bigint FROM queue_batch_follows WHERE batch = \(quotedBatch) AND worker NOT LIKE \(dead)
                  AND request_id IN (SELECT request_id FROM queue_batch_follows WHERE batch = \(quotedBatch) AND worker LIKE \(dead))
                """)
            #expect(!takeovers.isEmpty, "the killed worker held submitted rows that were taken over")
            // The lease is 3 s, renewed every second: nothing was taken over sooner than 2 s after the kill.
            #expect(takeovers.allSatisfy { $0 >= killedAt + 1_900 }, "kill at \(killedAt), takeovers at \(takeovers.min() ?? 0)")
            print(
                "postgres test: \(takeovers.count) request ids taken over from the killed worker, \(resubmitted) unknown rows resubmitted, \(total + resubmitted - simulator.statistics.jobsSubmitted) of them had not left the process"
            )
            let manifest = try Support.manifest(folder.appendingPathComponent("out"))
            #expect(manifest.count == total)
            #expect(manifest.allSatisfy { $0["status"] as? String == "completed" })
        }
    }
}
