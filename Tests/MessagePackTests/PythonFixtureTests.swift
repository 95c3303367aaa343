import Foundation
import MessagePack
import Testing

/// Values Python's `msgpack` encoded (Fixtures/make_fixture.py, run once, output committed):
/// each decodes to the value the fixture describes and encodes back to the same bytes.
@Suite struct PythonFixtureTests {
    struct Case {
        let name: String
        let bytes: Data
        let value: MessagePackValue
        let timestamp: (seconds: Int64, nanoseconds: UInt32)?
    }

    static func loadCases() throws -> [Case] {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let json = try Data(contentsOf: folder.appendingPathComponent("python-msgpack.json"))
        let all = try Data(contentsOf: folder.appendingPathComponent("python-msgpack.bin"))
        let root = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        return try cases.map { entry in
            let offset = try #require(entry["offset"] as? Int)
            let length = try #require(entry["length"] as? Int)
            var timestamp: (Int64, UInt32)?
            let tagged = try #require(entry["value"] as? [String: Any])
            if let parts = tagged["timestamp"] as? [String] {
                timestamp = (try #require(Int64(parts[0])), try #require(UInt32(parts[1])))
            }
            return Case(
                name: try #require(entry["name"] as? String),
                bytes: all.subdata(in: offset..<(offset + length)),
                value: try value(tagged),
                timestamp: timestamp
            )
        }
    }

    struct FixtureFormatError: Error {
        let tag: String
        init(tag: Any) { self.tag = String(describing: tag) }
    }

    static func hexBytes(_ text: String) throws -> Data {
        var data = Data()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { throw FixtureFormatError(tag: text) }
            data.append(byte)
            index = next
        }
        return data
    }

    static func value(_ tag: Any) throws -> MessagePackValue {
        guard let tagged = tag as? [String: Any] else { throw FixtureFormatError(tag: tag) }
        if tagged.keys.contains("nil") { return .nil }
        if let flag = tagged["bool"] as? Bool { return .bool(flag) }
        if let text = tagged["uint"] as? String, let number = UInt64(text) { return .uint(number) }
        if let text = tagged["int"] as? String, let number = Int64(text) { return .int(number) }
        if let bits = tagged["f32"] as? String, let pattern = UInt32(bits, radix: 16) { return .float32(Float(bitPattern: pattern)) }
        if let bits = tagged["f64"] as? String, let pattern = UInt64(bits, radix: 16) { return .float64(Double(bitPattern: pattern)) }
        if let text = tagged["str"] as? String { return .string(text) }
        if let hex = tagged["bin"] as? String { return .binary(try hexBytes(hex)) }
        if let repeated = tagged["str_repeat"] as? [Any], let unit = repeated[0] as? String, let count = repeated[1] as? Int {
            return .string(String(repeating: unit, count: count))
        }
        if let repeated = tagged["bin_repeat"] as? [Any], let unit = repeated[0] as? String, let count = repeated[1] as? Int {
            let bytes = try hexBytes(unit)
            return .binary(Data((0..<count).flatMap { _ in bytes }))
        }
        if let elements = tagged["array"] as? [Any] { return .array(try elements.map(value)) }
        if let pairs = tagged["map"] as? [[Any]] { return .map(try pairs.map { (try value($0[0]), try value($0[1])) }) }
        if let ext = tagged["ext"] as? [Any], let type = ext[0] as? Int, let hex = ext[1] as? String {
            return .ext(type: Int8(type), data: try hexBytes(hex))
        }
        throw FixtureFormatError(tag: tag)
    }

    @Test func everyPythonValueDecodesAndReencodesToTheSameBytes() throws {
        let cases = try Self.loadCases()
        #expect(cases.count >= 80)
        for fixture in cases {
            let decoded = try MessagePackReader.value(from: fixture.bytes)
            #expect(decoded == fixture.value, "\(fixture.name)")
            let reencoded = try MessagePackWriter.bytes(of: fixture.value)
            #expect(reencoded == fixture.bytes, "\(fixture.name)")
            if let timestamp = fixture.timestamp {
                #expect(decoded.timestamp?.seconds == timestamp.seconds, "\(fixture.name)")
                #expect(decoded.timestamp?.nanoseconds == timestamp.nanoseconds, "\(fixture.name)")
                #expect(MessagePackValue.timestamp(seconds: timestamp.seconds, nanoseconds: timestamp.nanoseconds) == decoded)
            }
        }
    }

    @Test func fixtureCoversEveryFormatByte() throws {
        // Each format family's first byte appears at the start of some case, so the check above
        // exercises all of them (0xc1 is reserved, tested in the unit tests).
        let heads = Set(try Self.loadCases().compactMap { $0.bytes.first })
        let required: [UInt8] = [
            0x00, 0x80, 0x90, 0xa0, 0xc0, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
            0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xde, 0xe0,
        ]
        #expect(required.filter { !heads.contains($0) } == [])
    }
}
