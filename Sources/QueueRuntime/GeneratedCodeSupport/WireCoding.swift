/// The coding key of a generated model: the field's name on the wire.
///
/// Generated models name their fields by wire name in `wireFields` instead of declaring a
/// `CodingKeys` enum each: a synthesized `CodingKeys` costs about twenty functions per model
/// (switches, `Hashable`, descriptions), which dominated the compile time of large generated modules.
public struct WireKey: CodingKey, Sendable {
    public let stringValue: String
    public var intValue: Int? { nil }

    public init(_ name: String) { self.stringValue = name }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}
