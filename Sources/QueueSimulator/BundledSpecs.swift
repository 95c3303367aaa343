import Foundation
import QueueSpec

extension QueueSimulator {
    /// A simulator serving FLUX.1 [schnell] Redux and Any LLM (`fal-ai/any-llm`, a text endpoint
    /// whose output streams), from the specs bundled with this module.
    public static func fluxReduxAndAnyLLM(configuration: SimulatorConfiguration = .init()) throws -> QueueSimulator {
        try QueueSimulator(configuration: configuration, documents: [bundledFluxReduxSpec(), bundledSpec("any-llm")])
    }

    /// A bundled spec by file name (without `.yaml`), loaded.
    static func bundledSpec(_ name: String) throws -> SpecDocument {
        guard let url = Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Specs")
            ?? Bundle.module.url(forResource: name, withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else { throw SimulatorError.missingBundledSpec }
        do {
            return try SpecLoader.load(bytes: Array(data), file: "\(name).yaml").get()
        } catch {
            throw SimulatorError.invalidSpec("\(error)")
        }
    }
}
