/// An integer enum that keeps values it does not know: `rank` of a trainer (8, 16, 32, 64, 128),
/// a `sample_rate`, a video's `duration` in seconds.
///
/// Like `OpenStringEnum`, a struct that wraps its raw value, with one static member per value
/// the spec lists (`.rank32`); it is also an integer literal, so `rank: 32` reads as it would for
/// an `Int`. Decoding never fails on a value the service adds later, but `validate()` reports a
/// value the spec does not list (`rank must be one of 8, 16, 32, 64, 128 (found 10)`), as the
/// service would answer with a 422.
public protocol OpenIntegerEnum: RawRepresentable, QueueModel, Hashable, CaseIterable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
where RawValue == Int, AllCases == [Self], IntegerLiteralType == Int {
    /// The value for `rawValue`, known or not.
    init(rawValue: Int)
}

extension OpenIntegerEnum {
    /// An integer literal, known or not (`validate()` reports one the spec does not list).
    public init(integerLiteral value: Int) { self.init(rawValue: value) }

    /// Decodes any integer, known or not.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(Int.self))
    }

    /// Encodes the raw value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The raw value in decimal.
    public var description: String { String(rawValue) }

    /// Whether this is one of the values the spec listed.
    public var isKnown: Bool { Self.allCases.contains(self) }

    /// Equal when the raw values are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the raw value.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// A `oneOf` issue when the value is not one the spec lists.
    public func validate(at path: [String]) -> [ValidationIssue] {
        if isKnown { return [] }
        return [ValidationIssue(path: path, constraint: .oneOf(Self.allCases.map(\.rawValue)), found: String(rawValue))]
    }
}
