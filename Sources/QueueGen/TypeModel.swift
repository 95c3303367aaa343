/// The Swift the generator will write, as plain values: the boundary between translation (spec →
/// types, every name decided by `SwiftNamer`) and rendering (types → text). It holds no Swift
/// source: names are identifiers (unescaped), literals, checks and type references are values, and
/// the facts the renderer needs ("holds files", "has checks") are computed once, here.
public struct ModuleModel: Hashable, Sendable {
    /// One namespace per endpoint, sorted by name: each is rendered as its own file.
    public var namespaces: [Namespace]

    public init(namespaces: [Namespace]) {
        self.namespaces = namespaces
    }
}

/// The top-level `enum` that holds one endpoint's types (`Flux1SchnellRedux.Input`).
///
/// Every name inside depends only on the endpoint's document and id. A type that several
/// endpoints of the module declare identically is declared once, in the first of those namespaces
/// by name, and the others name it with a `typealias`.
public struct Namespace: Hashable, Sendable {
    /// The namespace's Swift name (`Flux1SchnellRedux`), also the generated file's base name.
    public var name: String
    /// The documents the endpoint was generated from, as named to the generator.
    public var sources: [String]
    public var endpoint: EndpointDecl
    /// Types declared in another namespace that this endpoint names as its own.
    public var aliases: [TypeAlias]
    /// Types declared here, in the order the document introduces them.
    public var declarations: [Declaration]
}

/// A Swift type's full name from the module's top level: `["Flux1SchnellRedux", "ImageSize", "Custom"]`.
public struct TypeName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var path: [String]

    public init(_ path: [String]) {
        self.path = path
    }

    /// The last component, as the declaration spells its own name.
    public var simpleName: String { path.last ?? "" }
    /// The namespace (first component).
    public var namespace: String { path.first ?? "" }

    /// A type nested in this one.
    public func nested(_ name: String) -> TypeName { TypeName(path + [name]) }

    /// The same path under another namespace (the first component replaced).
    func moved(to namespace: String) -> TypeName {
        var copy = self
        if !copy.path.isEmpty { copy.path[0] = namespace }
        return copy
    }

    public var description: String { path.joined(separator: ".") }

    public static func < (lhs: TypeName, rhs: TypeName) -> Bool { lhs.path.lexicographicallyPrecedes(rhs.path) }
}

/// A Swift type reference.
public indirect enum TypeRef: Hashable, Sendable {
    case string, int, int64, double, bool, json, file
    /// A generated type.
    case named(TypeName)
    case array(TypeRef)
    case map(TypeRef)

    /// Every generated type this reference names.
    var namedTypes: [TypeName] {
        switch self {
        case .named(let name): [name]
        case .array(let element): element.namedTypes
        case .map(let value): value.namedTypes
        default: []
        }
    }

    /// The same reference with every generated type name passed through `transform`.
    func mapNames(_ transform: (TypeName) -> TypeName) -> TypeRef {
        switch self {
        case .named(let name): .named(transform(name))
        case .array(let element): .array(element.mapNames(transform))
        case .map(let value): .map(value.mapNames(transform))
        default: self
        }
    }
}

/// `public typealias Image = FluxDev.Image`.
public struct TypeAlias: Hashable, Sendable {
    public var name: String
    public var target: TypeName
}

/// A generated declaration.
public enum Declaration: Hashable, Sendable {
    case structure(StructDecl)
    case openEnum(EnumDecl)
    case union(UnionDecl)

    /// The declared type's full name.
    public var name: TypeName {
        switch self {
        case .structure(let decl): decl.name
        case .openEnum(let decl): decl.name
        case .union(let decl): decl.name
        }
    }

    /// Types nested in this declaration (a union's `Custom` and `Preset`).
    public var nested: [Declaration] {
        if case .union(let decl) = self { return decl.nested }
        return []
    }

    /// Every generated type this declaration's members name.
    var referencedTypes: [TypeName] {
        switch self {
        case .structure(let decl): decl.properties.flatMap(\.type.namedTypes)
        case .openEnum: []
        case .union(let decl): decl.cases.flatMap(\.type.namedTypes) + decl.nested.flatMap(\.referencedTypes)
        }
    }

