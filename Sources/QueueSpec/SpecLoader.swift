
/// What loading a document produced: the document when it is usable, and every diagnostic.
public struct LoadResult: Sendable {
    public var document: SpecDocument?
    /// Errors and warnings in document order.
    public var diagnostics: [Diagnostic]

    /// The document, or a `SpecError` with every diagnostic when any of them is an error.
    public func get() throws(SpecError) -> SpecDocument {
        guard let document, !diagnostics.contains(where: { $0.severity == .error }) else { throw SpecError(diagnostics) }
        return document
    }
}

/// How strictly documents are read.
public struct LoadOptions: Hashable, Sendable {
    /// A `$ref` to a schema the document does not define is a warning (the field is typed as
    /// arbitrary JSON) instead of an error. fal publishes 11 such documents.
    public var allowUnresolvedReferences: Bool

    public init(allowUnresolvedReferences: Bool = false) {
        self.allowUnresolvedReferences = allowUnresolvedReferences
    }
}

/// Loads OpenAPI documents (YAML or JSON, 3.0 or 3.1 or fal's mix of both) into `SpecDocument`s.
public enum SpecLoader {
    /// Reads and loads the file at `path`.
    public static func load(file path: String, options: LoadOptions = .init()) -> LoadResult {
        guard let bytes = FileBytes.read(path) else {
            let location = SourceLocation(file: path, line: 1, column: 1)
            return LoadResult(document: nil, diagnostics: [Diagnostic(.error, at: location, pointer: .root, "cannot read the file")])
        }
        return load(bytes: bytes, file: path, options: options)
    }

    /// Loads a document from its bytes; `file` names it in diagnostics.
    public static func load(bytes: [UInt8], file: String, options: LoadOptions = .init()) -> LoadResult {
        let (root, readDiagnostics) = YAMLReader.read(bytes, file: file)
        guard let root else { return LoadResult(document: nil, diagnostics: readDiagnostics) }
        var loader = DocumentLoader(file: file, root: root)
        loader.options = options
        loader.diagnostics = readDiagnostics
        let document = loader.load()
        let diagnostics = loader.diagnostics.enumerated().sorted {
            ($0.element.location, $0.offset) < ($1.element.location, $1.offset)
        }.map(\.element)
        return LoadResult(document: document, diagnostics: diagnostics)
    }

    /// Loads several documents; the result has every diagnostic of every document.
    public static func load(files: [String], options: LoadOptions = .init()) -> (documents: [SpecDocument], diagnostics: [Diagnostic]) {
        var documents: [SpecDocument] = []
        var diagnostics: [Diagnostic] = []
        for file in files {
            let result = load(file: file, options: options)
            diagnostics += result.diagnostics
            if let document = try? result.get() { documents.append(document) }
        }
        return (documents, diagnostics)
    }
}

private struct DocumentLoader {
    let file: String
    let root: YAMLNode
    var diagnostics: [Diagnostic] = []
    var options = LoadOptions()
    var definitions: [JSONPointer: Schema] = [:]
    /// Every `$ref` seen: the pointer it names, and where it is written.
    var references: [(target: JSONPointer, node: YAMLNode, pointer: JSONPointer)] = []

    init(file: String, root: YAMLNode) {
        self.file = file
        self.root = root
    }

