import ArgumentParser
import QueueGen
import QueueSpec

/// The models of the modules a configuration's registries list, kept from their translation in
/// the same `generate` or `check` run, so that a registry (`registry-of`) is built without
/// translating the catalog twice. Only listed modules' models are kept.
struct RegistryMembers {
    private let listed: Set<String>
    private var models: [String: ModuleModel] = [:]

    init(_ modules: [GeneratorConfiguration.Module]) {
        listed = Set(modules.compactMap(\.registry).flatMap(\.modules))
    }

    /// Whether a registry lists `module`.
    func isListed(_ module: GeneratorConfiguration.Module) -> Bool { listed.contains(module.name) }

    /// Keeps `model` if a registry lists `module`.
    mutating func keep(_ model: ModuleModel, of module: GeneratorConfiguration.Module) {
        if listed.contains(module.name) { models[module.name] = model }
    }

    /// The registry file of `module`, from the models kept so far; an error at its `registry-of`
    /// when a listed module was not translated before it or two listed modules share an endpoint.
    func registry(_ module: GeneratorConfiguration.Module) throws -> GeneratedFile {
        let registry = module.registry ?? .init(modules: [])
        func fail(_ message: String) -> ExitCode {
            let location = registry.location ?? SourceLocation(file: "", line: 0, column: 0)
            printDiagnostics([Diagnostic(.error, at: location, pointer: registry.pointer, "module '\(module.name)': " + message)])
            return ExitCode.failure
        }
        var members: [CatalogRegistry.Member] = []
        for name in registry.modules {
            // The configuration has already checked that each listed module comes before this one.
            guard let model = models[name] else { throw fail("'registry-of' names '\(name)', which was not generated before it") }
            members.append(CatalogRegistry.Member(module: name, model: model))
        }
        do {
            return try CatalogRegistry.render(name: module.name, members: members, access: module.access)
        } catch {
            throw fail(error.description)
        }
    }
}
