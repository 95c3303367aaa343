import FalText
import Foundation
import QueueProxy
import QueueSimulator
import Testing
@testable import QueueRuntime
import QueueTestSupport

/// A streaming endpoint of fal's catalog (`fal-ai/video-prompt-generator`, in FalText) through the
/// generated types: partial outputs then the final one, directly and through the proxy.
@Suite(.serialized) struct CatalogStreamingTests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("specs/fal/llm/fal-ai__video-prompt-generator.json").path
    static let input = VideoPromptGenerator.Input(inputConcept: "a lighthouse in a storm", style: .minimalist)

    func withCatalogSimulator<T>(publicBase: URL? = nil, _ body: (QueueSimulator) async throws -> T) async throws -> T {
        let simulator = try QueueSimulator(configuration: simulatorConfiguration(publicBase: publicBase), documentFiles: [Self.document])
        return try await simulator.whileRunning(body)
    }

    /// The events grow towards the final output, which is the last.
    func expectGrowing(_ events: [VideoPromptGenerator.Output]) {
        #expect(events.count == 4)
        guard let final = events.last else { return }
        #expect(!final.prompt.isEmpty)
        #expect(events.allSatisfy { final.prompt.hasPrefix($0.prompt) })
        let lengths = events.map(\.prompt.count)
        #expect(lengths == lengths.sorted())
    }

    @Test func streamsTypedEventsDirectly() async throws {
        try await withCatalogSimulator { simulator in
            let client = directClient(simulator)
            let events = try await within(.seconds(15)) {
                var events: [VideoPromptGenerator.Output] = []
                for try await event in client.stream(.videoPromptGenerator, Self.input) { events.append(event) }
                return events
            }
            expectGrowing(events)
            #expect(simulator.statistics.streamsCompleted == 1)
        }
    }

    @Test func streamsTypedEventsThroughTheProxy() async throws {
        try await withCatalogSimulator(publicBase: URL(string: "https://queue.fal.run")!) { simulator in
            try await withProxy(upstream: simulator.queueBaseURL, allowedEndpoints: ["fal-ai/video-prompt-generator"]) { proxyURL in
                let recorder = RequestRecorder()
                var configuration = QueueClient.Configuration.proxy(proxyURL)
                configuration.middlewares = [recorder]
                configuration.logger = quietLogger
                let client = QueueClient(configuration: configuration)
                let events = try await within(.seconds(15)) {
                    var events: [VideoPromptGenerator.Output] = []
                    for try await event in client.stream(.videoPromptGenerator, Self.input) { events.append(event) }
                    return events
                }
                expectGrowing(events)
                #expect(recorder.requests.map(\.targetURL) == ["https://fal.run/fal-ai/video-prompt-generator/stream"])
                #expect(recorder.requests.allSatisfy { $0.authorization == nil })
                #expect(simulator.statistics.unauthorized == 0)
            }
        }
    }
}
