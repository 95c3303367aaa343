#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import QueueSpec

/// `queuegen.yaml`: the modules to generate, next to the specs they name.
///
/// ```yaml
/// modules:
///   - name: FluxRedux
///     specs: [flux-1-schnell-redux.yaml]   # files or folders, relative to this file
///     endpoints: [fal-ai/flux/schnell]    # endpoint ids, resolved against a catalog (--catalog)
///     output: ../Generated/FluxRedux
///     access: public                      # public | package | internal
///     allow-unresolved-refs: false        # a $ref to nothing: a warning and JSONValue
///   - name: FalCatalog
///     registry-of: [FalImage, FalVideo]   # modules above: one registry of all their endpoints
///     output: ../Generated/FalCatalog
/// ```
public struct GeneratorConfiguration: Hashable, Sendable {
    /// One generated module.
    public struct Module: Hashable, Sendable {
        public var name: String
        /// Spec files, folders expanded to the `.yaml`, `.yml` and `.json` files inside them, sorted.
        public var specs: [String]
        /// The output folder; `nil` where the caller decides (the build plugin).
        public var output: String?
        public var access: AccessLevel
        /// `allow-unresolved-refs`: a `$ref` to a schema the document does not define is a
        /// warning, and the value `JSONValue`.
        public var allowUnresolvedReferences: Bool
        /// `endpoints`: endpoint ids whose documents come from a catalog (`EndpointCatalog`), with
        /// where each is written.
        public var endpoints: [EndpointReference]
        /// `documentation`: also write the module's DocC landing page (`<name>.docc/<name>.md`),
        /// listing its endpoints by fal category. For folders `queuegen generate` writes, not for
        /// build plugins (a plugin's outputs are sources or resources, not a catalogue).
        public var documentation: Bool
        /// `registry-of`: the module is a catalog registry (`CatalogRegistry`) of the endpoints of
        /// these modules, which come before it in the file; it lists no specs of its own.
        public var registry: Registry?

        public init(
            name: String, specs: [String], output: String?, access: AccessLevel, allowUnresolvedReferences: Bool = false,
            endpoints: [EndpointReference] = [], documentation: Bool = false, registry: Registry? = nil
        ) {
            self.registry = registry
            self.documentation = documentation
            self.name = name
            self.specs = specs
            self.output = output
            self.access = access
            self.allowUnresolvedReferences = allowUnresolvedReferences
            self.endpoints = endpoints
        }
    }

    /// A registry module's `registry-of` list.
    public struct Registry: Hashable, Sendable {
        /// The names of the modules whose endpoints it lists, as written.
        public var modules: [String]
        /// Where `registry-of` is, for diagnostics about the registry as a whole.
        public var location: SourceLocation?
        /// The JSON pointer of `registry-of`.
        public var pointer: JSONPointer

        public init(modules: [String], location: SourceLocation? = nil, pointer: JSONPointer = .root) {
            self.modules = modules
            self.location = location
            self.pointer = pointer
        }
    }

    public var modules: [Module]

