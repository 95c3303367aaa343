import FalTraining
import FalVideo
import Foundation
import QueueRuntime
import QueueSimulator
import Testing

/// Integer `enum`s of the catalog (a trainer's LoRA `rank`, a video's `duration`) are
/// `OpenIntegerEnum`s: named values and literals, unknown values kept, and `validate()` refusing a
/// value the spec does not list before anything is sent.
@Suite("Catalog integer enums")
struct IntegerEnumTests {
    @Test("fal-ai/ltx-video-trainer: rank 10 fails validate() naming the field and the allowed values, and nothing is sent")
    func rankOutsideItsEnum() async throws {
        let bad = LtxVideoTrainer.Input(trainingDataURL: "https://example.com/data.zip", rank: 10)
        #expect(bad.validate().map(\.description) == ["rank must be one of 8, 16, 32, 64, 128 (found 10)"])
        #expect(LtxVideoTrainer.Input(trainingDataURL: "https://example.com/data.zip", rank: .rank32).validate().isEmpty)
        #expect(LtxVideoTrainer.Input.Defaults.rank == 128)

        try await withCatalogSimulator("training/fal-ai__ltx-video-trainer.json") { client, simulator in
            do {
                _ = try await client.submit(.ltxVideoTrainer, bad)
                Issue.record("an input with rank 10 was submitted")
            } catch let error as QueueError {
                guard case .invalidInput(let issues) = error else {
                    Issue.record("expected invalidInput, got \(error)")
                    return
                }
                #expect(issues.map(\.dottedPath) == ["rank"])
                #expect(issues.first?.constraint == .oneOf([8, 16, 32, 64, 128]))
            }
            #expect(simulator.statistics.jobsSubmitted == 0)
            #expect(simulator.statistics.requests.values.reduce(0, +) == 0, "\(simulator.statistics.requests)")
        }
    }

    @Test("a value a later spec adds decodes and is written back as it was read")
    func unknownValueRoundTrips() throws {
        let json = Data(#"{"training_data_url":"https://example.com/d.zip","rank":256}"#.utf8)
        let input = try JSONDecoder().decode(LtxVideoTrainer.Input.self, from: json)
        #expect(input.rank?.rawValue == 256 && input.rank?.isKnown == false)
        let encoded = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(input)) as? [String: Any]
        #expect(encoded?["rank"] as? Int == 256)
    }
}