    mutating func load() -> SpecDocument? {
        guard root.mapping != nil else {
            error(root, .root, "an OpenAPI document must be a mapping, found \(root.kindDescription)")
            return nil
        }
        var openapiVersion = ""
        if let swagger = root["swagger"] {
            error(swagger, .root.appending("swagger"), "Swagger 2.0 documents are not supported; convert it to OpenAPI 3")
            return nil
        }
        if let node = root["openapi"] {
            openapiVersion = string(node, .root.appending("openapi")) ?? ""
        } else {
            error(root, .root, "not an OpenAPI document: it has no 'openapi' key")
        }

        var title = String(file.split(separator: "/").last ?? Substring(file))
        var version = ""
        var description: String?
        var metadata: SpecValue?
        if let info = root["info"] {
            let pointer = JSONPointer.root.appending("info")
            if expectMapping(info, pointer) {
                if let node = info["title"] { title = string(node, pointer.appending("title")) ?? title }
                if let node = info["version"] { version = node.scalarValue.map(scalarText) ?? "" }
                if let node = info["description"] { description = string(node, pointer.appending("description")) }
                metadata = info["x-fal-metadata"]?.value
            }
        }

        var servers: [String] = []
        if let node = root["servers"] {
            let pointer = JSONPointer.root.appending("servers")
            for (index, server) in list(node, pointer).enumerated() {
                let serverPointer = pointer.appending(index)
                guard expectMapping(server, serverPointer) else { continue }
                if let url = server["url"], let text = string(url, serverPointer.appending("url")) { servers.append(text) }
            }
        }

        var componentSchemas: [(name: String, schema: Schema)] = []
        if let components = root["components"] {
            let pointer = JSONPointer.root.appending("components")
            if expectMapping(components, pointer), let schemas = components["schemas"] {
                let schemasPointer = pointer.appending("schemas")
                if expectMapping(schemas, schemasPointer) {
                    for entry in schemas.mapping ?? [] {
                        let schemaPointer = schemasPointer.appending(entry.key)
                        let schema = parseSchema(entry.value, schemaPointer)
                        definitions[schemaPointer] = schema
                        componentSchemas.append((entry.key, schema))
                    }
                }
            }
        }

        let endpoints = discoverEndpoints()
        resolveReferences()
        checkCycles()

        return SpecDocument(
            file: file, openapiVersion: openapiVersion, title: title, version: version, description: description,
            metadata: metadata, servers: servers, componentSchemas: componentSchemas, definitions: definitions,
            endpoints: endpoints)
    }

    // MARK: Schemas

