/// A generated struct whose JSON form, decoding, equality and validation come from one table of
/// its fields.
///
/// Generated structs declare `wireFields` (each stored property's wire name, key path and bounds,
/// in declaration order) instead of an `init(from:)`, an `encode(to:)`, an `==` and a
/// `validate(at:)` of their own. Those, written out per model, were most of the code the compiler
/// had to lower for a generated module: a call, an error branch and a copy for every field of every
/// model, several times over. A table is mostly constant data (the key paths are patterns the
/// compiler emits as data), and the one implementation here walks it. The behaviour is that of
/// the code it replaces: required fields must be present and not `null`; optional ones read as
/// `nil` when missing or `null` and are left out when `nil`; errors are `DecodingError`s with the
/// coding path a synthesized `Decodable` gives; `validate(at:)` reports each field's broken bounds,
/// then its value's own issues, field by field.
public protocol WireModel: QueueModel {
    /// Every stored property of the type, in declaration order, with its name on the wire.
    ///
    /// Decoding initializes the type's storage field by field from this table, so it lists every
    /// stored property exactly once; `queuegen` writes it that way.
    static var wireFields: [WireField<Self>] { get }
}

extension WireModel {
    public init(from decoder: any Decoder) throws {
        self = try WireTable.decode(Self.self, Self.wireFields, from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKey.self)
        for field in Self.wireFields {
            try WireTable.encode(field.valueType, field, of: self, into: &container)
        }
    }

    /// Equal when every field is.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        Self.wireFields.allSatisfy { WireTable.equal(field: $0, $0.valueType, lhs, rhs) }
    }

    /// Every bound a field breaks (`nil` fields pass), and every issue of the fields' own values
    /// (nested models, arrays and maps of them), with paths in wire names below `path`.
    public func validate(at path: [String]) -> [ValidationIssue] {
        Self.wireFields.flatMap { WireTable.issues(field: $0, $0.valueType, of: self, at: path) }
    }
}

/// One stored property of a generated struct: `.required("image_url", \.imageURL)`.
///
/// `@unchecked Sendable`: the key path names a stored property and captures nothing, so sharing
/// it between tasks is safe although `PartialKeyPath` does not say so.
public struct WireField<Model>: @unchecked Sendable {
    /// The JSON object key.
    public let name: StaticString
    /// Whether the field may be missing (or `null`) on the wire; its Swift type is then `Value?`.
    public let isOptional: Bool
    /// The schema's bounds on the value: `.minimum`…`.exclusiveMaximum` on a number, `.minLength`,
    /// `.maxLength` and `.pattern` on a string, `.minItems` and `.maxItems` on an array.
    public let checks: [ValidationIssue.Constraint]
    let keyPath: PartialKeyPath<Model>
    /// The field's type, `Value` of `Value?` for an optional field.
    let valueType: any QueueModel.Type

    /// A field that is always present: missing or `null` fails decoding.
    public static func required<Value: QueueModel>(
        _ name: StaticString, _ keyPath: KeyPath<Model, Value>, _ checks: [ValidationIssue.Constraint] = []
    ) -> Self {
        Self(name: name, isOptional: false, checks: checks, keyPath: keyPath, valueType: Value.self)
    }

    /// A field that may be left out: missing and `null` read as `nil`, and `nil` is not written.
    public static func optional<Value: QueueModel>(
        _ name: StaticString, _ keyPath: KeyPath<Model, Value?>, _ checks: [ValidationIssue.Constraint] = []
    ) -> Self {
        Self(name: name, isOptional: true, checks: checks, keyPath: keyPath, valueType: Value.self)
    }

    var key: WireKey { WireKey(name.description) }
}

/// The table walks behind `WireModel`; each step opens the field's value type to call the typed
/// `Codable` and `Equatable` members.
enum WireTable {
    static func decode<Model>(_ type: Model.Type, _ fields: [WireField<Model>], from decoder: any Decoder) throws -> Model {
        let container = try decoder.container(keyedBy: WireKey.self)
        let storage = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<Model>.size, alignment: MemoryLayout<Model>.alignment)
        defer { storage.deallocate() }
        let offsets = fields.map { field in
            guard let offset = MemoryLayout<Model>.offset(of: field.keyPath) else {
                preconditionFailure("\(Model.self).wireFields: \(field.name) is not a stored property")
            }
            return offset
        }
        var initialized = 0
        do {
            for (field, offset) in zip(fields, offsets) {
                try initialize(field.valueType, field, at: storage + offset, from: container)
                initialized += 1
            }
        } catch {
            for (field, offset) in zip(fields, offsets).prefix(initialized) {
                deinitialize(field.valueType, field, at: storage + offset)
            }
            throw error
        }
        return storage.assumingMemoryBound(to: Model.self).move()
    }

    private static func initialize<Model, Value: QueueModel>(
        _ type: Value.Type, _ field: WireField<Model>, at address: UnsafeMutableRawPointer,
        from container: KeyedDecodingContainer<WireKey>
    ) throws {
        if field.isOptional {
            let value = try container.decodeIfPresent(Value.self, forKey: field.key)
            address.initializeMemory(as: Value?.self, to: value)
        } else {
            let value = try container.decode(Value.self, forKey: field.key)
            address.initializeMemory(as: Value.self, to: value)
        }
    }

    private static func deinitialize<Model, Value: QueueModel>(
        _ type: Value.Type, _ field: WireField<Model>, at address: UnsafeMutableRawPointer
    ) {
        if field.isOptional {
            address.assumingMemoryBound(to: Value?.self).deinitialize(count: 1)
        } else {
            address.assumingMemoryBound(to: Value.self).deinitialize(count: 1)
        }
    }

    static func encode<Model, Value: QueueModel>(
        _ type: Value.Type, _ field: WireField<Model>, of model: Model, into container: inout KeyedEncodingContainer<WireKey>
    ) throws {
        if field.isOptional {
            try container.encodeIfPresent(model[keyPath: field.keyPath as! KeyPath<Model, Value?>], forKey: field.key)
        } else {
            try container.encode(model[keyPath: field.keyPath as! KeyPath<Model, Value>], forKey: field.key)
        }
    }

    static func issues<Model, Value: QueueModel>(
        field: WireField<Model>, _ type: Value.Type, of model: Model, at path: [String]
    ) -> [ValidationIssue] {
        let value: Value?
        if field.isOptional {
            value = model[keyPath: field.keyPath as! KeyPath<Model, Value?>]
        } else {
            value = model[keyPath: field.keyPath as! KeyPath<Model, Value>]
        }
        guard let value else { return [] }
        let fieldPath = path + [field.name.description]
        var issues = field.checks.compactMap { constraint in
            Bounds.broken(constraint, by: value).map { ValidationIssue(path: fieldPath, constraint: constraint, found: $0) }
        }
        issues += value.validate(at: fieldPath)
        return issues
    }

    static func equal<Model, Value: QueueModel>(field: WireField<Model>, _ type: Value.Type, _ lhs: Model, _ rhs: Model) -> Bool {
        if field.isOptional {
            let keyPath = field.keyPath as! KeyPath<Model, Value?>
            return lhs[keyPath: keyPath] == rhs[keyPath: keyPath]
        }
        let keyPath = field.keyPath as! KeyPath<Model, Value>
        return lhs[keyPath: keyPath] == rhs[keyPath: keyPath]
    }
}
