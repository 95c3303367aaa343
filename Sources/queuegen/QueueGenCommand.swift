import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueGen
import QueueSpec

@main
struct QueueGenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queuegen",
        abstract: "Generates typed Swift clients for queue inference endpoints from OpenAPI documents.",
        subcommands: [Generate.self, Check.self, Lint.self, Fetch.self, Diff.self])
}

/// Options shared by the subcommands that read a configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The configuration file (default: specs/queuegen.yaml if it exists).")
    var config: String?

    @Option(name: .long, help: ArgumentHelp(
        "The endpoint catalog that --endpoint and a module's 'endpoints:' ids are looked up in: a folder of <owner>__<alias>.json documents, or of folders of them (specs/fal).",
        valueName: "folder"))
    var catalog: String?

    func load() throws -> GeneratorConfiguration? {
        let path = config ?? (FileManager.default.fileExists(atPath: "specs/queuegen.yaml") ? "specs/queuegen.yaml" : nil)
        guard let path else { return nil }
        do {
            return try GeneratorConfiguration.load(file: path)
        } catch {
            printDiagnostics(error.diagnostics)
            throw ExitCode.failure
        }
    }
}

/// Prints diagnostics to standard error, compiler style; one without a file (about an argument)
/// as `error: message`.
func printDiagnostics(_ diagnostics: [Diagnostic]) {
    for diagnostic in diagnostics {
        var line = (diagnostic.location.file.isEmpty ? "\(diagnostic.severity.rawValue): \(diagnostic.message)" : diagnostic.description) + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// Loads every spec, printing diagnostics; exits when any has an error.
/// `quiet`: absolute paths of documents whose warnings are not printed (errors always are).
func loadDocuments(
    _ specs: [String], absolutePaths: Bool = false, options: LoadOptions = .init(), quiet: Set<String> = []
) throws -> [SpecDocument] {
    let (documents, diagnostics) = SpecLoader.load(files: absolutePaths ? specs.map(absolutePath) : specs.map(displayPath), options: options)
    printDiagnostics(diagnostics.filter { $0.severity == .error || !quiet.contains(absolutePath($0.location.file)) })
    if diagnostics.contains(where: { $0.severity == .error }) { throw ExitCode.failure }
    return documents
}

/// A path relative to the working directory when it is inside it, so output names no machine's folders.
func displayPath(_ path: String) -> String {
    let current = FileManager.default.currentDirectoryPath + "/"
    let absolute = path.hasPrefix("/") ? normalizedPath(path) : path
    return absolute.hasPrefix(current) ? String(absolute.dropFirst(current.count)) : path
}

/// An absolute, standardized path, for diagnostics an IDE or terminal can open from any folder.
func absolutePath(_ path: String) -> String {
    let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return normalizedPath(joined)
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes the Swift for SPEC... and --endpoint ids into --output, or every module of the configuration.")

    @Argument(help: "OpenAPI documents (YAML or JSON) or folders of them.")
    var specs: [String] = []

    @Option(name: .customLong("endpoint"), parsing: .upToNextOption, help: ArgumentHelp(
        "Endpoint ids (fal-ai/flux-1/schnell/redux) whose documents come from --catalog; with or without SPEC...",
        valueName: "id"))
    var endpoints: [String] = []

    @Option(name: .long, help: "The folder to write into.")
    var output: String?

    @Option(name: .long, help: "The module name (for messages).")
    var module: String?

    @Option(name: .long, help: "public, package or internal.")
    var access: AccessLevel = .public

    @Option(name: .long, help: ArgumentHelp(
        "Write all of the module's code into this one file in --output (for build plugins).",
        valueName: "file-name"))
    var singleFile: String?

    @Flag(name: .long, help: "Name spec files by absolute path in diagnostics (for build plugins).")
    var absolutePaths = false

    @Flag(name: .customLong("allow-unresolved-refs"), help: "A $ref to a schema the document does not define is a warning, and the value arbitrary JSON.")
    var allowUnresolvedReferences = false

    /// For `Benchmarks/catalog/run.sh`: the types without coding, initialisers or checks, built
    /// to measure the compiler's floor. Hidden, because the output is not a client.
    @Flag(name: .customLong("declarations-only"), help: .hidden)
    var declarationsOnly = false

    @OptionGroup var config: ConfigOption

    func run() throws {
        var modules: [GeneratorConfiguration.Module] = []
        if specs.isEmpty && endpoints.isEmpty && output == nil {
            guard let configuration = try config.load() else {
                throw ValidationError("give SPEC... (or --endpoint ID...) and --output, or a configuration (specs/queuegen.yaml or --config)")
            }
            modules = configuration.modules
        } else {
            guard let output else { throw ValidationError("--output is required with SPEC... or --endpoint") }
            var chosen: GeneratorConfiguration.Module?
            // With --output and an explicit --config (a build plugin's target folder), the
            // configuration supplies the settings and the endpoint ids: the module named
            // --module, or the only one. Its `specs:` are not read: SPEC... are the specs.
            if config.config != nil, let configuration = try config.load() {
                let named = configuration.modules.first { $0.name == module }
                chosen = named ?? (configuration.modules.count == 1 ? configuration.modules.first : nil)
            }
            let listed = (chosen?.endpoints ?? []) + endpoints.map { EndpointReference(id: $0) }
            if specs.isEmpty && listed.isEmpty {
                throw ValidationError("nothing to generate: give SPEC..., --endpoint ID... or a --config whose module lists 'endpoints:'")
            }
            let name = module ?? String(output.split(separator: "/").last ?? Substring(output))
            let files: [String] = specs.flatMap(GeneratorConfiguration.expand)
            let settings: (AccessLevel, Bool) = chosen.map { ($0.access, $0.allowUnresolvedReferences) } ?? (access, false)
            modules = [GeneratorConfiguration.Module(
                name: name, specs: files, output: output, access: settings.0, allowUnresolvedReferences: settings.1,
                endpoints: listed)]
        }
        var registryMembers = RegistryMembers(modules)
        for module in modules {
            guard let output = module.output else { throw ValidationError("module \(module.name) has no output folder") }
            var files: [GeneratedFile]
            if module.registry != nil {
                guard singleFile == nil && !declarationsOnly else {
                    throw ValidationError("module \(module.name) is a registry ('registry-of'): generate it with the other modules of its configuration")
                }
                files = [try registryMembers.registry(module)]
            } else {
                let options = LoadOptions(allowUnresolvedReferences: allowUnresolvedReferences || module.allowUnresolvedReferences)
                let documents = try loadModuleDocuments(module, catalog: config.catalog, absolutePaths: absolutePaths, options: options)
                let model = QueueGenerator.translate(documents)
                registryMembers.keep(model, of: module)
                files = singleFile.map { [QueueGenerator.renderSingleFile(model, name: $0, access: module.access)] }
                    ?? QueueGenerator.render(model, access: module.access, declarationsOnly: declarationsOnly)
                if module.documentation && singleFile == nil && !declarationsOnly {
                    files.append(DocumentationPage.render(module: module.name, model: model, documents: documents))
                }
            }
            let changes = try GeneratedFileWriter.write(files, to: output)
            print("\(module.name): \(changes.written.count) written, \(changes.unchanged.count) unchanged, \(changes.removed.count) removed (\(displayPath(output)))")
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fails when a configured module's folder differs from what its specs generate.")

    @OptionGroup var config: ConfigOption

    func run() throws {
        guard let configuration = try config.load() else {
            throw ValidationError("no configuration: add specs/queuegen.yaml or pass --config")
        }
        var stale = false
        var registryMembers = RegistryMembers(configuration.modules)
        for module in configuration.modules {
            var files: [GeneratedFile]
            if module.registry != nil {
                files = [try registryMembers.registry(module)]
            } else {
                // A module without an output folder is still translated when a registry lists it.
                guard module.output != nil || registryMembers.isListed(module) else { continue }
                let options = LoadOptions(allowUnresolvedReferences: module.allowUnresolvedReferences)
                let documents = try loadModuleDocuments(module, catalog: config.catalog, options: options)
                let model = QueueGenerator.translate(documents)
                registryMembers.keep(model, of: module)
                files = QueueGenerator.render(model, access: module.access)
                if module.documentation {
                    files.append(DocumentationPage.render(module: module.name, model: model, documents: documents))
                }
            }
            guard let output = module.output else { continue }
            let report = GeneratedFileWriter.differences(files, in: output)
            if report.isEmpty {
                print("\(module.name): up to date (\(files.count) files)")
            } else {
                stale = true
                print("\(module.name): stale")
                report.forEach { print($0) }
            }
        }
        if stale {
            print("Run `swift run queuegen generate` to regenerate.")
            print("To see what a spec change breaks for callers, run `swift run queuegen diff OLD NEW` on the old and new specs.")
            throw ExitCode.failure
        }
    }
}

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports every problem in SPEC... as file:line:column: error: message.")

    @Argument(help: "OpenAPI documents (YAML or JSON).")
    var specs: [String]

    @Flag(name: .long, help: "Treat warnings as errors.")
    var strict = false

    @Flag(name: .customLong("allow-unresolved-refs"), help: "A $ref to a schema the document does not define is a warning, not an error.")
    var allowUnresolvedReferences = false

    func run() throws {
        let options = LoadOptions(allowUnresolvedReferences: allowUnresolvedReferences)
        let (documents, diagnostics) = SpecLoader.load(files: specs.map(displayPath), options: options)
        printDiagnostics(diagnostics)
        let failing = diagnostics.contains { $0.severity == .error || strict }
        if failing { throw ExitCode.failure }
        let endpoints = documents.flatMap(\.endpoints)
        print("\(specs.count) document(s), \(endpoints.count) endpoint(s): \(endpoints.map(\.id).joined(separator: ", "))")
    }
}

extension AccessLevel: ExpressibleByArgument {}