    mutating func parseSchema(_ node: YAMLNode, _ pointer: JSONPointer) -> Schema {
        var schema = Schema(location: location(node), pointer: pointer)
        if case .bool = node.scalarValue { return schema }  // `true` / `false` schemas: anything
        guard let entries = node.mapping else {
            error(node, pointer, "a schema must be a mapping, found \(node.kindDescription)")
            return schema
        }
        var exclusiveMinimumFlag = false
        var exclusiveMaximumFlag = false
        for entry in entries {
            let value = entry.value
            // Built only when a diagnostic or a nested schema needs it: most keywords never do.
            var at: JSONPointer { pointer.appending(entry.key) }
            switch entry.key {
            case "$ref":
                guard let text = string(value, at) else { break }
                guard let target = JSONPointer(fragment: text), text.hasPrefix("#") else {
                    error(value, at, "only references inside the document ('#/…') are supported, found '\(text)'")
                    break
                }
                schema.ref = target
                references.append((target, value, at))
            case "type":
                var names: [(String, YAMLNode, JSONPointer)] = []
                if let items = value.sequence {
                    for (index, item) in items.enumerated() {
                        if let name = string(item, at.appending(index)) { names.append((name, item, at.appending(index))) }
                    }
                } else if let name = string(value, at, expected: "a type name or a list of them") {
                    names.append((name, value, at))
                }
                for (name, typeNode, typePointer) in names {
                    guard let type = Schema.JSONType(rawValue: name) else {
                        error(typeNode, typePointer, "unknown type '\(name)'; expected one of \(Schema.JSONType.allCases.map(\.rawValue).joined(separator: ", "))")
                        continue
                    }
                    if !schema.types.contains(type) { schema.types.append(type) }
                }
            case "nullable":
                schema.isNullable = bool(value, at) ?? false
            case "enum":
                let values = list(value, at).map(\.value)
                if values.isEmpty, value.sequence != nil { warning(value, at, "'enum' is empty, so no value is valid") }
                schema.enumValues = values
            case "const": schema.constValue = value.value
            case "default": schema.defaultValue = value.value
            case "examples":
                schema.examples += value.sequence.map { $0.map(\.value) } ?? [value.value]
            case "example": schema.examples.append(value.value)
            case "title": schema.title = string(value, at)
            case "description": schema.description = string(value, at)
            case "format": schema.format = string(value, at)
            case "pattern":
                schema.pattern = string(value, at)
            case "minimum": schema.minimum = number(value, at)
            case "maximum": schema.maximum = number(value, at)
            case "exclusiveMinimum":
                if case .bool(let flag) = value.scalarValue { exclusiveMinimumFlag = flag } else { schema.exclusiveMinimum = number(value, at) }
            case "exclusiveMaximum":
                if case .bool(let flag) = value.scalarValue { exclusiveMaximumFlag = flag } else { schema.exclusiveMaximum = number(value, at) }
            case "minLength": schema.minLength = count(value, at)
            case "maxLength": schema.maxLength = count(value, at)
            case "minItems": schema.minItems = count(value, at)
            case "maxItems": schema.maxItems = count(value, at)
            case "items":
                if value.sequence != nil {
                    error(value, at, "'items' as a list of schemas (tuple form) is not supported; use one schema")
                } else {
                    schema.items = parseSchema(value, at)
                }
            case "properties":
                guard expectMapping(value, at) else { break }
                for property in value.mapping ?? [] {
                    schema.properties.append(.init(name: property.key, schema: parseSchema(property.value, at.appending(property.key))))
                }
            case "required":
                schema.required = list(value, at).enumerated().compactMap { string($1, at.appending($0)) }
            case "additionalProperties":
                switch value.scalarValue {
                case .bool(true): schema.additionalProperties = .any
                case .bool(false): schema.additionalProperties = .forbidden
                default:
                    let inner = parseSchema(value, at)
                    schema.additionalProperties = inner.isUnconstrained ? .any : .schema(inner)
                }
            case "anyOf", "oneOf", "allOf":
                let members = list(value, at)
                if members.isEmpty, value.sequence != nil { error(value, at, "'\(entry.key)' must list at least one schema") }
                let schemas = members.enumerated().map { parseSchema($1, at.appending($0)) }
                switch entry.key {
                case "anyOf": schema.anyOf = schemas
                case "oneOf": schema.oneOf = schemas
                default: schema.allOf = schemas
                }
            case "$defs", "definitions":
                guard expectMapping(value, at) else { break }
                for definition in value.mapping ?? [] {
                    let definitionPointer = at.appending(definition.key)
                    definitions[definitionPointer] = parseSchema(definition.value, definitionPointer)
                }
            case "x-fal-order-properties":
                schema.propertyOrder = list(value, at).enumerated().compactMap { string($1, at.appending($0)) }
            case "x-fal-file-input": schema.isFileInput = bool(value, at) ?? false
            case "x-fal-metadata": schema.metadata = value.value
            case "deprecated": schema.isDeprecated = bool(value, at) ?? false
            default:
                break  // Unknown keywords and other vendor keys are ignored.
            }
        }
        // OpenAPI 3.0's boolean forms make `minimum` / `maximum` exclusive.
        if exclusiveMinimumFlag {
            if let minimum = schema.minimum {
                schema.exclusiveMinimum = minimum
                schema.minimum = nil
            } else if let flagNode = node["exclusiveMinimum"] {
                warning(flagNode, pointer.appending("exclusiveMinimum"), "'exclusiveMinimum: true' has no 'minimum' to make exclusive")
            }
        }
        if exclusiveMaximumFlag {
            if let maximum = schema.maximum {
                schema.exclusiveMaximum = maximum
                schema.maximum = nil
            } else if let flagNode = node["exclusiveMaximum"] {
                warning(flagNode, pointer.appending("exclusiveMaximum"), "'exclusiveMaximum: true' has no 'maximum' to make exclusive")
            }
        }
        if schema.types.count > 1, schema.types.contains(.null) {
            schema.types.removeAll { $0 == .null }
            schema.isNullable = true
        }
        if schema.propertyOrder != nil, !schema.properties.isEmpty, let items = node["x-fal-order-properties"]?.sequence {
            // Walk the written items (not the parsed names, which skip non-strings) so each
            // warning points at its own item.
            let names = Set(schema.properties.map(\.name))
            for (index, item) in items.enumerated() {
                guard let name = item.scalarValue?.stringValue, !names.contains(name) else { continue }
                warning(item, pointer.appending("x-fal-order-properties").appending(index),
                    "'x-fal-order-properties' names '\(name)', which is not a property")
            }
        }
        if let low = schema.minimum ?? schema.exclusiveMinimum, let high = schema.maximum ?? schema.exclusiveMaximum, low > high {
            error(node, pointer, "the minimum \(SpecValue.format(low)) is greater than the maximum \(SpecValue.format(high))")
        }
        return schema
    }

