import QueueSpec

/// Spec model → `ModuleModel`: decides every type, name, default and check.
///
/// Endpoints are visited in document order (documents sorted by path), so names are the same on
/// every run. A schema that several endpoints or documents share becomes one type when its
/// translation is identical; a different schema wanting a taken name is prefixed with its owner.
struct Translator {
    private let documents: [SpecDocument]
    private var declarations: [String: Declaration] = [:]
    private var declarationFile: [String: Int] = [:]
    private var declarationOrder: [String] = []
    private var componentTypes: [ComponentKey: TypeRef] = [:]
    /// What each component-type write replaced, while a naming attempt may still be undone.
    private var componentUndo: [(key: ComponentKey, previous: TypeRef?)] = []
    private var namingAttempts = 0
    private var takenNames: Set<String> = []
    private var currentFile = 0
    private var currentEndpointName = ""

    private struct ComponentKey: Hashable {
        var file: String
        var pointer: JSONPointer
    }

    /// Where a schema sits, which names inline types.
    private struct Context {
        var owner: String
        var property: String
        var title: String?
        var document: SpecDocument

        var proposedName: String { SwiftNamer.typeName(title ?? property) }
    }

    init(documents: [SpecDocument]) {
        self.documents = documents.sorted { $0.file < $1.file }
    }

    mutating func translate() -> ModuleModel {
        var files: [FileModel] = []
        var endpointNames: Set<String> = []
        for document in documents {
            for endpoint in document.endpoints {
                currentFile = files.count
                let name = SwiftNamer.unique(SwiftNamer.endpointTypeName(endpoint.id), in: &endpointNames)
                currentEndpointName = name
                let inputName = SwiftNamer.unique(name + "Input", in: &takenNames)
                let outputName = SwiftNamer.unique(name + "Output", in: &takenNames)
                let context = Context(owner: name, property: "input", title: nil, document: document)
                translateRoot(endpoint.input, as: inputName, isInput: true, endpointID: endpoint.id, context)
                var output = TypeRef.json
                if let schema = endpoint.output {
                    let resolved = document.dereference(schema)
                    if resolved.types == [.object] || !resolved.properties.isEmpty {
                        translateRoot(schema, as: outputName, isInput: false, endpointID: endpoint.id, Context(owner: name, property: "output", title: nil, document: document))
                        output = .named(outputName)
                    } else {
                        output = typeRef(resolved, Context(owner: name, property: "output", title: nil, document: document)).type
                    }
                }
                var title = DocText.singleLine(document.title)
                if title.hasPrefix("Queue OpenAPI for ") { title = String(title.dropFirst("Queue OpenAPI for ".count)) }
                if document.endpoints.count > 1 || title.isEmpty { title = DocText.singleLine(endpoint.summary ?? endpoint.id) }
                let endpointDecl = EndpointDecl(
                    id: endpoint.id, memberName: SwiftNamer.propertyName(name).trimmingBackticks, title: title,
                    input: inputName, output: output)
                files.append(FileModel(name: name + ".swift", sources: [document.file], endpoints: [endpointDecl], declarations: []))
            }
        }
        finishChecks()
        for name in declarationOrder {
            guard let declaration = declarations[name], let file = declarationFile[name] else { continue }
            files[file].declarations.append(declaration)
        }
        return ModuleModel(files: files)
    }

    // MARK: Roots

    /// An endpoint's input or output: always a struct of its own, named after the endpoint.
    private mutating func translateRoot(_ schema: Schema, as name: String, isInput: Bool, endpointID: String, _ context: Context) {
        if let ref = schema.ref {
            setComponentType(.named(name), for: ComponentKey(file: context.document.file, pointer: ref))
        }
        let resolved = context.document.dereference(schema)
        reserve(name)  // the root comes before the types its properties add
        var decl = structDecl(resolved, name: name, isInput: isInput, context.document)
        let role = isInput ? "The input" : "The output"
        decl.doc = DocText.lines(resolved.description ?? "\(role) of `\(endpointID.backticksAsApostrophes)`.")
        register(.structure(decl))
    }

    private mutating func reserve(_ name: String) {
        if declarationFile[name] == nil {
            declarationOrder.append(name)
            declarationFile[name] = currentFile
        }
    }

