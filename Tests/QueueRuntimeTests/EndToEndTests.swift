import AsyncHTTPClient
import Foundation
import OpenAPIAsyncHTTPClient
import Testing
import FluxRedux
import QueueSimulator
@testable import QueueRuntime
import QueueTestSupport

/// Against the local queue server over loopback HTTP, with the default (AsyncHTTPClient) transport.
@Suite(.serialized) struct EndToEndTests {
    @Test func fluxReduxFromInputToDecodedImages() async throws {
        try await withSimulator { client, simulator in
            let probe = StatusProbe()
            let output = try await within(.seconds(10)) {
                try await client.run(.flux1SchnellRedux, reduxInput(numImages: 2, width: 96, height: 64), onUpdate: probe.callback)
            }
            #expect(output.images.count == 2)
            #expect(output.images.allSatisfy { $0.width == 96 && $0.height == 64 })
            #expect(output.hasNSFWConcepts.count == 2)
            #expect(probe.all.last?.state == .completed)
            let requests = simulator.statistics.requests
            #expect(requests[.submit] == 1 && requests[.statusStream] == 1 && requests[.result] == 1)
            #expect((requests[.status] ?? 0) == 0)
        }
    }

    @Test func queuePositionAndLogsArriveInOrder() async throws {
        try await withSimulator(workers: 1, logCount: 4) { client, simulator in
            simulator.holdJobs()
            var jobs: [QueueJob<Flux1SchnellRedux.Output>] = []
            for _ in 0..<3 { jobs.append(try await client.submit(.flux1SchnellRedux, reduxInput())) }
            let last = try #require(jobs.last)
            let statuses = try await within(.seconds(10)) { () -> [QueueStatus] in
                var statuses: [QueueStatus] = []
                var released = false
                for try await status in client.updates(last) {
                    statuses.append(status)
                    if !released {
                        released = true
                        simulator.releaseJobs()
                    }
                }
                return statuses
            }
            let states = statuses.map(\.state)
            #expect(states.first == .inQueue && states.last == .completed)
            // IN_QUEUE…, IN_PROGRESS…, COMPLETED: never backwards.
            let rank: [QueueStatus.State: Int] = [.inQueue: 0, .inProgress: 1, .completed: 2]
            #expect(zip(states, states.dropFirst()).allSatisfy { (rank[$0] ?? -1) <= (rank[$1] ?? -1) })
            let positions = statuses.compactMap(\.queuePosition)
            #expect(positions.first == 2)
            #expect(zip(positions, positions.dropFirst()).allSatisfy { $0 >= $1 })
            // Logs only grow, each list extending the one before.
            let logLists = statuses.compactMap(\.logs).map { $0.map(\.message) }
            #expect(zip(logLists, logLists.dropFirst()).allSatisfy { Array($1.prefix($0.count)) == $0 })
            #expect(logLists.last?.count == 4)
        }
    }

    @Test func cancelInEachState() async throws {
        // Short slices, so the simulator notices a cancel of a running job within 100 ms.
        try await withSimulator(jobDuration: .seconds(3), workers: 1, logCount: 29) { client, simulator in
            // Queued.
            simulator.holdJobs()
            let queued = try await client.submit(.flux1SchnellRedux, reduxInput())
            #expect(try await client.cancel(queued) == .cancellationRequested)
            #expect(simulator.jobState(queued.requestID) == .cancelled)
            // In progress.
            simulator.releaseJobs()
            let running = try await client.submit(.flux1SchnellRedux, reduxInput())
            let probe = StatusProbe()
            let follower = Task { try await client.waitForCompletion(running, onUpdate: probe.callback) }
            try await within(.seconds(5)) { await probe.wait { $0.state == .inProgress } }
            #expect(try await client.cancel(running) == .cancellationRequested)
            let final = try await within(.seconds(5)) { try await follower.value }
            #expect(final.isCompleted && final.errorType == "client_cancelled")
            #expect(simulator.jobState(running.requestID) == .cancelled)
            // Unknown.
            #expect(try await client.cancel(client.job(resuming: "no-such-request", endpoint: .flux1SchnellRedux)) == .notFound)
        }
        try await withSimulator { client, simulator in
            // Completed.
            let done = try await client.submit(.flux1SchnellRedux, reduxInput())
            _ = try await client.complete(done)
            #expect(try await client.cancel(done) == .alreadyCompleted)
            #expect(simulator.jobState(done.requestID) == .completed)
        }
    }

    @Test func cancellingTheTaskCancelsTheJobOnTheServer() async throws {
        try await withSimulator(jobDuration: .seconds(3), logCount: 29) { client, simulator in
            let probe = StatusProbe()
            let task = Task { try await client.run(.flux1SchnellRedux, reduxInput(), onUpdate: probe.callback) }
            try await within(.seconds(5)) { await probe.wait { $0.state == .inProgress } }
            task.cancel()
            let outcome = await task.result
            guard case .failure(QueueError.cancelled(let requestID?)) = outcome else {
                Issue.record("expected cancelled, got \(outcome)")
                return
            }
            #expect(simulator.statistics.requests[.cancel] == 1)
            try await within(.seconds(2)) { await simulator.waitUntilFinished(requestID) }
            #expect(simulator.jobState(requestID) == .cancelled)
        }
    }