    // MARK: References

    mutating func resolveReferences() {
        var index = 0
        while index < references.count {
            let (target, node, pointer) = references[index]
            index += 1
            if definitions[target] != nil { continue }
            guard let targetNode = root.node(at: target) else {
                if options.allowUnresolvedReferences {
                    warning(node, pointer, "'$ref' points to nothing: there is no \(target) in this document; the value is typed as arbitrary JSON")
                } else {
                    error(node, pointer, "'$ref' points to nothing: there is no \(target) in this document (--allow-unresolved-refs reads it as arbitrary JSON)")
                }
                continue
            }
            definitions[target] = parseSchema(targetNode, target)
        }
    }

    /// Reports cycles of references that would make a type contain itself by value.
    mutating func checkCycles() {
        var edges: [JSONPointer: [(JSONPointer, JSONPointer)]] = [:]  // definition -> (target, where the $ref is)
        for (pointer, schema) in definitions {
            edges[pointer] = Self.embeddedReferences(schema)
        }
        var state: [JSONPointer: Int] = [:]  // 1 visiting, 2 done
        var reported: Set<JSONPointer> = []
        func visit(_ pointer: JSONPointer, _ path: [JSONPointer], _ diagnostics: inout [Diagnostic]) {
            state[pointer] = 1
            for (target, refPointer) in edges[pointer] ?? [] where definitions[target] != nil {
                if state[target] == 1 {
                    let cycleStart = path.firstIndex(of: target) ?? 0
                    let cycle = Array(path[cycleStart...]) + [pointer, target]
                    let members = Set(cycle)
                    if reported.isDisjoint(with: members) {
                        reported.formUnion(members)
                        let refNode = root.node(at: refPointer) ?? root
                        diagnostics.append(Diagnostic(
                            .error, at: location(refNode), pointer: refPointer,
                            "reference cycle the generator cannot represent: "
                                + cycle.map(\.description).joined(separator: " → ")
                                + " (a type can contain itself only through an array or a map)"))
                    }
                } else if state[target] == nil {
                    visit(target, path + [pointer], &diagnostics)
                }
            }
            state[pointer] = 2
        }
        var found: [Diagnostic] = []
        for pointer in definitions.keys.sorted() where state[pointer] == nil {
            visit(pointer, [], &found)
        }
        diagnostics += found
    }

    /// The references a schema holds by value (not through array items or map values).
    static func embeddedReferences(_ schema: Schema) -> [(JSONPointer, JSONPointer)] {
        var result: [(JSONPointer, JSONPointer)] = []
        if let ref = schema.ref { result.append((ref, schema.pointer.appending("$ref"))) }
        for property in schema.properties { result += embeddedReferences(property.schema) }
        for member in schema.anyOf + schema.oneOf + schema.allOf { result += embeddedReferences(member) }
        return result
    }

    // MARK: Endpoints

