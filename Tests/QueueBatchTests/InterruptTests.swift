import Foundation
import QueueBatch
import QueueSimulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C on the built `queue-batch`: stop submitting, let in-flight jobs finish; twice: cancel
/// them on the server. Either way the journal resumes, and `retry-failed` runs the cancelled ones.
@Suite("queue-batch and Ctrl-C", .serialized)
struct InterruptTests {
    typealias Support = BatchTestSupport

    @Test("One Ctrl-C lets the jobs in flight finish; two cancel them on the server; the batch then completes")
    func interrupts() async throws {
        var configuration = SimulatorConfiguration()
        configuration.workers = 64
        configuration.jobDuration = .milliseconds(600)
        configuration.logCount = 0
        let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
        try await simulator.whileRunning { simulator in
            let total = 60
            let folder = try Support.folder("interrupt")
            let inputs = try Support.inputs(total, in: folder)
            let journalPath = folder.appendingPathComponent("journal.sqlite").path
            let run = [
                "run", Support.endpointID, "--inputs", inputs, "--journal", journalPath, "--out", folder.appendingPathComponent("out").path,
                "--concurrency", "8",
            ]

            // One Ctrl-C once 8 jobs are on the server.
            let first = try Support.launch(run, simulator: simulator, log: folder.appendingPathComponent("first.log"))
            #expect(try await Support.wait(upTo: 120) { simulator.statistics.jobsSubmitted >= 8 })
            kill(first.processIdentifier, SIGINT)
            #expect(try await Support.exitStatus(first, within: 60) == 130)
            let submittedBefore = simulator.statistics.jobsSubmitted
            var counts = try await SQLiteJournal(path: journalPath, exclusive: false).counts(batch: "default")
            #expect(counts.completed == submittedBefore, "every job in flight finished: \(counts.json), server \(submittedBefore)")
            #expect(counts.running == 0 && counts.unknown == 0)
            #expect(counts.pending == total - submittedBefore)
            #expect(simulator.statistics.jobsCancelled == 0)

            // Two Ctrl-Cs: the jobs in flight are cancelled on the server. They are held in the queue
            // meanwhile, so none can finish before the cancel however slow the machine is.
            simulator.holdJobs()
            let second = try Support.launch(run, simulator: simulator, log: folder.appendingPathComponent("second.log"))
            #expect(try await Support.wait(upTo: 120) { simulator.statistics.jobsSubmitted >= submittedBefore + 8 })
            kill(second.processIdentifier, SIGINT)
            // The second signal only once the first was handled (two pending SIGINTs merge into one).
            let secondLog = folder.appendingPathComponent("second.log")
            #expect(try await Support.wait(upTo: 30) {
                ((try? String(contentsOf: secondLog, encoding: .utf8)) ?? "").contains("Stopping: no new submits")
            })
            kill(second.processIdentifier, SIGINT)
            #expect(try await Support.exitStatus(second, within: 60) == 130)
            // The server finishes a cancelled job at its next step: wait for that, bounded.
            #expect(
                try await Support.wait(upTo: 30) { simulator.statistics.jobsCancelled >= 1 },
                "\(String(describing: try? String(contentsOf: secondLog, encoding: .utf8)))")

            counts = try await SQLiteJournal(path: journalPath, exclusive: false).counts(batch: "default")
            #expect(counts.unknown == 0, "a POST cut by the second Ctrl-C still reports its request id: \(counts.json)")
            simulator.releaseJobs()

            // Resume: the cancelled jobs are followed (not resubmitted) and found failed; the rest completes.
            let third = try Support.launch(run, simulator: simulator, log: folder.appendingPathComponent("third.log"))
            #expect(try await Support.exitStatus(third, within: 120) == 1)
            counts = try await SQLiteJournal(path: journalPath, exclusive: false).counts(batch: "default")
            #expect(counts.failed == simulator.statistics.jobsCancelled, "\(counts.json)")
            #expect(counts.completed + counts.failed == total)
            #expect(simulator.statistics.jobsSubmitted == total)

            // retry-failed runs them again.
            let retry = try Support.launch(["retry-failed", "--journal", journalPath], simulator: simulator, log: folder.appendingPathComponent("retry.log"))
            #expect(try await Support.exitStatus(retry, within: 120) == 0)
            counts = try await SQLiteJournal(path: journalPath, exclusive: false).counts(batch: "default")
            #expect(counts.completed == total, "\(counts.json)")
            #expect(simulator.statistics.jobsSubmitted == total + simulator.statistics.jobsCancelled)
            #expect(try Support.manifest(folder.appendingPathComponent("out")).count == total)
        }
    }
}
