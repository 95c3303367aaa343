import QueueSpec

/// Spec model → `ModuleModel`: decides every type, name, default and check.
///
/// Each endpoint is translated on its own, into a namespace named after its id, so every name
/// in it depends only on its document and id. Afterwards, a declaration that several namespaces
/// hold identically (with every type it reaches) is kept in the first of them by name, and the
/// others name it with a `typealias`: shared types are emitted once without moving any name.
struct Translator {
    private let documents: [SpecDocument]

    init(documents: [SpecDocument]) {
        self.documents = documents.sorted { $0.file < $1.file }
    }

    func translate() -> ModuleModel {
        var endpoints: [(document: SpecDocument, endpoint: Endpoint)] = []
        for document in documents {
            for endpoint in document.endpoints { endpoints.append((document, endpoint)) }
        }
        // Names come from the ids alone; two ids that still meet (only possible outside fal's
        // catalog, where none do) are told apart by a number in id order.
        let order = endpoints.indices.sorted { endpoints[$0].endpoint.id < endpoints[$1].endpoint.id }
        var namespaceNames = [String](repeating: "", count: endpoints.count)
        var memberNames = [String](repeating: "", count: endpoints.count)
        var takenTypes: Set<String> = []
        var takenMembers: Set<String> = []
        for index in order {
            let id = endpoints[index].endpoint.id
            namespaceNames[index] = SwiftNamer.unique(SwiftNamer.endpointTypeName(id), in: &takenTypes)
            memberNames[index] = SwiftNamer.unique(SwiftNamer.endpointMemberName(id), in: &takenMembers)
        }
        var namespaces: [Namespace] = []
        for (index, entry) in endpoints.enumerated() {
            var builder = NamespaceBuilder(namespace: namespaceNames[index], document: entry.document)
            namespaces.append(builder.translate(entry.endpoint, memberName: memberNames[index]))
        }
        namespaces.sort { $0.name < $1.name }
        return ModuleModel(namespaces: SharedDeclarations.share(namespaces))
    }
}

/// Translates one endpoint into its namespace.
private struct NamespaceBuilder {
    let namespace: String
    let document: SpecDocument
    private var declarations: [TypeName: Declaration] = [:]
    private var order: [TypeName] = []
    private var taken: Set<String>
    /// The type each component became.
    private var componentTypes: [JSONPointer: TypeRef] = [:]
    /// Components being translated that are not named types (a cycle through them is `JSONValue`).
    private var inProgress: Set<JSONPointer> = []
    private var placeholderCount = 0

    /// Where a schema sits, which names inline types.
    struct Context {
        /// The simple name of the struct whose property this is.
        var owner: String
        var property: String
        var title: String?

        var proposedName: String { SwiftNamer.typeName(title ?? property) }
    }

    init(namespace: String, document: SpecDocument) {
        self.namespace = namespace
        self.document = document
        taken = [SwiftNamer.inputTypeName, SwiftNamer.outputTypeName]
    }

    private func typeName(_ simple: String) -> TypeName { TypeName([namespace, simple]) }

    mutating func translate(_ endpoint: Endpoint, memberName: String) -> Namespace {
        let inputName = typeName(SwiftNamer.inputTypeName)
        let outputName = typeName(SwiftNamer.outputTypeName)
        translateRoot(endpoint.input, as: inputName, isInput: true, endpointID: endpoint.id)
        var output = TypeRef.json
        if let schema = endpoint.output {
            let resolved = document.dereference(schema)
            if resolved.types == [.object] || !resolved.properties.isEmpty {
                translateRoot(schema, as: outputName, isInput: false, endpointID: endpoint.id)
                output = .named(outputName)
            } else {
                output = typeRef(resolved, Context(owner: SwiftNamer.outputTypeName, property: "output")).type
            }
        }
        var title = DocText.singleLine(document.title)
        if title.hasPrefix("Queue OpenAPI for ") { title = String(title.dropFirst("Queue OpenAPI for ".count)) }
        if document.endpoints.count > 1 || title.isEmpty { title = DocText.singleLine(endpoint.summary ?? endpoint.id) }
        var endpointDecl = EndpointDecl(id: endpoint.id, memberName: memberName, title: title, input: inputName, output: output)
        if endpoint.isDeprecated {
            endpointDecl.deprecation = "'\(DocText.singleLine(endpoint.id).backticksAsApostrophes)' is marked deprecated in the API document"
        }
        let finished = DeclarationFacts.finish(order.compactMap { declarations[$0] })
        return Namespace(name: namespace, sources: [document.file], endpoint: endpointDecl, aliases: [], declarations: finished)
    }

