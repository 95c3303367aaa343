import Foundation
import Testing
import QueueSpec

/// A seeded random-mutation fuzz over the real documents: no input may crash or hang the reader or
/// the loader, and every diagnostic must point inside the document. (The libFuzzer target in
/// Fuzz/ runs the same property coverage-guided for longer; see README.)
@Suite("Mutation fuzzing")
struct MutationFuzzTests {
    static let tokens: [[UInt8]] = [
        "{", "}", "[", "]", ":", ",", "\"", "'", "\n", "  ", "- ", "&a ", "*a", "<<: ", "$ref", "#/components/schemas/",
        "~1", "~0", "null", "true", "-1", "1e309", "\u{FEFF}", "\t", "!!str ", "? ", "|", ">-", "%YAML 1.2\n---\n", "\u{0}",
        "\r", "\r\n", "\u{85}", "\u{2028}",
    ].map { Array($0.utf8) }

    static func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...8, using: &generator) {
            guard !bytes.isEmpty else { break }
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0: bytes[position] = UInt8.random(in: 0...255, using: &generator)
            case 1: bytes.remove(at: position)
            case 2: bytes.insert(contentsOf: tokens.randomElement(using: &generator)!, at: position)
            case 3:  // duplicate a slice (makes duplicate keys, deeper nesting)
                let end = min(bytes.count, position + Int.random(in: 1...64, using: &generator))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...32, using: &generator)))
            }
        }
        return bytes
    }

    @Test("3,000 mutants of the fixtures and the spec load or fail cleanly, with locations inside the text")
    func mutants() throws {
        var corpus = falFixtureFiles.map { try! Data(contentsOf: URL(fileURLWithPath: $0)) }.map { [UInt8]($0) }
        corpus.append([UInt8](try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/specs/flux-1-schnell-redux.yaml"))))
        var generator = SeededGenerator(seed: 20261124)
        var failures = 0
        for iteration in 0..<3_000 {
            let original = corpus[iteration % corpus.count]
            let mutant = Self.mutate(original, using: &generator)
            let result = SpecLoader.load(bytes: mutant, file: "mutant-\(iteration)")
            expectDiagnosticsInside(result, of: mutant, "iteration \(iteration)")
            if (try? result.get()) == nil { failures += 1 }
        }
        // Most mutants break something; a fuzz run where nothing fails is not exercising anything.
        #expect(failures > 300)
    }
}
