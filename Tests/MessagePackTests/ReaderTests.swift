import Foundation
import MessagePack
import Testing

/// The byte layer: every malformed input is an error with an offset, and limits hold.
@Suite struct ReaderTests {
    func bytes(_ list: [UInt8]) -> Data { Data(list) }

    @Test func malformedInputsAreErrorsWithOffsets() throws {
        #expect(throws: MessagePackError.reservedByte(offset: 1)) { try MessagePackReader.value(from: self.bytes([0x91, 0xc1])) }
        #expect(throws: MessagePackError.truncated(offset: 0)) { try MessagePackReader.value(from: self.bytes([0xcd, 0x01])) }
        #expect(throws: MessagePackError.truncated(offset: 0)) { try MessagePackReader.value(from: self.bytes([])) }
        #expect(throws: MessagePackError.trailingBytes(offset: 1)) { try MessagePackReader.value(from: self.bytes([0xc0, 0xc0])) }
        #expect(throws: MessagePackError.invalidUTF8(offset: 0)) { try MessagePackReader.value(from: self.bytes([0xa2, 0xc3, 0x28])) }
        // A str8 claiming 200 bytes with 2 present.
        #expect(throws: MessagePackError.truncated(offset: 0)) { try MessagePackReader.value(from: self.bytes([0xd9, 200, 0x61, 0x62])) }
    }

    @Test func forgedCountsDoNotAllocateWhatTheFrameDoesNotHold() throws {
        // array32 and map32 claiming a million elements in a few bytes: refused before any reserve.
        #expect(throws: MessagePackError.truncated(offset: 0)) {
            try MessagePackReader.value(from: self.bytes([0xdd, 0x00, 0x0f, 0x42, 0x40]))
        }
        #expect(throws: MessagePackError.truncated(offset: 0)) {
            try MessagePackReader.value(from: self.bytes([0xdf, 0x00, 0x0f, 0x42, 0x40, 0xc0]))
        }
        // Four billion is over the container limit before anything else.
        #expect(throws: MessagePackError.limitExceeded(limit: "container count", offset: 0)) {
            try MessagePackReader.value(from: self.bytes([0xdd, 0xff, 0xff, 0xff, 0xff]))
        }
        #expect(throws: MessagePackError.limitExceeded(limit: "byte length", offset: 0)) {
            try MessagePackReader.value(from: self.bytes([0xc6, 0xff, 0xff, 0xff, 0xff]))
        }
    }

    @Test func depthAndSizeLimitsHold() throws {
        let deep = Data(repeating: 0x91, count: 10_000) + Data([0xc0])
        #expect(throws: MessagePackError.limitExceeded(limit: "depth 64", offset: 64)) { try MessagePackReader.value(from: deep) }
        let limits = MessagePackLimits(maximumDepth: 4, maximumByteLength: 3, maximumContainerCount: 2)
        #expect(throws: MessagePackError.limitExceeded(limit: "byte length", offset: 0)) {
            try MessagePackReader.value(from: self.bytes([0xa4, 0x61, 0x61, 0x61, 0x61]), limits: limits)
        }
        #expect(throws: MessagePackError.limitExceeded(limit: "container count", offset: 0)) {
            try MessagePackReader.value(from: self.bytes([0x93, 0xc0, 0xc0, 0xc0]), limits: limits)
        }
        #expect(try MessagePackReader.value(from: self.bytes([0x91, 0x91, 0x91, 0x91, 0xc0]), limits: limits) != .nil)
        #expect(throws: MessagePackError.self) {
            try MessagePackReader.value(from: self.bytes([0x91, 0x91, 0x91, 0x91, 0x91, 0xc0]), limits: limits)
        }
    }

    /// Found by the fuzzer: a non-negative value in a signed format (int16 2687) read as `.int`
    /// then re-read from the canonical bytes as `.uint`, so the round trip changed the value.
    @Test func nonNegativeValuesInSignedFormatsReadAsUnsigned() throws {
        let value = try MessagePackReader.value(from: self.bytes([0xd1, 0x0a, 0x7f]))
        #expect(value == .uint(2687))
        let written = try MessagePackWriter.bytes(of: value)
        #expect(written == self.bytes([0xcd, 0x0a, 0x7f]))
        #expect(try MessagePackReader.value(from: written) == value)
        #expect(try MessagePackReader.value(from: self.bytes([0xd0, 0xff])) == .int(-1))
        #expect(MessagePackValue.int(5) == .uint(5) && MessagePackValue.int(5).hashValue == MessagePackValue.uint(5).hashValue)
        #expect(MessagePackValue.int(-5) != .uint(UInt64(bitPattern: -5)))
    }

    @Test func thirtyTwoBitHeadersRoundTrip() throws {
        let array = MessagePackValue.array(Array(repeating: .nil, count: 70_000))
        let arrayBytes = try MessagePackWriter.bytes(of: array)
        #expect(arrayBytes.prefix(5) == bytes([0xdd, 0x00, 0x01, 0x11, 0x70]))
        #expect(try MessagePackReader.value(from: arrayBytes) == array)
        let map = MessagePackValue.map((0..<70_000).map { (.uint(UInt64($0)), .nil) })
        let mapBytes = try MessagePackWriter.bytes(of: map)
        #expect(mapBytes.first == 0xdf)
        #expect(try MessagePackReader.value(from: mapBytes) == map)
        let ext = MessagePackValue.ext(type: -7, data: Data(count: 70_000))
        let extBytes = try MessagePackWriter.bytes(of: ext)
        #expect(extBytes.prefix(6) == bytes([0xc9, 0x00, 0x01, 0x11, 0x70, 0xf9]))
        #expect(try MessagePackReader.value(from: extBytes) == ext)
    }

    @Test func seededRandomValuesRoundTrip() throws {
        var generator = SplitMix64(seed: 22)
        for _ in 0..<2_000 {
            let value = RandomValue.make(depth: 0, using: &generator)
            let bytes = try MessagePackWriter.bytes(of: value)
            #expect(try MessagePackReader.value(from: bytes) == value)
        }
    }
}

/// A seeded generator, so the random round trip is the same run every time.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum RandomValue {
    static func make(depth: Int, using generator: inout SplitMix64) -> MessagePackValue {
        switch Int.random(in: 0..<(depth > 3 ? 9 : 11), using: &generator) {
        case 0: return .nil
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: .min ..< 0, using: &generator) >> UInt64.random(in: 0..<64, using: &generator))
        case 3: return .uint(UInt64.random(in: 0 ... .max, using: &generator) >> UInt64.random(in: 0..<64, using: &generator))
        case 4: return .float32(Float(bitPattern: UInt32.random(in: 0 ... .max, using: &generator)))
        case 5: return .float64(Double(bitPattern: UInt64.random(in: 0 ... .max, using: &generator)))
        case 6:
            let length = Int.random(in: 0..<300, using: &generator)
            return .string(String((0..<length).map { _ in Character(UnicodeScalar(UInt8.random(in: 32..<127, using: &generator))) }))
        case 7: return .binary(Data((0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }))
        case 8:
            let length = [0, 1, 2, 4, 8, 16, 3, 20, 300][Int.random(in: 0..<9, using: &generator)]
            return .ext(type: Int8.random(in: .min ... .max, using: &generator), data: Data(count: length))
        case 9: return .array((0..<Int.random(in: 0..<20, using: &generator)).map { _ in make(depth: depth + 1, using: &generator) })
        default:
            return .map((0..<Int.random(in: 0..<20, using: &generator)).map { _ in
                (make(depth: depth + 1, using: &generator), make(depth: depth + 1, using: &generator))
            })
        }
    }
}
