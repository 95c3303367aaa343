import QueueGen
import QueueSpec

/// The Swift property name the generator gives a JSON property. The one place the diff asks the
/// generator about names, so that a change of naming scheme is followed here by changing one line.
func swiftPropertyName(_ jsonName: String) -> String {
    SwiftNamer.propertyName(jsonName)
}

/// Compares two versions of a set of specs endpoint by endpoint, at the level of the generated
/// Swift API and of the wire, and classifies every change (`ChangeKind`, `ChangeClass`).
public enum SpecDiff {
    /// Every change from `old` to `new`, endpoints paired by id and sorted by id; within an
    /// endpoint in the order the walk meets them (input before output, document order).
    public static func compare(old: [SpecDocument], new: [SpecDocument]) -> [SpecChange] {
        let oldEndpoints = index(old)
        let newEndpoints = index(new)
        var changes: [SpecChange] = []
        for id in Set(oldEndpoints.keys).union(newEndpoints.keys).sorted() {
            switch (oldEndpoints[id], newEndpoints[id]) {
            case (let before?, nil):
                changes.append(SpecChange(
                    endpoint: id, kind: .endpointRemoved, subject: "",
                    message: "endpoint removed: code that calls it stops compiling after regeneration",
                    old: site(before.endpoint), new: nil))
            case (nil, let after?):
                changes.append(SpecChange(
                    endpoint: id, kind: .endpointAdded, subject: "", message: "new endpoint", old: nil, new: site(after.endpoint)))
            case (let before?, let after?):
                var walker = Walker(endpoint: id, oldDocument: before.document, newDocument: after.document)
                walker.compareEndpoints(before.endpoint, after.endpoint)
                changes += walker.changes
            case (nil, nil):
                break
            }
        }
        return changes
    }

    /// Endpoints by id; when two documents declare the same id, the first one wins (as in the generator).
    static func index(_ documents: [SpecDocument]) -> [String: (endpoint: Endpoint, document: SpecDocument)] {
        var result: [String: (endpoint: Endpoint, document: SpecDocument)] = [:]
        for document in documents {
            for endpoint in document.endpoints where result[endpoint.id] == nil {
                result[endpoint.id] = (endpoint, document)
            }
        }
        return result
    }

    static func site(_ endpoint: Endpoint) -> SpecChange.Site {
        SpecChange.Site(pointer: endpoint.pointer, location: endpoint.location)
    }
}

/// Which way a schema travels: a changed input breaks callers, a changed output breaks readers.
enum Direction {
    case input, output
}

/// A schema as the generated Swift sees it: `$ref`s followed, `anyOf [T, null]` read as a
/// nullable `T`, a one-member `allOf` read as its member; annotations written beside a `$ref`
/// win over the target's.
struct SchemaView {
    /// The schema as written where it is used: its pointer and location are the change's site.
    var site: Schema
    /// The schema with the content.
    var content: Schema
    var isNullable: Bool
    var description: String?
    var title: String?
    var defaultValue: SpecValue?
    var isDeprecated: Bool
    /// The non-null members of a union of two or more.
    var members: [Schema]

    init(_ schema: Schema, in document: SpecDocument) {
        site = schema
        description = schema.description
        title = schema.title
        defaultValue = schema.defaultValue
        isDeprecated = schema.isDeprecated
        isNullable = schema.isNullable
        members = []
        var current = schema
        // Bounded: each step goes one level down a finite document.
        for _ in 0..<32 {
            let target = document.dereference(current)
            description = description ?? target.description
            title = title ?? target.title
            defaultValue = defaultValue ?? target.defaultValue
            isDeprecated = isDeprecated || target.isDeprecated
            isNullable = isNullable || target.isNullable
            current = target
            if current.allOf.count == 1, current.properties.isEmpty, current.types.isEmpty {
                current = current.allOf[0]
                continue
            }
            let union = current.anyOf.isEmpty ? current.oneOf : current.anyOf
            guard !union.isEmpty else { break }
            let nonNull = union.filter { document.dereference($0).types != [.null] }
            if nonNull.count < union.count { isNullable = true }
            if nonNull.count == 1 {
                current = nonNull[0]
                continue
            }
            members = nonNull
            break
        }
        content = current
    }

