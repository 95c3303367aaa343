import AsyncHTTPClient
import FluxRedux
import Foundation
import Logging
import OpenAPIAsyncHTTPClient
import QueueRuntime
import QueueSimulator
import QueueTestSupport


let key = "bench-id:bench-secret"
let streamCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1000 : 1000
let stalledCount = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 2000 : 2000
let descriptorLimit = raiseDescriptorLimit()
let falQueue = URL(string: "https://queue.fal.run")!
let pixel = FileInput.dataURI(TestPNG.make(width: 8, height: 6), contentType: "image/png")
let quiet: Logger = {
    var logger = Logger(label: "proxy-load")
    logger.logLevel = .critical
    return logger
}()

/// The client holding the streams (an app's clients would not share one pool for a thousand
/// streams and their quick requests; the proxy is what is measured).
let streamClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: streamCount + 200)
    configuration.timeout.connect = .seconds(10)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

/// The load generator's HTTP client for everything else.
let load: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: streamCount + 200)
    configuration.timeout.connect = .seconds(10)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

func simulator(jobDuration: Duration, workers: Int, publicBase: URL? = nil) async throws -> QueueSimulator {
    var configuration = SimulatorConfiguration()
    configuration.apiKey = key
    configuration.jobDuration = jobDuration
    configuration.workers = workers
    configuration.seed = 21
    configuration.publicBaseURL = publicBase
    let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
    try await simulator.start()
    return simulator
}

/// A runtime client (direct, or through the proxy) whose own transport is not the bottleneck.
func runtimeClient(direct simulator: QueueSimulator? = nil, proxy: URL? = nil) -> QueueClient {
    let transport = AsyncHTTPClientTransport(configuration: .init(client: load, timeout: .seconds(60)))
    var configuration: QueueClient.Configuration
    if let proxy {
        configuration = .proxy(proxy, transport: transport)
    } else {
        let simulator = simulator!
        configuration = QueueClient.Configuration(
            queueBaseURL: simulator.queueBaseURL, syncBaseURL: simulator.syncBaseURL, storageBaseURL: simulator.storageBaseURL,
            credentials: Credentials(key: key), transport: transport)
    }
    configuration.logger = quiet
    configuration.retryPolicy.random = RandomSource(seed: 21)
    return QueueClient(configuration: configuration)
}

