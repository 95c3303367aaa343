// Realtime over loopback: round-trip latency for sequential inputs, frames per second for a
// burst, the queue's round trip for the same input beside it, and msgpack against JSON for the
// input's encoding. Client and local queue server run in this process (one machine, one run).
//   swift run -c release realtime-benchmark [sequential-inputs]
import FluxRedux
import Foundation
import MessagePack
import QueueRuntime
import QueueSimulator
import QueueTestSupport

let sequentialCount = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1000
let burstCount = 1000
let queueCount = 100

func percentile(_ sorted: [Duration], _ share: Double) -> Duration {
    sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * share).rounded()))]
}

func milliseconds(_ duration: Duration) -> String {
    String(format: "%.2f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)
}

func input(_ seed: Int) -> Flux1SchnellRedux.Input {
    Flux1SchnellRedux.Input(imageURL: .url(TestPNG.dataURI(width: 8, height: 8)), imageSize: .custom(width: 16, height: 16),
                            seed: Int64(seed), numImages: 1, outputFormat: .png)
}

func runBenchmark() async throws {
    var configuration = SimulatorConfiguration()
    configuration.apiKey = "bench-key:bench-secret"
    configuration.jobDuration = .zero
    configuration.logCount = 0
    let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
    try await simulator.start()
    var clientConfiguration = QueueClient.Configuration(
        queueBaseURL: simulator.queueBaseURL, syncBaseURL: simulator.syncBaseURL, storageBaseURL: simulator.storageBaseURL,
        credentials: Credentials(key: "bench-key:bench-secret"))
    clientConfiguration.logger.logLevel = .critical
    let client = QueueClient(configuration: clientConfiguration)

    // 1. Sequential: send, wait for the output, repeat (the throttle off, as an app awaiting each frame would set it).
    var options = RealtimeOptions()
    options.throttleInterval = .zero
    let session = try client.realtime(.flux1SchnellRedux, options: options)
    var results = session.results.makeAsyncIterator()
    try await session.send(input(0))  // connects and fetches the token: not timed
    _ = await results.next()
    var latencies: [Duration] = []
    let clock = ContinuousClock()
    for index in 1...sequentialCount {
        let started = clock.now
        try await session.send(input(index))
        guard case .success? = await results.next() else { fatalError("input \(index) got no output") }
        latencies.append(clock.now - started)
    }
    latencies.sort()

    // 2. Burst: every input sent at once; the session keeps the newest waiting while one is in flight.
    let framesBefore = await session.framesSent
    let burstStart = clock.now
    for index in 0..<burstCount { try await session.send(input(100_000 + index)) }
    let sendsDone = clock.now - burstStart
    var burstOutputs = 0
    // Wait for the last input's output (it is always sent: the newest wins).
    while let result = await results.next() {
        burstOutputs += 1
        if case .success(let output) = result, output.seed == Int64(100_000 + burstCount - 1) { break }
    }
    let burstTime = clock.now - burstStart
    let burstFrames = await session.framesSent - framesBefore
    await session.close()

    // 3. The queue for the same input: submit, follow, fetch (job duration zero).
    var queueLatencies: [Duration] = []
    for index in 0..<queueCount {
        let started = clock.now
        _ = try await client.run(.flux1SchnellRedux, input(200_000 + index))
        queueLatencies.append(clock.now - started)
    }
    queueLatencies.sort()
    await simulator.stop()

    // 4. The input's encoding: msgpack (what realtime sends) against JSON (what the queue sends).
    let sample = input(7)
    let encodeRounds = 20_000
    var start = clock.now
    for _ in 0..<encodeRounds { _ = try MessagePackEncoder().encode(sample) }
    let msgpackEncode = (clock.now - start) / encodeRounds
    start = clock.now
    for _ in 0..<encodeRounds { _ = try JSONEncoder().encode(sample) }
    let jsonEncode = (clock.now - start) / encodeRounds
    let packed = try MessagePackEncoder().encode(sample)
    let json = try JSONEncoder().encode(sample)

    let burstSeconds = Double(burstTime.components.seconds) + Double(burstTime.components.attoseconds) / 1e18
    print("""
        realtime over loopback (client and local queue server in one process, FLUX.1 [schnell] Redux, 16x16 PNG outputs)

        | measure | value |
        |---|---|
        | sequential round trip, \(sequentialCount) inputs, p50 | \(milliseconds(percentile(latencies, 0.5))) |
        | sequential round trip, p99 | \(milliseconds(percentile(latencies, 0.99))) |
        | sequential round trip, max | \(milliseconds(latencies.last!)) |
        | queue round trip (submit, follow, result), \(queueCount) runs, p50 | \(milliseconds(percentile(queueLatencies, 0.5))) |
        | queue round trip, p99 | \(milliseconds(percentile(queueLatencies, 0.99))) |
        | queue p50 / realtime p50 | \(String(format: "%.1f×", percentile(queueLatencies, 0.5) / percentile(latencies, 0.5))) |
        | burst: \(burstCount) sends, frames written (newest wins while one is in flight) | \(burstFrames) |
        | burst: outputs received | \(burstOutputs) |
        | burst: wall time | \(milliseconds(burstTime)) |
        | burst: the \(burstCount) send calls returned after | \(milliseconds(sendsDone)) |
        | burst: frames per second (written until the newest input's output arrived) | \(String(format: "%.0f", Double(burstFrames) / burstSeconds)) |
        | burst: outputs per second | \(String(format: "%.0f", Double(burstOutputs) / burstSeconds)) |
        | input encode, msgpack / JSON | \(milliseconds(msgpackEncode)) / \(milliseconds(jsonEncode)) (\(String(format: "%.2f×", msgpackEncode / jsonEncode))) |
        | input bytes, msgpack / JSON | \(packed.count) / \(json.count) |
        """)
}

try await runBenchmark()
