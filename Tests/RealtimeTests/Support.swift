import Foundation
import Hummingbird
import Logging
import MessagePack
import QueueProxy
import QueueRuntime
import QueueSimulator
import QueueTestSupport
import ServerTestSupport
import FluxRedux

let simulatorKey = "rt-key-id:rt-secret-value"
let quietLogger: Logger = {
    var logger = Logger(label: "realtime-test")
    logger.logLevel = .critical
    return logger
}()

/// A keyed, seeded simulator serving FLUX.1 [schnell] Redux, changed by `configure`, run for `body`.
func withSimulator<T>(
    _ configure: (inout SimulatorConfiguration) -> Void = { _ in }, _ body: (QueueSimulator) async throws -> T
) async throws -> T {
    var configuration = SimulatorConfiguration()
    configuration.apiKey = simulatorKey
    configuration.seed = 22
    configure(&configuration)
    let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
    return try await simulator.whileRunning(body)
}

/// A client with the key, pointed at the simulator (run host `/run`, token route at the root).
func directClient(_ simulator: QueueSimulator) -> QueueClient {
    var configuration = QueueClient.Configuration(
        queueBaseURL: simulator.queueBaseURL, syncBaseURL: simulator.syncBaseURL, storageBaseURL: simulator.storageBaseURL,
        credentials: Credentials(key: simulatorKey))
    configuration.logger = quietLogger
    return QueueClient(configuration: configuration)
}

/// Options for tests: no throttle unless a test asks for one.
func unthrottled() -> RealtimeOptions {
    var options = RealtimeOptions()
    options.throttleInterval = .zero
    return options
}

/// A small valid input whose `seed` tells inputs apart.
func reduxInput(seed: Int64, width: Int = 32, height: Int = 24) -> Flux1SchnellRedux.Input {
    Flux1SchnellRedux.Input(imageURL: .url(TestPNG.dataURI()), imageSize: .custom(width: width, height: height), seed: seed, numImages: 1)
}

/// Reads results one at a time, each wait bounded.
struct ResultReader<Output: Sendable>: Sendable {
    let iterator: IteratorBox<Output>

    init(_ results: AsyncStream<Result<Output, RealtimeError>>) {
        iterator = IteratorBox(results)
    }

    func next(within limit: Duration = .seconds(10)) async throws -> Result<Output, RealtimeError>? {
        let box = iterator
        return try await within(limit) { await box.next() }
    }
}

/// Holds an iterator across bounded waits (one reader at a time).
actor IteratorBox<Output: Sendable> {
    private var iterator: AsyncStream<Result<Output, RealtimeError>>.AsyncIterator

    init(_ results: AsyncStream<Result<Output, RealtimeError>>) {
        iterator = results.makeAsyncIterator()
    }

    func next() async -> Result<Output, RealtimeError>? {
        // An AsyncStream iterator is a handle on the stream's shared storage: a copy reads the same stream.
        var copy = iterator
        defer { iterator = copy }
        return await copy.next(isolation: #isolation)
    }
}

/// The `seed` of an input as the server received it (msgpack).
func receivedSeed(_ bytes: [UInt8]) -> Int64? {
    guard case .map(let pairs)? = try? MessagePackReader.value(from: bytes) else { return nil }
    for pair in pairs where pair.key == .string("seed") {
        switch pair.value {
        case .uint(let value): return Int64(exactly: value)
        case .int(let value): return value
        default: return nil
        }
    }
    return nil
}

/// `ServerTestSupport.withServer` with this target's quiet logger.
func withServer<T>(_ router: Router<BasicRequestContext>, _ body: (URL) async throws -> T) async throws -> T {
    try await ServerTestSupport.withServer(router, name: "realtime-test", logger: quietLogger, body)
}

/// A `queue-proxy` holding the key, in front of the simulator; `body` gets the proxy's URL.
func withProxy<T>(upstream: URL, _ body: (URL) async throws -> T) async throws -> T {
    let httpClient = QueueProxy.makeHTTPClient()
    var configuration = QueueProxy.Configuration(
        credentials: Credentials(key: simulatorKey), policy: TargetPolicy(), upstream: .singleServer(upstream))
    configuration.logger = quietLogger
    let proxy = QueueProxy(configuration: configuration, httpClient: httpClient)
    let router = Router()
    proxy.addRoutes(to: router)
    do {
        let result = try await withServer(router) { base in try await body(base.appendingPathComponent("api/fal/proxy")) }
        try await httpClient.shutdown()
        return result
    } catch {
        try? await httpClient.shutdown()
        throw error
    }
}
