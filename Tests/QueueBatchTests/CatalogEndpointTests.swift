import Foundation
import QueueSimulator
import Testing

/// The built `queue-batch` with catalog endpoints other than the Redux one: typed through the
/// generated registry (`FalCatalog`), against a local queue server serving the catalog's document.
@Suite("queue-batch with catalog endpoints", .serialized)
struct CatalogEndpointTests {
    typealias Support = BatchTestSupport

    /// `specs/fal/<document>` of this checkout.
    static func catalogDocument(_ document: String) -> String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("specs/fal/" + document).path
    }

    /// A local queue server for one catalog document, with short jobs.
    static func server(_ document: String) throws -> QueueSimulator {
        var configuration = SimulatorConfiguration()
        configuration.workers = 16
        configuration.jobDuration = .milliseconds(5)
        configuration.logCount = 0
        configuration.seed = 23
        return try QueueSimulator(configuration: configuration, documentFiles: [catalogDocument(document)])
    }

    /// `lines` written as an input file in `folder`.
    static func inputs(_ lines: [String], in folder: URL, name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("fal-ai/flux-1/schnell: a line over its bound is refused with line, column and bound; a good file completes")
    func flux1Schnell() async throws {
        let endpoint = "fal-ai/flux-1/schnell"
        let simulator = try Self.server("image/fal-ai__flux-1__schnell.json")
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("catalog-schnell")
            let journal = folder.appendingPathComponent("journal.sqlite").path
            let out = folder.appendingPathComponent("out").path
            let good = (1...6).map { #"{"prompt":"a lighthouse \#($0)","image_size":{"width":64,"height":48},"num_images":2,"seed":\#($0)}"# }

            // Decoded as Flux1Schnell.Input: `num_images` is 1…4 there, and `prompt` is required.
            var badLines = good
            badLines[2] = #"{"prompt": "x", "num_images": 99}"#
            badLines[4] = #"{"num_images": 2}"#
            let bad = try Self.inputs(badLines, in: folder, name: "bad.jsonl")
            let badLog = folder.appendingPathComponent("bad.log")
            let refused = try Support.launch(["run", endpoint, "--inputs", bad, "--journal", journal, "--out", out], simulator: simulator, log: badLog)
            #expect(try await Support.exitStatus(refused, within: 60) == 65)
            let refusal = try String(contentsOf: badLog, encoding: .utf8)
            #expect(refusal.contains("2 invalid line(s)"), "\(refusal)")
            #expect(refusal.contains("bad.jsonl:3:31: num_images must be at most 4 (found 99)"), "\(refusal)")
            #expect(refusal.contains("bad.jsonl:5:1: is missing the required field \"prompt\""), "\(refusal)")
            #expect(simulator.statistics.requests[.submit, default: 0] == 0)

            let inputs = try Self.inputs(good, in: folder, name: "good.jsonl")
            let log = folder.appendingPathComponent("good.log")
            let accepted = try Support.launch(["run", endpoint, "--inputs", inputs, "--journal", journal, "--out", out], simulator: simulator, log: log)
            #expect(try await Support.exitStatus(accepted, within: 120) == 0, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            #expect(simulator.statistics.jobsSubmitted == 6)
            let manifest = try Support.manifest(URL(fileURLWithPath: out))
            #expect(manifest.map { $0["line"] as? Int } == (1...6).map { $0 })
            #expect(manifest.allSatisfy { $0["status"] as? String == "completed" })
            // The endpoint's own output: two images per line, and the line's seed echoed back.
            for row in manifest {
                let output = try #require(row["output"] as? [String: Any])
                #expect((output["images"] as? [Any])?.count == 2, "\(row)")
                #expect(output["seed"] as? Int == row["line"] as? Int, "\(row)")
            }
        }
    }

    @Test("an id outside the catalog is refused with the closest catalog id and --spec FILE, before anything is read or sent")
    func unknownID() async throws {
        let simulator = try Self.server("image/fal-ai__flux-1__schnell.json")
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("catalog-unknown")
            let inputs = try Self.inputs([#"{"prompt":"x"}"#], in: folder, name: "inputs.jsonl")
            let log = folder.appendingPathComponent("run.log")
            let process = try Support.launch(
                [
                    "run", "fal-ai/flux-1/schnel", "--inputs", inputs, "--journal", folder.appendingPathComponent("journal.sqlite").path,
                    "--out", folder.appendingPathComponent("out").path,
                ], simulator: simulator, log: log)
            let status = try await Support.exitStatus(process, within: 60)
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(status != 0)
            #expect(text.contains("fal-ai/flux-1/schnel is not in fal's catalog"), "\(text)")
            #expect(text.contains("did you mean fal-ai/flux-1/schnell"), "\(text)")
            #expect(text.contains("--spec FILE"), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("journal.sqlite").path))
            #expect(simulator.statistics.requests[.submit, default: 0] == 0)
        }
    }
}