    /// What the generated Swift type is, broadly: a change between two of these is a type change.
    var shape: String {
        if !members.isEmpty { return "union" }
        if let values = content.enumValues ?? content.constValue.map({ [$0] }) {
            return "enum of " + Self.valueType(values)
        }
        if content.types.contains(.object) || !content.properties.isEmpty { return "object" }
        if content.types.contains(.array) || content.items != nil { return "array" }
        if content.types.isEmpty { return "any" }
        return content.types.map(\.rawValue).joined(separator: " or ")
    }

    static func valueType(_ values: [SpecValue]) -> String {
        let kinds = Set(values.map { value -> String in
            switch value {
            case .string: "string"
            case .integer: "integer"
            case .number: "number"
            case .bool: "boolean"
            default: "value"
            }
        })
        return kinds.count == 1 ? kinds.first! : "value"
    }

    /// A short description of the type for messages.
    func typeDescription(in document: SpecDocument) -> String {
        if !members.isEmpty {
            return "one of (" + members.map { SchemaView($0, in: document).branchLabel }.joined(separator: ", ") + ")"
        }
        if shape == "array", let items = content.items {
            return "array of " + SchemaView(items, in: document).typeDescription(in: document)
        }
        return shape
    }

    /// How a union branch is told apart from its siblings: its type's name, else its shape.
    var branchLabel: String {
        if let ref = site.ref?.last ?? title { return ref }
        return shape
    }

    /// The same label, independent of what a `$ref` target is called: for pairing branches
    /// across versions (a component renamed `Image` → `ImageType2` is the same branch).
    var branchKey: String {
        title ?? shape
    }
}

struct Walker {
    let endpoint: String
    let oldDocument: SpecDocument
    let newDocument: SpecDocument
    var changes: [SpecChange] = []
    /// Pairs of schemas whose structure has been compared (a `$ref` target used in several
    /// places is compared once; a recursive type does not recurse forever).
    var compared: Set<[JSONPointer]> = []

    init(endpoint: String, oldDocument: SpecDocument, newDocument: SpecDocument) {
        self.endpoint = endpoint
        self.oldDocument = oldDocument
        self.newDocument = newDocument
    }

    mutating func record(_ kind: ChangeKind, _ subject: String, _ message: String, old: Schema?, new: Schema?) {
        changes.append(SpecChange(
            endpoint: endpoint, kind: kind, subject: subject, message: message,
            old: old.map { SpecChange.Site(pointer: $0.pointer, location: $0.location) },
            new: new.map { SpecChange.Site(pointer: $0.pointer, location: $0.location) }))
    }

    mutating func compareEndpoints(_ old: Endpoint, _ new: Endpoint) {
        if new.isDeprecated, !old.isDeprecated {
            changes.append(SpecChange(
                endpoint: endpoint, kind: .endpointDeprecated, subject: "", message: "endpoint now marked deprecated",
                old: SpecDiff.site(old), new: SpecDiff.site(new)))
        }
        compare(old.input, new.input, .input, "input")
        if let oldOutput = old.output, let newOutput = new.output {
            compare(oldOutput, newOutput, .output, "output")
        }
    }