/// Submits `count` jobs straight to the simulator; returns their request ids.
func submitDirect(_ simulator: QueueSimulator, _ count: Int) async throws -> [String] {
    let client = runtimeClient(direct: simulator)
    return try await withThrowingTaskGroup(of: [String].self) { group in
        for lane in 0..<16 {
            group.addTask {
                var ids: [String] = []
                for _ in stride(from: lane, to: count, by: 16) {
                    ids.append(try await client.submit(.flux1SchnellRedux, .init(imageURL: .url(pixel))).requestID)
                }
                return ids
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
}

/// One GET through the proxy; its status and latency.
func proxiedGet(_ proxy: URL, target: String) async -> (ok: Bool, latency: Duration) {
    await timedGet(proxy, headers: [("x-fal-target-url", target)])
}

/// 500 ordinary requests in 4 lanes, one id each, cycling through `ids`; whether each got 200, and its latency.
func ordinaryRequests(_ ids: [String], _ get: @escaping @Sendable (String) async -> (ok: Bool, latency: Duration)) async -> [(Bool, Duration)] {
    await withTaskGroup(of: [(Bool, Duration)].self) { group in
        for lane in 0..<4 {
            group.addTask {
                var results: [(Bool, Duration)] = []
                for index in stride(from: lane, to: 500, by: 4) {
                    let result = await get(ids[index % ids.count])
                    results.append((result.ok, result.latency))
                }
                return results
            }
        }
        return await group.reduce(into: []) { $0 += $1 }
    }
}

/// One GET; its status and latency.
func timedGet(_ url: URL, headers: [(String, String)]) async -> (ok: Bool, latency: Duration) {
    var request = HTTPClientRequest(url: url.absoluteString)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let start = ContinuousClock.now
    do {
        let response = try await load.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code == 200, .now - start)
    } catch {
        return (false, .now - start)
    }
}

/// Opens a status stream through the proxy, waits for its first bytes, reports it open, and
/// holds it until `release` opens.
func holdStream(_ proxy: URL, id: String, opened: AsyncStream<String?>.Continuation, release: Latch, slots: OpeningSlots) async {
    var request = HTTPClientRequest(url: proxy.absoluteString)
    request.headers.add(name: "x-fal-target-url", value: "https://queue.fal.run/fal-ai/flux-1/requests/\(id)/status/stream")
    await slots.acquire()
    do {
        let response = try await streamClient.execute(request, timeout: .seconds(60))
        var body = response.body.makeAsyncIterator()
        guard response.status.code == 200, try await body.next() != nil else {
            await slots.release()
            opened.yield("HTTP \(response.status.code)")
            return
        }
        await slots.release()
        opened.yield(nil)
        await release.wait()
    } catch {
        await slots.release()
        opened.yield("\(type(of: error)): \(error)")
    }
}

/// How many streams are being opened at once: users arrive over time, not in one instant (a
/// thousand simultaneous connects overflow the upstream's accept backlog of 256).
actor OpeningSlots {
    var free: Int
    var waiters: [CheckedContinuation<Void, Never>] = []
    init(_ count: Int) { free = count }
    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }
    func release() {
        if waiters.isEmpty { free += 1 } else { waiters.removeFirst().resume() }
    }
}

/// A one-time gate many tasks wait on.
actor Latch {
    var isOpen = false
    var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

// MARK: The four parts

func heldStreams() async throws -> [(String, String)] {
    var rows: [(String, String)] = []
    func row(_ name: String, _ value: String) {
        rows.append((name, value))
        print("  \(name): \(value)")
    }
    let upstream = try await simulator(jobDuration: .seconds(600), workers: 1)
    let proxy = try ProxyProcess(upstream: upstream.queueBaseURL, key: key)
    let proxyURL = proxy.url
    let ids = try await submitDirect(upstream, streamCount)
    for id in ids.prefix(50) { _ = await proxiedGet(proxyURL, target: "https://queue.fal.run/fal-ai/flux-1/requests/\(id)/status") }
    let residentBefore = proxy.residentKiB
    let release = Latch()
    let (openings, opened) = AsyncStream<String?>.makeStream()
    let slots = OpeningSlots(64)
    let holders = Task {
        await withTaskGroup(of: Void.self) { group in
            for id in ids { group.addTask { await holdStream(proxyURL, id: id, opened: opened, release: release, slots: slots) } }
        }
    }
    var open = 0, failed = 0
    let openStart = ContinuousClock.now
    var failures: [String: Int] = [:]
    for await failure in openings {
        if let failure {
            failed += 1
            failures[failure, default: 0] += 1
        } else {
            open += 1
        }
        if open + failed == ids.count { break }
    }
    let openTime = ContinuousClock.now - openStart
    let residentOpen = proxy.residentKiB
    let descriptors = proxy.openDescriptors
    // Ordinary status requests while every stream is open: 4 lanes, 500 requests through the
    // proxy, then the same sent straight to the upstream, for comparison.
    let cpuBefore = proxy.cpuSeconds
    let latencies = await ordinaryRequests(ids) { id in
        await proxiedGet(proxyURL, target: "https://queue.fal.run/fal-ai/flux-1/requests/\(id)/status")
    }
    let cpuPerRequest = (proxy.cpuSeconds - cpuBefore) * 1000 / Double(latencies.count)
    let upstreamBase = upstream.queueBaseURL
    let directLatencies = await ordinaryRequests(ids) { id in
        await timedGet(upstreamBase.appendingPathComponent("fal-ai/flux-1/requests/\(id)/status"), headers: [("Authorization", "Key \(key)")])
    }
    let directSorted = directLatencies.map(\.1).sorted()
    let sorted = latencies.map(\.1).sorted()
    row("status streams held open through the proxy", "\(open) of \(ids.count) (\(failed) failed), opened 64 at a time in \(String(format: "%.1f", milliseconds(openTime) / 1000)) s")
    for (reason, count) in failures { print("  stream failures: \(count) × \(reason)") }
    row("ordinary requests answered 200 while open", "\(latencies.filter(\.0).count) of \(latencies.count)")
    row("ordinary request latency p50 / p99 / max", String(format: "%.1f / %.1f / %.1f ms", percentile(sorted, 0.5), percentile(sorted, 0.99), percentile(sorted, 1)))
    row(
        "same requests sent directly: answered, p50 / p99 / max",
        String(
            format: "%d of %d, %.1f / %.1f / %.1f ms", directLatencies.filter(\.0).count, directLatencies.count,
            percentile(directSorted, 0.5), percentile(directSorted, 0.99), percentile(directSorted, 1)))
    row("proxy CPU per ordinary request (streams open)", String(format: "%.2f ms", cpuPerRequest))
    row("proxy RSS before / with the streams open", "\(residentBefore / 1024) / \(residentOpen / 1024) MiB")
    row("proxy memory per open stream", String(format: "%.1f KiB", Double(residentOpen - residentBefore) / Double(max(1, open))))
    row("proxy descriptors with the streams open", "\(descriptors)")
    opened.finish()
    await release.open()
    _ = await holders.value
    proxy.stop()
    await upstream.stop()
    return rows
}

func jobsPerSecond() async throws -> [(String, String)] {
    var rows: [(String, String)] = []
    func row(_ name: String, _ value: String) {
        rows.append((name, value))
        print("  \(name): \(value)")
    }
    let jobs = 200
    func measure(_ client: QueueClient) async -> (Int, Duration) {
        let start = ContinuousClock.now
        let completed = await withTaskGroup(of: Int.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    var done = 0
                    for _ in stride(from: lane, to: jobs, by: 16) {
                        if (try? await client.run(.flux1SchnellRedux, .init(imageURL: .url(pixel)))) != nil { done += 1 }
                    }
                    return done
                }
            }
            return await group.reduce(0, +)
        }
        return (completed, .now - start)
    }
    let direct = try await simulator(jobDuration: .milliseconds(20), workers: 16)
    let (directDone, directTime) = await measure(runtimeClient(direct: direct))
    await direct.stop()
    let behind = try await simulator(jobDuration: .milliseconds(20), workers: 16, publicBase: falQueue)
    let proxy = try ProxyProcess(upstream: behind.queueBaseURL, key: key)
    let proxyURL = proxy.url
    let (proxiedDone, proxiedTime) = await measure(runtimeClient(proxy: proxyURL))
    proxy.stop()
    await behind.stop()
    let directRate = Double(directDone) / (milliseconds(directTime) / 1000)
    let proxiedRate = Double(proxiedDone) / (milliseconds(proxiedTime) / 1000)
    row("jobs/s direct (16 clients, 20 ms jobs)", String(format: "%.1f (%d of %d completed)", directRate, directDone, jobs))
    row("jobs/s through the proxy (same load)", String(format: "%.1f (%d of %d completed)", proxiedRate, proxiedDone, jobs))
    row("proxied / direct", String(format: "%.2f", proxiedRate / directRate))
    return rows
}

