import Foundation
import Hummingbird
import QueueSpec
import Synchronization

/// `GET /api/openapi/queue/openapi.json?endpoint_id=<id>`: the document fal publishes for each
/// endpoint, served here for the documents the simulator was started with, so that
/// `queuegen fetch` is tested over real HTTP. Like fal's, the route needs no key.
extension QueueSimulator {
    /// The path of the route, as fal serves it.
    public static let openAPIDocumentPath = "/api/openapi/queue/openapi.json"

    /// A simulator serving every endpoint the documents declare, and each document's bytes, as
    /// they are, at the OpenAPI document route for the endpoints it declares. `documentFiles`
    /// names files or folders; a folder stands for every `.json`, `.yaml` and `.yml` file under
    /// it that is an OpenAPI document (others, such as a `queuegen.yaml`, are passed over).
    /// `options.allowUnresolvedReferences` reads a `$ref` to a schema the document does not
    /// define as arbitrary JSON, as 11 documents of fal's catalog need. Two documents declaring
    /// the same endpoint id are an error that names both.
    public convenience init(
        configuration: SimulatorConfiguration = .init(), documentFiles: [String], options: LoadOptions = .init()
    ) throws {
        let paths = try Self.documentPaths(documentFiles)
        // Read and parsed on every core (fal's 1,223 documents are most of the start-up time).
        let results = Mutex([Result<(SpecDocument, [UInt8])?, SimulatorError>?](repeating: nil, count: paths.count))
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let (file, inFolder) = paths[index]
            let result: Result<(SpecDocument, [UInt8])?, SimulatorError>
            if let bytes = FileBytes.read(file) {
                if inFolder, !Self.mentionsOpenAPI(bytes) {
                    result = .success(nil)
                } else {
                    do {
                        result = .success((try SpecLoader.load(bytes: bytes, file: file, options: options).get(), bytes))
                    } catch {
                        result = .failure(.invalidSpec("\(error)"))
                    }
                }
            } else {
                result = .failure(.invalidSpec("\(file): cannot read the file"))
            }
            results.withLock { $0[index] = result }
        }
        var loaded: [(SpecDocument, [UInt8])] = []
        var declaredBy: [String: String] = [:]
        for result in results.withLock({ $0 }) {
            guard let (document, bytes) = try result?.get() else { continue }
            for endpoint in document.endpoints {
                if let other = declaredBy.updateValue(document.file, forKey: endpoint.id) {
                    throw SimulatorError.invalidSpec(
                        "endpoint '\(endpoint.id)' is declared by both \(other) and \(document.file); pass each document once")
                }
            }
            loaded.append((document, bytes))
        }
        try self.init(configuration: configuration, documents: loaded.map(\.0))
        for (document, bytes) in loaded {
            publishDocument(bytes, for: document.endpoints.map(\.id))
        }
    }

    /// Files as named, and the documents under each folder (recursively, in name order); each
    /// path once. The flag says whether the file was found in a folder.
    static func documentPaths(_ paths: [String]) throws -> [(path: String, inFolder: Bool)] {
        var result: [(String, Bool)] = []
        var seen: Set<String> = []
        let manager = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw SimulatorError.invalidSpec("\(path): no such file or folder")
            }
            guard isFolder.boolValue else {
                if seen.insert(URL(fileURLWithPath: path).standardizedFileURL.path).inserted { result.append((path, false)) }
                continue
            }
            let root = URL(fileURLWithPath: path, isDirectory: true)
            guard let enumerator = manager.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                      options: [.skipsHiddenFiles]) else { continue }
            var found: [String] = []
            for case let url as URL in enumerator where ["json", "yaml", "yml"].contains(url.pathExtension.lowercased()) {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
                found.append(url.path)
            }
            for file in found.sorted() where seen.insert(URL(fileURLWithPath: file).standardizedFileURL.path).inserted {
                result.append((file, true))
            }
        }
        return result
    }

    /// Whether the bytes hold the word `openapi` (or `swagger`, which the loader explains) at all.
    static func mentionsOpenAPI(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.contains("openapi") || text.contains("swagger")
    }

    /// Serves `bytes` as the OpenAPI document of each of `endpointIDs` from now on (a test
    /// publishing a new version, or something that is not a valid document at all).
    public func publishDocument(_ bytes: [UInt8], for endpointIDs: [String]) {
        publishedDocuments.withLock { documents in
            for id in endpointIDs { documents[id] = bytes }
        }
    }

    /// Stops serving a document for `endpointID` (the route then answers 404).
    public func withdrawDocument(for endpointID: String) {
        _ = publishedDocuments.withLock { $0.removeValue(forKey: endpointID) }
    }

    /// The answer when `request` is for the document route; `nil` for every other route.
    func openAPIDocumentReply(to request: Request) -> Reply? {
        guard request.uri.path == Self.openAPIDocumentPath else { return nil }
        guard request.method == .get || request.method == .head else { return .detail(405, "Method Not Allowed") }
        var endpointID: String?
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "endpoint_id" else { continue }
            endpointID = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        guard let endpointID, !endpointID.isEmpty else {
            return .detail(400, "The endpoint_id query parameter is required")
        }
        guard let bytes = publishedDocuments.withLock({ $0[endpointID] }) else {
            return .detail(404, "No OpenAPI document for endpoint '\(endpointID)'")
        }
        let isJSON = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{")
        return Reply(status: 200, body: bytes, contentType: isJSON ? "application/json" : "application/yaml")
    }
}
