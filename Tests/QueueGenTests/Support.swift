import Foundation
import Testing
import QueueGen
import QueueSpec

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// A one-endpoint document (`acme/app`) whose input is `input` (YAML, indented by 6) plus `extra` components.
func document(input: String, components extra: String = "", output: String? = nil) -> String {
    // With `output`, the result route names that component (which `components` defines).
    let builtInOutput = """
        AppOutput:
          type: object
          required: [ok]
          properties: {ok: {type: boolean}}
    """
    return """
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
                  schema: {$ref: "#/components/schemas/\(output ?? "AppOutput")"}
    components:
      schemas:
    \(output == nil ? builtInOutput : "")
        AppInput:
    \(input.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n"))
    \(extra.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
    """
}

/// Generates Swift for YAML text and type-checks it against the built QueueRuntime; fails the test
/// on diagnostics or on code that does not compile without warnings.
func generate(_ yaml: String, file: String = "app.yaml") throws -> String {
    let spec = try SpecLoader.load(bytes: Array(yaml.utf8), file: file).get()
    let source = QueueGenerator.generate([spec]).map(\.contents).joined(separator: "\n")
    let check = try TypeChecker.check([source])
    #expect(check.status == 0, "generated code does not type-check:\n\(check.output)\n\(source)")
    return source
}

/// The text of one declaration (with its doc comment): a type in the endpoint's namespace,
/// un-indented, or a top-level `extension`.
func declaration(_ name: String, in source: String) -> String? {
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let nested = lines.firstIndex(where: {
        $0.hasPrefix("    public struct \(name):") || $0.hasPrefix("    public enum \(name):")
    })
    let topLevel = lines.firstIndex(where: { $0.hasPrefix("extension \(name)") || $0.hasPrefix("public enum \(name) {") })
    guard let start = nested ?? topLevel else { return nil }
    let indent = nested == nil ? "" : "    "
    var first = start
    while first > 0, lines[first - 1].hasPrefix(indent + "///") { first -= 1 }
    guard let end = lines[start...].firstIndex(where: { $0 == indent + "}" }) else { return nil }
    return lines[first...end].map { $0.hasPrefix(indent) ? String($0.dropFirst(indent.count)) : $0 }.joined(separator: "\n")
}

/// Type-checks generated sources with `swiftc` against the QueueRuntime module this test run built.
enum TypeChecker {
    /// The folder holding the built modules (`.build/<triple>/debug`).
    static let buildDirectory: String = {
        #if os(Linux)
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var url = URL(fileURLWithPath: executable)
            // …/debug/swift-queue-clientPackageTests.xctest (a file on Linux)
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.path + "/Modules/QueueRuntime.swiftmodule") { return url.path }
        }
        #endif
        return repositoryRoot + "/.build/debug"
    }()

    /// `-I` for the Swift modules and a module map for each C module they import.
    static let flags: [String] = {
        var flags = ["-I", buildDirectory + "/Modules"]
        let manager = FileManager.default
        for entry in (try? manager.contentsOfDirectory(atPath: buildDirectory)) ?? [] where entry.hasSuffix(".build") {
            let map = buildDirectory + "/" + entry + "/module.modulemap"
            if manager.fileExists(atPath: map) { flags += ["-Xcc", "-fmodule-map-file=" + map] }
        }
        let checkouts = URL(fileURLWithPath: buildDirectory).deletingLastPathComponent().deletingLastPathComponent().path + "/checkouts"
        if let walker = manager.enumerator(atPath: checkouts) {
            while let path = walker.nextObject() as? String {
                if path.hasSuffix("/module.modulemap"), path.contains("/Sources/") {
                    flags += ["-Xcc", "-fmodule-map-file=" + checkouts + "/" + path]
                }
            }
        }
        return flags
    }()

    /// Writes the sources to a temporary folder and runs `swiftc -typecheck -warnings-as-errors`
    /// on them together, with `extra` arguments (more flags, or files).
    static func check(_ sources: [String], extra: [String] = [], warningsAsErrors: Bool = true) throws -> (status: Int32, output: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("typecheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for (index, source) in sources.enumerated() {
            let file = folder.appendingPathComponent("Source\(index).swift")
            try source.write(to: file, atomically: true, encoding: .utf8)
            files.append(file.path)
        }
        return try run(["swiftc", "-typecheck"] + (warningsAsErrors ? ["-warnings-as-errors"] : []) + flags + extra + files)
    }

    /// Runs a command (through `env`) and returns its status and combined output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