/// 20 clients following 8-second jobs through the proxy.
func followingClients(followUpstream: QueueSimulator) async throws -> [(String, String)] {
    var rows: [(String, String)] = []
    func row(_ name: String, _ value: String) {
        rows.append((name, value))
        print("  \(name): \(value)")
    }
    let proxy = try ProxyProcess(upstream: followUpstream.queueBaseURL, key: key)
    let proxyURL = proxy.url
    let client = runtimeClient(proxy: proxyURL)
    let start = ContinuousClock.now
    let completed = await withTaskGroup(of: Bool.self) { group in
        for _ in 0..<20 { group.addTask { (try? await client.run(.flux1SchnellRedux, .init(imageURL: .url(pixel)))) != nil } }
        return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
    }
    let statistics = followUpstream.statistics
    row(
        "20 clients following 8-s jobs: completed / streams / polls (fallbacks)",
        "\(completed) / \(statistics.requests[.statusStream] ?? 0) / \(statistics.requests[.status] ?? 0) in \(String(format: "%.1f", milliseconds(.now - start) / 1000)) s")
    proxy.stop()
    return rows
}

/// Connections stalled inside their request head, and an honest request meanwhile.
func stalledHeads(followUpstream: QueueSimulator) async throws -> [(String, String)] {
    var rows: [(String, String)] = []
    func row(_ name: String, _ value: String) {
        rows.append((name, value))
        print("  \(name): \(value)")
    }
    let proxy = try ProxyProcess(upstream: followUpstream.queueBaseURL, key: key)
    let proxyURL = proxy.url
    let id = try await submitDirect(followUpstream, 1)[0]
    let before = proxy.openDescriptors
    var stalled: [RawClientSocket] = []
    for _ in 0..<stalledCount {
        guard let socket = RawClientSocket(port: proxy.port) else { break }
        socket.send("GET /api/fal/proxy HTTP/1.1\r\nHo")
        stalled.append(socket)
    }
    let stallStart = ContinuousClock.now
    let honest = await proxiedGet(proxyURL, target: "https://queue.fal.run/fal-ai/flux-1/requests/\(id)/status")
    let during = proxy.openDescriptors
    // Blocks the main thread only: the proxy is another process, the upstream runs on its own threads.
    let closed = countClosedByServer(stalled, within: .seconds(60))
    let closeTime = ContinuousClock.now - stallStart
    row("stalled request heads opened / closed by the proxy", "\(stalled.count) / \(closed), all closed after \(String(format: "%.1f", milliseconds(closeTime) / 1000)) s")
    row("honest request during the stall", "\(honest.ok ? "200" : "FAILED") in \(String(format: "%.1f", milliseconds(honest.latency))) ms")
    row("proxy descriptors before / during the stall", "\(before) / \(during)")
    for socket in stalled { socket.close() }
    proxy.stop()
    return rows
}

