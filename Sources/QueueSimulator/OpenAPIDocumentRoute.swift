import Foundation
import Hummingbird
import QueueSpec

/// `GET /api/openapi/queue/openapi.json?endpoint_id=<id>`: the document fal publishes for each
/// endpoint, served here for the documents the simulator was started with, so that
/// `queuegen fetch` is tested over real HTTP. Like fal's, the route needs no key.
extension QueueSimulator {
    /// The path of the route, as fal serves it.
    public static let openAPIDocumentPath = "/api/openapi/queue/openapi.json"

    /// A simulator serving every endpoint the files declare, and each file's bytes, as they are,
    /// at the OpenAPI document route for the endpoints it declares.
    public convenience init(configuration: SimulatorConfiguration = .init(), documentFiles: [String]) throws {
        var loaded: [(SpecDocument, [UInt8])] = []
        for file in documentFiles {
            guard let bytes = FileBytes.read(file) else { throw SimulatorError.invalidSpec("\(file): cannot read the file") }
            do {
                loaded.append((try SpecLoader.load(bytes: bytes, file: file).get(), bytes))
            } catch {
                throw SimulatorError.invalidSpec("\(error)")
            }
        }
        try self.init(configuration: configuration, documents: loaded.map(\.0))
        for (document, bytes) in loaded {
            publishDocument(bytes, for: document.endpoints.map(\.id))
        }
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