    // MARK: Roots

    /// An endpoint's input or output: always a struct of its own, `Input` or `Output`.
    private mutating func translateRoot(_ schema: Schema, as name: TypeName, isInput: Bool, endpointID: String) {
        if let ref = schema.ref { componentTypes[ref] = .named(name) }
        let resolved = document.dereference(schema)
        reserve(name)  // the root comes before the types its properties add
        var decl = structDecl(resolved, name: name, isInput: isInput)
        // Without a description the doc is left to the renderer ("The output of `id`."), so that
        // the endpoint's id does not keep two endpoints with the same input or output apart.
        decl.doc = DocText.lines(resolved.description ?? "")
        register(.structure(decl))
    }

    private mutating func reserve(_ name: TypeName) {
        if declarations[name] == nil, !order.contains(name) { order.append(name) }
        taken.insert(name.simpleName)
    }

    private mutating func register(_ declaration: Declaration) {
        reserve(declaration.name)
        declarations[declaration.name] = declaration
    }

    // MARK: Types

    /// The Swift type for a schema, and whether the schema allows null.
    private mutating func typeRef(_ schema: Schema, _ context: Context) -> (type: TypeRef, nullable: Bool) {
        if let ref = schema.ref {
            return componentType(ref, context)
        }
        var schema = schema
        if !schema.allOf.isEmpty {
            if schema.allOf.count == 1, schema.properties.isEmpty, schema.types.isEmpty {
                let (type, nullable) = typeRef(schema.allOf[0], context)
                return (type, nullable || schema.isNullable)
            }
            schema = merged(schema)
        }
        let members = schema.anyOf + schema.oneOf
        if !members.isEmpty {
            let nonNull = members.filter { document.dereference($0).types != [.null] }
            let nullable = nonNull.count < members.count || schema.isNullable
            if nonNull.count == 1 {
                return (typeRef(nonNull[0], context).type, nullable)
            }
            if nonNull.isEmpty { return (.json, true) }
            return (unionType(nonNull, context), nullable)
        }
        if schema.types == [.null] { return (.json, true) }
        let nullable = schema.isNullable
        let kind = schema.types.count == 1 ? schema.types[0] : (schema.types.isEmpty ? inferredType(schema) : nil)
        switch kind {
        case .string?:
            if schema.isFileInput { return (.file, nullable) }
            if let values = stringEnumValues(schema) {
                return (.named(enumType(values, schema, context)), nullable)
            }
            return (.string, nullable)
        case .integer?:
            if let values = integerEnumValues(schema) {
                return (.named(enumType(values.map(String.init), schema, context, isInteger: true)), nullable)
            }
            return (integerType(schema, context), nullable)
        case .number?:
            return (.double, nullable)
        case .boolean?:
            return (.bool, nullable)
        case .array?:
            guard let items = schema.items else { return (.array(.json), nullable) }
            let itemContext = Context(owner: context.owner, property: context.property + " item")
            return (.array(typeRef(items, itemContext).type), nullable)
        case .object?:
            if !schema.properties.isEmpty {
                return (.named(inlineStruct(schema, context)), nullable)
            }
            if case .schema(let value) = schema.additionalProperties {
                let valueContext = Context(owner: context.owner, property: context.property + " value")
                return (.map(typeRef(value, valueContext).type), nullable)
            }
            return (.map(.json), nullable)
        default:
            return (.json, nullable)
        }
    }

