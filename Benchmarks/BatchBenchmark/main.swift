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

let settings: SimulatorConfiguration = {
    var settings = SimulatorConfiguration()
    settings.workers = 512
    settings.jobDuration = .milliseconds(5)
    settings.logCount = 0
    return settings
}()
/// One local queue server for the whole run (a server per phase was tried: stopping one while a
/// client still held keep-alive connections to it hung once, see the note).
let simulator = try QueueSimulator.fluxRedux(configuration: settings)
try await simulator.start()
let client: QueueClient = {
    var configuration = QueueClient.Configuration(queueBaseURL: simulator.queueBaseURL, credentials: nil)
    configuration.logger.logLevel = .critical
    return QueueClient(configuration: configuration)
}()
let check = InputCheck.typed(Flux1SchnellRedux.Input.self, endpointID: endpointID)

/// A plain `withTaskGroup` loop over `run`, `concurrency` at a time, no journal.
func plainLoop(_ count: Int, client: QueueClient) async throws -> Double {
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
func runner(_ count: Int, client: QueueClient, journal: any BatchJournal, folder: URL) async throws -> Double {
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


/// CPU time used so far: this process's (user + system), and the whole machine's (every process:
/// the local queue server runs in this one, PostgreSQL in its own), in seconds.
#if canImport(Glibc)
let RUSAGE_SELF_ID = RUSAGE_SELF.rawValue
#else
let RUSAGE_SELF_ID = RUSAGE_SELF
#endif
func cpuSeconds() -> (process: Double, machine: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF_ID, &usage)
    let process = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    var machine = 0.0
    if let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let first = text.split(separator: "\n").first {
        // cpu  user nice system idle iowait irq softirq steal …, in clock ticks (USER_HZ = 100).
        let ticks = first.split(separator: " ").dropFirst().compactMap { Double($0) }
        if ticks.count >= 8 { machine = (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / 100 }
    }
    return (process, machine)
}

/// One measured phase: jobs per second, and CPU milliseconds per job (this process, the machine).
struct Phase {
    var rate: Double
    var processCPU: Double
    var machineCPU: Double
}

@MainActor func measured(_ count: Int, _ body: () async throws -> Double) async throws -> Phase {
    let before = cpuSeconds()
    let rate = try await body()
    let after = cpuSeconds()
    return Phase(rate: rate, processCPU: (after.process - before.process) / Double(count) * 1e3, machineCPU: (after.machine - before.machine) / Double(count) * 1e3)
}

/// The journal alone: claim, submitting, submitted, completed for every row, no network.
/// Returns the wall time per job (32 at a time) and the CPU time per job (ms, as `measured`).
func journalCost(_ count: Int, journal: any BatchJournal, batch: String = "cost") async throws -> (wall: Double, cpu: Phase) {
    let rows = (1...count).map { (line: $0, input: "{\"image_url\":\"https://example.com/\($0).png\"}") }
    for start in stride(from: 0, to: count, by: 2_000) {
        try await journal.insertPending(Array(rows[start..<min(count, start + 2_000)]), batch: batch)
    }
    let clock = ContinuousClock()
    var elapsed = Duration.zero
    let cpu = try await measured(count) {
        elapsed = try await clock.measure {
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
        return 0
    }
    return (seconds(elapsed) / Double(count) * 1e6, cpu)
}

/// The file system alone: `count` files of `size` bytes written as the runner writes each output
/// (a temporary file, then a rename) into one folder, 32 writers at a time. On a file system
/// without a journal, creating files right after many were deleted is slow (the kernel skips
/// inodes deleted in the last minutes); this row says what the files cost on this machine.
func fileCost(_ count: Int, size: Int, folder: URL) async throws -> (wall: Double, cpu: Phase) {
    let data = Data(repeating: UInt8(ascii: "x"), count: size)
    let clock = ContinuousClock()
    var elapsed = Duration.zero
    let cpu = try await measured(count) {
        elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<concurrency {
                    group.addTask {
                        for line in stride(from: writer + 1, through: count, by: concurrency) {
                            let temporary = folder.appendingPathComponent(".\(line).json.tmp")
                            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
                            let handle = try FileHandle(forWritingTo: temporary)
                            try handle.write(contentsOf: data)
                            try handle.close()
                            guard rename(temporary.path, folder.appendingPathComponent("\(line).json").path) == 0 else {
                                throw CocoaError(.fileWriteUnknown)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return 0
    }
    return (seconds(elapsed) / Double(count) * 1e6, cpu)
}

/// The runner on a fresh PostgreSQL batch (`postgresURL`), from registration to the manifest.
func postgresRunner(_ count: Int, client: QueueClient, url: String, folder: URL) async throws -> Double {
    let worker = BatchOptions.defaultWorker()
    let journal = try await PostgresJournal(url: url, worker: worker)
    let batchName = "bench-\(UUID().uuidString.prefix(8))"
    let inputs = folder.appendingPathComponent("inputs.jsonl")
    try writeInputs(count, to: inputs)
    let out = try OutputFolder(path: folder.appendingPathComponent("out").path)
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
        _ = try await InputRegistration.register(
            path: inputs.path, check: check, journal: journal, batch: batchName, outputFolder: out.url.path, download: false, skipInvalid: false)
        let runner = try BatchRunner(
            client: client, journal: journal, endpointID: endpointID, folder: out,
            options: BatchOptions(batch: batchName, concurrency: concurrency, worker: worker))
        let summary = try await runner.run()
        precondition(summary.counts.completed == count, "the runner completed \(summary.counts.completed) of \(count)")
    }
    await journal.close()
    return Double(count) / seconds(elapsed)
}

/// Scratch folders made so far, removed when the measurements are done: not in between, because
/// on a file system without a journal (ext4 without one, like this project's CI machines) a
/// deleted inode stays "recently deleted" for a minute or more, and every file created meanwhile
/// scans past those inodes, which would bill one phase for the previous one's clean-up.
var scratchFolders: [URL] = []

/// Runs `body` in a new scratch folder.
@MainActor func inScratch<T>(_ name: String, _ body: (URL) async throws -> T) async throws -> T {
    let folder = try scratch(name)
    scratchFolders.append(folder)
    return try await body(folder)
}

// PostgreSQL: the URL scripts/postgres-for-tests.sh exports (a private server), if given.
let postgresURL = ProcessInfo.processInfo.environment["QUEUE_BATCH_POSTGRES_URL"]
/// Rounds of loop, SQLite runner, PostgreSQL runner, interleaved so that a busy spell of the
/// machine hits all three alike (`BENCH_ROUNDS`, default 3).
let rounds = max(1, Int(ProcessInfo.processInfo.environment["BENCH_ROUNDS"] ?? "") ?? 3)
/// `BENCH_ONLY=loop|sqlite|postgres` runs one phase only (for a profiler).
let only = ProcessInfo.processInfo.environment["BENCH_ONLY"]

// Warm-up: connections, code paths.
_ = try await plainLoop(200, client: client)

var phases: [String: [Phase]] = [:]
/// One measured run of `phase` ("loop", "sqlite" or "postgres").
@MainActor func runPhase(_ phase: String) async throws -> Phase {
    switch phase {
    case "loop":
        return try await measured(jobs) { try await plainLoop(jobs, client: client) }
    case "sqlite":
        return try await inScratch("sqlite") { folder in
            let journal = try SQLiteJournal(path: folder.appendingPathComponent("journal.sqlite").path)
            return try await measured(jobs) { try await runner(jobs, client: client, journal: journal, folder: folder) }
        }
    default:
        return try await inScratch("postgres") { folder in
            try await measured(jobs) { try await postgresRunner(jobs, client: client, url: postgresURL ?? "", folder: folder) }
        }
    }
}

// Each round runs the phases in another order, so that no phase always comes first.
let order = ["loop", "sqlite"] + (postgresURL == nil ? [] : ["postgres"])
for round in 0..<rounds {
    for index in order.indices {
        let phase = order[(index + round) % order.count]
        if only == nil || only == phase { phases[phase, default: []].append(try await runPhase(phase)) }
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

var table: [(String, String)] = []
let loopRates = phases["loop"]?.map(\.rate) ?? []
for (key, name) in [("loop", "plain withTaskGroup loop over run"), ("sqlite", "queue-batch runner, SQLite journal"), ("postgres", "queue-batch runner, PostgreSQL journal")] {
    guard let runs = phases[key] else {
        if key == "postgres", postgresURL == nil {
            table.append(("queue-batch runner, PostgreSQL journal", "not run: set QUEUE_BATCH_POSTGRES_URL (scripts/postgres-for-tests.sh)"))
        }
        continue
    }
    let rates = runs.map(\.rate)
    var text = String(format: "%@ jobs/s, median %.0f", rates.map { String(format: "%.0f", $0) }.joined(separator: " "), median(rates))
    if key != "loop", !loopRates.isEmpty {
        // Each run against the loop of its own round, then the median of those ratios.
        let ratios = zip(rates, loopRates).map { $0 / $1 }
        text += String(format: " (%.2f× the loop; per round %@)", median(ratios), ratios.map { String(format: "%.2f", $0) }.joined(separator: " "))
    }
    table.append(("\(name), \(jobs) jobs", text))
    table.append((
        "  CPU per job: this process / whole machine",
        String(format: "%.2f / %.2f ms", median(runs.map(\.processCPU)), median(runs.map(\.machineCPU)))
    ))
}

if only == nil || only == "journal" {
    // Wall time per job (32 at a time), and CPU per job: this process's, the machine's (with
    // PostgreSQL's server processes).
    let files = try await inScratch("files") { folder in try await fileCost(jobs, size: 300, folder: folder) }
    table.append((
        "file system alone: \(jobs) files of 300 bytes written as outputs are",
        String(format: "%.0f µs/file; CPU %.0f / %.0f µs/file", files.wall, files.cpu.processCPU * 1e3, files.cpu.machineCPU * 1e3)
    ))
    let sqliteCost = try await inScratch("cost") { folder in
        try await journalCost(jobs, journal: try SQLiteJournal(path: folder.appendingPathComponent("journal.sqlite").path))
    }
    table.append((
        "SQLite journal alone, claim + 3 state changes per job",
        String(format: "%.0f µs/job; CPU %.0f / %.0f µs/job", sqliteCost.wall, sqliteCost.cpu.processCPU * 1e3, sqliteCost.cpu.machineCPU * 1e3)
    ))
    if let postgresURL {
        let journal = try await PostgresJournal(url: postgresURL, worker: "bench")
        let costBatch = "cost-\(UUID().uuidString.prefix(8))"
        let cost = try await journalCost(jobs, journal: journal, batch: costBatch)
        table.append((
            "PostgreSQL journal alone, claim + 3 state changes per job",
            String(format: "%.0f µs/job; CPU %.0f / %.0f µs/job", cost.wall, cost.cpu.processCPU * 1e3, cost.cpu.machineCPU * 1e3)
        ))
        await journal.close()
    }
}

// The local queue server is left to the process's exit: it is idle now, and stopping it is not
// what this measures (see where it starts).
for folder in scratchFolders { try? FileManager.default.removeItem(at: folder) }

for lines in only == nil ? [memoryLines / 10, memoryLines] : [] {
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
print("queue-batch benchmark (\(concurrency) in flight, 5 ms simulated jobs, local queue server in this process, \(rounds) rounds)")
for (name, value) in table {
    print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
}
