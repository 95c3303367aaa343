import Foundation
import QueueBatch
import QueueSimulator
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the built `queue-batch run` prints about its progress: on a terminal (a pseudo-terminal
/// here) one line rewritten in place; otherwise a line every few seconds, or with
/// `--json-progress` a JSON object per tick on standard output. The jobs are held in the local queue server's queue until the progress shows
/// them in flight, so the figures the test expects do not depend on the machine's speed.
@Suite("queue-batch progress output", .serialized)
struct ProgressOutputTests {
    typealias Support = BatchTestSupport

    static let total = 12
    static let concurrency = 4

    /// The arguments of `run` for a batch in `folder`.
    static func run(_ folder: URL, inputs: String, extra: [String] = []) -> [String] {
        [
            "run", Support.endpointID, "--inputs", inputs, "--journal", folder.appendingPathComponent("journal.sqlite").path,
            "--out", folder.appendingPathComponent("out").path, "--concurrency", String(concurrency),
        ] + extra
    }

    static func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    /// The figures of one `--json-progress` line.
    struct Progress: Sendable {
        var done: Int
        var total: Int
        var completed: Int
        var inFlight: Int
        var etaSeconds: Int?
    }

    /// Every line of `text` as a progress object; throws at the first line that is not one.
    static func objects(_ text: String) throws -> [Progress] {
        var objects: [Progress] = []
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let done = object["done"] as? Int, let total = object["total"] as? Int, let completed = object["completed"] as? Int,
                let inFlight = object["in_flight"] as? Int, object["rate"] is NSNumber, object["eta_seconds"] != nil
            else { throw BatchError("not a progress object: \(line)") }
            objects.append(Progress(done: done, total: total, completed: completed, inFlight: inFlight, etaSeconds: object["eta_seconds"] as? Int))
        }
        return objects
    }

    @Test("Not on a terminal: progress lines (done/total, rate, in flight) every few seconds, then the summary")
    func lines() async throws {
        let simulator = try Support.fastServer(seed: 7)
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("progress-lines")
            let inputs = try Support.inputs(Self.total, in: folder)
            let log = folder.appendingPathComponent("run.log")
            simulator.holdJobs()
            let process = try Support.launch(Self.run(folder, inputs: inputs), simulator: simulator, log: log)
            #expect(try await Support.wait(upTo: 120) { simulator.statistics.jobsSubmitted >= Self.concurrency })
            // Held in the queue: nothing is done and the ceiling's worth of jobs is in flight, at
            // every tick (one every 5 s) from now until the jobs are let go.
            let held = "0/\(Self.total) done · 0.0/s · \(Self.concurrency) in flight"
            let shown = try await Support.wait(upTo: 60) { Self.text(log).split(separator: "\n").contains { $0 == held } }
            #expect(shown, "no line \"\(held)\" in: \(Self.text(log))")
            simulator.releaseJobs()
            #expect(try await Support.exitStatus(process, within: 120) == 0, "\(Self.text(log))")

            let lines = Self.text(log).split(separator: "\n").map(String.init)
            let progress = lines.filter { $0.contains(" done · ") }
            #expect(!progress.isEmpty)
            let shape = try Regex(#"\d+/12 done · \d+\.\d/s( · ETA (\d+s|\d+m\d\ds|\d+h\d\dm))? · \d+ in flight"#)
            for line in progress {
                #expect(line.wholeMatch(of: shape) != nil, "not a progress line: \(line)")
            }
            #expect(lines.last == "\(Self.total)/\(Self.total) completed, 0 failed, 0 unknown, 0 left, 0 resubmitted; 429s: 0, lowest concurrency \(Self.concurrency)")
            #expect(simulator.statistics.jobsSubmitted == Self.total)
        }
    }

    @Test("--json-progress: one JSON object per line on standard output; the last one has every row done")
    func json() async throws {
        let simulator = try Support.fastServer(seed: 8)
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("progress-json")
            let inputs = try Support.inputs(Self.total, in: folder)
            let log = folder.appendingPathComponent("run.log")
            let output = folder.appendingPathComponent("progress.jsonl")
            simulator.holdJobs()
            let process = try Support.launch(
                Self.run(folder, inputs: inputs, extra: ["--json-progress"]), simulator: simulator, log: log, output: output)
            #expect(try await Support.wait(upTo: 120) { simulator.statistics.jobsSubmitted >= Self.concurrency })
            let held = #"{"done":0,"total":12,"completed":0,"failed":0,"unknown":0,"retried":0,"in_flight":4,"rate":0.00,"eta_seconds":null}"#
            let shown = try await Support.wait(upTo: 60) { Self.text(output).split(separator: "\n").contains { $0 == held } }
            #expect(shown, "no object \(held) in: \(Self.text(output))")
            simulator.releaseJobs()
            #expect(try await Support.exitStatus(process, within: 120) == 0, "\(Self.text(log))")

            let progress = try Self.objects(Self.text(output))
            #expect(progress.count >= 2)
            #expect(progress.map(\.done) == progress.map(\.done).sorted(), "done never goes down: \(progress.map(\.done))")
            #expect(progress.allSatisfy { $0.total == Self.total })
            let last = try #require(progress.last)
            #expect(last.done == Self.total)
            #expect(last.completed == Self.total)
            #expect(last.inFlight == 0)
            #expect(last.etaSeconds == 0)
            #expect(!Self.text(log).contains("{\""), "the JSON goes to standard output only")
        }
    }

    #if canImport(Glibc)
    @Test("On a terminal: one live line, rewritten in place, cleared before the summary")
    func terminal() async throws {
        let terminal = try PseudoTerminal()
        let simulator = try Support.fastServer(seed: 9)
        try await simulator.whileRunning { simulator in
            let folder = try Support.folder("progress-terminal")
            let inputs = try Support.inputs(Self.total, in: folder)
            let log = folder.appendingPathComponent("run.log")
            simulator.holdJobs()
            let process = try Support.launch(Self.run(folder, inputs: inputs), simulator: simulator, log: log, standardError: terminal.child)
            // The child holds its own copy: with ours closed, the terminal ends when the child exits.
            try terminal.child.close()
            #expect(try await Support.wait(upTo: 120) { simulator.statistics.jobsSubmitted >= Self.concurrency })
            // Ticks every 0.5 s: the held line appears again and again, each time after a carriage
            // return and an erase-line, never after a new line.
            let held = "\r\u{1B}[2K0/\(Self.total) done · 0.0/s · \(Self.concurrency) in flight"
            let rewritten = try await Support.wait(upTo: 60) { terminal.text.components(separatedBy: held).count >= 3 }
            #expect(rewritten, "the line \(held.debugDescription) was not rewritten twice: \(terminal.text.debugDescription)")
            simulator.releaseJobs()
            #expect(try await Support.exitStatus(process, within: 120) == 0, "\(terminal.text.debugDescription)")
            #expect(try await Support.wait(upTo: 30) { terminal.ended }, "the terminal stayed open after the child exited")

            // The terminal turns "\n" into "\r\n".
            let text = terminal.text.replacingOccurrences(of: "\r\n", with: "\n")
            let summary = "\(Self.total)/\(Self.total) completed, 0 failed, 0 unknown, 0 left, 0 resubmitted; 429s: 0, lowest concurrency \(Self.concurrency)\n"
            #expect(text.hasSuffix("\r\u{1B}[2K" + summary), "the live line is not cleared before the summary: \(text.suffix(300).debugDescription)")
            // Every progress line was written over, never ended: the live line and its rewrites
            // are all on the summary's line.
            let lines = text.split(separator: "\n")
            #expect(lines.last?.contains(" done · ") == true)
            for line in lines.dropLast() {
                #expect(!line.contains(" done · "), "a progress line left on the screen: \(line.debugDescription)")
            }
            #expect(!Self.text(log).contains(" done · "), "progress goes to the terminal, not to standard output")
        }
    }
    #endif
}

