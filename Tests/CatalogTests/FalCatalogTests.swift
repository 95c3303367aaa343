import FalCatalog
import FalImage
import FalVideo
import Foundation
import QueueRuntime
import Testing

/// `FalCatalog`, the generated registry of the eight catalog products: every document of
/// `specs/fal` is one entry, and each entry's types are that endpoint's generated ones.
@Suite("FalCatalog registry")
struct FalCatalogTests {
    /// The endpoint ids of `specs/fal`, from the file names (`fal-ai__flux-1__schnell.json`).
    static func catalogIDs() throws -> [String] {
        var ids: [String] = []
        for category in try FileManager.default.contentsOfDirectory(atPath: catalogFolder.path) {
            let folder = catalogFolder.appendingPathComponent(category).path
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for file in files where file.hasSuffix(".json") {
                ids.append(String(file.dropLast(".json".count)).replacingOccurrences(of: "__", with: "/"))
            }
        }
        return ids
    }

    @Test("one entry per catalog document, sorted by id, each found by entry(for:)")
    func everyDocument() throws {
        let ids = FalCatalog.entries.map(\.id.rawValue)
        let documents = try Self.catalogIDs()
        #expect(documents.count == 1_223)
        #expect(ids.count == documents.count)
        #expect(ids == documents.sorted())
        #expect(ids.allSatisfy { FalCatalog.entry(for: $0)?.id.rawValue == $0 })
        #expect(FalCatalog.entry(for: "fal-ai/flux-1/schnel") == nil)
        #expect(FalCatalog.entry(for: "") == nil)
    }

    @Test("an entry's types are its endpoint's generated Input and Output, and decode and validate through the opened existential")
    func entryTypes() throws {
        let schnell = try #require(FalCatalog.entry(for: "fal-ai/flux-1/schnell"))
        #expect(ObjectIdentifier(schnell.input) == ObjectIdentifier(Flux1Schnell.Input.self))
        #expect(ObjectIdentifier(schnell.output) == ObjectIdentifier(Flux1Schnell.Output.self))
        let video = try #require(FalCatalog.entry(for: "fal-ai/ltx-2-19b/image-to-video"))
        #expect(ObjectIdentifier(video.input) == ObjectIdentifier(Ltx219bImageToVideo.Input.self))
        #expect(ObjectIdentifier(video.input) != ObjectIdentifier(Flux1Schnell.Input.self))

        func issues<Input: QueueInput>(_ type: Input.Type, _ json: String) throws -> [String] {
            try JSONDecoder().decode(type, from: Data(json.utf8)).validate().map { "\($0.path.joined(separator: ".")) \($0.constraint)" }
        }
        #expect(try issues(schnell.input, #"{"prompt":"x","num_images":2}"#) == [])
        #expect(try issues(schnell.input, #"{"prompt":"x","num_images":99}"#) == ["num_images must be at most 4"])
        #expect(throws: DecodingError.self) { try issues(schnell.input, #"{"num_images":2}"#) }
    }
}
