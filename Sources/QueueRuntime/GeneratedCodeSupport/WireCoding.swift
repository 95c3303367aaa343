/// The coding key of a generated model: the field's name on the wire.
///
/// Generated models spell their wire names as string literals in `init(from:)` and `encode(to:)`
/// instead of declaring a `CodingKeys` enum each: a synthesized `CodingKeys` costs about twenty
/// functions per model (switches, `Hashable`, descriptions), which dominated the compile time of
/// large generated modules.
public struct WireKey: CodingKey, Sendable {
    public let stringValue: String
    public var intValue: Int? { nil }

    public init(_ name: String) { self.stringValue = name }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

/// Reads a generated model's fields from a keyed container: `try wire.required("image_url")`.
///
/// One generic method per kind of field, so each call in generated code type-checks without an
/// overload search; the errors are `DecodingError`s with the same coding paths as synthesized
/// `Decodable`.
public struct WireDecoder {
    @usableFromInline let container: KeyedDecodingContainer<WireKey>

    @inlinable public init(_ decoder: any Decoder) throws {
        self.container = try decoder.container(keyedBy: WireKey.self)
    }

    /// A required field: missing or `null` is an error.
    @inlinable public func required<Value: Decodable>(_ name: String) throws -> Value {
        try container.decode(Value.self, forKey: WireKey(name))
    }

    /// An optional field: missing and `null` both read as `nil`.
    @inlinable public func optional<Value: Decodable>(_ name: String) throws -> Value? {
        try container.decodeIfPresent(Value.self, forKey: WireKey(name))
    }
}

/// Writes a generated model's fields to a keyed container: `try wire.required(self.seed, "seed")`.
public struct WireEncoder {
    @usableFromInline var container: KeyedEncodingContainer<WireKey>

    @inlinable public init(_ encoder: any Encoder) {
        self.container = encoder.container(keyedBy: WireKey.self)
    }

    /// A required field: always written.
    @inlinable public mutating func required<Value: Encodable>(_ value: Value, _ name: String) throws {
        try container.encode(value, forKey: WireKey(name))
    }

    /// An optional field: written when set, left out when `nil`.
    @inlinable public mutating func optional<Value: Encodable>(_ value: Value?, _ name: String) throws {
        try container.encodeIfPresent(value, forKey: WireKey(name))
    }
}