    private func stringEnumValues(_ schema: Schema) -> [String]? {
        guard let values = schema.enumValues, !values.isEmpty, values.allSatisfy({ $0.stringValue != nil }) else { return nil }
        return values.compactMap(\.stringValue)
    }

    /// The values of an integer `enum` (`rank`: 8, 16, 32, 64, 128), which becomes an `OpenIntegerEnum`.
    private func integerEnumValues(_ schema: Schema) -> [Int]? {
        guard let values = schema.enumValues, !values.isEmpty else { return nil }
        var integers: [Int] = []
        for value in values {
            switch value {
            case .integer(let number) where number >= Int64(Int32.min) && number <= Int64(Int32.max): integers.append(Int(number))
            default: return nil
            }
        }
        return integers
    }

    private func inferredType(_ schema: Schema) -> Schema.JSONType? {
        if !schema.properties.isEmpty || schema.additionalProperties != .unspecified { return .object }
        if schema.items != nil { return .array }
        if stringEnumValues(schema) != nil { return .string }
        return nil
    }

    /// `Int` (64-bit on every platform Swift apps ship on but watchOS), or `Int64` where a value can
    /// exceed 32 bits: `format: int64`, bounds past `Int32`, or an unbounded seed.
    private func integerType(_ schema: Schema, _ context: Context) -> TypeRef {
        if schema.format == "int64" { return .int64 }
        let low = schema.minimum ?? schema.exclusiveMinimum
        let high = schema.maximum ?? schema.exclusiveMaximum
        if let low, low < Double(Int32.min) { return .int64 }
        if let high, high > Double(Int32.max) { return .int64 }
        if high == nil, SwiftNamer.words(context.property).contains("seed") { return .int64 }
        return .int
    }

    /// Whether a schema becomes a struct or a union (the named types that can contain themselves).
    private func becomesRecursiveType(_ schema: Schema) -> Bool {
        let schema = document.dereference(schema)
        if schema.ref != nil { return false }
        if !schema.allOf.isEmpty { return !(schema.allOf.count == 1 && schema.properties.isEmpty && schema.types.isEmpty) || becomesRecursiveType(schema.allOf[0]) }
        let members = (schema.anyOf + schema.oneOf).filter { document.dereference($0).types != [.null] }
        if members.count == 1 { return false }
        if members.count > 1 { return !members.allSatisfy { stringEnumValues(document.dereference($0)) != nil } }
        return !schema.properties.isEmpty && (schema.types.isEmpty || schema.types == [.object])
    }

    /// A `$ref`: one type per component. Structs and unions are named before their members are
    /// translated, so a component that contains itself (through an array or a map) refers to its
    /// own name; any other cycle is `JSONValue`.
    private mutating func componentType(_ pointer: JSONPointer, _ context: Context) -> (type: TypeRef, nullable: Bool) {
        guard let target = document.resolve(pointer) else { return (.json, false) }
        if let known = componentTypes[pointer] { return (known, target.isNullable) }
        if inProgress.contains(pointer) { return (.json, true) }
        let componentContext = Context(owner: context.owner, property: pointer.last ?? context.property, title: target.title)
        if target.ref == nil, becomesRecursiveType(target), target.allOf.isEmpty, (target.anyOf + target.oneOf).isEmpty {
            let name = typeName(claim(componentContext.proposedName, alternative: pointer.last.map(SwiftNamer.typeName)))
            componentTypes[pointer] = .named(name)
            reserve(name)
            register(.structure(structDecl(target, name: name, isInput: false)))
            return (.named(name), target.isNullable)
        }
        inProgress.insert(pointer)
        let (type, nullable) = typeRef(target, componentContext)
        inProgress.remove(pointer)
        componentTypes[pointer] = type
        return (type, nullable)
    }

