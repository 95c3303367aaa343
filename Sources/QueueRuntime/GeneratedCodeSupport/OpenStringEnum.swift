/// A string enum that keeps values it does not know.
///
/// Services add values; a generated enum conforms to this protocol and has an `unknown(String)`
/// case, so decoding never fails on a new value and encoding writes back exactly what was read.
public protocol OpenStringEnum: RawRepresentable, QueueModel, CaseIterable, CustomStringConvertible
where RawValue == String {
    /// Makes the known case for `rawValue`, or `unknown(rawValue)`.
    init(rawValue: String)
}

extension OpenStringEnum {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Whether this is one of the values the spec listed.
    public var isKnown: Bool { Self.allCases.contains(self) }
}
