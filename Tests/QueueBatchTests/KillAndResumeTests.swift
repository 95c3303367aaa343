import Foundation
import GRDB
import QueueBatch
import QueueSimulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `queue-batch` as a child process, killed with SIGKILL and run again.
@Suite("queue-batch killed and resumed", .serialized)
struct KillAndResumeTests {
    typealias Support = BatchTestSupport

    /// Rows in `state` in the journal at `path`, read directly (the process that wrote it is dead).
    static func rows(in state: String, journal path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM batch_rows WHERE state = ?", arguments: [state]) ?? 0
        }
    }

    /// Resubmissions per line (the line is the input's seed).
    static func resubmittedPerLine(journal path: String) throws -> [Int: Int] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var result: [Int: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT line, resubmitted FROM batch_rows WHERE resubmitted > 0") {
                result[row["line"]] = row["resubmitted"]
            }
            return result
        }
    }

    /// Jobs the server made per input seed.
    static func jobsPerSeed(_ submissions: [[UInt8]: Int]) -> [Int: Int] {
        var result: [Int: Int] = [:]
        for (body, count) in submissions {
            let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
            result[(object?["seed"] as? Int) ?? -1, default: 0] += count
        }
        return result
    }

    /// Seeded points (server-completed job counts) at which to kill, increasing.
    static func killPoints(_ count: Int, total: Int, seed: UInt64) -> [Int] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let span = total * 8 / 10 / count
        return (0..<count).map { index in total / 10 + index * span + Int(next() % UInt64(span / 2)) }
    }

    func arguments(_ folder: URL, inputs: String, resubmitUnknown: Bool) -> [String] {
        var arguments = [
            "run", Support.endpointID, "--inputs", inputs, "--journal", folder.appendingPathComponent("journal.sqlite").path,
            "--out", folder.appendingPathComponent("out").path, "--concurrency", "32",
        ]
        if resubmitUnknown { arguments.append("--resubmit-unknown") }
        return arguments
    }

    /// Runs until the server completed `point` jobs, then SIGKILLs; returns the rows left
    /// `submitting` (POSTs that may have made a job: the in-flight submits at the kill).
    func runAndKill(at point: Int, folder: URL, inputs: String, resubmitUnknown: Bool, simulator: QueueSimulator) async throws -> Int {
        let log = folder.appendingPathComponent("run.log")
        let process = try Support.launch(arguments(folder, inputs: inputs, resubmitUnknown: resubmitUnknown), simulator: simulator, log: log)
        let reached = try await Support.wait(upTo: 300) { simulator.statistics.jobsCompleted >= point || !process.isRunning }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(reached && process.terminationReason == .uncaughtSignal, "killed at \(point) completed jobs: \(String(describing: try? String(contentsOf: log, encoding: .utf8)))")
        return try Self.rows(in: "submitting", journal: folder.appendingPathComponent("journal.sqlite").path)
    }

    @Test("10,000 inputs, SIGKILLed three times and resumed with --resubmit-unknown: all completed, resubmissions counted")
    func killedThreeTimes() async throws {
        let simulator = try Support.fastServer()
        try await simulator.whileRunning { simulator in
            let total = 10_000
            let folder = try Support.folder("kill3")
            let inputs = try Support.inputs(total, in: folder)
            var inFlightAtKills = 0
            for point in Self.killPoints(3, total: total, seed: 23) {
                inFlightAtKills += try await runAndKill(at: point, folder: folder, inputs: inputs, resubmitUnknown: true, simulator: simulator)
            }
            let log = folder.appendingPathComponent("final.log")
            let process = try Support.launch(arguments(folder, inputs: inputs, resubmitUnknown: true), simulator: simulator, log: log)
            let status = try await Support.exitStatus(process, within: 600)
            #expect(status == 0, "\(String(describing: try? String(contentsOf: log, encoding: .utf8)))")

            let manifest = try Support.manifest(folder.appendingPathComponent("out"))
            #expect(manifest.count == total)
            #expect(manifest.filter { $0["status"] as? String == "completed" }.count == total)
            #expect(Set(manifest.compactMap { $0["request_id"] as? String }).count == total)
            let journal = try SQLiteJournal(path: folder.appendingPathComponent("journal.sqlite").path, exclusive: false)
            let counts = try await journal.counts(batch: "default")
            let distinct = simulator.statistics.jobsSubmitted
            #expect(Set(simulator.requestIDs).count == distinct)
            // A row killed after its `submitting` mark but before its POST left the process is
            // resubmitted without having made a job: the runner cannot tell it from one whose
            // answer was lost, so it counts it. The server tells them apart (each seed is one line).
            let perSeed = Self.jobsPerSeed(simulator.submissionsPerInput)
            let resubmittedPerLine = try Self.resubmittedPerLine(journal: folder.appendingPathComponent("journal.sqlite").path)
            #expect(perSeed.count == total, "every input reached the server")
            let uncounted = perSeed.filter { seed, jobs in jobs > 1 + resubmittedPerLine[seed, default: 0] }
            #expect(uncounted.isEmpty, "inputs sent more often than counted: \(uncounted.prefix(5))")
            let neverSent = counts.resubmitted - (distinct - total)
            #expect(distinct - total <= counts.resubmitted, "server ids \(distinct), resubmitted \(counts.resubmitted)")
            #expect(counts.resubmitted <= inFlightAtKills, "resubmitted \(counts.resubmitted), in flight at the kills \(inFlightAtKills)")
            print(
                "kill test: \(inFlightAtKills) submits in flight at the kills, \(counts.resubmitted) resubmitted (\(neverSent) of them had not left the process), \(distinct) server ids"
            )
        }
    }

    @Test("Without --resubmit-unknown: unknown rows are listed and nothing is submitted twice")
    func unknownRowsAreNotResubmitted() async throws {
        let simulator = try Support.fastServer()
        try await simulator.whileRunning { simulator in
            let total = 2_000
            let folder = try Support.folder("unknown")
            let inputs = try Support.inputs(total, in: folder)
            let unknown = try await runAndKill(at: 600, folder: folder, inputs: inputs, resubmitUnknown: false, simulator: simulator)
            let log = folder.appendingPathComponent("resume.log")
            let process = try Support.launch(arguments(folder, inputs: inputs, resubmitUnknown: false), simulator: simulator, log: log)
            let status = try await Support.exitStatus(process, within: 300)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(status == (unknown > 0 ? 1 : 0), "\(text)")

            let manifest = try Support.manifest(folder.appendingPathComponent("out"))
            let unknownLines = manifest.filter { $0["status"] as? String == "unknown" }.compactMap { $0["line"] as? Int }
            #expect(unknownLines.count == unknown)
            #expect(manifest.filter { $0["status"] as? String == "completed" }.count == total - unknown)
            // Each row was POSTed at most once: the server made no more jobs than there are rows,
            // and every completed row has its own request id.
            #expect(simulator.statistics.jobsSubmitted <= total)
            #expect(Self.jobsPerSeed(simulator.submissionsPerInput).values.allSatisfy { $0 == 1 }, "no input reached the server twice")
            #expect(simulator.statistics.jobsSubmitted >= total - unknown)
            let ids = manifest.compactMap { $0["request_id"] as? String }
            #expect(Set(ids).count == ids.count)
            if unknown > 0 {
                #expect(text.contains("unknown rows"))
                #expect(text.contains(unknownLines.map(String.init).joined(separator: ", ")))
            }

            // `status` lists them too.
            let statusLog = folder.appendingPathComponent("status.log")
            let statusProcess = try Support.launch(
                ["status", "--journal", folder.appendingPathComponent("journal.sqlite").path, "--json"], simulator: simulator, log: statusLog)
            #expect(try await Support.exitStatus(statusProcess, within: 60) == 0)
            let json = try String(contentsOf: statusLog, encoding: .utf8)
            #expect(json.contains("\"completed\":\(total - unknown),\"failed\":0,\"unknown\":\(unknown),\"resubmitted\":0"), "\(json)")
        }
    }

    @Test("The command refuses a file with three bad lines, naming each, and submits nothing")
    func invalidLinesFromTheCommand() async throws {
        let simulator = try Support.fastServer()
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("invalid-cli")
            let inputs = try Support.inputs(
                30, in: folder,
                replacing: [
                    3: #"{"image_url":"https://example.com/3.png","num_images":5}"#,
                    9: #"{"image_url":"https://example.com/9.png","num_inference_steps":0}"#,
                    27: #"{"image_url":"https://example.com/27.png""#,
                ])
            let log = folder.appendingPathComponent("run.log")
            let process = try Support.launch(arguments(folder, inputs: inputs, resubmitUnknown: false), simulator: simulator, log: log)
            #expect(try await Support.exitStatus(process, within: 60) == 65)
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("3 invalid line(s)"), "\(text)")
            #expect(text.contains("inputs.jsonl:3:55: num_images must be at most 4 (found 5)"), "\(text)")
            #expect(text.contains("inputs.jsonl:9:64: num_inference_steps must be at least 1 (found 0)"), "\(text)")
            #expect(text.contains("inputs.jsonl:27:"), "\(text)")
            #expect(simulator.statistics.jobsSubmitted == 0)
            #expect(simulator.statistics.requests[.submit, default: 0] == 0)
        }
    }
}