    mutating func discoverEndpoints() -> [Endpoint] {
        let pathsPointer = JSONPointer.root.appending("paths")
        guard let paths = root["paths"] else {
            error(root, .root, "the document has no 'paths', so no endpoint")
            return []
        }
        guard expectMapping(paths, pathsPointer) else { return [] }

        // Result routes: GET {base}/requests/{id} → the output schema, by base.
        var outputs: [String: Schema] = [:]
        for entry in paths.mapping ?? [] {
            let components = entry.key.split(separator: "/", omittingEmptySubsequences: false)
            guard components.count >= 3, components[components.count - 2] == "requests",
                components.last!.hasPrefix("{"), let get = entry.value["get"]
            else { continue }
            // The key before `/requests/{id}` (sliced rather than joined: the generic join is slow to start).
            let idSlash = entry.key.lastIndex(of: "/")!
            let base = String(entry.key[..<entry.key[..<idSlash].lastIndex(of: "/")!])
            let pointer = pathsPointer.appending(entry.key).appending("get")
            if let schema = responseSchema(get, pointer) { outputs[base] = schema }
        }

        var endpoints: [Endpoint] = []
        for entry in paths.mapping ?? [] where !entry.key.split(separator: "/", omittingEmptySubsequences: false).dropFirst().dropLast().contains("requests") {
            let itemPointer = pathsPointer.appending(entry.key)
            guard expectMapping(entry.value, itemPointer), let post = entry.value["post"] else { continue }
            let postPointer = itemPointer.appending("post")
            guard expectMapping(post, postPointer) else { continue }
            guard let bodyNode = post["requestBody"] else {
                warning(post, postPointer, "POST \(entry.key) has no request body, so it is not read as a queue endpoint")
                continue
            }
            let (body, bodyPointer) = dereferencedNode(bodyNode, postPointer.appending("requestBody"))
            guard let (schemaNode, schemaPointer) = jsonSchemaNode(in: body, bodyPointer) else {
                warning(bodyNode, postPointer.appending("requestBody"), "POST \(entry.key) has no application/json body schema")
                continue
            }
            let id = String(entry.key.drop(while: { $0 == "/" }))
            guard id.split(separator: "/").count >= 2 else {
                error(entry.value, itemPointer, "'\(entry.key)' is not a queue endpoint path: an endpoint id is owner/alias[/subpath]")
                continue
            }
            let input = parseSchema(schemaNode, schemaPointer)
            // The result lives under the full id or, as the service addresses it, under owner/alias.
            var output: Schema?
            var candidate = "/" + id
            while output == nil, !candidate.isEmpty {
                output = outputs[candidate]
                candidate = candidate.contains("/") ? String(candidate[..<candidate.lastIndex(of: "/")!]) : ""
            }
            if output == nil {
                warning(post, postPointer, "endpoint '\(id)' has no result route (GET \(entry.key)/requests/{request_id}); its output is read as any JSON")
            }
            let summary = post["summary"].flatMap { $0.scalarValue?.stringValue }
            // `deprecated` on the submit operation marks the whole endpoint as being retired.
            let isDeprecated = post["deprecated"].flatMap { bool($0, postPointer.appending("deprecated")) } ?? false
            endpoints.append(Endpoint(
                id: id, input: input, output: output, summary: summary, location: location(entry.value),
                isDeprecated: isDeprecated, pointer: itemPointer))
        }
        if endpoints.isEmpty {
            error(paths, pathsPointer, "no queue endpoint found: no path has a POST with an application/json body")
        }
        return endpoints
    }

    mutating func responseSchema(_ operation: YAMLNode, _ pointer: JSONPointer) -> Schema? {
        guard expectMapping(operation, pointer), let responses = operation["responses"], let entries = responses.mapping else { return nil }
        let success = entries.first(where: { $0.key == "200" }) ?? entries.first(where: { $0.key.hasPrefix("2") })
        guard let success else { return nil }
        let (response, responsePointer) = dereferencedNode(success.value, pointer.appending("responses").appending(success.key))
        guard let (schemaNode, schemaPointer) = jsonSchemaNode(in: response, responsePointer) else { return nil }
        return parseSchema(schemaNode, schemaPointer)
    }

