import Foundation
import MessagePack
import Testing

/// `MessagePackEncoder` and `MessagePackDecoder` between Codable models and bytes.
@Suite struct CodableTests {
    /// Shaped as the generator writes models: string-keyed, optional fields, an open enum.
    struct Input: Codable, Equatable {
        var prompt: String
        var seed: Int64?
        var strength: Double
        var scale: Float
        var image: Data
        var tags: [String]
        var size: Size
        var format: Format
        var extra: [String: Int]
        var created: Date
        var link: URL
        var big: UInt64

        enum CodingKeys: String, CodingKey {
            case prompt, seed, strength, scale, image, tags, size, format, extra, created, link
            case big = "big_number"
        }
    }

    struct Size: Codable, Equatable { var width: Int; var height: Int8 }

    /// An open enum, as generated: a single-value string that keeps what it does not know.
    struct Format: Codable, Equatable, RawRepresentable {
        var rawValue: String
        init(rawValue: String) { self.rawValue = rawValue }
        init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    static let sample = Input(
        prompt: "a cat", seed: nil, strength: 0.75, scale: 1.5, image: Data([0x89, 0x50, 0x4e, 0x47]),
        tags: ["a", "b"], size: Size(width: 512, height: -3), format: Format(rawValue: "png"), extra: ["k": -40_000],
        created: Date(timeIntervalSince1970: 1_700_000_000.25), link: URL(string: "https://example.com/a.png")!,
        big: UInt64.max
    )

    @Test func modelRoundTripsWithWireTypesChosenPerSwiftType() throws {
        let bytes = try MessagePackEncoder().encode(Self.sample)
        let value = try MessagePackReader.value(from: bytes)
        guard case .map(let pairs) = value else {
            Issue.record("not a map: \(value)")
            return
        }
        let fields = Dictionary(uniqueKeysWithValues: pairs.map { (String(describing: $0.key), $0.value) })
        #expect(pairs.first?.key == .string("prompt"))
        #expect(fields["string(\"image\")"] == .binary(Data([0x89, 0x50, 0x4e, 0x47])))
        #expect(fields["string(\"scale\")"] == .float32(1.5))
        #expect(fields["string(\"strength\")"] == .float64(0.75))
        #expect(fields["string(\"format\")"] == .string("png"))
        #expect(fields["string(\"big_number\")"] == .uint(.max))
        #expect(fields["string(\"seed\")"] == nil)  // encodeIfPresent leaves out nil
        #expect(fields["string(\"created\")"]?.timestamp?.seconds == 1_700_000_000)
        #expect(try MessagePackDecoder().decode(Input.self, from: bytes) == Self.sample)
    }

    @Test func integersAndFloatsConvertOnlyWhenExact() throws {
        let decoder = MessagePackDecoder()
        #expect(try decoder.decode(Int8.self, from: MessagePackValue.int(-128)) == -128)
        #expect(try decoder.decode(Double.self, from: MessagePackValue.uint(3)) == 3)
        #expect(try decoder.decode(Int.self, from: MessagePackValue.float64(2)) == 2)
        #expect(throws: DecodingError.self) { try decoder.decode(Int8.self, from: MessagePackValue.int(-129)) }
        #expect(throws: DecodingError.self) { try decoder.decode(UInt.self, from: MessagePackValue.int(-1)) }
        #expect(throws: DecodingError.self) { try decoder.decode(Int.self, from: MessagePackValue.float64(2.5)) }
        #expect(throws: DecodingError.self) { try decoder.decode(Float.self, from: MessagePackValue.float64(1e300)) }
        #expect(throws: DecodingError.self) { try decoder.decode(String.self, from: MessagePackValue.binary(Data("x".utf8))) }
        #expect(throws: DecodingError.self) { try decoder.decode(Data.self, from: MessagePackValue.string("x")) }
    }

    @Test func nonStringMapKeyIsRefusedWithThePathAndTheKeyKind() throws {
        struct Outer: Codable { var inner: [String: Int] }
        let value = MessagePackValue.map([(.string("inner"), .map([(.uint(1), .uint(2))]))])
        do {
            _ = try MessagePackDecoder().decode(Outer.self, from: value)
            Issue.record("decoded a map with an integer key")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.contains("the map at .inner has a key that is an integer, not a str"))
        }
    }

    @Test func missingKeyAndTypeMismatchNameThePath() throws {
        let value = MessagePackValue.map([(.string("width"), .uint(1)), (.string("height"), .string("tall"))])
        do {
            _ = try MessagePackDecoder().decode(Size.self, from: value)
            Issue.record("decoded a str as Int8")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.debugDescription.contains("at .height, found a str"))
        }
        #expect(throws: DecodingError.self) {
            try MessagePackDecoder().decode(Size.self, from: MessagePackValue.map([(.string("width"), .uint(1))]))
        }
    }

    @Test func anyValueDecodesThroughSingleValueProbing() throws {
        /// Probes as the runtime's JSONValue does: nil, Bool, Int64, Double, String, array, map.
        indirect enum AnyValue: Codable, Equatable {
            case null, bool(Bool), int(Int64), double(Double), string(String), array([AnyValue]), object([String: AnyValue])
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if container.decodeNil() { self = .null }
                else if let value = try? container.decode(Bool.self) { self = .bool(value) }
                else if let value = try? container.decode(Int64.self) { self = .int(value) }
                else if let value = try? container.decode(Double.self) { self = .double(value) }
                else if let value = try? container.decode(String.self) { self = .string(value) }
                else if let value = try? container.decode([AnyValue].self) { self = .array(value) }
                else { self = .object(try container.decode([String: AnyValue].self)) }
            }
        }
        let value = MessagePackValue.map([
            (.string("a"), .array([.nil, .bool(true), .int(-5), .float32(0.5), .string("s")])), (.string("b"), .map([])),
        ])
        let decoded = try MessagePackDecoder().decode(AnyValue.self, from: value)
        #expect(decoded == .object(["a": .array([.null, .bool(true), .int(-5), .double(0.5), .string("s")]), "b": .object([:])]))
    }

    @Test func encodedModelsMatchTheWriterForNestedContainersAndArrays() throws {
        struct Wrapper: Encodable {
            func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: StringKey.self)
                var list = keyed.nestedUnkeyedContainer(forKey: StringKey("list"))
                try list.encode(1)
                var inner = list.nestedContainer(keyedBy: StringKey.self)
                try inner.encode("x", forKey: StringKey("y"))
                try keyed.encode(true, forKey: StringKey("flag"))
                try keyed.encode(false, forKey: StringKey("flag"))  // the last write wins, in the first place
            }
        }
        let expected = MessagePackValue.map([
            (.string("list"), .array([.uint(1), .map([(.string("y"), .string("x"))])])), (.string("flag"), .bool(false)),
        ])
        #expect(try MessagePackEncoder().encodeValue(Wrapper()) == expected)
    }

    struct StringKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ value: String) { stringValue = value }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