    /// A free simple name: the proposed one, then the alternative, then numbered.
    private mutating func claim(_ proposed: String, alternative: String?) -> String {
        for candidate in [proposed, alternative].compactMap({ $0 }) where !taken.contains(candidate) {
            taken.insert(candidate)
            return candidate
        }
        return SwiftNamer.unique(proposed, in: &taken)
    }

    // MARK: Named types by content

    /// A name no type can have, for a declaration built before its name is chosen.
    private mutating func placeholder() -> TypeName {
        placeholderCount += 1
        return typeName("\u{0}" + String(placeholderCount))
    }

    /// Names a declaration built under `placeholder`: the proposed name, the one already declared
    /// with the same content, the proposed name prefixed with its owner, or a numbered one.
    /// Everything recorded under the placeholder while it was built is renamed with it.
    private mutating func name(_ built: Declaration, placeholder: TypeName, proposed: String, owner: String) -> TypeName {
        var chosen: TypeName?
        for candidate in [proposed, SwiftNamer.ownedTypeName(proposed, owner: owner)] {
            let name = typeName(candidate)
            let renamed = built.mapNames { $0.replacingPrefix(placeholder, with: name) }
            if declarations[name] == renamed {
                chosen = name
                break
            }
            if declarations[name] == nil, !taken.contains(candidate) {
                chosen = name
                register(renamed)
                break
            }
        }
        let name = chosen ?? {
            let fallback = typeName(SwiftNamer.unique(SwiftNamer.ownedTypeName(proposed, owner: owner), in: &taken))
            register(built.mapNames { $0.replacingPrefix(placeholder, with: fallback) })
            return fallback
        }()
        for (pointer, type) in componentTypes where type.namedTypes.contains(where: { $0.hasPrefix(placeholder) }) {
            componentTypes[pointer] = type.mapNames { $0.replacingPrefix(placeholder, with: name) }
        }
        // A component translated inside the declaration that refers back to it (a cycle).
        for (key, declaration) in declarations where declaration.referencedTypes.contains(where: { $0.hasPrefix(placeholder) }) {
            declarations[key] = declaration.mapNames { $0.replacingPrefix(placeholder, with: name) }
        }
        return name
    }

    private mutating func enumType(_ values: [String], _ schema: Schema, _ context: Context, isInteger: Bool = false) -> TypeName {
        let proposed = context.proposedName
        let place = placeholder()
        let decl = Declaration.openEnum(enumDecl(values, schema, name: place, enumName: proposed, isInteger: isInteger))
        return name(decl, placeholder: place, proposed: proposed, owner: context.owner)
    }

    private func enumDecl(_ values: [String], _ schema: Schema, name: TypeName, enumName: String, isInteger: Bool = false) -> EnumDecl {
        var names: Set<String> = []
        var seen: Set<String> = []
        var cases: [EnumCase] = []
        for value in values where seen.insert(value).inserted {
            var caseName = isInteger ? SwiftNamer.integerCaseName(value, enumName: enumName) : SwiftNamer.caseName(value, enumName: enumName)
            if names.contains(caseName) {
                // `gif` and `GIF`: the later one keeps its own capitals before it takes a number.
                caseName = SwiftNamer.caseName(value, enumName: enumName, preservingCase: true)
            }
            cases.append(EnumCase(name: SwiftNamer.unique(caseName, in: &names), rawValue: value))
        }
        return EnumDecl(name: name, doc: DocText.lines(schema.title), cases: cases, isInteger: isInteger)
    }

    private mutating func inlineStruct(_ schema: Schema, _ context: Context) -> TypeName {
        let proposed = context.proposedName
        let place = placeholder()
        let decl = Declaration.structure(structDecl(schema, name: place, isInput: false, ownerName: proposed))
        return name(decl, placeholder: place, proposed: proposed, owner: context.owner)
    }

