/// A string enum that keeps values it does not know.
///
/// Services add values faster than clients are regenerated, so a generated enum is a struct that
/// wraps its raw value, with one static member per value the spec lists (`OutputFormat.jpeg`):
/// decoding never fails on a new value, encoding writes back exactly what was read, and `switch`
/// matches the known values (with a `default:` for the rest). This is Soto's shape for such enums,
/// and it compiles far faster than an enum with an `unknown(String)` case and two switches.
public protocol OpenStringEnum: RawRepresentable, QueueModel, Hashable, CaseIterable, CustomStringConvertible
where RawValue == String, AllCases == [Self] {
    /// The value for `rawValue`, known or not.
    init(rawValue: String)
}

extension OpenStringEnum {
    /// Decodes any string, known or not.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the raw value exactly as it was read or given.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The raw value.
    public var description: String { rawValue }

    /// Whether this is one of the values the spec listed.
    public var isKnown: Bool { Self.allCases.contains(self) }

    /// Equal when the raw values are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the raw value.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
