import FluxRedux
import Foundation
import QueueBatch
import QueueBatchPostgres
import QueueRuntime
import QueueSimulator

// queue-batch against a plain loop, side by side in one run, against the local queue server:
// jobs per second for short jobs, the journal's cost per job, and peak memory while a
// 1,000,000-line input file is checked and journaled. Prints its own table.
// `swift run -c release queue-batch-benchmark [jobs] [memory-lines]`.

let arguments = CommandLine.arguments
let endpointIDForChecks = "fal-ai/flux-1/schnell/redux"

let jobs = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let memoryLines = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
let concurrency = 32
let endpointID = "fal-ai/flux-1/schnell/redux"
/// A 1×1 PNG: the local queue server reads data URIs (it does not fetch remote images).
let image = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

func peakResidentKilobytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}

func scratch(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("queue-batch-benchmark-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func writeInputs(_ count: Int, to url: URL) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
    let handle = try FileHandle(forWritingTo: url)
    var text = ""
    for line in 1...count {
        text += "{\"image_url\":\"\(image)\",\"image_size\":{\"width\":64,\"height\":48},\"seed\":\(line)}\n"
        if text.utf8.count > 1 << 20 {
            try handle.write(contentsOf: Data(text.utf8))
            text = ""
        }
    }
    try handle.write(contentsOf: Data(text.utf8))
    try handle.close()
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

// Child mode: check and journal a file of N lines, then print this process's peak RSS (KiB), so
// the figure is the registration's alone.
if arguments.count > 2, arguments[1] == "memory-child", let lines = Int(arguments[2]) {
    let folder = try scratch("memory")
    let inputs = folder.appendingPathComponent("inputs.jsonl")
    try writeInputs(lines, to: inputs)
    let journal = try SQLiteJournal(path: folder.appendingPathComponent("journal.sqlite").path)
    let baseline = peakResidentKilobytes()
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
        _ = try await InputRegistration.register(
            path: inputs.path, check: InputCheck.typed(Flux1SchnellRedux.Input.self, endpointID: endpointIDForChecks), journal: journal,
            batch: "memory", outputFolder: folder.path, download: false, skipInvalid: false)
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: inputs.path)[.size] as? Int) ?? 0
    print("\(peakResidentKilobytes()) \(baseline) \(seconds(elapsed)) \(size)")
    try? FileManager.default.removeItem(at: folder)
    exit(0)
}

var settings = SimulatorConfiguration()
settings.workers = 512
settings.jobDuration = .milliseconds(5)
settings.logCount = 0
let simulator = try QueueSimulator.fluxRedux(configuration: settings)
try await simulator.start()
var configuration = QueueClient.Configuration(queueBaseURL: simulator.queueBaseURL, credentials: nil)
configuration.logger.logLevel = .critical
let client = QueueClient(configuration: configuration)
let check = InputCheck.typed(Flux1SchnellRedux.Input.self, endpointID: endpointID)

/// A plain `withTaskGroup` loop over `run`, `concurrency` at a time, no journal.
func plainLoop(_ count: Int) async throws -> Double {
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 1
            while next <= min(concurrency, count) {
                let line = next
                group.addTask { _ = try await client.run(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(image), imageSize: .custom(Flux1SchnellRedux.ImageSize.Custom(width: 64, height: 48)), seed: Int64(line))) }
                next += 1
            }
            while try await group.next() != nil, next <= count {
                let line = next
                group.addTask { _ = try await client.run(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(image), imageSize: .custom(Flux1SchnellRedux.ImageSize.Custom(width: 64, height: 48)), seed: Int64(line))) }
                next += 1
            }
            try await group.waitForAll()
        }
    }
    return Double(count) / seconds(elapsed)
}

/// The runner with `journal`, from registration to the manifest.
func runner(_ count: Int, journal: any BatchJournal, folder: URL) async throws -> Double {
    let inputs = folder.appendingPathComponent("inputs.jsonl")
    try writeInputs(count, to: inputs)
    let out = try OutputFolder(path: folder.appendingPathComponent("out").path)
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
        _ = try await InputRegistration.register(
            path: inputs.path, check: check, journal: journal, batch: "bench", outputFolder: out.url.path, download: false, skipInvalid: false)
        let runner = try BatchRunner(client: client, journal: journal, endpointID: endpointID, folder: out, options: BatchOptions(batch: "bench", concurrency: concurrency))
        let summary = try await runner.run()
        precondition(summary.counts.completed == count, "the runner completed \(summary.counts.completed) of \(count)")
    }
    return Double(count) / seconds(elapsed)
}