    private mutating func structDecl(_ schema: Schema, name: TypeName, isInput: Bool, ownerName: String? = nil) -> StructDecl {
        var properties: [PropertyDecl] = []
        var swiftNames: Set<String> = []
        let owner = ownerName ?? name.simpleName
        for property in schema.orderedProperties {
            let context = Context(owner: owner, property: property.name, title: property.schema.title)
            let (type, nullable) = typeRef(property.schema, context)
            let resolved = document.dereference(property.schema)
            let swiftName = SwiftNamer.unique(SwiftNamer.propertyName(property.name), in: &swiftNames)
            let deprecated = property.schema.isDeprecated || resolved.isDeprecated
            let value = property.schema.defaultValue ?? resolved.defaultValue
            let literal = value.flatMap { self.literal($0, type) }
            properties.append(PropertyDecl(
                swiftName: swiftName, wireName: property.name, type: type,
                isOptional: nullable || !schema.isRequired(property.name),
                doc: DocText.lines(property.schema.description ?? resolved.description),
                boundsSummary: constraintSummary(resolved),
                defaultValue: literal,
                unspellableDefault: literal == nil ? value.map { DocText.singleLine($0.description) } : nil,
                checks: checks(for: constraintSource(property.schema), type),
                deprecation: deprecated ? "'\(DocText.singleLine(property.name).backticksAsApostrophes)' is marked deprecated in the API document" : nil))
        }
        // Deprecated properties keep their value under a storage name of their own.
        for index in properties.indices where properties[index].deprecation != nil {
            properties[index].storageName = SwiftNamer.unique(SwiftNamer.deprecatedStorageName(properties[index].swiftName), in: &swiftNames)
        }
        // A title that is only the schema's name (`ImageSize`) says nothing a reader needs.
        let title = schema.title.flatMap { $0.contains(" ") ? $0 : nil }
        return StructDecl(name: name, doc: DocText.lines(schema.description ?? title), isInput: isInput, properties: properties)
    }

    /// The schema that carries a property's bounds (through `anyOf [T, null]` and `allOf [T]`).
    private func constraintSource(_ schema: Schema) -> Schema {
        var schema = document.dereference(schema)
        let members = (schema.anyOf + schema.oneOf).filter { document.dereference($0).types != [.null] }
        if members.count == 1 { schema = document.dereference(members[0]) }
        if schema.allOf.count == 1, schema.properties.isEmpty { schema = document.dereference(schema.allOf[0]) }
        return schema
    }

    /// allOf of objects: one object with every member's properties and requirements.
    private func merged(_ schema: Schema) -> Schema {
        var result = schema
        result.allOf = []
        for member in schema.allOf.map(document.dereference) {
            for property in member.properties where !result.properties.contains(where: { $0.name == property.name }) {
                result.properties.append(property)
            }
            result.required += member.required.filter { !result.required.contains($0) }
            if result.types.isEmpty { result.types = member.types }
            if result.title == nil { result.title = member.title }
        }
        return result
    }

    // MARK: Unions

    private mutating func unionType(_ members: [Schema], _ context: Context) -> TypeRef {
        let resolvedMembers = members.map(document.dereference)
        // anyOf of string enums only: one open enum with every value.
        if resolvedMembers.allSatisfy({ stringEnumValues($0) != nil }) {
            let values = resolvedMembers.flatMap { stringEnumValues($0) ?? [] }
            return .named(enumType(values, resolvedMembers[0], context))
        }
        let proposed = context.proposedName
        let place = placeholder()
        let decl = Declaration.union(unionDecl(members, name: place, proposed: proposed, context))
        return .named(name(decl, placeholder: place, proposed: proposed, owner: context.owner))
    }

