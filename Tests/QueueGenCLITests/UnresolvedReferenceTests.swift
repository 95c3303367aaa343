import Foundation
import Testing

/// `--allow-unresolved-refs` (and `allow-unresolved-refs:` in queuegen.yaml), on one of the 11
/// documents fal publishes with a `$ref` to a schema it does not define.
@Suite("Unresolved references")
struct UnresolvedReferenceTests {
    static let document = repositoryFile("Tests/Fixtures/unresolved-refs/mirelo-ai__sfx-v1.5__video-to-audio.json").path

    @Test("an error by default; with the option, a warning at the same line and column and a client typed with JSONValue")
    func option() async throws {
        let strict = try await queuegen(["lint", Self.document])
        #expect(strict.status == 1)
        #expect(strict.errors.contains("json:194:23: error: '$ref' points to nothing"))
        let lenient = try await queuegen(["lint", "--allow-unresolved-refs", Self.document])
        #expect(lenient.status == 0)
        #expect(lenient.errors.contains("json:194:23: warning: '$ref' points to nothing"))

        let output = FileManager.default.temporaryDirectory.appendingPathComponent("unresolved-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        #expect(try await queuegen(["generate", Self.document, "--output", output]).status == 1)
        #expect(try await queuegen(["generate", "--allow-unresolved-refs", Self.document, "--output", output]).status == 0)
        let source = try String(contentsOfFile: output + "/M.swift", encoding: .utf8)
        #expect(source.contains("public let audio: [JSONValue]"))

        // The same from a configuration file.
        let folder = output + "-config"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
            modules:
              - name: Sfx
                specs: [\(Self.document)]
                output: out
                allow-unresolved-refs: true
            """.write(toFile: folder + "/queuegen.yaml", atomically: true, encoding: .utf8)
        let configured = try await queuegen(["generate", "--config", folder + "/queuegen.yaml"])
        #expect(configured.status == 0, "\(configured.errors)")
        #expect(FileManager.default.fileExists(atPath: folder + "/out/M.swift"))
    }
}