    /// The same declaration with every type name in it (its own included) passed through `transform`.
    func mapNames(_ transform: (TypeName) -> TypeName) -> Declaration {
        switch self {
        case .structure(var decl):
            decl.name = transform(decl.name)
            for index in decl.properties.indices {
                decl.properties[index].type = decl.properties[index].type.mapNames(transform)
            }
            return .structure(decl)
        case .openEnum(var decl):
            decl.name = transform(decl.name)
            return .openEnum(decl)
        case .union(var decl):
            decl.name = transform(decl.name)
            for index in decl.cases.indices { decl.cases[index].type = decl.cases[index].type.mapNames(transform) }
            decl.nested = decl.nested.map { $0.mapNames(transform) }
            return .union(decl)
        }
    }
}

/// `public static var flux1SchnellRedux: Self` on `QueueEndpoint`.
public struct EndpointDecl: Hashable, Sendable {
    public var id: String
    public var memberName: String
    public var title: String
    public var input: TypeName
    public var output: TypeRef
    /// The document marks the endpoint's submit operation deprecated: the message of the
    /// descriptor's `@available` attribute.
    public var deprecation: String? = nil
}

/// A struct with stored properties, a memberwise initialiser, coding, `Defaults` and `validate`.
public struct StructDecl: Hashable, Sendable {
    public var name: TypeName
    public var doc: [String]
    public var isInput: Bool
    public var properties: [PropertyDecl]
}

/// One stored property.
public struct PropertyDecl: Hashable, Sendable {
    /// The Swift name, unescaped (the renderer adds backticks where a keyword needs them).
    public var swiftName: String
    public var wireName: String
    public var type: TypeRef
    /// Optional in Swift: not required, or nullable.
    public var isOptional: Bool
    /// The description, as doc lines.
    public var doc: [String]
    /// The bounds in words (`At least 1, at most 12.`), for the doc comment.
    public var boundsSummary: [String] = []
    /// The default, when Swift can spell it in `type`.
    public var defaultValue: Literal?
    /// The default as the document wrote it, when Swift cannot spell it in `type`.
    public var unspellableDefault: String?
    /// Bounds to check in `validate`.
    public var checks: [Check]
    /// The document marks the property deprecated: the message of its `@available` attribute.
    public var deprecation: String?
    /// Where a deprecated property's value is stored, so the generated code's own uses of it
    /// (initialiser, coding, validation) raise no warning; `nil` when it is stored under its name.
    public var storageName: String?

    /// The name the generated code reads and writes.
    public var storedName: String { storageName ?? swiftName }
}

/// A constant a default takes.
public indirect enum Literal: Hashable, Sendable {
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case string(String)
    /// `FileInput.url(…)`.
    case fileURL(String)
    /// A case of the property's open enum, by its Swift name.
    case enumCase(String)
    /// A raw value the enum has no case for.
    case enumRawValue(String)
    /// A union case wrapping a value: `.preset(.landscape4x3)`.
    case unionCase(String, Literal)
}

/// A bound `validate` checks, as one `Validator` call.
public enum Check: Hashable, Sendable {
    case number(minimum: Double?, exclusiveMinimum: Double?, maximum: Double?, exclusiveMaximum: Double?)
    case string(minLength: Int?, maxLength: Int?, pattern: String?)
    case count(minItems: Int?, maxItems: Int?)
    /// The value's own `validate`.
    case nested
}

/// An open enum: of strings (`OpenStringEnum`) or of integers (`OpenIntegerEnum`).
public struct EnumDecl: Hashable, Sendable {
    public var name: TypeName
    public var doc: [String]
    /// Swift case name and raw value (an integer's decimal text for an integer enum), in schema order.
    public var cases: [EnumCase]
    /// The raw values are integers.
    public var isInteger = false
}

public struct EnumCase: Hashable, Sendable {
    public var name: String
    public var rawValue: String
}

/// An `anyOf` / `oneOf` as an enum with one case per member shape.
public struct UnionDecl: Hashable, Sendable {
    public var name: TypeName
    public var doc: [String]
    /// In decoding order: the first case whose type decodes wins.
    public var cases: [UnionCase]
    /// Types nested in the union (`ImageSize.Custom`, `ImageSize.Preset`).
    public var nested: [Declaration]
    /// Some case's value has checks of its own.
    public var hasChecks = false
}

public struct UnionCase: Hashable, Sendable {
    public var name: String
    public var type: TypeRef
    /// The case's value is a nested struct: a `static func` builds the case from its fields.
    public var fieldsInitializer = false
    /// The value's type has checks: `validate` forwards to it.
    public var hasChecks = false
}
