/// The Swift the generator will write, as plain values: the boundary between translation (spec →
/// types, every name decided) and rendering (types → text). Tests can stop here and compare.
public struct ModuleModel: Hashable, Sendable {
    /// One file per endpoint, in a stable order.
    public var files: [FileModel]
}

/// The declarations of one generated file.
public struct FileModel: Hashable, Sendable {
    /// The file name, `FluxSchnellRedux.swift`.
    public var name: String
    /// The documents this file was generated from, as named to the generator.
    public var sources: [String]
    public var endpoints: [EndpointDecl]
    public var declarations: [Declaration]
}

/// A Swift type reference.
public indirect enum TypeRef: Hashable, Sendable {
    case string, int, int64, double, bool, json, file
    /// A generated type, by its (possibly qualified) Swift name.
    case named(String)
    case array(TypeRef)
    case map(TypeRef)

    /// How the type is spelled in Swift.
    public var swift: String {
        switch self {
        case .string: "String"
        case .int: "Int"
        case .int64: "Int64"
        case .double: "Double"
        case .bool: "Bool"
        case .json: "JSONValue"
        case .file: "FileInput"
        case .named(let name): name
        case .array(let element): "[\(element.swift)]"
        case .map(let value): "[String: \(value.swift)]"
        }
    }
}

/// A generated declaration.
public enum Declaration: Hashable, Sendable {
    case structure(StructDecl)
    case openEnum(EnumDecl)
    case union(UnionDecl)

    /// The declared (possibly qualified) Swift name.
    public var name: String {
        switch self {
        case .structure(let decl): decl.name
        case .openEnum(let decl): decl.name
        case .union(let decl): decl.name
        }
    }
}

/// `public static var fluxSchnellRedux: Self` on `QueueEndpoint`.
public struct EndpointDecl: Hashable, Sendable {
    public var id: String
    public var memberName: String
    public var title: String
    public var input: String
    public var output: TypeRef
}

/// A struct with stored properties, a memberwise initialiser, `CodingKeys`, `Defaults` and `validate`.
public struct StructDecl: Hashable, Sendable {
    public var name: String
    public var doc: [String]
    public var isInput: Bool
    public var properties: [PropertyDecl]
}

/// One stored property.
public struct PropertyDecl: Hashable, Sendable {
    public var swiftName: String
    public var wireName: String
    public var type: TypeRef
    /// Optional in Swift: not required, or nullable.
    public var isOptional: Bool
    public var doc: [String]
    /// The default as a Swift expression of `type`, when the schema has one Swift can spell.
    public var defaultExpression: String?
    /// Bounds to check, as `Validator` calls.
    public var checks: [Check]
}

/// A `Validator` call for one property: `validator.number(steps, "num_inference_steps", minimum: 1)`.
public struct Check: Hashable, Sendable {
    /// `number`, `string`, `count` or `nested`.
    public var method: String
    /// Labelled arguments after the value and key, as Swift literals.
    public var arguments: [Argument]

    public struct Argument: Hashable, Sendable {
        public var label: String
        public var value: String
    }
}

/// An open string enum.
public struct EnumDecl: Hashable, Sendable {
    public var name: String
    public var doc: [String]
    /// Swift case name and raw value, in schema order.
    public var cases: [EnumCase]
}

public struct EnumCase: Hashable, Sendable {
    public var name: String
    public var rawValue: String
}

/// An `anyOf` / `oneOf` as an enum with one case per member shape.
public struct UnionDecl: Hashable, Sendable {
    public var name: String
    public var doc: [String]
    /// In decoding order: the first case whose type decodes wins.
    public var cases: [UnionCase]
    /// Types nested in the union (`ImageSize.Custom`, `ImageSize.Preset`).
    public var nested: [Declaration]
}

public struct UnionCase: Hashable, Sendable {
    public var name: String
    public var type: TypeRef
}