    /// Compares one schema in both versions: annotations at the use site, then the structure.
    mutating func compare(_ oldSchema: Schema, _ newSchema: Schema, _ direction: Direction, _ subject: String) {
        let old = SchemaView(oldSchema, in: oldDocument)
        let new = SchemaView(newSchema, in: newDocument)
        let what = subject.contains(".") ? "'\(subject)'" : subject

        if new.isDeprecated, !old.isDeprecated {
            record(.fieldDeprecated, subject, "\(what) now marked deprecated", old: oldSchema, new: newSchema)
        } else if old.isDeprecated, !new.isDeprecated {
            record(.deprecationRemoved, subject, "\(what) no longer marked deprecated", old: oldSchema, new: newSchema)
        }
        if old.title != new.title {
            record(.docChanged, subject, "\(what): title \(Self.quoted(old.title)) → \(Self.quoted(new.title))", old: oldSchema, new: newSchema)
        } else if old.description != new.description {
            record(.docChanged, subject, "\(what): description changed", old: oldSchema, new: newSchema)
        }
        if old.defaultValue != new.defaultValue {
            switch (old.defaultValue, new.defaultValue, direction) {
            case (nil, let value?, _):
                record(.defaultAdded, subject, "\(what): default \(value) now documented", old: oldSchema, new: newSchema)
            case (_, _, .output):
                record(.docChanged, subject, "\(what): documented default \(Self.text(old.defaultValue)) → \(Self.text(new.defaultValue))",
                       old: oldSchema, new: newSchema)
            default:
                record(.defaultChanged, subject,
                       "\(what): default \(Self.text(old.defaultValue)) → \(Self.text(new.defaultValue)); a request that omits it now means something else",
                       old: oldSchema, new: newSchema)
            }
        }

        let pair = [old.content.pointer, new.content.pointer]
        if oldSchema.ref != nil || newSchema.ref != nil {
            guard compared.insert(pair).inserted else { return }
        }

        let oldShape = old.shape
        let newShape = new.shape
        if oldShape != newShape {
            // An enum of strings and a plain string are different Swift types; so are Int and Double.
            record(.typeChanged, subject,
                   "\(what): type changed from \(old.typeDescription(in: oldDocument)) to \(new.typeDescription(in: newDocument))",
                   old: oldSchema, new: newSchema)
            return
        }
        switch oldShape {
        case "union": compareUnions(old, new, direction, subject)
        case "object": compareObjects(old, new, direction, subject)
        case "array":
            compareBounds(old, new, subject)
            if let oldItems = old.content.items, let newItems = new.content.items {
                compare(oldItems, newItems, direction, subject + "[]")
            }
        default:
            if oldShape.hasPrefix("enum") { compareEnums(old, new, subject) }
            compareBounds(old, new, subject)
        }
    }

    // MARK: Objects

