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

    /// Renders a module model into files by the namespaces' initial letter (`F.swift` holds
    /// `FluxDev` and `FluxPro`; names that start with anything else go to `_.swift`); a letter
    /// with more than `endpointsPerFile` namespaces is split into numbered files of about equal
    /// size (`F1.swift`, `F2.swift`, …).
    ///
    /// Grouping is for compile time: every file of a module is a unit the compiler lowers on its
    /// own, and each unit repeats the helpers it needs (metadata caches, outlined copies, witness
    /// table accessors), so a thousand one-endpoint files build far slower than a few dozen large
    /// ones; files of bounded size keep the build system's batches even and each compiler
    /// process's memory bounded. By letter keeps the grouping stable: adding an endpoint changes
    /// the files of its letter only.
    ///
    /// `declarationsOnly` writes the types and stored properties alone, which is not a usable
    /// client: the catalog benchmark builds it as the floor of what any typed client costs.
    public static func render(_ module: ModuleModel, access: AccessLevel = .public, declarationsOnly: Bool = false) -> [GeneratedFile] {
        let renderer = Renderer(access: access, declarationsOnly: declarationsOnly)
        var groups: [String: [Namespace]] = [:]
        for namespace in module.namespaces { groups[fileKey(namespace.name), default: []].append(namespace) }
        var files: [GeneratedFile] = []
        for key in groups.keys.sorted() {
            let namespaces = groups[key] ?? []
            let pieces = (namespaces.count + endpointsPerFile - 1) / endpointsPerFile
            guard pieces > 1 else {
                files.append(GeneratedFile(name: key + ".swift", contents: renderer.render(namespaces)))
                continue
            }
            for piece in 0..<pieces {
                let range = (namespaces.count * piece / pieces)..<(namespaces.count * (piece + 1) / pieces)
                files.append(GeneratedFile(name: "\(key)\(piece + 1).swift", contents: renderer.render(Array(namespaces[range]))))
            }
        }
        return files
    }

    /// The most namespaces one generated file holds before its letter is split.
    public static let endpointsPerFile = 24

    /// The file a namespace goes to: its initial if that is an ASCII capital, else `_`.
    static func fileKey(_ name: String) -> String {
        guard let first = name.utf8.first, first >= 0x41, first <= 0x5A else { return "_" }
        return String(UnicodeScalar(first))
    }

    /// Renders a module model as one file named `name`: the header once (naming every source),
    /// `import QueueRuntime` once and a single generated-code version check, then every namespace.
    ///
    /// Used by `queuegen generate --single-file`, so a build plugin can declare one output whose
    /// name it knows before the specs are read.
    public static func renderSingleFile(_ module: ModuleModel, name: String, access: AccessLevel = .public) -> GeneratedFile {
        GeneratedFile(name: name, contents: Renderer(access: access).render(module.namespaces))
    }

    /// Translates and renders.
    public static func generate(_ documents: [SpecDocument], access: AccessLevel = .public) -> [GeneratedFile] {
        render(translate(documents), access: access)
    }
}
