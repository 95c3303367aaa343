// Measures the queue runtime against the local queue server:
//  1. HTTP requests per job and the delay between the server finishing a job and the caller
//     holding its output, for streaming, backoff polling, and the official clients' fixed polls;
//  2. 10,000 jobs through one client process, none lost, with that process's peak memory.
//
// `runtime-benchmark` runs both; `runtime-benchmark load <queue URL> <jobs> <concurrency>` is the
// client half of part 2, started by part 1's process so its memory is the client's alone.

import Foundation
import FluxRedux
import Logging
import QueueRuntime
import QueueSimulator

let key = "bench-id:bench-secret"
// Not a multiple of the fixed poll intervals, so polls do not line up with completions by accident.
let jobDuration = Duration.milliseconds(250)

/// An 8×8 PNG as a data URI (stored deflate; enough for the simulator to read).
func smallPNGDataURI() -> String {
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    func crc(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return ~c
    }
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return be(UInt32(body.count)) + typed + be(crc(typed))
    }
    let (w, h) = (8, 8)
    var raw: [UInt8] = []
    for y in 0..<h {
        raw.append(0)
        for x in 0..<w { raw += [UInt8(x * 32), UInt8(y * 32), 128] }
    }
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    let n = raw.count
    let zlib: [UInt8] = [0x78, 0x01, 1, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)] + raw + be((b << 16) | a)
    let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        + chunk("IHDR", be(UInt32(w)) + be(UInt32(h)) + [8, 2, 0, 0, 0]) + chunk("IDAT", zlib) + chunk("IEND", [])
    return "data:image/png;base64," + Data(png).base64EncodedString()
}

let input = Flux1SchnellRedux.Input(imageURL: .url(smallPNGDataURI()), imageSize: .custom(width: 64, height: 64))

func quietLogger() -> Logger {
    var logger = Logger(label: "runtime-benchmark")
    logger.logLevel = .error
    return logger
}

func client(_ queueURL: URL, _ updates: StatusUpdatePolicy) -> QueueClient {
    var configuration = QueueClient.Configuration(queueBaseURL: queueURL, credentials: Credentials(key: key))
    configuration.statusUpdates = updates
    configuration.logger = quietLogger()
    return QueueClient(configuration: configuration)
}

func peakMemoryKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

/// Part 1: one mode, `jobs` jobs, `concurrency` at a time.
func measure(_ name: String, _ updates: StatusUpdatePolicy, jobs: Int, concurrency: Int) async throws -> String {
    var configuration = SimulatorConfiguration()
    configuration.apiKey = key
    configuration.jobDuration = jobDuration
    configuration.workers = concurrency * 2
    configuration.seed = 1
    let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
    try await simulator.start()
    defer { Task { await simulator.stop() } }
    let client = client(simulator.queueBaseURL, updates)
    _ = try await client.run(.flux1SchnellRedux, input)  // warm the connection pool
    let before = simulator.statistics.requests.values.reduce(0, +)

    var delays: [Double] = []
    let eventDelays = Samples()
    try await withThrowingTaskGroup(of: [Double].self) { group in
        for lane in 0..<concurrency {
            group.addTask {
                var lane_delays: [Double] = []
                for _ in stride(from: lane, to: jobs, by: concurrency) {
                    let job = try await client.submit(.flux1SchnellRedux, input)
                    // Resumed by the simulator the moment it finishes the job.
                    let finished = Task { () -> ContinuousClock.Instant in
                        await simulator.waitUntilFinished(job.requestID)
                        return .now
                    }
                    let seen = Seen()
                    let output = try await client.complete(job) { status in if status.isCompleted { seen.mark() } }
                    let held = ContinuousClock.now
                    precondition(output.images.count == 1)
                    let serverDone = await finished.value
                    lane_delays.append((held - serverDone).seconds * 1000)
                    if let at = seen.at { eventDelays.add((at - serverDone).seconds * 1000) }
                }
                return lane_delays
            }
        }
        for try await laneDelays in group { delays += laneDelays }
    }
    let requests = simulator.statistics.requests.values.reduce(0, +) - before
    await simulator.stop()
    let padded = name.padding(toLength: 30, withPad: " ", startingAt: 0)
    return "| \(padded) | " + String(
        format: "%4d | %7.2f | %12.2f | %6.2f | %6.2f | %15.2f |", jobs, Double(requests) / Double(jobs),
        percentile(delays, 0.5), percentile(delays, 0.95), delays.max() ?? .nan, percentile(eventDelays.values, 0.5))
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Part 2, client side: `jobs` jobs, `concurrency` in flight; prints `completed failed peakKiB seconds`.
func load(_ queueURL: URL, jobs: Int, concurrency: Int) async throws {
    let client = client(queueURL, .streaming)
    let started = ContinuousClock.now
    let next = Counter()
    var completed = 0
    var failures: [String] = []
    await withTaskGroup(of: (Int, [String]).self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var done = 0
                var failed: [String] = []
                while next.take() < jobs {
                    do {
                        let output = try await client.run(.flux1SchnellRedux, input, timeout: .seconds(120))
                        if output.images.count == 1 { done += 1 } else { failed.append("wrong image count") }
                    } catch {
                        failed.append("\(error)")
                    }
                }
                return (done, failed)
            }
        }
        for await (done, failed) in group {
            completed += done
            failures += failed
        }
    }
    for failure in failures.prefix(5) { FileHandle.standardError.write(Data("failure: \(failure)\n".utf8)) }
    print(completed, failures.count, peakMemoryKiB(), (ContinuousClock.now - started).seconds)
}