    mutating func compareObjects(_ old: SchemaView, _ new: SchemaView, _ direction: Direction, _ subject: String) {
        let oldProperties = old.content.properties
        let newProperties = new.content.properties
        let oldNames = Set(oldProperties.map(\.name))
        let newNames = Set(newProperties.map(\.name))
        var removed = oldProperties.filter { !newNames.contains($0.name) }
        var added = newProperties.filter { !oldNames.contains($0.name) }

        // A rename: one removed and one added field with the same signature, and no other
        // candidate either way.
        for candidate in removed {
            let signature = self.signature(candidate, in: old.content, oldDocument)
            let matches = added.filter { self.signature($0, in: new.content, newDocument) == signature }
            let rivals = removed.filter { self.signature($0, in: old.content, oldDocument) == signature }
            guard matches.count == 1, rivals.count == 1, let match = matches.first else { continue }
            removed.removeAll { $0.name == candidate.name }
            added.removeAll { $0.name == match.name }
            let oldSwift = swiftPropertyName(candidate.name)
            let newSwift = swiftPropertyName(match.name)
            let path = subject + "." + match.name
            if oldSwift == newSwift {
                record(.fieldRenamedOnWire, path,
                       "'\(subject).\(candidate.name)' renamed to '\(match.name)' on the wire; the Swift name stays `\(newSwift)`, so old generated code compiles and sends a key the service no longer reads",
                       old: candidate.schema, new: match.schema)
            } else {
                record(.fieldRenamed, path,
                       "'\(subject).\(candidate.name)' renamed to '\(match.name)' (Swift `\(oldSwift)` → `\(newSwift)`)",
                       old: candidate.schema, new: match.schema)
            }
        }

        for property in removed {
            let path = subject + "." + property.name
            let swift = swiftPropertyName(property.name)
            switch direction {
            case .input:
                record(.fieldRemoved, path,
                       "input field '\(property.name)' removed: code that sets `\(swift)` stops compiling after regeneration, and the service no longer reads it",
                       old: property.schema, new: new.content)
            case .output:
                record(.outputFieldRemoved, path,
                       "output field '\(property.name)' removed: results no longer carry it (`\(swift)` goes away on regeneration)",
                       old: property.schema, new: new.content)
            }
        }
        for property in added {
            let path = subject + "." + property.name
            let swift = swiftPropertyName(property.name)
            switch direction {
            case .input where new.content.isRequired(property.name):
                record(.requiredFieldAdded, path,
                       "new required input field '\(property.name)': every call must now pass `\(swift)`",
                       old: old.content, new: property.schema)
            case .input:
                record(.optionalFieldAdded, path, "new optional input field '\(property.name)' (`\(swift)`)",
                       old: old.content, new: property.schema)
            case .output:
                record(.outputFieldAdded, path, "new output field '\(property.name)' (`\(swift)`)",
                       old: old.content, new: property.schema)
            }
        }

        for newProperty in newProperties {
            guard let oldProperty = oldProperties.first(where: { $0.name == newProperty.name }) else { continue }
            let path = subject + "." + newProperty.name
            let name = newProperty.name
            switch direction {
            case .input:
                let wasRequired = old.content.isRequired(name)
                let isRequired = new.content.isRequired(name)
                if isRequired, !wasRequired {
                    record(.fieldBecameRequired, path,
                           "input field '\(name)' became required: every call must now pass `\(swiftPropertyName(name))`",
                           old: oldProperty.schema, new: newProperty.schema)
                } else if wasRequired, !isRequired {
                    record(.fieldBecameOptional, path, "input field '\(name)' is no longer required",
                           old: oldProperty.schema, new: newProperty.schema)
                }
            case .output:
                let wasOptional = !old.content.isRequired(name) || SchemaView(oldProperty.schema, in: oldDocument).isNullable
                let isOptional = !new.content.isRequired(name) || SchemaView(newProperty.schema, in: newDocument).isNullable
                if isOptional, !wasOptional {
                    record(.outputFieldMadeOptional, path,
                           "output field '\(name)' may now be missing or null: clients that expect it fail to decode",
                           old: oldProperty.schema, new: newProperty.schema)
                } else if wasOptional, !isOptional {
                    record(.outputFieldMadeRequired, path, "output field '\(name)' is now always present",
                           old: oldProperty.schema, new: newProperty.schema)
                }
            }
            compare(oldProperty.schema, newProperty.schema, direction, path)
        }
    }

    /// What must match for a removed and an added field to be read as one field renamed: type,
    /// default, enum values, requiredness and description (two unrelated fields of one type are
    /// a removal and an addition, not a rename).
    func signature(_ property: Schema.Property, in object: Schema, _ document: SpecDocument) -> String {
        let view = SchemaView(property.schema, in: document)
        return [
            view.typeDescription(in: document), Self.text(view.defaultValue), view.description ?? "",
            view.content.enumValues.map { $0.map(\.description).joined(separator: ",") } ?? "",
            object.isRequired(property.name) ? "required" : "optional",
        ].joined(separator: "|")
    }

    // MARK: Enums and unions

    mutating func compareEnums(_ old: SchemaView, _ new: SchemaView, _ subject: String) {
        let oldValues = old.content.enumValues ?? old.content.constValue.map { [$0] } ?? []
        let newValues = new.content.enumValues ?? new.content.constValue.map { [$0] } ?? []
        for value in oldValues where !newValues.contains(value) {
            record(.enumValueRemoved, subject, "'\(subject)': enum value \(value)\(Self.caseNote(value, enumName: SwiftNamer.typeName(old.content.title ?? subject))) removed",
                   old: old.site, new: new.site)
        }
        for value in newValues where !oldValues.contains(value) {
            record(.enumValueAdded, subject, "'\(subject)': new enum value \(value)\(Self.caseNote(value, enumName: SwiftNamer.typeName(new.content.title ?? subject)))",
                   old: old.site, new: new.site)
        }
    }

