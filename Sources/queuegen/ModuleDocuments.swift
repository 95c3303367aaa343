import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import QueueGen
import QueueSpec

/// Loads a module's documents: its spec files, then the catalog documents of its endpoint ids
/// (`endpoints:` / `--endpoint`), printing every diagnostic; exits when any is an error.
///
/// An unknown id is an error at the id (in `queuegen.yaml`) naming close matches; a repeated id
/// is generated once, with a warning; a catalog document that is also among the spec files is
/// read once; two documents that declare one endpoint are an error (the module would declare
/// its types twice).
func loadModuleDocuments(
    _ module: GeneratorConfiguration.Module, catalog catalogFolder: String?, absolutePaths: Bool = false,
    options: LoadOptions = .init()
) throws -> [SpecDocument] {
    var files = module.specs
    var requested: [String: EndpointReference] = [:]
    if !module.endpoints.isEmpty {
        guard let catalogFolder else {
            let first = module.endpoints[0]
            let message = "module '\(module.name)' lists endpoint ids, but no catalog was given: pass --catalog FOLDER "
                + "(the build plugin passes the catalog that ships with swift-queue-client)"
            if let location = first.location {
                printDiagnostics([Diagnostic(.error, at: location, pointer: first.pointer, message)])
                throw ExitCode.failure
            }
            throw ValidationError(message)
        }
        guard let catalog = EndpointCatalog.load(directory: catalogFolder) else {
            throw ValidationError("--catalog \(catalogFolder) is not a folder")
        }
        let (paths, diagnostics) = catalog.resolve(module.endpoints)
        printDiagnostics(diagnostics)
        if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode.failure }
        let present = Set(files.map(absolutePath))
        for (reference, path) in zip(uniqueReferences(module.endpoints), paths) where !present.contains(absolutePath(path)) {
            // Named relative to the working directory even outside it (`../../specs/fal/…`), so
            // the headers of checked-in output name no machine's folders.
            files.append(absolutePaths ? path : relativePath(path))
            requested[absolutePath(path)] = reference
        }
    }
    // A catalog document named by its id is fal's, as published; its warnings (a `$ref` to a
    // schema fal never published, read as JSON, in 11 of them; docs/catalog.md lists the rule)
    // are nothing the user of the id can act on, so a build that asks for it by id prints none.
    // The same documents given as spec files (this package's own catalog modules) still warn.
    let documents = try loadDocuments(files, absolutePaths: absolutePaths, options: options, quiet: Set(requested.keys))
    var problems: [Diagnostic] = []
    var declared: [String: Endpoint] = [:]
    for document in documents {
        if let reference = requested[absolutePath(document.file)], !document.endpoints.contains(where: { $0.id == reference.id }) {
            let location = reference.location ?? SourceLocation(file: document.file, line: 1, column: 1)
            let found = document.endpoints.map { "'\($0.id)'" }.joined(separator: ", ")
            problems.append(Diagnostic(.error, at: location, pointer: reference.pointer,
                "the catalog's document for '\(reference.id)' (\(document.file)) declares \(found.isEmpty ? "no endpoint" : found)"))
        }
        for endpoint in document.endpoints {
            if let first = declared[endpoint.id] {
                problems.append(Diagnostic(.error, at: endpoint.location, pointer: endpoint.pointer,
                    "endpoint '\(endpoint.id)' is declared again (first at \(first.location)); a module holds each endpoint once"))
            } else {
                declared[endpoint.id] = endpoint
            }
        }
    }
    printDiagnostics(problems)
    if !problems.isEmpty { throw ExitCode.failure }
    return documents
}

/// `path` relative to the working directory, with `..` where it lies outside it.
func relativePath(_ path: String) -> String {
    let target = absolutePath(path).split(separator: "/")
    let base = absolutePath(FileManager.default.currentDirectoryPath).split(separator: "/")
    let common = zip(target, base).prefix { $0 == $1 }.count
    let parts = Array(repeating: "..", count: base.count - common) + target.dropFirst(common).map(String.init)
    return parts.isEmpty ? "." : parts.joined(separator: "/")
}

/// The references with repetitions left out, in order: the ones `EndpointCatalog.resolve` resolves.
private func uniqueReferences(_ references: [EndpointReference]) -> [EndpointReference] {
    var seen: Set<String> = []
    return references.filter { seen.insert($0.id).inserted }
}
