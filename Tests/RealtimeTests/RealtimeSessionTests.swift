import Foundation
import FluxRedux
@testable import QueueRuntime
import QueueSimulator
import QueueTestSupport
import Testing

/// Realtime sessions over real loopback WebSockets against the local queue server.
@Suite(.serialized) struct RealtimeSessionTests {
    @Test func typedRoundTripForFluxRedux() async throws {
        try await withSimulator { simulator in
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: unthrottled())
            let reader = ResultReader(session.results)
            try await session.send(reduxInput(seed: 5, width: 40, height: 30))
            let output = try #require(try await reader.next()).get()
            #expect(output.images.count == 1)
            #expect(output.images.first?.width == 40 && output.images.first?.height == 30)
            #expect(output.seed == 5)
            #expect(await simulator.waitForRealtime { $0.outputsSent == 1 })
            let statistics = simulator.realtimeStatistics
            #expect(statistics.tokensIssued == 1 && statistics.sessionsOpened == 1)
            #expect(statistics.recentInputs.map(receivedSeed) == [5])
            await session.close()
            #expect(await simulator.waitForRealtime { $0.sessionsClosed == 1 })
        }
    }

    @Test func throttleSendsLeadingAndTrailingNewest() async throws {
        try await withSimulator { simulator in
            var options = RealtimeOptions()
            options.throttleInterval = .milliseconds(128)
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: options)
            let reader = ResultReader(session.results)
            let started = ContinuousClock.now
            for seed in 0..<100 { try await session.send(reduxInput(seed: Int64(seed))) }
            let elapsed = ContinuousClock.now - started
            // 100 sends within one interval give the leading frame and one trailing frame; a
            // loaded machine that took longer may add one frame per further interval.
            let allowed = 2 + Int(elapsed / .milliseconds(128))
            let first = try #require(try await reader.next()).get()
            #expect(first.seed == 0)
            let last = try #require(try await reader.next()).get()
            #expect(last.seed == 99)
            #expect(await session.framesSent <= allowed)
            let sent = await session.framesSent
            #expect(await simulator.waitForRealtime { $0.inputsReceived == sent }, "sent \(sent), received \(simulator.realtimeStatistics.inputsReceived)")
            #expect(simulator.realtimeStatistics.recentInputs.compactMap(receivedSeed).last == 99)
            await session.close()
        }
    }

    @Test func tokenIsRefreshedBeforeItExpiresAndUsedOnReconnect() async throws {
        // Lifetimes of seconds, not milliseconds: the refresh timer (90 % of the lifetime) must
        // fire before the expiry on a loaded 2-core CI machine too, where a sleeping task can
        // wake hundreds of milliseconds late.
        try await withSimulator({ $0.realtime.sessionTimeout = .seconds(5) }) { simulator in
            var options = unthrottled()
            options.tokenExpiration = 4  // refreshed at 3.6 s
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: options)
            let reader = ResultReader(session.results)
            try await session.send(reduxInput(seed: 1))
            _ = try #require(try await reader.next()).get()
            let firstToken = ContinuousClock.now
            #expect(await simulator.waitForRealtime(timeout: .seconds(10)) { $0.tokensIssued >= 2 })
            #expect(ContinuousClock.now - firstToken < .seconds(4), "the refresh came after the first token expired")
            // The idle timeout (5 s) ends the session after the first token expired; the
            // reconnect carries the refreshed one and is admitted.
            #expect(await simulator.waitForRealtime(timeout: .seconds(12)) { $0.timeouts == 1 })
            try await within(.seconds(10)) { await session.waitUntilIdle() }
            try await session.send(reduxInput(seed: 2))
            #expect(try #require(try await reader.next()).get().seed == 2)
            #expect(simulator.realtimeStatistics.sessionsRefused == 0)
            #expect(await session.connectionCount == 2)
            await session.close()
        }
    }

    @Test func timeoutGoesIdleAndTheNextSendReconnects() async throws {
        try await withSimulator({ $0.realtime.sessionTimeout = .milliseconds(300) }) { simulator in
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: unthrottled())
            let reader = ResultReader(session.results)
            try await session.send(reduxInput(seed: 1))
            #expect(try #require(try await reader.next()).get().seed == 1)
            #expect(await simulator.waitForRealtime { $0.timeouts == 1 && $0.sessionsClosed == 1 })
            try await within(.seconds(10)) { await session.waitUntilIdle() }
            try await session.send(reduxInput(seed: 2))
            // The TIMEOUT was not an error: the next result is the new output.
            #expect(try #require(try await reader.next()).get().seed == 2)
            #expect(await session.connectionCount == 2)
            #expect(simulator.realtimeStatistics.sessionsOpened == 2)
            await session.close()
        }
    }

    @Test func unauthorizedDropsTheTokenAndTheNextSendFetchesANewOne() async throws {
        try await withSimulator { simulator in
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: unthrottled())
            let reader = ResultReader(session.results)
            try await session.send(reduxInput(seed: 1))
            _ = try #require(try await reader.next()).get()
            simulator.revokeRealtimeTokens()
            simulator.injectRealtime(.close(code: 1000))  // ends the session quietly; the next send reconnects
            try await session.send(reduxInput(seed: 2))
            #expect(await simulator.waitForRealtime { $0.sessionsClosed == 1 })
            try await within(.seconds(10)) { await session.waitUntilIdle() }
            try await session.send(reduxInput(seed: 3))
            #expect(try #require(try await reader.next()) == .failure(.unauthorized))
            #expect(simulator.realtimeStatistics.sessionsRefused == 1)
            try await session.send(reduxInput(seed: 4))
            #expect(try #require(try await reader.next()).get().seed == 4)
            #expect(simulator.realtimeStatistics.tokensIssued == 2)
            await session.close()
        }
    }

    @Test func closeWithAnotherCodeThan1000IsAnErrorWithTheCode() async throws {
        try await withSimulator { simulator in
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: unthrottled())
            let reader = ResultReader(session.results)
            simulator.injectRealtime(.close(code: 4003))
            try await session.send(reduxInput(seed: 1))
            let failure = try #require(try await reader.next())
            guard case .failure(.closed(let code, _)) = failure else {
                Issue.record("expected a close error, got \(failure)")
                return
            }
            #expect(code == 4003)
            try await session.send(reduxInput(seed: 2))
            #expect(try #require(try await reader.next()).get().seed == 2)
            await session.close()
        }
    }

    @Test func serverErrorFrameIsATypedErrorAndTheSessionGoesOn() async throws {
        try await withSimulator { simulator in
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: unthrottled())
            let reader = ResultReader(session.results)
            simulator.injectRealtime(.errorFrame("INTERNAL_ERROR"), .drop)
            try await session.send(reduxInput(seed: 1))
            #expect(try #require(try await reader.next()) == .failure(.server(error: "INTERNAL_ERROR", reason: "injected fault")))
            try await session.send(reduxInput(seed: 2))  // dropped: no output
            #expect(await simulator.waitForRealtime { $0.inputsReceived == 2 })  // (a newer send would replace it)
            try await session.send(reduxInput(seed: 3))
            #expect(try #require(try await reader.next()).get().seed == 3)
            #expect(await session.connectionCount == 1)
            await session.close()
        }
    }

    @Test func cancellingTheReaderClosesTheSocket() async throws {
        try await withSimulator { simulator in
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: unthrottled())
            let firstOutput = AsyncStream<Int64>.makeStream()
            let reading = Task {
                for await result in session.results {
                    if case .success(let output) = result { firstOutput.continuation.yield(output.seed) }
                }
            }
            try await session.send(reduxInput(seed: 7))
            let seed = try await within(.seconds(10)) { await firstOutput.stream.first { _ in true } }
            #expect(seed == 7)
            #expect(simulator.realtimeStatistics.sessionsClosed == 0)
            reading.cancel()
            #expect(await simulator.waitForRealtime { $0.sessionsClosed == 1 })
            #expect(simulator.realtimeStatistics.closeCodes == [1000])
            await #expect(throws: RealtimeError.sessionClosed) { try await session.send(reduxInput(seed: 8)) }
        }
    }

    @Test func proxyModeFetchesTheTokenThroughTheProxyWithoutAKey() async throws {
        try await withSimulator { simulator in
            try await withProxy(upstream: simulator.queueBaseURL) { proxyURL in
                var configuration = QueueClient.Configuration.proxy(proxyURL)
                configuration.syncBaseURL = simulator.syncBaseURL  // the WebSocket goes to the run host directly
                configuration.logger = quietLogger
                #expect(configuration.credentials == nil)
                let session = try QueueClient(configuration: configuration).realtime(.flux1SchnellRedux, options: unthrottled())
                let reader = ResultReader(session.results)
                try await session.send(reduxInput(seed: 11))
                #expect(try #require(try await reader.next()).get().seed == 11)
                #expect(simulator.realtimeStatistics.tokensIssued == 1)
                await session.close()
            }
            // Without the proxy (and no key), the token route refuses.
            var bare = QueueClient.Configuration(
                queueBaseURL: simulator.queueBaseURL, syncBaseURL: simulator.syncBaseURL, storageBaseURL: simulator.storageBaseURL,
                credentials: nil)
            bare.logger = quietLogger
            let session = try QueueClient(configuration: bare).realtime(.flux1SchnellRedux, options: unthrottled())
            let reader = ResultReader(session.results)
            try await session.send(reduxInput(seed: 12))
            let failure = try #require(try await reader.next())
            guard case .failure(.tokenRequestFailed(let status, _)) = failure else {
                Issue.record("expected the token request to fail, got \(failure)")
                return
            }
            #expect(status == 401)
            #expect(simulator.realtimeStatistics.tokensRefused == 1)
            await session.close()
        }
    }

    @Test func oversizedFrameIsRefused() async throws {
        try await withSimulator { simulator in
            var options = unthrottled()
            options.maximumMessageSize = 64 << 10
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: options)
            let reader = ResultReader(session.results)
            simulator.injectRealtime(.oversizedFrame(bytes: 256 << 10))
            try await session.send(reduxInput(seed: 1))
            let failure = try #require(try await reader.next())
            guard case .failure(.connectionFailed) = failure else {
                Issue.record("expected the oversized frame to end the connection, got \(failure)")
                return
            }
            try await session.send(reduxInput(seed: 2))
            #expect(try #require(try await reader.next()).get().seed == 2)
            await session.close()
        }
    }

    @Test func anInputOverTheMessageSizeIsNotSent() async throws {
        try await withSimulator { simulator in
            var options = unthrottled()
            options.maximumMessageSize = 4 << 10
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: options)
            let reader = ResultReader(session.results)
            let big = Flux1SchnellRedux.Input(imageURL: .url(TestPNG.dataURI(width: 64, height: 64)), seed: 1)
            try await session.send(big)
            let failure = try #require(try await reader.next())
            guard case .failure(.invalidInput(let reason)) = failure else {
                Issue.record("expected the input to be refused, got \(failure)")
                return
            }
            #expect(reason.contains("over maximumMessageSize"))
            #expect(await session.framesSent == 0 && simulator.realtimeStatistics.inputsReceived == 0)
            await session.close()
        }
    }

    @Test func maxBufferingGoesOnTheURLAndTheServerDropsTheOldest() async throws {
        // Input 1 is answered for 2 s: long enough for 2, 3 and 4 to arrive meanwhile on a loaded machine.
        try await withSimulator({ $0.realtime.inferenceTime = .seconds(2) }) { simulator in
            var options = unthrottled()
            options.maxBuffering = 1
            let session = try directClient(simulator).realtime(.flux1SchnellRedux, options: options)
            let reader = ResultReader(session.results)
            try await session.send(reduxInput(seed: 1))
            #expect(await simulator.waitForRealtime { $0.inputsReceived == 1 })
            for seed in 2...4 {
                try await session.send(reduxInput(seed: Int64(seed)))
                #expect(await simulator.waitForRealtime { $0.inputsReceived == seed })
            }
            // While 1 is answered, 2 and 3 are dropped for the newer; 4 is answered.
            #expect(try #require(try await reader.next()).get().seed == 1)
            #expect(try #require(try await reader.next()).get().seed == 4)
            #expect(simulator.realtimeStatistics.lastMaxBuffering == 1)
            #expect(simulator.realtimeStatistics.inputsDropped == 2)
            await session.close()
        }
    }
}