/// The journal alone: claim, submitting, submitted, completed for every row, no network.
func journalCost(_ count: Int, journal: any BatchJournal, batch: String = "cost") async throws -> Double {
    let rows = (1...count).map { (line: $0, input: "{\"image_url\":\"https://example.com/\($0).png\"}") }
    for start in stride(from: 0, to: count, by: 2_000) {
        try await journal.insertPending(Array(rows[start..<min(count, start + 2_000)]), batch: batch)
    }
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while true {
                        let claimed = try await journal.claim(batch: batch, worker: "bench", limit: 1)
                        guard let row = claimed.first else { return }
                        try await journal.markSubmitting(batch: batch, line: row.line)
                        try await journal.markSubmitted(batch: batch, line: row.line, requestID: "r\(row.line)")
                        try await journal.markCompleted(batch: batch, line: row.line, output: "{}", files: [])
                    }
                }
            }
            try await group.waitForAll()
        }
    }
    return seconds(elapsed) / Double(count) * 1e6
}

var table: [(String, String)] = []
// Warm-up: connections, code paths.
_ = try await plainLoop(200)

let plain = try await plainLoop(jobs)
table.append(("plain withTaskGroup loop over run, \(jobs) jobs", String(format: "%.0f jobs/s", plain)))

let sqliteFolder = try scratch("sqlite")
let sqlite = try await runner(jobs, journal: try SQLiteJournal(path: sqliteFolder.appendingPathComponent("journal.sqlite").path), folder: sqliteFolder)
table.append(("queue-batch runner, SQLite journal, \(jobs) jobs", String(format: "%.0f jobs/s (%.2f× the plain loop)", sqlite, sqlite / plain)))

// PostgreSQL: the URL scripts/postgres-for-tests.sh exports (a private server), if given.
let postgresURL = ProcessInfo.processInfo.environment["QUEUE_BATCH_POSTGRES_URL"]
if let postgresURL {
    let folder = try scratch("postgres")
    let worker = BatchOptions.defaultWorker()
    let journal = try await PostgresJournal(url: postgresURL, worker: worker)
    let batchName = "bench-\(UUID().uuidString.prefix(8))"
    let inputs = folder.appendingPathComponent("inputs.jsonl")
    try writeInputs(jobs, to: inputs)
    let out = try OutputFolder(path: folder.appendingPathComponent("out").path)
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
        _ = try await InputRegistration.register(
            path: inputs.path, check: check, journal: journal, batch: batchName, outputFolder: out.url.path, download: false, skipInvalid: false)
        let runner = try BatchRunner(
            client: client, journal: journal, endpointID: endpointID, folder: out,
            options: BatchOptions(batch: batchName, concurrency: concurrency, worker: worker))
        let summary = try await runner.run()
        precondition(summary.counts.completed == jobs, "the runner completed \(summary.counts.completed) of \(jobs)")
    }
    let rate = Double(jobs) / seconds(elapsed)
    table.append(("queue-batch runner, PostgreSQL journal, \(jobs) jobs", String(format: "%.0f jobs/s (%.2f× the plain loop)", rate, rate / plain)))
    await journal.close()
} else {
    table.append(("queue-batch runner, PostgreSQL journal", "not run: set QUEUE_BATCH_POSTGRES_URL (scripts/postgres-for-tests.sh)"))
}

let plainAgain = try await plainLoop(jobs)
table.append(("plain loop again (noise check)", String(format: "%.0f jobs/s", plainAgain)))

let costFolder = try scratch("cost")
let cost = try await journalCost(jobs, journal: try SQLiteJournal(path: costFolder.appendingPathComponent("journal.sqlite").path))
table.append(("SQLite journal alone, claim + 3 state changes per job", String(format: "%.0f µs/job", cost)))
if let postgresURL {
    let journal = try await PostgresJournal(url: postgresURL, worker: "bench")
    let costBatch = "cost-\(UUID().uuidString.prefix(8))"
    let postgresCost = try await journalCost(jobs, journal: journal, batch: costBatch)
    table.append(("PostgreSQL journal alone, claim + 3 state changes per job", String(format: "%.0f µs/job", postgresCost)))
    await journal.close()
}

await simulator.stop()

for lines in [memoryLines / 10, memoryLines] {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.arguments = ["memory-child", String(lines)]
    let pipe = Pipe()
    child.standardOutput = pipe
    try child.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    child.waitUntilExit()
    let parts = output.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
    guard parts.count == 4 else {
        table.append(("check + journal \(lines) lines", "child failed: \(output)"))
        continue
    }
    table.append((
        "check + journal \(lines) lines (\(Int(parts[3]) >> 20) MiB), own process",
        String(format: "%.1f s, peak RSS %d MiB (%d MiB before reading)", parts[2], Int(parts[0]) >> 10, Int(parts[1]) >> 10)
    ))
}

let width = table.map(\.0.count).max() ?? 0
print("queue-batch benchmark (\(concurrency) in flight, 5 ms simulated jobs, local queue server)")
for (name, value) in table {
    print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
}
