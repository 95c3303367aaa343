import Foundation
import QueueProxy
import QueueSimulator
import Testing
@testable import QueueRuntime
import QueueTestSupport

/// `client.stream` against the simulator's `POST …/stream`, directly and through the proxy.
@Suite(.serialized) struct StreamingTests {
    @Test func anyLLMStreamsTypedPartialsThenTheFinalOutput() async throws {
        try await withSimulator { simulator in
            let client = directClient(simulator)
            let events = try await within(.seconds(15)) {
                var events: [AnyLLMOutput] = []
                for try await event in client.stream(.anyLLM, AnyLLMInput(prompt: "Why is the sky blue?")) { events.append(event) }
                return events
            }
            // Three partial outputs that grow, then the final one.
            #expect(events.count == 4)
            #expect(events.dropLast().allSatisfy { $0.partial })
            #expect(events.last?.partial == false)
            #expect(events.last?.output == anyLLMText)
            let lengths = events.map(\.output.count)
            #expect(lengths == lengths.sorted() && Set(lengths).count == lengths.count)
            #expect(events.allSatisfy { anyLLMText.hasPrefix($0.output) })
            #expect(simulator.statistics.streamsCompleted == 1)
        }
    }

    @Test func finalOutputAndJSONValueEvents() async throws {
        try await withSimulator { simulator in
            let client = directClient(simulator)
            let final = try await within(.seconds(15)) {
                try await client.stream(.anyLLM, AnyLLMInput(prompt: "Hi")).finalOutput()
            }
            #expect(final.output == anyLLMText)
            let untyped = try await within(.seconds(15)) {
                var events: [QueueRuntime.JSONValue] = []
                for try await event in client.stream(.anyLLM, AnyLLMInput(prompt: "Hi"), events: QueueRuntime.JSONValue.self) { events.append(event) }
                return events
            }
            #expect(untyped.count == 4)
            #expect(untyped.first?["partial"] == .bool(true))
        }
    }

    @Test func anInvalidInputIsAnHTTPErrorNotAStream() async throws {
        try await withSimulator { simulator in
            let client = directClient(simulator)
            // An input type that does not match the schema, so the server is the one to refuse it.
            let endpoint = QueueEndpoint<WrongLLMInput, AnyLLMOutput>(id: "fal-ai/any-llm")
            await #expect {
                try await within(.seconds(15)) {
                    for try await _ in client.stream(endpoint, WrongLLMInput(prompt: 3)) {}
                }
            } throws: { error in
                guard case .http(let failure) = error as? QueueError else { return false }
                return failure.status == 422 && failure.operation == "stream"
            }
        }
    }

    @Test func cancellingTheIterationClosesTheConnection() async throws {
        var configuration = simulatorConfiguration()
        configuration.streamPartialEvents = 200
        configuration.streamEventInterval = .milliseconds(20)
        try await withSimulator(configuration) { simulator in
            let client = directClient(simulator)
            let first = try await within(.seconds(15)) { () -> AnyLLMOutput? in
                for try await event in client.stream(.anyLLM, AnyLLMInput(prompt: "long")) { return event }
                return nil
            }
            #expect(first?.partial == true)
            // The server sees the connection closed long before its 200 events were written.
            try await within(.seconds(10)) { await simulator.waitForEndpointStreams(1) }
            #expect(simulator.statistics.streamsAbandoned == 1)
            #expect(simulator.statistics.streamsCompleted == 0)
        }
    }

    @Test func aSilentStreamTimesOut() async throws {
        var configuration = simulatorConfiguration()
        configuration.streamPartialEvents = 2
        configuration.streamEventInterval = .seconds(5)
        try await withSimulator(configuration) { simulator in
            let client = directClient(simulator)
            let options = { () -> StreamOptions in
                var options = StreamOptions()
                options.idleTimeout = .milliseconds(300)
                return options
            }()
            await #expect {
                try await within(.seconds(10)) {
                    for try await _ in client.stream(.anyLLM, AnyLLMInput(prompt: "slow"), options: options) {}
                }
            } throws: { error in
                guard case .transport(let failure) = error as? QueueError else { return false }
                return failure.description.contains("stream sent nothing")
            }
        }
    }

    @Test func anEventOverTheCapIsAnError() async throws {
        try await withSimulator { simulator in
            let client = directClient(simulator)
            let options = { () -> StreamOptions in
                var options = StreamOptions()
                options.maximumEventBytes = 40
                return options
            }()
            await #expect {
                try await within(.seconds(10)) {
                    for try await _ in client.stream(.anyLLM, AnyLLMInput(prompt: "x"), options: options) {}
                }
            } throws: { error in
                guard case .decoding(let failure) = error as? QueueError else { return false }
                return failure.reason.contains("over 40 bytes")
            }
        }
    }

    @Test func streamsThroughTheProxy() async throws {
        try await withSimulator(simulatorConfiguration(publicBase: URL(string: "https://queue.fal.run")!)) { simulator in
            try await withProxy(upstream: simulator.queueBaseURL, allowedEndpoints: ["fal-ai/any-llm"]) { proxyURL in
                let recorder = RequestRecorder()
                var configuration = QueueClient.Configuration.proxy(proxyURL)
                configuration.middlewares = [recorder]
                configuration.logger = quietLogger
                let client = QueueClient(configuration: configuration)
                let events = try await within(.seconds(15)) {
                    var events: [AnyLLMOutput] = []
                    for try await event in client.stream(.anyLLM, AnyLLMInput(prompt: "Why?")) { events.append(event) }
                    return events
                }
                #expect(events.count == 4)
                #expect(events.last?.output == anyLLMText)
                #expect(recorder.requests.map(\.targetURL) == ["https://fal.run/fal-ai/any-llm/stream"])
                #expect(recorder.requests.allSatisfy { $0.authorization == nil })
                #expect(simulator.statistics.unauthorized == 0)
                #expect(simulator.statistics.streamsCompleted == 1)
            }
        }
    }
}

/// Any LLM's input with `prompt` of the wrong type.
struct WrongLLMInput: QueueInput {
    var prompt: Int
}
