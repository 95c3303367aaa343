import Foundation
import GuardedHTTPServer
import Hummingbird
import Logging
import NIOCore
import QueueSpec
import Synchronization

/// Why a simulator cannot start.
public enum SimulatorError: Error, Sendable, Hashable {
    /// No document declares an endpoint.
    case noEndpoints
    /// The bundled spec is missing from the resource bundle.
    case missingBundledSpec
    /// The bundled spec does not load.
    case invalidSpec(String)
    /// `start()` was called twice, or after `stop()`.
    case alreadyStarted
    /// The server did not come up.
    case couldNotBind(String)
}

/// A local stand-in for fal's queue: submit, status, status stream, result, cancel, the
/// synchronous route, files and storage uploads, over real HTTP, with injectable faults.
public final class QueueSimulator: Sendable {
    /// The configuration it was made with (faults added later are not reflected).
    public let configuration: SimulatorConfiguration

    struct EndpointEntry: Sendable {
        var endpoint: Endpoint
        var document: SpecDocument
        var appPath: String
    }

    struct ActiveFault: Sendable {
        var fault: Fault
        var matched = 0
    }

    struct State: Sendable {
        var jobs: [String: JobRecord] = [:]
        var normalQueue: [String] = []
        var lowQueue: [String] = []
        var held = false
        var stopped = false
        var started = false
        var workerWaiters: [CheckedContinuation<String?, Never>] = []
        var statistics = SimulatorStatistics()
        var faults: [ActiveFault] = []
        var generator: SeededGenerator
        var files: [String: StoredFile] = [:]
        /// Byte counts of generated files that are measured by rendering them, by file name.
        var fileSizes: [String: Int] = [:]
        /// The last few files rendered to be measured, so the fetch that usually follows is free.
        var recentlyRendered: [(name: String, bytes: [UInt8])] = []
        var uploads: [String: (name: String, contentType: String)] = [:]
        var boundPort: Int?
        var webhookSinks: [String: [[UInt8]]] = [:]
        var webhookSinkAttempts: [String: Int] = [:]
        var multipartUploads: [String: MultipartUpload] = [:]
        var reassembledFiles: [String: (file: ReassembledFile, contentType: String)] = [:]
        var streamEndWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

        var queuedCount: Int { normalQueue.count + lowQueue.count }

        func position(of id: String) -> Int? {
            if let index = normalQueue.firstIndex(of: id) { return index }
            if let index = lowQueue.firstIndex(of: id) { return normalQueue.count + index }
            return nil
        }
    }

    let endpoints: [String: EndpointEntry]
    let appPaths: Set<String>
    let state: Mutex<State>
    let tasks = Mutex<[Task<Void, Never>]>([])
    let serverTask = Mutex<Task<Void, any Error>?>(nil)
    /// The OpenAPI documents served at `GET /api/openapi/queue/openapi.json`, by endpoint id (OpenAPIDocumentRoute.swift).
    let publishedDocuments = Mutex<[String: [UInt8]]>([:])
    let logger: Logger
    let webhookSigner: WebhookSigner
    /// The realtime route's tokens, faults and counters (RealtimeHub.swift).
    let realtime: RealtimeHub

    /// A simulator serving every endpoint the documents declare.
    public init(configuration: SimulatorConfiguration = .init(), documents: [SpecDocument]) throws {
        var endpoints: [String: EndpointEntry] = [:]
        for document in documents {
            for endpoint in document.endpoints {
                endpoints[endpoint.id] = EndpointEntry(
                    endpoint: endpoint, document: document, appPath: Self.appPath(of: endpoint.id))
            }
        }
        guard !endpoints.isEmpty else { throw SimulatorError.noEndpoints }
        self.configuration = configuration
        self.endpoints = endpoints
        self.appPaths = Set(endpoints.values.map(\.appPath))
        var state = State(generator: SeededGenerator(seed: configuration.seed))
        state.faults = configuration.faults.map { ActiveFault(fault: $0) }
        self.state = Mutex(state)
        var logger = Logger(label: "queue-simulator")
        logger.logLevel = configuration.logLevel
        self.logger = logger
        self.webhookSigner = WebhookSigner(seed: configuration.seed, userID: configuration.webhookUserID)
        self.realtime = RealtimeHub(configuration: configuration)
    }

    /// A simulator for FLUX.1 [schnell] Redux, from the spec bundled with this module.
    public static func fluxRedux(configuration: SimulatorConfiguration = .init()) throws -> QueueSimulator {
        let simulator = try QueueSimulator(configuration: configuration, documents: [bundledFluxReduxSpec()])
        simulator.publishDocument(try bundledFluxReduxSpecBytes(), for: simulator.endpoints.keys.sorted())
        return simulator
    }

