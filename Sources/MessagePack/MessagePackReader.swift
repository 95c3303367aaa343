import Foundation

/// Reads one MessagePack value from bytes, within `MessagePackLimits`.
///
/// Every length is checked against the bytes that remain before anything is allocated (an
/// element takes at least one byte), so a forged header cannot make it reserve memory the frame
/// does not hold; nesting is bounded by `maximumDepth`, so it cannot recurse without limit.
public struct MessagePackReader {
    private let bytes: [UInt8]
    private var offset = 0
    private let limits: MessagePackLimits

    /// The one value `data` holds; bytes after it are an error.
    public static func value(from data: some Collection<UInt8>, limits: MessagePackLimits = .default) throws(MessagePackError)
        -> MessagePackValue
    {
        var reader = MessagePackReader(bytes: Array(data), limits: limits)
        let value = try reader.readValue(depth: 0)
        guard reader.offset == reader.bytes.count else { throw .trailingBytes(offset: reader.offset) }
        return value
    }

    private init(bytes: [UInt8], limits: MessagePackLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    private var remaining: Int { bytes.count - offset }

    private mutating func byte(start: Int) throws(MessagePackError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(offset: start) }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func bigEndian(_ width: Int, start: Int) throws(MessagePackError) -> UInt64 {
        guard remaining >= width else { throw .truncated(offset: start) }
        var value: UInt64 = 0
        for index in offset..<(offset + width) { value = value << 8 | UInt64(bytes[index]) }
        offset += width
        return value
    }

    private mutating func payload(_ length: Int, start: Int) throws(MessagePackError) -> ArraySlice<UInt8> {
        guard length <= limits.maximumByteLength else { throw .limitExceeded(limit: "byte length", offset: start) }
        guard remaining >= length else { throw .truncated(offset: start) }
        defer { offset += length }
        return bytes[offset..<(offset + length)]
    }

    private mutating func string(_ length: Int, start: Int) throws(MessagePackError) -> MessagePackValue {
        let slice = try payload(length, start: start)
        guard let text = String(validating: slice, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
        return .string(text)
    }

    private mutating func readValue(depth: Int) throws(MessagePackError) -> MessagePackValue {
        let start = offset
        let head = try byte(start: start)
        switch head {
        case 0x00...0x7f: return .uint(UInt64(head))
        case 0x80...0x8f: return try map(Int(head & 0x0f), depth: depth, start: start)
        case 0x90...0x9f: return try array(Int(head & 0x0f), depth: depth, start: start)
        case 0xa0...0xbf: return try string(Int(head & 0x1f), start: start)
        case 0xc0: return .nil
        case 0xc1: throw .reservedByte(offset: start)
        case 0xc2: return .bool(false)
        case 0xc3: return .bool(true)
        case 0xc4, 0xc5, 0xc6:
            let length = Int(try bigEndian(1 << Int(head - 0xc4), start: start))
            return .binary(Data(try payload(length, start: start)))
        case 0xc7, 0xc8, 0xc9:
            let length = Int(try bigEndian(1 << Int(head - 0xc7), start: start))
            let type = Int8(bitPattern: try byte(start: start))
            return .ext(type: type, data: Data(try payload(length, start: start)))
        case 0xca: return .float32(Float(bitPattern: UInt32(try bigEndian(4, start: start))))
        case 0xcb: return .float64(Double(bitPattern: try bigEndian(8, start: start)))
        case 0xcc, 0xcd, 0xce, 0xcf: return .uint(try bigEndian(1 << Int(head - 0xcc), start: start))
        case 0xd0: return .integer(Int64(Int8(truncatingIfNeeded: try bigEndian(1, start: start))))
        case 0xd1: return .integer(Int64(Int16(truncatingIfNeeded: try bigEndian(2, start: start))))
        case 0xd2: return .integer(Int64(Int32(truncatingIfNeeded: try bigEndian(4, start: start))))
        case 0xd3: return .integer(Int64(bitPattern: try bigEndian(8, start: start)))
        case 0xd4...0xd8:
            let type = Int8(bitPattern: try byte(start: start))
            return .ext(type: type, data: Data(try payload(1 << Int(head - 0xd4), start: start)))
        case 0xd9, 0xda, 0xdb: return try string(Int(try bigEndian(1 << Int(head - 0xd9), start: start)), start: start)
        case 0xdc, 0xdd: return try array(Int(try bigEndian(head == 0xdc ? 2 : 4, start: start)), depth: depth, start: start)
        case 0xde, 0xdf: return try map(Int(try bigEndian(head == 0xde ? 2 : 4, start: start)), depth: depth, start: start)
        default: return .int(Int64(Int8(bitPattern: head)))  // 0xe0...0xff, negative fixint
        }
    }

    private mutating func checkContainer(_ count: Int, bytesEach: Int, depth: Int, start: Int) throws(MessagePackError) {
        guard depth < limits.maximumDepth else { throw .limitExceeded(limit: "depth \(limits.maximumDepth)", offset: start) }
        guard count <= limits.maximumContainerCount else { throw .limitExceeded(limit: "container count", offset: start) }
        guard count <= remaining / bytesEach else { throw .truncated(offset: start) }
    }

    private mutating func array(_ count: Int, depth: Int, start: Int) throws(MessagePackError) -> MessagePackValue {
        try checkContainer(count, bytesEach: 1, depth: depth, start: start)
        var elements: [MessagePackValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try readValue(depth: depth + 1)) }
        return .array(elements)
    }

    private mutating func map(_ count: Int, depth: Int, start: Int) throws(MessagePackError) -> MessagePackValue {
        try checkContainer(count, bytesEach: 2, depth: depth, start: start)
        var pairs: [(key: MessagePackValue, value: MessagePackValue)] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
            let key = try readValue(depth: depth + 1)
            pairs.append((key, try readValue(depth: depth + 1)))
        }
        return .map(pairs)
    }
}
