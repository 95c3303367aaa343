import Foundation
import FluxRedux
import QueueBatch
import QueueRuntime
import QueueSimulator
import Testing

/// The runner in this process, against the local queue server, with a real SQLite journal.
@Suite("queue-batch runner", .serialized)
struct BatchRunnerTests {
    typealias Support = BatchTestSupport

    static let check = InputCheck.typed(Flux1SchnellRedux.Input.self, endpointID: Support.endpointID)

    /// Registers and runs a batch; returns the summary.
    static func runBatch(
        inputs: String, journal: SQLiteJournal, out: URL, simulator: QueueSimulator, options: BatchOptions
    ) async throws -> BatchSummary {
        let folder = try OutputFolder(path: out.path)
        _ = try await InputRegistration.register(
            path: inputs, check: check, journal: journal, batch: options.batch, outputFolder: folder.url.path, download: options.download,
            skipInvalid: false)
        let runner = try BatchRunner(client: Support.client(simulator), journal: journal, endpointID: Support.endpointID, folder: folder, options: options)
        return try await runner.run()
    }

    @Test("A batch completes: manifest, outputs and downloads; running it again redoes nothing")
    func completesAndResumesWithoutRedoing() async throws {
        let simulator = try Support.fastServer()
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("complete")
            let inputs = try Support.inputs(40, in: folder)
            let out = folder.appendingPathComponent("out")
            let journalPath = folder.appendingPathComponent("journal.sqlite").path
            do {
                let journal = try SQLiteJournal(path: journalPath)
                let summary = try await Self.runBatch(
                    inputs: inputs, journal: journal, out: out, simulator: simulator, options: BatchOptions(concurrency: 8, download: true))
                #expect(summary.counts.completed == 40)
                #expect(summary.counts.total == 40)
            }
            #expect(simulator.statistics.jobsSubmitted == 40)
            let manifest = try Support.manifest(out)
            #expect(manifest.count == 40)
            #expect(manifest.map { $0["line"] as? Int } == (1...40).map { $0 })
            #expect(manifest.allSatisfy { $0["status"] as? String == "completed" && $0["attempts"] as? Int == 1 })
            #expect(Set(manifest.compactMap { $0["request_id"] as? String }).count == 40)
            let first = try #require(manifest.first)
            let output = try #require(first["output"] as? [String: Any])
            #expect((output["images"] as? [Any])?.count == 1)
            #expect(first["files"] as? [String] == ["1-1.jpg"])
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("1.json").path))
            let image = try Data(contentsOf: out.appendingPathComponent("40-1.jpg"))
            #expect(image.starts(with: [0xFF, 0xD8]))

            // The same command again: the batch is done, nothing is sent.
            let journal = try SQLiteJournal(path: journalPath)
            let again = try await Self.runBatch(
                inputs: inputs, journal: journal, out: out, simulator: simulator, options: BatchOptions(concurrency: 8, download: true))
            #expect(again.counts.completed == 40)
            #expect(again.run.completed == 0)
            #expect(simulator.statistics.jobsSubmitted == 40)
        }
    }

    @Test("A 429 storm: the batch completes, the in-flight count drops and recovers")
    func storm() async throws {
        let simulator = try Support.fastServer()
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("storm")
            let inputs = try Support.inputs(400, in: folder)
            let journal = try SQLiteJournal(path: folder.appendingPathComponent("journal.sqlite").path)
            simulator.inject(Fault(route: .submit, kind: .httpStatus(429, retryAfter: 1), trigger: .times(40)))
            let summary = try await Self.runBatch(
                inputs: inputs, journal: journal, out: folder.appendingPathComponent("out"), simulator: simulator,
                options: BatchOptions(concurrency: 16))
            #expect(summary.counts.completed == 400)
            #expect(simulator.statistics.faultsApplied == 40)
            #expect(simulator.statistics.jobsSubmitted == 400)
            let counted = summary.concurrency
            #expect(counted.throttles == 40)
            #expect(counted.peakInFlightBeforeThrottle == 16)
            #expect(counted.decreases >= 1)
            #expect(counted.lowestLimit <= 8)
            #expect(counted.highestAfterLowest == 16, "the limit climbs back to the ceiling: \(counted)")
            #expect(counted.peakInFlightAfterLowest > counted.lowestLimit, "\(counted)")
        }
    }

    @Test("Three bad lines: each named with line:column and the broken bound; nothing journaled or sent")
    func invalidLines() async throws {
        let simulator = try Support.fastServer()
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("invalid")
            let inputs = try Support.inputs(
                50, in: folder,
                replacing: [
                    7: #"{"image_url":"https://example.com/7.png","num_inference_steps":13}"#,
                    20: #"{"image_url":"https://example.com/20.png","image_size":{"width":0,"height":512}}"#,
                    33: #"{"image_url": "https://example.com/33.png", "num_images": "two"}"#,
                ])
            let journal = try SQLiteJournal(path: folder.appendingPathComponent("journal.sqlite").path)
            let error = await #expect(throws: InvalidInputLines.self) {
                _ = try await Self.runBatch(
                    inputs: inputs, journal: journal, out: folder.appendingPathComponent("out"), simulator: simulator, options: BatchOptions())
            }
            let problems = try #require(error).problems
            #expect(problems.map(\.description) == [
                "7:64: num_inference_steps must be at most 12 (found 13)",
                "20:65: image_size.width must be greater than 0 (found 0)",
                "33:59: num_images must be an integer",
            ])
            #expect(try await journal.info(batch: "default") == nil)
            #expect(simulator.statistics.jobsSubmitted == 0)
        }
    }
}
