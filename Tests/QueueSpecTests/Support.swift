import Foundation
import QueueSpec

/// The repository root, from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The eleven documents fal published, copied unedited into Tests/Fixtures/fal-openapi.
let falFixtureFiles: [String] = {
    let directory = repositoryRoot + "/Tests/Fixtures/fal-openapi"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".json") }.sorted().map { directory + "/" + $0 }
}()

/// Loads a document written inline in a test.
func load(_ text: String, file: String = "test.yaml") -> LoadResult {
    SpecLoader.load(bytes: Array(text.utf8), file: file)
}

/// The diagnostics of an inline document as `line:column pointer: message` lines.
func diagnostics(_ text: String, file: String = "test.yaml") -> [Diagnostic] {
    load(text, file: file).diagnostics
}