/// `--spec FILE`: lines checked against a document's input schema instead of a generated type.
@Suite("queue-batch --spec")
struct SpecCheckTests {
    typealias Support = BatchTestSupport

    static var spec: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("specs/flux-1-schnell-redux.yaml").path
    }

    @Test("Bad lines are named with the document's bounds; good ones run")
    func specBounds() async throws {
        let simulator = try Support.fastServer()
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("spec")
            let bad = try Support.inputs(
                10, in: folder,
                replacing: [
                    2: #"{"image_url":"https://example.com/2.png","num_images":9}"#,
                    4: #"{"num_images":2}"#,
                ])
            let journal = folder.appendingPathComponent("journal.sqlite").path
            let out = folder.appendingPathComponent("out").path
            let log = folder.appendingPathComponent("bad.log")
            let refused = try Support.launch(
                ["run", Support.endpointID, "--spec", Self.spec, "--inputs", bad, "--journal", journal, "--out", out], simulator: simulator, log: log)
            #expect(try await Support.exitStatus(refused, within: 60) == 65)
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("inputs.jsonl:2:55: num_images must be at most 4 (found 9)"), "\(text)")
            #expect(text.contains("inputs.jsonl:4:1: is missing the required field \"image_url\""), "\(text)")
            #expect(simulator.statistics.jobsSubmitted == 0)

            let good = try Support.inputs(10, in: folder)
            let okLog = folder.appendingPathComponent("good.log")
            let accepted = try Support.launch(
                ["run", Support.endpointID, "--spec", Self.spec, "--inputs", good, "--journal", journal, "--out", out], simulator: simulator,
                log: okLog)
            #expect(try await Support.exitStatus(accepted, within: 120) == 0, "\((try? String(contentsOf: okLog, encoding: .utf8)) ?? "")")
            #expect(simulator.statistics.jobsSubmitted == 10)
        }
    }
}