    /// `content.application/json.schema` (or the first JSON media type) of a body or response.
    func jsonSchemaNode(in node: YAMLNode, _ pointer: JSONPointer) -> (YAMLNode, JSONPointer)? {
        guard let content = node["content"]?.mapping else { return nil }
        let media = content.first(where: { $0.key == "application/json" })
            ?? content.first(where: { $0.key.hasSuffix("json") })
        guard let media, let schema = media.value["schema"] else { return nil }
        return (schema, pointer.appending("content").appending(media.key).appending("schema"))
    }

    /// Follows a `$ref` to a reusable component (a request body, a response).
    func dereferencedNode(_ node: YAMLNode, _ pointer: JSONPointer) -> (YAMLNode, JSONPointer) {
        if let ref = node["$ref"]?.scalarValue?.stringValue, let target = JSONPointer(fragment: ref),
            let resolved = root.node(at: target)
        {
            return (resolved, target)
        }
        return (node, pointer)
    }

    // MARK: Typed reads

    func location(_ node: YAMLNode) -> SourceLocation {
        SourceLocation(file: file, line: node.position.line, column: node.position.column)
    }

    mutating func error(_ node: YAMLNode, _ pointer: @autoclosure () -> JSONPointer, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: location(node), pointer: pointer(), message))
    }

    mutating func warning(_ node: YAMLNode, _ pointer: JSONPointer, _ message: String) {
        diagnostics.append(Diagnostic(.warning, at: location(node), pointer: pointer, message))
    }

    private func keyword(_ pointer: () -> JSONPointer) -> String {
        let tokens = pointer().tokens
        guard let last = tokens.last else { return "the value" }
        if Int(last) != nil, tokens.count > 1 { return "item \(last) of '\(tokens[tokens.count - 2])'" }
        return "'\(last)'"
    }

    mutating func expectMapping(_ node: YAMLNode, _ pointer: @autoclosure () -> JSONPointer) -> Bool {
        guard node.mapping == nil else { return true }
        error(node, pointer(), "\(keyword(pointer)) must be a mapping, found \(node.kindDescription)")
        return false
    }

    mutating func string(_ node: YAMLNode, _ pointer: @autoclosure () -> JSONPointer, expected: String = "a string") -> String? {
        if case .string(let text) = node.scalarValue { return text }
        error(node, pointer(), "\(keyword(pointer)) must be \(expected), found \(node.kindDescription)")
        return nil
    }

    mutating func bool(_ node: YAMLNode, _ pointer: @autoclosure () -> JSONPointer) -> Bool? {
        if case .bool(let value) = node.scalarValue { return value }
        error(node, pointer(), "\(keyword(pointer)) must be true or false, found \(node.kindDescription)")
        return nil
    }

    mutating func number(_ node: YAMLNode, _ pointer: @autoclosure () -> JSONPointer) -> Double? {
        if let value = node.scalarValue?.doubleValue, value.isFinite { return value }
        error(node, pointer(), "\(keyword(pointer)) must be a number, found \(node.kindDescription)")
        return nil
    }

    mutating func count(_ node: YAMLNode, _ pointer: @autoclosure () -> JSONPointer) -> Int? {
        if case .integer(let value) = node.scalarValue, value >= 0, value <= Int64(Int32.max) { return Int(value) }
        error(node, pointer(), "\(keyword(pointer)) must be a non-negative integer, found \(node.kindDescription)")
        return nil
    }

    mutating func list(_ node: YAMLNode, _ pointer: @autoclosure () -> JSONPointer) -> [YAMLNode] {
        if let items = node.sequence { return items }
        error(node, pointer(), "\(keyword(pointer)) must be a list, found \(node.kindDescription)")
        return []
    }

    func scalarText(_ value: SpecValue) -> String {
        if case .string(let text) = value { return text }
        return value.description
    }
}

extension Schema {
    /// True for `{}`: no type, no constraint, no composition.
    var isUnconstrained: Bool {
        ref == nil && types.isEmpty && enumValues == nil && constValue == nil && properties.isEmpty && items == nil
            && anyOf.isEmpty && oneOf.isEmpty && allOf.isEmpty && additionalProperties == .unspecified
    }
}