/// When the COMPLETED status reached the caller.
final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var instant: ContinuousClock.Instant?
    func mark() { lock.withLock { if instant == nil { instant = .now } } }
    var at: ContinuousClock.Instant? { lock.withLock { instant } }
}

final class Samples: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Double] = []
    func add(_ value: Double) { lock.withLock { samples.append(value) } }
    var values: [Double] { lock.withLock { samples } }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int { lock.withLock { defer { value += 1 }; return value } }
}

/// Part 2, server side: a simulator here, the client in a child process.
func tenThousand(jobs: Int, concurrency: Int) async throws -> String {
    var configuration = SimulatorConfiguration()
    configuration.apiKey = key
    configuration.jobDuration = .milliseconds(50)
    configuration.workers = concurrency
    configuration.logCount = 1
    configuration.seed = 1
    let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
    try await simulator.start()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    process.arguments = ["load", simulator.queueBaseURL.absoluteString, String(jobs), String(concurrency)]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = try await Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }.value
    process.waitUntilExit()
    let statistics = simulator.statistics
    await simulator.stop()
    let fields = String(decoding: output, as: UTF8.self).split(whereSeparator: \.isWhitespace)
    guard fields.count == 4, let completed = Int(fields[0]), let failed = Int(fields[1]), let peak = Int(fields[2]), let seconds = Double(fields[3])
    else { return "load run failed: \(String(decoding: output, as: UTF8.self))" }
    let lost = jobs - completed - failed
    let perJob = Double(statistics.requests.values.reduce(0, +)) / Double(max(1, statistics.jobsSubmitted))
    return """
        \(jobs) jobs, \(concurrency) in flight, 50 ms each: \(completed) completed, \(failed) failed, \(lost) lost \
        (server: \(statistics.jobsSubmitted) submitted, \(statistics.jobsCompleted) finished), \
        \(String(format: "%.1f", seconds)) s, \(String(format: "%.2f", perJob)) requests/job; \
        client peak memory (VmHWM) \(peak / 1024) MiB
        """
}

let arguments = CommandLine.arguments
if arguments.count == 5, arguments[1] == "load", let url = URL(string: arguments[2]), let jobs = Int(arguments[3]), let concurrency = Int(arguments[4]) {
    try await load(url, jobs: jobs, concurrency: concurrency)
    exit(0)
}
let jobs = Int(ProcessInfo.processInfo.environment["BENCH_JOBS"] ?? "") ?? 40
let lanes = Int(ProcessInfo.processInfo.environment["BENCH_CONCURRENCY"] ?? "") ?? 4
let loadJobs = Int(ProcessInfo.processInfo.environment["BENCH_LOAD_JOBS"] ?? "") ?? 10_000
print("Job duration \(Int(jobDuration.seconds * 1000)) ms, \(jobs) jobs per mode, \(lanes) at a time; delay = caller holds output − server finished job.")
print("| mode                           | jobs | req/job | delay p50 ms | p95 ms | max ms | of it, status p50 |")
print("|--------------------------------|------|---------|--------------|--------|--------|-----------------|")
for (name, policy) in [
    ("streaming (SSE)", StatusUpdatePolicy.streaming),
    ("polling, backoff 50 ms → 1 s", .polling),
    ("fixed poll 0.1 s (Python)", .fixedPolling(every: .milliseconds(100))),
    ("fixed poll 0.5 s (JS)", .fixedPolling(every: .milliseconds(500))),
] {
    print(try await measure(name, policy, jobs: jobs, concurrency: lanes))
}
print(try await tenThousand(jobs: loadJobs, concurrency: 64))