    /// Reads a configuration file; paths in it become relative to the working directory.
    public static func load(file: String) throws(SpecError) -> GeneratorConfiguration {
        let (root, readDiagnostics) = YAMLReader.read(FileBytes.read(file) ?? [], file: file)
        guard let root else { throw SpecError(readDiagnostics) }
        var diagnostics: [Diagnostic] = []
        let directory = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : ""
        func resolve(_ path: String) -> String {
            let joined = path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
            return normalizedPath(joined)
        }
        func fail(_ node: YAMLNode, _ pointer: JSONPointer, _ message: String) {
            diagnostics.append(Diagnostic(.error, at: SourceLocation(file: file, line: node.position.line, column: node.position.column), pointer: pointer, message))
        }
        var modules: [Module] = []
        guard let list = root["modules"]?.sequence else {
            fail(root, .root, "a queuegen configuration must have a 'modules' list")
            throw SpecError(diagnostics)
        }
        for (index, node) in list.enumerated() {
            let pointer = JSONPointer(tokens: ["modules", String(index)])
            guard let name = node["name"]?.scalarValue?.stringValue, !name.isEmpty else {
                fail(node, pointer, "each module needs a 'name'")
                continue
            }
            let reported = diagnostics.count
            var specs: [String] = []
            for spec in node["specs"]?.sequence ?? [] {
                guard let path = spec.scalarValue?.stringValue else {
                    fail(spec, pointer.appending("specs"), "'specs' must list paths")
                    continue
                }
                specs += expand(resolve(path))
            }
            var endpoints: [EndpointReference] = []
            if let endpointsNode = node["endpoints"] {
                guard let items = endpointsNode.sequence else {
                    fail(endpointsNode, pointer.appending("endpoints"), "'endpoints' must list endpoint ids, such as [fal-ai/flux/schnell]")
                    continue
                }
                for (position, item) in items.enumerated() {
                    let itemPointer = pointer.appending("endpoints").appending(position)
                    guard case .scalar(let id, _) = item.content, !id.isEmpty else {
                        fail(item, itemPointer, "'endpoints' must list endpoint ids, such as fal-ai/flux/schnell")
                        continue
                    }
                    let location = SourceLocation(file: file, line: item.position.line, column: item.position.column)
                    endpoints.append(EndpointReference(id: id, location: location, pointer: itemPointer))
                }
            }
            var registry: Registry?
            if let registryNode = node["registry-of"] {
                let registryPointer = pointer.appending("registry-of")
                guard let items = registryNode.sequence, !items.isEmpty else {
                    fail(registryNode, registryPointer, "'registry-of' must be a list of module names")
                    continue
                }
                var listed: [String] = []
                for (position, item) in items.enumerated() {
                    let itemPointer = registryPointer.appending(position)
                    guard case .scalar(let listedName, _) = item.content, !listedName.isEmpty else {
                        fail(item, itemPointer, "'registry-of' must be a list of module names")
                        continue
                    }
                    if let earlier = modules.first(where: { $0.name == listedName }) {
                        if earlier.registry != nil {
                            fail(item, itemPointer, "'registry-of' names '\(listedName)', which is a registry itself; list the modules of endpoints")
                        } else if listed.contains(listedName) {
                            fail(item, itemPointer, "'registry-of' names '\(listedName)' twice")
                        }
                    } else if listedName == name {
                        fail(item, itemPointer, "'registry-of' names the registry '\(name)' itself; list the modules of endpoints")
                    } else if list.dropFirst(index + 1).contains(where: { $0["name"]?.scalarValue?.stringValue == listedName }) {
                        fail(item, itemPointer, "'registry-of' names '\(listedName)', which comes after '\(name)'; a registry must come after the modules it lists")
                    } else {
                        let known = modules.filter { $0.registry == nil }.map { "'\($0.name)'" }.joined(separator: ", ")
                        fail(item, itemPointer, "'registry-of' names '\(listedName)', which is not a module of this file" + (known.isEmpty ? "" : " (modules above: \(known))"))
                    }
                    listed.append(listedName)
                }
                if !specs.isEmpty || !endpoints.isEmpty || node["documentation"] != nil {
                    fail(registryNode, registryPointer, "module '\(name)' is a registry: it lists no 'specs', 'endpoints' or 'documentation' of its own")
                }
                registry = Registry(
                    modules: listed, location: SourceLocation(file: file, line: registryNode.position.line, column: registryNode.position.column),
                    pointer: registryPointer)
            }
            if registry == nil && specs.isEmpty && endpoints.isEmpty && diagnostics.count == reported {
                if node["specs"] == nil && node["endpoints"] == nil {
                    fail(node, pointer, "module '\(name)' lists neither 'specs' nor 'endpoints'")
                } else {
                    fail(node, pointer.appending("specs"), "module '\(name)' lists no spec files")
                }
            }
            var access = AccessLevel.public
            if let accessNode = node["access"] {
                guard let value = accessNode.scalarValue?.stringValue.flatMap(AccessLevel.init(rawValue:)) else {
                    fail(accessNode, pointer.appending("access"), "'access' must be public, package or internal")
                    continue
                }
                access = value
            }
            var allowUnresolved = false
            if let flagNode = node["allow-unresolved-refs"] {
                guard case .bool(let value)? = flagNode.scalarValue else {
                    fail(flagNode, pointer.appending("allow-unresolved-refs"), "'allow-unresolved-refs' must be true or false")
                    continue
                }
                allowUnresolved = value
            }
            var documentation = false
            if let flagNode = node["documentation"] {
                guard case .bool(let value)? = flagNode.scalarValue else {
                    fail(flagNode, pointer.appending("documentation"), "'documentation' must be true or false")
                    continue
                }
                documentation = value
            }
            modules.append(Module(
                name: name, specs: specs, output: node["output"]?.scalarValue?.stringValue.map(resolve), access: access,
                allowUnresolvedReferences: allowUnresolved, endpoints: endpoints, documentation: documentation, registry: registry))
        }
        if diagnostics.isEmpty == false { throw SpecError(diagnostics) }
        return GeneratorConfiguration(modules: modules)
    }