#if canImport(Glibc)
/// A pseudo-terminal (`openpty`, Linux): `child` is the terminal end a child process writes to; what it writes
/// collects in `text`, read by a thread until the child's end is closed everywhere.
final class PseudoTerminal: Sendable {
    let child: FileHandle
    private let controller: Int32
    private let collected = Mutex<(bytes: [UInt8], ended: Bool)>(([], false))

    init() throws {
        var controller: Int32 = -1
        var descriptor: Int32 = -1
        guard openpty(&controller, &descriptor, nil, nil, nil) == 0 else { throw BatchError("cannot open a pseudo-terminal (errno \(errno))") }
        self.controller = controller
        child = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let thread = Thread { [self] in self.read() }
        thread.start()
    }

    private func read() {
        let handle = FileHandle(fileDescriptor: controller, closeOnDealloc: true)
        // A byte at a time: `read(upToCount:)` waits for the whole count, and what it holds is
        // lost when the read ends in an error, as it does (EIO) once no process has the terminal
        // end open.
        while let data = try? handle.read(upToCount: 1), !data.isEmpty {
            collected.withLock { $0.bytes += data }
        }
        collected.withLock { $0.ended = true }
    }

    /// Everything written so far.
    var text: String { collected.withLock { String(decoding: $0.bytes, as: UTF8.self) } }
    /// Whether the child's end was closed and everything read.
    var ended: Bool { collected.withLock { $0.ended } }
}
#endif