    private mutating func unionDecl(_ members: [Schema], name: TypeName, proposed: String, _ context: Context) -> UnionDecl {
        var cases: [UnionCase] = []
        var nested: [Declaration] = []
        var caseNames: Set<String> = []
        var presetValues: [String] = []
        var presetSchema: Schema?
        for member in members {
            let resolved = document.dereference(member)
            if let values = stringEnumValues(resolved) {
                presetValues += values
                presetSchema = presetSchema ?? resolved
                continue
            }
            // A component named like the union itself (`ImageSize` inside `image_size`) is nested
            // as `Custom`, so the union keeps the name users look for.
            if let ref = member.ref, !resolved.properties.isEmpty, componentTypes[ref] == nil,
                SwiftNamer.typeName(resolved.title ?? ref.last ?? "") == proposed
            {
                let nestedName = name.nested(SwiftNamer.unionStructCaseTypeName)
                componentTypes[ref] = .named(nestedName)
                nested.append(.structure(structDecl(resolved, name: nestedName, isInput: false)))
                cases.append(UnionCase(name: SwiftNamer.unique(SwiftNamer.unionStructCaseName, in: &caseNames), type: .named(nestedName), fieldsInitializer: true))
                continue
            }
            let memberContext = Context(owner: context.owner, property: context.property, title: resolved.title)
            let type = typeRef(member, memberContext).type
            cases.append(UnionCase(name: SwiftNamer.unique(SwiftNamer.unionCaseName(for: type), in: &caseNames), type: type))
        }
        if let presetSchema {
            let presetName = name.nested(SwiftNamer.unionPresetTypeName)
            var decl = enumDecl(presetValues, presetSchema, name: presetName, enumName: SwiftNamer.unionPresetTypeName)
            decl.doc = []
            nested.append(.openEnum(decl))
            cases.append(UnionCase(name: SwiftNamer.unique(SwiftNamer.unionPresetCaseName, in: &caseNames), type: .named(presetName)))
        }
        let presetNames = Set(nested.compactMap { if case .openEnum(let decl) = $0 { decl.name } else { nil } })
        cases.sort { decodingRank($0.type, presets: presetNames) < decodingRank($1.type, presets: presetNames) }
        return UnionDecl(name: name, doc: DocText.lines(context.title), cases: cases, nested: nested)
    }

    /// Decoding order: the most specific JSON shapes first, objects (lenient) after, anything last.
    private func decodingRank(_ type: TypeRef, presets: Set<TypeName>) -> Int {
        switch type {
        case .bool: 0
        case .int, .int64: 1
        case .double: 2
        case .named(let name) where presets.contains(name) || isEnum(name): 3
        case .string, .file: 4
        case .array: 5
        case .named: 6
        case .map: 7
        case .json: 8
        }
    }

    private func isEnum(_ name: TypeName) -> Bool {
        if case .openEnum? = declarations[name] { return true }
        return false
    }

    // MARK: Defaults, docs, checks

    private func literal(_ value: SpecValue, _ type: TypeRef) -> Literal? {
        switch (type, value) {
        case (.int, .integer(let number)), (.int64, .integer(let number)): return .integer(number)
        case (.int, .number(let number)), (.int64, .number(let number)):
            return number.rounded() == number && abs(number) < 9e15 ? .integer(Int64(number)) : nil
        case (.double, .integer(let number)): return .double(Double(number))
        case (.double, .number(let number)): return number.isFinite ? .double(number) : nil
        case (.bool, .bool(let flag)): return .bool(flag)
        case (.string, .string(let text)): return .string(text)
        case (.file, .string(let text)): return .fileURL(text)
        case (.named(let name), .integer(let number)):
            guard case .openEnum(let decl)? = declarations[name], decl.isInteger else { return nil }
            return decl.cases.first(where: { $0.rawValue == String(number) }).map { .enumCase($0.name) } ?? .integer(number)
        case (.named(let name), .string(let text)):
            switch declarations[name] {
            case .openEnum(let decl)?:
                return decl.cases.first(where: { $0.rawValue == text }).map { .enumCase($0.name) } ?? .enumRawValue(text)
            case .union(let decl)?:
                for case .openEnum(let preset) in decl.nested {
                    if let match = preset.cases.first(where: { $0.rawValue == text }),
                        let unionCase = decl.cases.first(where: { $0.type == .named(preset.name) })
                    {
                        return .unionCase(unionCase.name, .enumCase(match.name))
                    }
                }
                return nil
            default:
                return nil
            }
        default:
            return nil
        }
    }