    static func caseNote(_ value: SpecValue, enumName: String) -> String {
        if case .string(let text) = value { return " (`.\(SwiftNamer.caseName(text, enumName: enumName))`)" }
        return ""
    }

    mutating func compareUnions(_ old: SchemaView, _ new: SchemaView, _ direction: Direction, _ subject: String) {
        let oldBranches = old.members.map { SchemaView($0, in: oldDocument) }
        let newBranches = new.members.map { SchemaView($0, in: newDocument) }
        for branch in oldBranches {
            if let match = newBranches.first(where: { $0.branchKey == branch.branchKey }) {
                compare(branch.site, match.site, direction, subject)
            } else {
                record(.unionBranchRemoved, subject, "'\(subject)': union branch \(branch.branchLabel) removed",
                       old: branch.site, new: new.site)
            }
        }
        for branch in newBranches where !oldBranches.contains(where: { $0.branchKey == branch.branchKey }) {
            record(.unionBranchAdded, subject, "'\(subject)': new union branch \(branch.branchLabel)",
                   old: old.site, new: branch.site)
        }
    }

    // MARK: Bounds

    /// A lower or upper bound: its value and whether it is exclusive.
    struct Bound {
        var value: Double
        var exclusive: Bool
    }

    mutating func compareBounds(_ old: SchemaView, _ new: SchemaView, _ subject: String) {
        let a = old.content
        let b = new.content
        func bound(_ inclusive: Double?, _ exclusive: Double?) -> Bound? {
            if let exclusive { return Bound(value: exclusive, exclusive: true) }
            return inclusive.map { Bound(value: $0, exclusive: false) }
        }
        compareBound("minimum", bound(a.minimum, a.exclusiveMinimum), bound(b.minimum, b.exclusiveMinimum), lower: true, old, new, subject)
        compareBound("maximum", bound(a.maximum, a.exclusiveMaximum), bound(b.maximum, b.exclusiveMaximum), lower: false, old, new, subject)
        let counts: [(String, Int?, Int?, Bool)] = [
            ("minLength", a.minLength, b.minLength, true), ("maxLength", a.maxLength, b.maxLength, false),
            ("minItems", a.minItems, b.minItems, true), ("maxItems", a.maxItems, b.maxItems, false),
        ]
        for (name, before, after, lower) in counts {
            compareBound(name, before.map { Bound(value: Double($0), exclusive: false) },
                         after.map { Bound(value: Double($0), exclusive: false) }, lower: lower, old, new, subject)
        }
        if a.pattern != b.pattern {
            let tightened = b.pattern != nil
            record(tightened ? .boundTightened : .boundLoosened, subject,
                   "'\(subject)': pattern \(a.pattern.map { "'\($0)'" } ?? "none") → \(b.pattern.map { "'\($0)'" } ?? "none")",
                   old: old.site, new: new.site)
        }
    }

    mutating func compareBound(
        _ name: String, _ before: Bound?, _ after: Bound?, lower: Bool, _ old: SchemaView, _ new: SchemaView, _ subject: String
    ) {
        let tightened: Bool
        switch (before, after) {
        case (nil, nil): return
        case (nil, _?): tightened = true
        case (_?, nil): tightened = false
        case (let before?, let after?):
            if before.value == after.value && before.exclusive == after.exclusive { return }
            if before.value == after.value {
                tightened = after.exclusive
            } else {
                tightened = lower ? after.value > before.value : after.value < before.value
            }
        }
        func text(_ bound: Bound?) -> String {
            guard let bound else { return "none" }
            return (bound.exclusive ? "exclusive " : "") + SpecValue.format(bound.value)
        }
        record(tightened ? .boundTightened : .boundLoosened, subject,
               "'\(subject)': \(name) \(text(before)) → \(text(after))\(tightened ? ": values accepted before are now rejected" : "")",
               old: old.site, new: new.site)
    }

    static func quoted(_ text: String?) -> String {
        text.map { "'\($0)'" } ?? "none"
    }

    static func text(_ value: SpecValue?) -> String {
        value.map(\.description) ?? "none"
    }
}
