import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import QueueSimulator
import FluxRedux
@testable import QueueRuntime
import QueueTestSupport

let simulatorKey = "sim-key-id:sim-secret-value"

/// Starts a simulator, runs `body` with a client pointed at it, and stops the simulator.
func withSimulator<T>(
    jobDuration: Duration = .milliseconds(100), workers: Int = 2, logCount: Int = 3, faults: [Fault] = [],
    configureClient: (inout QueueClient.Configuration, QueueSimulator) -> Void = { _, _ in },
    _ body: (QueueClient, QueueSimulator) async throws -> T
) async throws -> T {
    var configuration = SimulatorConfiguration()
    configuration.apiKey = simulatorKey
    configuration.jobDuration = jobDuration
    configuration.workers = workers
    configuration.logCount = logCount
    configuration.seed = 1
    configuration.faults = faults
    configuration.keepAliveInterval = .milliseconds(200)
    let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
    return try await simulator.whileRunning { simulator in
        var clientConfiguration = QueueClient.Configuration(
            queueBaseURL: simulator.queueBaseURL, syncBaseURL: simulator.syncBaseURL, storageBaseURL: simulator.storageBaseURL,
            credentials: Credentials(key: simulatorKey))
        clientConfiguration.retryPolicy.random = RandomSource(seed: 42)
        clientConfiguration.retryPolicy.initialDelay = .milliseconds(10)
        clientConfiguration.retryPolicy.maxElapsed = .seconds(10)
        clientConfiguration.statusUpdates.pollInitialInterval = .milliseconds(10)
        clientConfiguration.statusUpdates.pollMaxInterval = .milliseconds(100)
        clientConfiguration.statusUpdates.streamIdleTimeout = .seconds(3)
        clientConfiguration.logger = {
            var logger = Logger(label: "queue-runtime-test")
            logger.logLevel = .warning
            return logger
        }()
        configureClient(&clientConfiguration, simulator)
        let client = QueueClient(configuration: clientConfiguration)
        return try await body(client, simulator)
    }
}

func reduxInput(numImages: Int? = nil, width: Int = 64, height: Int = 48) -> Flux1SchnellRedux.Input {
    Flux1SchnellRedux.Input(imageURL: .url(TestPNG.dataURI()), imageSize: .custom(width: width, height: height), numImages: numImages)
}

/// Records which host each request went to and whether it carried `Authorization`.
final class HeaderCapture: ClientMiddleware, @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [(host: String, path: String, authorized: Bool)] = []

    var requests: [(host: String, path: String, authorized: Bool)] { lock.withLock { seen } }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let entry = (host: baseURL.host ?? "", path: request.path ?? "", authorized: request.headerFields[.authorization] != nil)
        lock.withLock { seen.append(entry) }
        return try await next(request, body, baseURL)
    }
}

/// Collects statuses from a `@Sendable` callback and lets a test wait for one.
final class StatusProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [QueueStatus] = []
    private var waiters: [(predicate: (QueueStatus) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

    var all: [QueueStatus] { lock.withLock { statuses } }

    var callback: @Sendable (QueueStatus) -> Void { { [self] in record($0) } }

    func record(_ status: QueueStatus) {
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            statuses.append(status)
            let (done, rest) = (waiters.filter { $0.predicate(status) }, waiters.filter { !$0.predicate(status) })
            waiters = rest
            return done.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Waits until a status matching `predicate` was recorded (a past one counts).
    func wait(for predicate: @escaping (QueueStatus) -> Bool) async {
        await withCheckedContinuation { continuation in
            let now = lock.withLock { () -> Bool in
                if statuses.contains(where: predicate) { return true }
                waiters.append((predicate, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// Rewrites text in submit responses, to make the server hand out URLs on another host.
struct URLRewriter: ClientMiddleware {
    var from: String
    var to: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard operationID == "submit", let responseBody else { return (response, responseBody) }
        let text = try await String(collecting: responseBody, upTo: 1 << 20)
        return (response, HTTPBody(text.replacingOccurrences(of: from, with: to)))
    }
}
