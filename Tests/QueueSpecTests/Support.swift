import Foundation
import Testing
import QueueSpec

/// The repository root, from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The paths of the files in `Tests/Fixtures/<folder>` (hidden ones left out) ending in `suffix`, sorted.
func fixtureFiles(in folder: String, suffix: String = "") -> [String] {
    let directory = repositoryRoot + "/Tests/Fixtures/" + folder
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { !$0.hasPrefix(".") && $0.hasSuffix(suffix) }.sorted().map { directory + "/" + $0 }
}

/// The eleven documents fal published, copied unedited into Tests/Fixtures/fal-openapi.
let falFixtureFiles = fixtureFiles(in: "fal-openapi", suffix: ".json")

/// What the fuzz target checks of every input: each diagnostic points inside the text and says something.
func expectDiagnosticsInside(_ result: LoadResult, of bytes: [UInt8], _ context: String) {
    let lines = YAMLReader.lineCount(bytes)
    for diagnostic in result.diagnostics {
        #expect(diagnostic.location.line >= 1 && diagnostic.location.line <= lines, "\(context): \(diagnostic)")
        #expect(diagnostic.location.column >= 1, "\(context): \(diagnostic)")
        #expect(!diagnostic.message.isEmpty, "\(context)")
    }
}

/// Loads a document written inline in a test.
func load(_ text: String, file: String = "test.yaml") -> LoadResult {
    SpecLoader.load(bytes: Array(text.utf8), file: file)
}

/// The diagnostics of an inline document as `line:column pointer: message` lines.
func diagnostics(_ text: String, file: String = "test.yaml") -> [Diagnostic] {
    load(text, file: file).diagnostics
}