    private func constraintSummary(_ schema: Schema) -> [String] {
        var schema = schema
        let members = (schema.anyOf + schema.oneOf).filter { $0.types != [.null] }
        if members.count == 1, members[0].ref == nil { schema = members[0] }
        var parts: [String] = []
        if let value = schema.minimum { parts.append("at least \(SpecValue.format(value))") }
        if let value = schema.exclusiveMinimum { parts.append("greater than \(SpecValue.format(value))") }
        if let value = schema.maximum { parts.append("at most \(SpecValue.format(value))") }
        if let value = schema.exclusiveMaximum { parts.append("less than \(SpecValue.format(value))") }
        if let value = schema.minLength { parts.append("at least \(plural(value, "character"))") }
        if let value = schema.maxLength { parts.append("at most \(plural(value, "character"))") }
        if let value = schema.minItems { parts.append("at least \(plural(value, "item"))") }
        if let value = schema.maxItems { parts.append("at most \(plural(value, "item"))") }
        var sentences: [String] = []
        if !parts.isEmpty {
            let text = parts.joined(separator: ", ")
            sentences.append(text.prefix(1).uppercased() + text.dropFirst() + ".")
        }
        if let pattern = schema.pattern { sentences.append("Matches `\(DocText.singleLine(pattern).backticksAsApostrophes)`.") }
        if let values = schema.enumValues, !values.allSatisfy({ $0.stringValue != nil }) {
            sentences.append("One of: \(values.map(\.description).joined(separator: ", ")).")
        }
        return sentences
    }

    private func checks(for schema: Schema, _ type: TypeRef) -> [Check] {
        switch type {
        case .int, .int64, .double:
            if schema.minimum == nil, schema.exclusiveMinimum == nil, schema.maximum == nil, schema.exclusiveMaximum == nil { return [] }
            return [.number(minimum: schema.minimum, exclusiveMinimum: schema.exclusiveMinimum, maximum: schema.maximum, exclusiveMaximum: schema.exclusiveMaximum)]
        case .string:
            if schema.minLength == nil, schema.maxLength == nil, schema.pattern == nil { return [] }
            return [.string(minLength: schema.minLength, maxLength: schema.maxLength, pattern: schema.pattern)]
        case .array:
            if schema.minItems == nil, schema.maxItems == nil { return [] }
            return [.count(minItems: schema.minItems, maxItems: schema.maxItems)]
        default:
            return []
        }
    }
}

/// The facts about a namespace's declarations that rendering needs, computed once: which types
/// have checks (and so which properties check a nested value). Self-referencing types are handled
/// by iterating to a fixed point, never by recursion.
enum DeclarationFacts {
    static func finish(_ declarations: [Declaration]) -> [Declaration] {
        var all: [TypeName: Declaration] = [:]
        var pending = declarations
        while let declaration = pending.popLast() {
            all[declaration.name] = declaration
            pending += declaration.nested
        }
        var hasChecks: Set<TypeName> = []
        func typeHasChecks(_ type: TypeRef) -> Bool { type.namedTypes.contains(where: hasChecks.contains) }
        var changed = true
        while changed {
            changed = false
            for (name, declaration) in all where !hasChecks.contains(name) {
                switch declaration {
                case .structure(let decl):
                    if decl.properties.contains(where: { !$0.checks.isEmpty || typeHasChecks($0.type) }) {
                        hasChecks.insert(name)
                        changed = true
                    }
                case .union(let decl):
                    if decl.cases.contains(where: { typeHasChecks($0.type) }) {
                        hasChecks.insert(name)
                        changed = true
                    }
                case .openEnum(let decl):
                    // An integer enum reports a value the spec does not list.
                    if decl.isInteger {
                        hasChecks.insert(name)
                        changed = true
                    }
                }
            }
        }
        func finish(_ declaration: Declaration) -> Declaration {
            switch declaration {
            case .structure(var decl):
                for index in decl.properties.indices where typeHasChecks(decl.properties[index].type) {
                    decl.properties[index].checks.append(.nested)
                }
                return .structure(decl)
            case .union(var decl):
                decl.hasChecks = hasChecks.contains(decl.name)
                for index in decl.cases.indices {
                    decl.cases[index].hasChecks = typeHasChecks(decl.cases[index].type)
                }
                decl.nested = decl.nested.map(finish)
                return .union(decl)
            case .openEnum:
                return declaration
            }
        }
        return declarations.map(finish)
    }
}

