import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import OpenAPIRuntime
import QueueProxy
import QueueRuntime
import QueueSimulator
import QueueTestSupport
import ServerTestSupport

let simulatorKey = "sim-key-id:sim-secret-value"
let quietLogger: Logger = {
    var logger = Logger(label: "parity-test")
    logger.logLevel = .critical
    return logger
}()

/// A simulator configuration for these tests: keyed, seeded, quick.
func simulatorConfiguration(publicBase: URL? = nil) -> SimulatorConfiguration {
    var configuration = SimulatorConfiguration()
    configuration.apiKey = simulatorKey
    configuration.jobDuration = .milliseconds(50)
    configuration.seed = 7
    configuration.keepAliveInterval = .milliseconds(200)
    configuration.webhookRetryDelay = .milliseconds(20)
    configuration.publicBaseURL = publicBase
    return configuration
}

/// Starts a simulator serving FLUX.1 [schnell] Redux and Any LLM, runs `body`, stops it.
func withSimulator<T>(
    _ configuration: SimulatorConfiguration = simulatorConfiguration(), _ body: (QueueSimulator) async throws -> T
) async throws -> T {
    let simulator = try QueueSimulator.fluxReduxAndAnyLLM(configuration: configuration)
    return try await simulator.whileRunning(body)
}

/// A client talking to the simulator directly, with the key.
func directClient(_ simulator: QueueSimulator, configure: (inout QueueClient.Configuration) -> Void = { _ in }) -> QueueClient {
    var configuration = QueueClient.Configuration(
        queueBaseURL: simulator.queueBaseURL, syncBaseURL: simulator.syncBaseURL, storageBaseURL: simulator.storageBaseURL,
        credentials: Credentials(key: simulatorKey))
    configuration.retryPolicy.random = RandomSource(seed: 42)
    configuration.retryPolicy.initialDelay = .milliseconds(10)
    configuration.statusUpdates.streamIdleTimeout = .seconds(3)
    configuration.logger = quietLogger
    configure(&configuration)
    return QueueClient(configuration: configuration)
}

/// `ServerTestSupport.withServer` with this target's quiet logger.
func withServer<T>(_ router: Router<BasicRequestContext>, _ body: (URL) async throws -> T) async throws -> T {
    try await ServerTestSupport.withServer(router, name: "parity-test", logger: quietLogger, body)
}

/// A `queue-proxy` in front of `upstream` (as `--upstream`), with the simulator's key, run for `body`.
func withProxy<T>(
    upstream: URL, allowedEndpoints: [String] = [], rules: [TargetRule] = TargetRule.falDefaults,
    authenticate: QueueProxy.Authenticate? = nil, maximumRequestBytes: Int = 100 << 20,
    _ body: (URL) async throws -> T
) async throws -> T {
    let httpClient = QueueProxy.makeHTTPClient()
    var configuration = QueueProxy.Configuration(
        credentials: Credentials(key: simulatorKey), policy: TargetPolicy(rules: rules, allowedEndpoints: allowedEndpoints),
        upstream: .singleServer(upstream), authenticate: authenticate, maximumRequestBytes: maximumRequestBytes)
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

/// What a request looked like when it left the client (after every other middleware).
struct SeenRequest: Sendable {
    var authority: String
    var path: String
    var authorization: String?
    var targetURL: String?
    var operation: String
}

/// Records every request the client sends; install it last so it sees the final request.
final class RequestRecorder: ClientMiddleware, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [SeenRequest] = []

    var requests: [SeenRequest] { lock.withLock { seen } }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let entry = SeenRequest(
            authority: request.authority ?? "", path: request.path ?? "", authorization: request.headerFields[.authorization],
            targetURL: request.headerFields[HTTPField.Name("x-fal-target-url")!], operation: operationID)
        lock.withLock { seen.append(entry) }
        return try await next(request, body, baseURL)
    }
}

/// A one-shot raw HTTP request with AsyncHTTPClient, for talking to servers as an attacker would.
func rawRequest(
    _ client: HTTPClient, _ method: HTTPMethod, _ url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil
) async throws -> (status: Int, headers: HTTPHeaders, body: Data) {
    var request = HTTPClientRequest(url: url.absoluteString)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(body) }
    let response = try await client.execute(request, timeout: .seconds(10))
    let buffer = try await response.body.collect(upTo: 16 << 20)
    return (Int(response.status.code), response.headers, Data(buffer: buffer))
}

/// Any LLM (`fal-ai/any-llm`): a text endpoint whose output streams. Written by hand here (the
/// catalog's generated clients are image endpoints); its spec is bundled with the simulator.
struct AnyLLMInput: QueueInput {
    var prompt: String
    var model: String?

    func validate(at path: [String]) -> [QueueRuntime.ValidationIssue] {
        prompt.isEmpty ? [QueueRuntime.ValidationIssue(path: path + ["prompt"], constraint: .minLength(1), found: "\"\"")] : []
    }
}

struct AnyLLMOutput: QueueModel {
    var output: String
    var partial: Bool
    var reasoning: String?
}

extension QueueEndpoint where Input == AnyLLMInput, Output == AnyLLMOutput {
    static var anyLLM: Self { Self(id: "fal-ai/any-llm") }
}

/// The Any LLM spec's example output, which the simulator answers.
let anyLLMText = "The sky looks blue because air scatters short blue wavelengths of sunlight more than long red ones."

/// A small PNG for inputs.
func tinyPNG() -> Data { TestPNG.make(width: 8, height: 6) }

/// The same PNG as a data URI.
func dataURIPNG() -> String { FileInput.dataURI(tinyPNG(), contentType: "image/png") }