    @Test func deadlineCancelsTheJob() async throws {
        try await withSimulator { client, simulator in
            simulator.holdJobs()
            do {
                // `within` bounds the wait; the test asserts what happened, not how fast.
                // The jobs are held, so the deadline passes after the submit; 2 s leaves the submit room
                // to be answered first on a loaded machine.
                _ = try await within(.seconds(20)) { try await client.run(.flux1SchnellRedux, reduxInput(), timeout: .seconds(2)) }
                Issue.record("expected a timeout")
            } catch QueueError.deadlineExceeded(let failure) {
                let requestID = try #require(failure.requestID)
                #expect(simulator.jobState(requestID) == .cancelled)
            }
            #expect(simulator.statistics.requests[.cancel] == 1)
        }
    }

    @Test func resumeByRequestID() async throws {
        try await withSimulator { client, simulator in
            let requestID = try await client.submit(.flux1SchnellRedux, reduxInput(width: 32, height: 32)).requestID
            // A new client that only has the stored id (as after a restart).
            let resumed = QueueClient(configuration: client.configuration)
            let job = resumed.job(resuming: requestID, endpoint: .flux1SchnellRedux)
            #expect(job.statusURL.path == "/fal-ai/flux-1/requests/\(requestID)/status")
            let output = try await within(.seconds(10)) { try await resumed.complete(job) }
            #expect(output.images.first?.width == 32)
        }
    }

    @Test func pollingModeAndSynchronousRoute() async throws {
        try await withSimulator(configureClient: { configuration, _ in configuration.statusUpdates = .polling }) { client, simulator in
            let output = try await within(.seconds(10)) { try await client.run(.flux1SchnellRedux, reduxInput()) }
            #expect(output.images.count == 1)
            #expect((simulator.statistics.requests[.statusStream] ?? 0) == 0 && (simulator.statistics.requests[.status] ?? 0) >= 1)
            let sync = try await within(.seconds(10)) { try await client.runSync(.flux1SchnellRedux, reduxInput(width: 40, height: 24)) }
            #expect(sync.images.first?.width == 40 && sync.images.first?.height == 24)
        }
    }

    @Test func bytesAreUploadedToStorage() async throws {
        try await withSimulator { client, simulator in
            let input = Flux1SchnellRedux.Input(imageURL: .bytes(TestPNG.make(width: 4, height: 4), contentType: "image/png"))
            let output = try await within(.seconds(10)) { try await client.run(.flux1SchnellRedux, input) }
            #expect(output.images.count == 1)
            #expect((simulator.statistics.requests[.upload] ?? 0) >= 2)
        }
    }

    @Test func foreignHostURLsDoNotReceiveTheKey() async throws {
        let capture = HeaderCapture()
        // The server (through a rewriting middleware, standing in for a hostile or misconfigured
        // one) returns job URLs on `localhost`, a host the client was not configured with.
        try await withSimulator(configureClient: { configuration, simulator in
            configuration.middlewares = [capture, URLRewriter(from: "http://127.0.0.1:", to: "http://localhost:")]
            configuration.statusUpdates = .polling
            configuration.retryPolicy.maxAttempts = 1
        }) { client, simulator in
            let job = try await client.submit(.flux1SchnellRedux, reduxInput())
            #expect(job.statusURL.host == "localhost")
            do {
                _ = try await client.status(job)
                Issue.record("the server requires the key, so the status must fail without it")
            } catch QueueError.http(let failure) {
                #expect(failure.status == 401)
            }
            let requests = capture.requests
            #expect(requests.count == 2)
            #expect(requests.first?.host == "127.0.0.1" && requests.first?.authorized == true)
            #expect(requests.last?.host == "localhost" && requests.last?.authorized == false)
            #expect(simulator.statistics.unauthorized == 1)
        }
    }

    @Test func wrongKeyIsAnHTTPErrorWithoutTheKeyInIt() async throws {
        try await withSimulator(configureClient: { configuration, _ in
            configuration.credentials = Credentials(key: "wrong-id:wrong-secret")
        }) { client, _ in
            do {
                _ = try await client.submit(.flux1SchnellRedux, reduxInput())
                Issue.record("expected 401")
            } catch let error as QueueError {
                guard case .http(let failure) = error else { throw error }
                #expect(failure.status == 401)
                #expect(!"\(error)".contains("wrong-secret"))
            }
        }
    }

    @Test func refusedConnectionIsRetriedEvenForSubmit() async throws {
        // A port nobody listens on: where a simulator just stopped.
        let port = try await withSimulator { _, simulator in simulator.port }
        let capture = HeaderCapture()
        // The default client waits 5 s for a connection; this test does not.
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout.connect = .milliseconds(300)
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
        var configuration = QueueClient.Configuration(
            queueBaseURL: URL(string: "http://127.0.0.1:\(port)")!, credentials: Credentials(key: simulatorKey),
            transport: AsyncHTTPClientTransport(configuration: .init(client: httpClient)))
        configuration.middlewares = [capture]
        configuration.retryPolicy.maxAttempts = 3
        configuration.retryPolicy.initialDelay = .milliseconds(5)
        let client = QueueClient(configuration: configuration)
        do {
            _ = try await within(.seconds(10)) { try await client.submit(.flux1SchnellRedux, reduxInput()) }
            Issue.record("expected a transport error")
        } catch QueueError.transport(let failure) {
            #expect(failure.notSent, "\(failure) \(String(reflecting: failure.underlying))")
        }
        #expect(capture.requests.count == 3)
        try await httpClient.shutdown()
    }
}