    private mutating func register(_ declaration: Declaration) {
        reserve(declaration.name)
        declarations[declaration.name] = declaration
        takenNames.insert(declaration.name)
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
            schema = merged(schema, context.document)
        }
        let members = schema.anyOf + schema.oneOf
        if !members.isEmpty {
            let nonNull = members.filter { context.document.dereference($0).types != [.null] }
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
            if let values = schema.enumValues, !values.isEmpty, values.allSatisfy({ $0.stringValue != nil }) {
                return (.named(enumType(values.compactMap(\.stringValue), schema, context)), nullable)
            }
            return (.string, nullable)
        case .integer?:
            return (integerType(schema, context), nullable)
        case .number?:
            return (.double, nullable)
        case .boolean?:
            return (.bool, nullable)
        case .array?:
            guard let items = schema.items else { return (.array(.json), nullable) }
            let itemContext = Context(owner: context.owner, property: context.property + " item", title: nil, document: context.document)
            return (.array(typeRef(items, itemContext).type), nullable)
        case .object?:
            if !schema.properties.isEmpty {
                return (.named(inlineStruct(schema, context)), nullable)
            }
            if case .schema(let value) = schema.additionalProperties {
                let valueContext = Context(owner: context.owner, property: context.property + " value", title: nil, document: context.document)
                return (.map(typeRef(value, valueContext).type), nullable)
            }
            return (.map(.json), nullable)
        default:
            return (.json, nullable)
        }
    }

    private func inferredType(_ schema: Schema) -> Schema.JSONType? {
        if !schema.properties.isEmpty || schema.additionalProperties != .unspecified { return .object }
        if schema.items != nil { return .array }
        if let values = schema.enumValues, !values.isEmpty, values.allSatisfy({ $0.stringValue != nil }) { return .string }
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

    /// A `$ref`: a named type once per component (per shape across documents).
    private mutating func componentType(_ pointer: JSONPointer, _ context: Context) -> (type: TypeRef, nullable: Bool) {
        let key = ComponentKey(file: context.document.file, pointer: pointer)
        guard let target = context.document.resolve(pointer) else { return (.json, false) }
        if let known = componentTypes[key] { return (known, target.isNullable) }
        if target.ref != nil { return typeRef(target, context) }
        let componentContext = Context(
            owner: context.owner, property: pointer.last ?? context.property, title: target.title, document: context.document)
        // Only objects, enums and unions become named types; anything else is spelled inline.
        let (type, nullable) = typeRef(target, componentContext)
        setComponentType(type, for: key)
        return (type, nullable)
    }

    // MARK: Named types

    /// Chooses the name for a new declaration: the proposed one, the one already declared with the
    /// same content, or the proposed one prefixed with the endpoint.
    ///
    /// `build` may record component names as it goes (a union nests its `Custom` member); what an
    /// attempt that is not kept recorded is undone.
    private mutating func name(for build: (inout Translator, String) -> Declaration, proposed: String) -> String {
        for candidate in [proposed, currentEndpointName + proposed] {
            let undoMark = componentUndo.count
            namingAttempts += 1
            let declaration = build(&self, candidate)
            namingAttempts -= 1
            if let existing = declarations[candidate], existing == declaration {
                keepComponentTypes()
                return candidate
            }
            if declarations[candidate] == nil, !takenNames.contains(candidate) {
                register(declaration)
                keepComponentTypes()
                return candidate
            }
            while componentUndo.count > undoMark {
                let entry = componentUndo.removeLast()
                componentTypes[entry.key] = entry.previous
            }
        }
        var taken = takenNames
        let fallback = SwiftNamer.unique(currentEndpointName + proposed, in: &taken)
        register(build(&self, fallback))
        return fallback
    }

    /// Records a component's type, remembering what it replaced so a rejected naming attempt can
    /// undo it (copying the whole table per attempt made translation quadratic in the endpoints).
    private mutating func setComponentType(_ type: TypeRef, for key: ComponentKey) {
        let previous = componentTypes.updateValue(type, forKey: key)
        if namingAttempts > 0 { componentUndo.append((key, previous)) }
    }

    /// Forgets the undo entries once no attempt is open; an enclosing attempt keeps them.
    private mutating func keepComponentTypes() {
        if namingAttempts == 0 { componentUndo.removeAll(keepingCapacity: true) }
    }

    private mutating func enumType(_ values: [String], _ schema: Schema, _ context: Context) -> String {
        let decl = enumDecl(values, schema, name: "")
        return name(for: { _, name in var copy = decl; copy.name = name; return .openEnum(copy) }, proposed: context.proposedName)
    }

    private func enumDecl(_ values: [String], _ schema: Schema, name: String) -> EnumDecl {
        var taken: Set<String> = []
        var seen: Set<String> = []
        var cases: [EnumCase] = []
        for value in values where seen.insert(value).inserted {
            cases.append(EnumCase(name: SwiftNamer.unique(SwiftNamer.caseName(value), in: &taken), rawValue: value))
        }
        return EnumDecl(name: name, doc: DocText.lines(schema.title), cases: cases)
    }

    private mutating func inlineStruct(_ schema: Schema, _ context: Context) -> String {
        // Properties are translated once under a placeholder owner so nested names do not depend on
        // the name this struct ends up with.
        let proposed = context.proposedName
        let decl = structDecl(schema, name: proposed, isInput: false, context.document)
        return name(for: { _, name in var copy = decl; copy.name = name; return .structure(copy) }, proposed: proposed)
    }

    private mutating func structDecl(_ schema: Schema, name: String, isInput: Bool, _ document: SpecDocument) -> StructDecl {
        var properties: [PropertyDecl] = []
        var taken: Set<String> = []
        for property in schema.orderedProperties {
            let context = Context(owner: name, property: property.name, title: property.schema.title, document: document)
            let (type, nullable) = typeRef(property.schema, context)
            let resolved = document.dereference(property.schema)
            let swiftName = SwiftNamer.unique(SwiftNamer.propertyName(property.name), in: &taken)
            let defaultValue = property.schema.defaultValue ?? resolved.defaultValue
            let defaultExpression = defaultValue.flatMap { self.defaultExpression($0, type) }
            properties.append(PropertyDecl(
                swiftName: swiftName, wireName: property.name, type: type,
                isOptional: nullable || !schema.isRequired(property.name),
                doc: propertyDoc(property.schema, resolved, defaultExpression: defaultExpression, default: defaultValue),
                defaultExpression: defaultExpression, checks: checks(for: constraintSource(property.schema, document), type)))
        }
        // A title that is only the schema's name (`ImageSize`) says nothing a reader needs.
        let title = schema.title.flatMap { $0.contains(" ") ? $0 : nil }
        return StructDecl(name: name, doc: DocText.lines(schema.description ?? title), isInput: isInput, properties: properties)
    }

    /// The schema that carries a property's bounds (through `anyOf [T, null]` and `allOf [T]`).
    private func constraintSource(_ schema: Schema, _ document: SpecDocument) -> Schema {
        var schema = document.dereference(schema)
        let members = (schema.anyOf + schema.oneOf).filter { document.dereference($0).types != [.null] }
        if members.count == 1 { schema = document.dereference(members[0]) }
        if schema.allOf.count == 1, schema.properties.isEmpty { schema = document.dereference(schema.allOf[0]) }
        return schema
    }

    /// allOf of objects: one object with every member's properties and requirements.
    private func merged(_ schema: Schema, _ document: SpecDocument) -> Schema {
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
        let document = context.document
        let resolvedMembers = members.map(document.dereference)
        // anyOf of string enums only: one open enum with every value.
        if resolvedMembers.allSatisfy({ $0.enumValues?.allSatisfy({ $0.stringValue != nil }) == true }) {
            let values = resolvedMembers.flatMap { $0.enumValues!.compactMap(\.stringValue) }
            return .named(enumType(values, resolvedMembers[0], context))
        }
        let name = name(for: { .union($0.unionDecl(members, name: $1, context)) }, proposed: context.proposedName)
        return .named(name)
    }

    private mutating func unionDecl(_ members: [Schema], name: String, _ context: Context) -> UnionDecl {
        let document = context.document
        var cases: [UnionCase] = []
        var nested: [Declaration] = []
        var caseNames: Set<String> = []
        var presetValues: [String] = []
        var presetSchema: Schema?
        for member in members {
            let resolved = document.dereference(member)
            if let values = resolved.enumValues, !values.isEmpty, values.allSatisfy({ $0.stringValue != nil }) {
                presetValues += values.compactMap(\.stringValue)
                presetSchema = presetSchema ?? resolved
                continue
            }
            // A component named like the union itself (`ImageSize` inside `image_size`) is nested
            // as `Custom`, so the union keeps the name users look for.
            if let ref = member.ref, SwiftNamer.typeName(resolved.title ?? ref.last ?? "") == name.split(separator: ".").last.map(String.init) ?? name,
                !resolved.properties.isEmpty
            {
                let nestedName = name + ".Custom"
                let key = ComponentKey(file: document.file, pointer: ref)
                if componentTypes[key] == nil || componentTypes[key] == .named(nestedName) {
                    setComponentType(.named(nestedName), for: key)
                    nested.append(.structure(structDecl(resolved, name: nestedName, isInput: false, document)))
                    cases.append(UnionCase(name: SwiftNamer.unique("custom", in: &caseNames), type: .named(nestedName)))
                    continue
                }
            }
            let memberContext = Context(owner: context.owner, property: context.property, title: resolved.title, document: document)
            let type = typeRef(member, memberContext).type
            cases.append(UnionCase(name: SwiftNamer.unique(caseName(for: type), in: &caseNames), type: type))
        }
        if let presetSchema {
            let presetName = name + ".Preset"
            var decl = enumDecl(presetValues, presetSchema, name: presetName)
            decl.doc = []
            nested.append(.openEnum(decl))
            cases.append(UnionCase(name: SwiftNamer.unique("preset", in: &caseNames), type: .named(presetName)))
        }
        cases.sort { decodingRank($0.type) < decodingRank($1.type) }
        return UnionDecl(name: name, doc: DocText.lines(context.title), cases: cases, nested: nested)
    }

    private func caseName(for type: TypeRef) -> String {
        switch type {
        case .string: "string"
        case .int, .int64: "integer"
        case .double: "number"
        case .bool: "bool"
        case .json: "json"
        case .file: "file"
        case .array: "array"
        case .map: "object"
        case .named(let name): SwiftNamer.propertyName(String(name.split(separator: ".").last ?? "")).trimmingBackticks
        }
    }

    /// Decoding order: the most specific JSON shapes first, objects (lenient) after, anything last.
    private func decodingRank(_ type: TypeRef) -> Int {
        switch type {
        case .bool: 0
        case .int, .int64: 1
        case .double: 2
        case .named(let name) where declarations[name].map({ if case .openEnum = $0 { true } else { false } }) ?? name.hasSuffix(".Preset"): 3
        case .string, .file: 4
        case .array: 5
        case .named: 6
        case .map: 7
        case .json: 8
        }
    }

    // MARK: Defaults, docs, checks

    private func defaultExpression(_ value: SpecValue, _ type: TypeRef) -> String? {
        switch (type, value) {
        case (.int, .integer(let number)), (.int64, .integer(let number)): return String(number)
        case (.int, .number(let number)), (.int64, .number(let number)):
            return number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : nil
        case (.double, .integer(let number)): return String(number)
        case (.double, .number(let number)): return number.isFinite ? String(number) : nil
        case (.bool, .bool(let flag)): return flag ? "true" : "false"
        case (.string, .string(let text)): return DocText.literal(text)
        case (.file, .string(let text)): return ".url(\(DocText.literal(text)))"
        case (.named(let name), .string(let text)):
            if case .openEnum(let decl)? = declarations[name] {
                return decl.cases.first(where: { $0.rawValue == text }).map { ".\(SwiftNamer.escaped($0.name))" }
                    ?? ".init(rawValue: \(DocText.literal(text)))"
            }
            if case .union(let decl)? = declarations[name] {
                for nestedDecl in decl.nested {
                    if case .openEnum(let preset) = nestedDecl, let match = preset.cases.first(where: { $0.rawValue == text }),
                        let unionCase = decl.cases.first(where: { $0.type == .named(preset.name) })
                    {
                        return ".\(unionCase.name)(.\(SwiftNamer.escaped(match.name)))"
                    }
                }
            }
            return nil
        default:
            return nil
        }
    }

    private func propertyDoc(_ schema: Schema, _ resolved: Schema, defaultExpression: String?, default value: SpecValue?) -> [String] {
        var lines = DocText.lines(schema.description ?? resolved.description)
        let bounds = constraintSummary(resolved)
        var summary = bounds
        if let defaultExpression {
            summary.append("Default: `\(DocText.singleLine(defaultExpression).backticksAsApostrophes)`.")
        } else if let value {
            summary.append("Default: `\(DocText.singleLine(value.description).backticksAsApostrophes)`.")
        }
        if !summary.isEmpty {
            if !lines.isEmpty { lines.append("") }
            lines.append(summary.joined(separator: " "))
        }
        return lines
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
        func argument(_ label: String, _ value: Double?) -> Check.Argument? {
            value.map { Check.Argument(label: label, value: SpecValue.format($0)) }
        }
        func argument(_ label: String, _ value: Int?) -> Check.Argument? {
            value.map { Check.Argument(label: label, value: String($0)) }
        }
        var result: [Check] = []
        switch type {
        case .int, .int64, .double:
            let arguments = [
                argument("minimum", schema.minimum), argument("exclusiveMinimum", schema.exclusiveMinimum),
                argument("maximum", schema.maximum), argument("exclusiveMaximum", schema.exclusiveMaximum),
            ].compactMap { $0 }
            if !arguments.isEmpty { result.append(Check(method: "number", arguments: arguments)) }
        case .string:
            var arguments = [argument("minLength", schema.minLength), argument("maxLength", schema.maxLength)].compactMap { $0 }
            if let pattern = schema.pattern { arguments.append(.init(label: "pattern", value: DocText.literal(pattern))) }
            if !arguments.isEmpty { result.append(Check(method: "string", arguments: arguments)) }
        case .array:
            let arguments = [argument("minItems", schema.minItems), argument("maxItems", schema.maxItems)].compactMap { $0 }
            if !arguments.isEmpty { result.append(Check(method: "count", arguments: arguments)) }
        default:
            break
        }
        return result
    }

    /// Adds `nested` checks where a property's type has checks of its own, now that every type is known.
    private mutating func finishChecks() {
        var checked: Set<String> = []
        func typeHasChecks(_ type: TypeRef) -> Bool {
            switch type {
            case .named(let name): checked.contains(name)
            case .array(let element): typeHasChecks(element)
            case .map(let value): typeHasChecks(value)
            default: false
            }
        }
        var all: [Declaration] = declarationOrder.compactMap { declarations[$0] }
        for declaration in all { if case .union(let union) = declaration { all += union.nested } }
        var changed = true
        while changed {
            changed = false
            for declaration in all where !checked.contains(declaration.name) {
                let hasChecks: Bool
                switch declaration {
                case .structure(let decl): hasChecks = decl.properties.contains { !$0.checks.isEmpty || typeHasChecks($0.type) }
                case .union(let decl): hasChecks = decl.cases.contains { typeHasChecks($0.type) }
                case .openEnum: hasChecks = false
                }
                if hasChecks {
                    checked.insert(declaration.name)
                    changed = true
                }
            }
        }
        func finish(_ decl: StructDecl) -> StructDecl {
            var decl = decl
            for index in decl.properties.indices where typeHasChecks(decl.properties[index].type) {
                decl.properties[index].checks.append(Check(method: "nested", arguments: []))
            }
            return decl
        }
        for name in declarationOrder {
            switch declarations[name] {
            case .structure(let decl)?: declarations[name] = .structure(finish(decl))
            case .union(var decl)?:
                decl.nested = decl.nested.map { if case .structure(let inner) = $0 { .structure(finish(inner)) } else { $0 } }
                declarations[name] = .union(decl)
            default: break
            }
        }
    }
}

private func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}

extension String {
    var trimmingBackticks: String { utf8.contains(UInt8(ascii: "`")) ? String(filter { $0 != "`" }) : self }
    /// Backticks, which would end a code span in a doc comment, as apostrophes.
    var backticksAsApostrophes: String { utf8.contains(UInt8(ascii: "`")) ? String(map { $0 == "`" ? "'" : $0 }) : self }
}
