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
}

/// The generator pipeline: spec documents → `ModuleModel` → Swift files.
///
/// Output is a pure function of the documents and options: the same bytes on every machine and run.
public enum QueueGenerator {
    /// Translates documents into the module model (every type and name decided).
    public static func translate(_ documents: [SpecDocument]) -> ModuleModel {
        var translator = Translator(documents: documents)
        return translator.translate()
    }

    /// Renders a module model.
    public static func render(_ module: ModuleModel, access: AccessLevel = .public) -> [GeneratedFile] {
        let renderer = Renderer(module: module, access: access)
        return module.files.map { GeneratedFile(name: $0.name, contents: renderer.render($0)) }
    }

    /// Translates and renders.
    public static func generate(_ documents: [SpecDocument], access: AccessLevel = .public) -> [GeneratedFile] {
        render(translate(documents), access: access)
    }
}
