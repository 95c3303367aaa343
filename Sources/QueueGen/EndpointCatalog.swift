import CloseMatches
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import QueueSpec

/// An endpoint id named in `queuegen.yaml` (`endpoints:`) or on the command line (`--endpoint`),
/// with where it is written, so that an unknown id is reported at the id.
public struct EndpointReference: Hashable, Sendable {
    /// The endpoint id, such as `fal-ai/flux-1/schnell/redux`.
    public var id: String
    /// Where the id is written; `nil` for one given on the command line.
    public var location: SourceLocation?
    /// The id's JSON pointer in the configuration (`#/modules/0/endpoints/2`).
    public var pointer: JSONPointer

    public init(id: String, location: SourceLocation? = nil, pointer: JSONPointer = .root) {
        self.id = id
        self.location = location
        self.pointer = pointer
    }
}

/// A folder of OpenAPI documents, one per endpoint, named as fal's catalog names them: the
/// endpoint id with `/` written as `__`, `.json`, in the folder or in one folder below it
/// (`specs/fal/image/fal-ai__flux-1__schnell__redux.json`).
public struct EndpointCatalog: Hashable, Sendable {
    /// The catalog's folder, as it was named.
    public var directory: String
    /// Every endpoint id the catalog holds, and its document's path.
    public var documents: [String: String]

    public init(directory: String, documents: [String: String]) {
        self.directory = directory
        self.documents = documents
    }

    /// Lists `directory` and its subfolders; `nil` when it is not a readable folder.
    public static func load(directory: String) -> EndpointCatalog? {
        let files = FileManager.default
        guard let names = try? files.contentsOfDirectory(atPath: directory) else { return nil }
        var documents: [String: String] = [:]
        func add(_ name: String, in folder: String) {
            guard let id = endpointID(forFileName: name) else { return }
            let path = folder + "/" + name
            // Two categories holding one id (not so in fal's catalog): the first by path wins, so
            // the choice does not depend on the order the file system lists them in.
            if let present = documents[id], present < path { return }
            documents[id] = path
        }
        for name in names.sorted() {
            let path = directory + "/" + name
            if let inner = try? files.contentsOfDirectory(atPath: path) {
                for innerName in inner.sorted() { add(innerName, in: path) }
            } else {
                add(name, in: directory)
            }
        }
        return EndpointCatalog(directory: directory, documents: documents)
    }

    /// `fal-ai/flux-1/schnell/redux` → `fal-ai__flux-1__schnell__redux.json`.
    public static func fileName(forEndpointID id: String) -> String {
        id.split(separator: "/", omittingEmptySubsequences: false).joined(separator: "__") + ".json"
    }

    /// `fal-ai__flux-1__schnell__redux.json` → `fal-ai/flux-1/schnell/redux`; `nil` for a file that
    /// is not an endpoint document (`README.md`, a name without an owner).
    public static func endpointID(forFileName name: String) -> String? {
        guard name.hasSuffix(".json"), !name.hasPrefix(".") else { return nil }
        let stem = name.dropLast(".json".count)
        let id = stem.components(separatedBy: "__").joined(separator: "/")
        return id.contains("/") ? id : nil
    }

    /// Resolves `references` to document paths, in the order given. A repeated id is resolved
    /// once, with a warning at the repetition; an unknown id is an error at the id, naming up to
    /// three close matches. The diagnostics of an id without a location (given on the command
    /// line) have an empty file name and line 0.
    public func resolve(_ references: [EndpointReference]) -> (paths: [String], diagnostics: [Diagnostic]) {
        var paths: [String] = []
        var diagnostics: [Diagnostic] = []
        var seen: [String: EndpointReference] = [:]
        for reference in references {
            let location = reference.location ?? SourceLocation(file: "", line: 0, column: 0)
            if let first = seen[reference.id] {
                let firstLine = first.location.map { " (first on line \($0.line))" } ?? ""
                diagnostics.append(Diagnostic(.warning, at: location, pointer: reference.pointer,
                    "endpoint '\(reference.id)' is listed twice\(firstLine); it is generated once"))
                continue
            }
            seen[reference.id] = reference
            if let path = documents[reference.id] {
                paths.append(path)
            } else {
                diagnostics.append(Diagnostic(.error, at: location, pointer: reference.pointer, unknownEndpointMessage(reference.id)))
            }
        }
        return (paths, diagnostics)
    }

    /// `no endpoint 'x' in the catalog; did you mean 'y'?`
    public func unknownEndpointMessage(_ id: String) -> String {
        let matches = closeMatches(to: id)
        let quoted = matches.map { "'\($0)'" }
        switch quoted.count {
        case 0:
            return "no endpoint '\(id)' in the catalog (\(directory)) and none close to it; ids are written like 'fal-ai/flux-1/schnell/redux'"
        case 1:
            return "no endpoint '\(id)' in the catalog; did you mean \(quoted[0])?"
        default:
            return "no endpoint '\(id)' in the catalog; did you mean \(quoted.dropLast().joined(separator: ", ")) or \(quoted.last!)?"
        }
    }

    /// Up to `limit` catalog ids close to `id`, closest first: ids within a few edits (one in
    /// five characters, at least two) and no more than one edit further than the closest, and
    /// ids that end with `id` after an owner (`flux-1/schnell/redux` finds
    /// `fal-ai/flux-1/schnell/redux`). Case is ignored.
    public func closeMatches(to id: String, limit: Int = 3) -> [String] {
        CloseMatches.matches(to: id, among: documents.keys, limit: limit)
    }
}
