import QueueSpec

/// The access level of generated declarations.
public enum AccessLevel: String, Hashable, Sendable, CaseIterable {
    case `public`, `package`, `internal`

    /// The keyword and a space, or nothing for `internal`.
    var keyword: String { self == .internal ? "" : rawValue + " " }
}

/// One generated source file.
public struct GeneratedFile: Hashable, Sendable {
    /// The file name inside the output directory.
    public var name: String
    public var contents: String

    public init(name: String, contents: String) {
        self.name = name
        self.contents = contents
    }
}

/// The generator pipeline: spec documents → `ModuleModel` → Swift files.
///
/// Output is a pure function of the documents and options: the same bytes on every machine and run.
public enum QueueGenerator {
    /// Translates documents into the module model (every type and name decided).
    public static func translate(_ documents: [SpecDocument]) -> ModuleModel {
        Translator(documents: documents).translate()
    }

    /// Renders a module model: one file per endpoint namespace, named after it.
    public static func render(_ module: ModuleModel, access: AccessLevel = .public) -> [GeneratedFile] {
        let renderer = Renderer(access: access)
        return module.namespaces.map { GeneratedFile(name: $0.name + ".swift", contents: renderer.render($0)) }
    }

    /// Renders a module model as one file named `name`: the header once (naming every source),
    /// `import QueueRuntime` once and a single generated-code version check, then every namespace.
    ///
    /// Used by `queuegen generate --single-file`, so a build plugin can declare one output whose
    /// name it knows before the specs are read.
    public static func renderSingleFile(_ module: ModuleModel, name: String, access: AccessLevel = .public) -> GeneratedFile {
        GeneratedFile(name: name, contents: Renderer(access: access).renderSingleFile(module))
    }

    /// Translates and renders.
    public static func generate(_ documents: [SpecDocument], access: AccessLevel = .public) -> [GeneratedFile] {
        render(translate(documents), access: access)
    }
}