    /// A folder's spec files, sorted; a file as it is.
    public static func expand(_ path: String) -> [String] {
        guard (try? FileManager.default.contentsOfDirectory(atPath: path)) != nil else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
            .filter { $0 != "queuegen.yaml" && $0 != "queuegen.yml" }
            .sorted().map { path + "/" + $0 }
    }
}

/// `a/b/../c` → `a/c`, `./a` → `a`, without touching the file system.
public func normalizedPath(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == "..", let last = parts.last, last != ".." {
            parts.removeLast()
        } else {
            parts.append(part)
        }
    }
    return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
}

/// Writing generated files: only what changed, and removing files the generator wrote before that
/// are no longer produced.
public enum GeneratedFileWriter {
    /// What a write or a check found.
    public struct Changes: Hashable, Sendable {
        public var written: [String] = []
        public var unchanged: [String] = []
        public var removed: [String] = []
    }

    static let headerPrefix = "// Generated by queuegen"

    /// Writes `files` into `directory`; returns what changed. Each file is replaced whole
    /// (`FileBytes.replace`).
    @discardableResult
    public static func write(_ files: [GeneratedFile], to directory: String) throws -> Changes {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        var changes = Changes()
        let expected = Set(files.map(\.name))
        for file in files {
            let path = directory + "/" + file.name
            // A name with a folder in it (the DocC landing page) is not in the listing: read it.
            if present.contains(file.name) || file.name.contains("/"), let onDisk = FileBytes.read(path),
                onDisk.elementsEqual(file.contents.utf8)
            {
                changes.unchanged.append(path)
            } else {
                if file.name.contains("/") {
                    let folder = String(path[..<path.lastIndex(of: "/")!])
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                }
                try FileBytes.replace(path, with: file.contents)
                changes.written.append(path)
            }
        }
        // Only files that were there before can be stale: every file written now is expected.
        for stale in staleFiles(in: directory, among: present, expected: expected) {
            try FileManager.default.removeItem(atPath: stale)
            changes.removed.append(stale)
        }
        return changes
    }

    /// Generated files in `directory` that `files` does not produce; `names` is the folder's
    /// listing when the caller already has it.
    static func staleFiles(in directory: String, among names: Set<String>? = nil, expected: Set<String>) -> [String] {
        let names = names.map(Array.init) ?? (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".swift") && !expected.contains($0) }.sorted().map { directory + "/" + $0 }.filter {
            guard let bytes = FileBytes.read($0) else { return false }
            return bytes.starts(with: headerPrefix.utf8)
        }
    }

    /// Compares `files` with `directory`; one line a difference, with the first differing line.
    public static func differences(_ files: [GeneratedFile], in directory: String) -> [String] {
        var report: [String] = []
        for file in files {
            let path = directory + "/" + file.name
            guard let data = FileBytes.read(path) else {
                report.append("\(path): missing (the spec produces it)")
                continue
            }
            let onDisk = String(decoding: data, as: UTF8.self)
            guard onDisk != file.contents else { continue }
            let old = onDisk.split(separator: "\n", omittingEmptySubsequences: false)
            let new = file.contents.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(old, new).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset ?? min(old.count, new.count)
            let was = line < old.count ? String(old[line]) : "(end of file)"
            let now = line < new.count ? String(new[line]) : "(end of file)"
            report.append("\(path):\(line + 1): stale\n  - \(was)\n  + \(now)")
        }
        for stale in staleFiles(in: directory, expected: Set(files.map(\.name))) {
            report.append("\(stale): no longer generated (the spec no longer produces it)")
        }
        return report
    }
}
