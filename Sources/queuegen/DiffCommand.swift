import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import QueueDiff
import QueueSpec

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports what changed between two versions of specs, and what it breaks.",
        discussion: """
            OLD and NEW are documents or folders of them (searched recursively); endpoints are paired by id. \
            Every change is classified as breaking for Swift callers (endpoint or field removed or renamed, \
            a field became required, a type changed, an enum value or union branch removed), breaking on the \
            wire (a bound tightened, a default changed, an output field removed or made optional), newly \
            deprecated, or additive. Exit status: 0 when nothing --fail-on names was found, 1 when it was, \
            2 when a document does not load.
            """)

    /// `--format`.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "The old version: a document or a folder.")
    var old: String

    @Argument(help: "The new version: a document or a folder.")
    var new: String

    @Option(help: "text (for people) or json (for tools).")
    var format: Format = .text

    @Option(name: .customLong("fail-on"), help: "Exit 1 when the diff finds: breaking, any, or none.")
    var failOn: FailurePolicy = .breaking

    func run() throws {
        let report = DiffReport(old: try loadVersion(old), new: try loadVersion(new))
        switch format {
        case .text:
            print(report.text)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
        if failOn.fails(report.changes) { throw ExitCode.failure }
    }

    /// Loads a document or every document under a folder; exits with status 2 on any error.
    func loadVersion(_ path: String) throws -> [SpecDocument] {
        var isFolder = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            printDiagnostics([Diagnostic(.error, at: SourceLocation(file: displayPath(path), line: 1, column: 1), pointer: .root,
                                         "no such file or folder")])
            throw ExitCode(2)
        }
        let files = isFolder ? specFiles(under: path) : [path]
        let (documents, diagnostics) = SpecLoader.load(files: files.map(displayPath))
        // Warnings (a missing result route, …) are the generator's business; errors stop the diff.
        let errors = diagnostics.filter { $0.severity == .error }
        printDiagnostics(errors)
        if !errors.isEmpty { throw ExitCode(2) }
        return documents
    }
}

/// The `.json`, `.yaml` and `.yml` documents under `folder`, at any depth, sorted; the
/// generator's configuration file is not a spec.
func specFiles(under folder: String) -> [String] {
    let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    let names = (try? FileManager.default.subpathsOfDirectory(atPath: base)) ?? []
    return names.filter { name in
        let last = name.split(separator: "/").last.map(String.init) ?? name
        return (last.hasSuffix(".json") || last.hasSuffix(".yaml") || last.hasSuffix(".yml"))
            && last != "queuegen.yaml" && last != "queuegen.yml" && !last.hasPrefix(".")
    }.sorted().map { base + "/" + $0 }
}

extension FailurePolicy: ExpressibleByArgument {}