    /// The bytes of the bundled `flux-1-schnell-redux.yaml`.
    public static func bundledFluxReduxSpecBytes() throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "flux-1-schnell-redux", withExtension: "yaml", subdirectory: "Specs")
            ?? Bundle.module.url(forResource: "flux-1-schnell-redux", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else { throw SimulatorError.missingBundledSpec }
        return Array(data)
    }

    /// The bundled FLUX.1 [schnell] Redux document, loaded.
    public static func bundledFluxReduxSpec() throws -> SpecDocument {
        let bytes = try bundledFluxReduxSpecBytes()
        do {
            return try SpecLoader.load(bytes: bytes, file: "flux-1-schnell-redux.yaml").get()
        } catch {
            throw SimulatorError.invalidSpec("\(error)")
        }
    }

    /// `owner/alias` of an endpoint id, keeping a leading `workflows/` or `comfy/` namespace.
    static func appPath(of endpointID: String) -> String {
        let parts = endpointID.split(separator: "/", omittingEmptySubsequences: true)
        let count = ["workflows", "comfy"].contains(parts.first.map(String.init) ?? "") ? 3 : 2
        return parts.prefix(count).joined(separator: "/")
    }

    // MARK: Lifecycle

    /// Binds the port and starts the workers; returns once the server is listening.
    public func start() async throws {
        try state.withLock { state in
            guard !state.started else { throw SimulatorError.alreadyStarted }
            state.started = true
        }
        let (portStream, portContinuation) = AsyncStream<Int?>.makeStream()
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            await self.respond(to: request)
        }
        let app = Application(
            responder: responder,
            server: GuardedWebSocketChannel.builder(self),  // HTTP/1.1 plus the realtime WebSocket route
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "queue-simulator"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port)
                portContinuation.finish()
            },
            logger: logger
        )
        let task = Task {
            do {
                try await app.run()
            } catch {
                portContinuation.finish()
                throw error
            }
            portContinuation.finish()
        }
        serverTask.withLock { $0 = task }
        var port: Int?
        for await value in portStream {
            port = value
            break
        }
        guard let port else {
            let failure = await task.result
            if case .failure(let error) = failure { throw SimulatorError.couldNotBind("\(error)") }
            throw SimulatorError.couldNotBind("no port")
        }
        state.withLock { $0.boundPort = port }
        let workers = (0..<max(1, configuration.workers)).map { _ in
            Task { [self] in
                while let id = await self.nextJob() {
                    await self.run(jobID: id)
                }
            }
        }
        tasks.withLock { $0 += workers }
    }

    /// Starts the server, runs `body`, and stops the server, the stop awaited, whether `body`
    /// returns or throws (a `defer { Task { … } }` would leave the stop unawaited).
    public func whileRunning<T>(_ body: (QueueSimulator) async throws -> T) async throws -> T {
        try await start()
        do {
            let result = try await body(self)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// Stops the server and the workers; unfinished jobs stay as they are.
    public func stop() async {
        let waiters = state.withLock { state in
            state.stopped = true
            let waiters = state.workerWaiters
            state.workerWaiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        if let task = serverTask.withLock({ $0 }) {
            task.cancel()
            _ = await task.result
        }
        for task in running { await task.value }
        removeMultipartFiles()
    }

    /// The port the server listens on, once started.
    public var port: Int { state.withLock { $0.boundPort } ?? configuration.port }

    /// Where the queue routes live (at the root), such as `http://127.0.0.1:54321`.
    public var queueBaseURL: URL { URL(string: "http://\(hostForURLs):\(port)")! }

    /// Where the synchronous route lives: `POST {syncBaseURL}/{endpoint id}` blocks until done.
    public var syncBaseURL: URL { queueBaseURL.appendingPathComponent("run") }

    /// Where the storage routes (`/storage/upload/initiate`, `/storage/auth/token`) and the CDN
    /// upload route (`POST /files/upload`) live: the same root as the queue.
    public var storageBaseURL: URL { queueBaseURL }

    var hostForURLs: String {
        ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
    }

    // MARK: Control for tests

    /// Adds a fault while running.
    public func inject(_ fault: Fault) {
        state.withLock { $0.faults.append(ActiveFault(fault: fault)) }
    }

    /// Removes every fault.
    public func clearFaults() {
        state.withLock { $0.faults = [] }
    }

    /// Stops handing jobs to workers, so that submitted jobs stay `IN_QUEUE`.
    public func holdJobs() {
        state.withLock { $0.held = true }
    }

    /// Lets workers take jobs again.
    public func releaseJobs() {
        state.withLock { $0.held = false }
        dispatch()
    }

    /// Where a job is, or `nil` for an unknown id.
    public func jobState(_ requestID: String) -> JobState? {
        state.withLock { state in
            guard let job = state.jobs[requestID] else { return nil }
            switch job.phase {
            case .queued: return .queued(position: state.position(of: requestID) ?? 0)
            case .inProgress: return .inProgress
            case .finished(let outcome):
                if outcome.cancelled { return .cancelled }
                if let type = outcome.errorType { return .failed(errorType: type) }
                return .completed
            }
        }
    }

    /// The ids of the endpoints it serves, sorted.
    public var endpointIDs: [String] { endpoints.keys.sorted() }

    /// Every request id the simulator has accepted.
    public var requestIDs: [String] { state.withLock { Array($0.jobs.keys) } }

    /// Counters for tests and benchmarks.
    public var statistics: SimulatorStatistics {
        var statistics = state.withLock { $0.statistics }
        let memory = residentMemoryKilobytes()
        statistics.residentKilobytes = memory.current
        statistics.peakResidentKilobytes = memory.peak
        return statistics
    }

    /// Waits until the job finishes (or is unknown).
    public func waitUntilFinished(_ requestID: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                guard var job = state.jobs[requestID], !job.isFinished else { return true }
                job.finishWaiters.append(continuation)
                state.jobs[requestID] = job
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
