import Foundation
import QueueGen
import QueueSpec

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A one-endpoint document (`acme/app`) whose input is `input` (YAML, indented by 6) plus `extra` components.
func document(input: String, components extra: String = "") -> String {
    """
    openapi: 3.1.0
    info: {title: App, version: "1"}
    paths:
      /acme/app:
        post:
          requestBody:
            content:
              application/json:
                schema: {$ref: "#/components/schemas/AppInput"}
      /acme/app/requests/{id}:
        get:
          responses:
            "200":
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/AppOutput"}
    components:
      schemas:
        AppOutput:
          type: object
          required: [ok]
          properties: {ok: {type: boolean}}
        AppInput:
    \(input.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n"))
    \(extra.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
    """
}

/// Generates Swift for YAML text; fails the test on diagnostics.
func generate(_ yaml: String, file: String = "app.yaml") throws -> String {
    let spec = try SpecLoader.load(bytes: Array(yaml.utf8), file: file).get()
    return QueueGenerator.generate([spec]).map(\.contents).joined(separator: "\n")
}

/// The text of one top-level declaration (with its doc comment) in generated source.
func declaration(_ name: String, in source: String) -> String? {
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(where: {
        $0.hasPrefix("public struct \(name):") || $0.hasPrefix("public enum \(name):") || $0.hasPrefix("extension \(name)")
    }) else { return nil }
    var first = start
    while first > 0, lines[first - 1].hasPrefix("///") { first -= 1 }
    guard let end = lines[start...].firstIndex(where: { $0 == "}" }) else { return nil }
    return lines[first...end].joined(separator: "\n")
}
