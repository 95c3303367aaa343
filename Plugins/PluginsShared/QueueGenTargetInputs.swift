import Foundation
import PackagePlugin

// Shared by QueueGenPlugin and QueueGenCommand: each plugin folder links this folder as
// `PluginsShared` (a symbolic link, as swift-openapi-generator's plugins share theirs), because a
// plugin target cannot depend on a library.

/// What queuegen reads for one target: the spec files in its folder, its `queuegen.yaml`, and
/// whether that file lists endpoint ids for the catalog.
struct QueueGenTargetInputs {
    var target: String
    /// The target's `*.yaml`, `*.yml` and `*.json` files other than `queuegen.yaml`, sorted.
    var specs: [URL]
    var config: URL?
    /// The configuration names endpoints (`endpoints:`), so queuegen needs the catalog.
    var listsEndpoints: Bool

    init(target: String, files: [URL]) {
        self.target = target
        let isConfig: (URL) -> Bool = { ["queuegen.yaml", "queuegen.yml"].contains($0.lastPathComponent) }
        specs = files.filter { ["yaml", "yml", "json"].contains($0.pathExtension) && !isConfig($0) }
            .sorted { $0.path < $1.path }
        config = files.first(where: isConfig)
        // A plugin cannot read YAML, so this is a plain look for the key; a mention in a comment
        // only makes the catalog an input too, which costs nothing but a few file checks.
        listsEndpoints = config.flatMap { try? String(contentsOf: $0, encoding: .utf8) }.map {
            $0.range(of: #"(^|[\s{,])endpoints\s*:"#, options: .regularExpression) != nil
        } ?? false
    }

    /// There is something to generate.
    var isEmpty: Bool { specs.isEmpty && !listsEndpoints }

    /// The catalog that ships with swift-queue-client, as queuegen's arguments and the documents
    /// in it (the build command's inputs); an error when the configuration lists endpoints and
    /// no catalog can be found.
    func catalogArguments(in package: Package) throws -> (arguments: [String], documents: [URL]) {
        guard listsEndpoints else { return ([], []) }
        guard let catalog = EndpointCatalogLocation.find(from: package) else {
            let message = "\(target): queuegen.yaml lists endpoints, but the endpoint catalog of swift-queue-client "
                + "(its specs/fal folder) is not among the packages of \(package.displayName)"
            throw QueueGenPluginError(description: message)
        }
        return (["--catalog", catalog.directory.path], catalog.documents)
    }
}

/// Finds swift-queue-client's `specs/fal` from a package that depends on it, directly or not,
/// through `.package(path:)` or `.package(url:)`, or from swift-queue-client itself.
enum EndpointCatalogLocation {
    /// The manifest name of the package that ships the catalog (`Package(name:)`); a
    /// `.package(path:)` dependency's identity is its folder's name, which can be anything.
    static let packageName = "swift-queue-client"
    static let folder = "specs/fal"

    static func find(from root: Package) -> (directory: URL, documents: [URL])? {
        var queue = [root]
        var seen: Set<Package.ID> = []
        // Breadth first: the nearest swift-queue-client is the one whose plugin is running.
        while !queue.isEmpty {
            let package = queue.removeFirst()
            guard seen.insert(package.id).inserted else { continue }
            if package.displayName == packageName || package.id == packageName {
                let directory = package.directoryURL.appendingPathComponent(folder)
                if let documents = documents(in: directory) { return (directory, documents) }
            }
            queue += package.dependencies.map(\.package)
        }
        return nil
    }

    /// The catalog's `.json` documents, in the folder and one folder below it, sorted.
    static func documents(in directory: URL) -> [URL]? {
        let files = FileManager.default
        guard let names = try? files.contentsOfDirectory(atPath: directory.path) else { return nil }
        var documents: [URL] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let url = directory.appendingPathComponent(name)
            if let inner = try? files.contentsOfDirectory(atPath: url.path) {
                documents += inner.sorted().filter { $0.hasSuffix(".json") }.map { url.appendingPathComponent($0) }
            } else if name.hasSuffix(".json") {
                documents.append(url)
            }
        }
        return documents
    }
}

/// Why a plugin stopped; the message has been reported as a diagnostic too.
struct QueueGenPluginError: Error, CustomStringConvertible {
    var description: String
}