/// Emits a declaration that several namespaces hold identically once: in the first of them by
/// name, with a `typealias` in the others. Two declarations are identical when they and every
/// declaration they reach are equal, names included, once the namespace is set aside.
///
/// Inputs and outputs are shared too: of 510 image endpoints' outputs, 171 are distinct (docs
/// included), so `FluxDev.Output` is often a `typealias` for one struct that many endpoints
/// return, and the compiler lowers that struct once.
enum SharedDeclarations {
    static func share(_ namespaces: [Namespace]) -> [Namespace] {
        guard namespaces.count > 1 else { return namespaces }
        // The key of a declaration: the whole set it reaches, with namespaces set aside. Each
        // declaration is moved out of its namespace and hashed once, however many keys hold it.
        var hosts: [[Detached]: String] = [:]
        var keys: [[TypeName: [Detached]]] = []
        for namespace in namespaces {
            var byName: [TypeName: Declaration] = [:]
            for declaration in namespace.declarations { byName[declaration.name] = declaration }
            let detached = byName.mapValues { Detached($0.mapNames { $0.moved(to: "") }) }
            var namespaceKeys: [TypeName: [Detached]] = [:]
            for declaration in namespace.declarations {
                var reached: Set<TypeName> = [declaration.name]
                var pending = [declaration]
                while let next = pending.popLast() {
                    for referenced in next.referencedTypes {
                        let top = TypeName(Array(referenced.path.prefix(2)))
                        if reached.insert(top).inserted, let found = byName[top] { pending.append(found) }
                    }
                }
                let key = reached.sorted().compactMap { detached[$0] }
                namespaceKeys[declaration.name] = key
                if hosts[key] == nil { hosts[key] = namespace.name }  // namespaces come sorted by name
            }
            keys.append(namespaceKeys)
        }
        var result = namespaces
        for index in result.indices {
            let namespace = result[index]
            let localNames = Set(namespace.declarations.map(\.name.simpleName))
            var kept: [Declaration] = []
            var aliases: [TypeAlias] = []
            for declaration in namespace.declarations {
                guard let key = keys[index][declaration.name], let host = hosts[key], host != namespace.name,
                    !localNames.contains(host)  // the host's name would be read as the local type
                else {
                    kept.append(declaration)
                    continue
                }
                aliases.append(TypeAlias(name: declaration.name.simpleName, target: declaration.name.moved(to: host)))
            }
            result[index].declarations = kept
            result[index].aliases = aliases
        }
        return result
    }

    /// A declaration with its namespace set aside, and its hash computed once: keys share them.
    struct Detached: Hashable {
        let declaration: Declaration
        let hash: Int

        init(_ declaration: Declaration) {
            self.declaration = declaration
            self.hash = declaration.hashValue
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.hash == rhs.hash && lhs.declaration == rhs.declaration }
    }
}

extension TypeName {
    func hasPrefix(_ prefix: TypeName) -> Bool { path.starts(with: prefix.path) }

    func replacingPrefix(_ prefix: TypeName, with replacement: TypeName) -> TypeName {
        hasPrefix(prefix) ? TypeName(replacement.path + path.dropFirst(prefix.path.count)) : self
    }
}

private func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

extension String {
    /// Backticks, which would end a code span in a doc comment, as apostrophes.
    var backticksAsApostrophes: String { utf8.contains(UInt8(ascii: "`")) ? String(map { $0 == "`" ? "'" : $0 }) : self }
}
