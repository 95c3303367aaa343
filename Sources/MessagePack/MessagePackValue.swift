import Foundation

/// One MessagePack value, as it is on the wire: the encoding keeps what the format tells apart
/// (signed and unsigned integers, float32 and float64, str and bin, extension types, the order
/// of a map's pairs), so a value decoded from bytes encodes back to the same bytes.
public enum MessagePackValue: Hashable, Sendable {
    /// `nil` (0xc0).
    case `nil`
    /// `true` or `false`.
    case bool(Bool)
    /// A signed integer. The reader gives `.int` for negative values only; `.int(n)` and
    /// `.uint(n)` are equal for the same non-negative n, and both are written in the smallest
    /// unsigned format (so a non-negative value read from a signed format, which Python's and
    /// other encoders never write, re-encodes shorter).
    case int(Int64)
    /// A non-negative integer.
    case uint(UInt64)
    /// A float 32 (single precision).
    case float32(Float)
    /// A float 64 (double precision), what Python and most encoders write for floats.
    case float64(Double)
    /// UTF-8 text (the str formats).
    case string(String)
    /// Raw bytes (the bin formats).
    case binary(Data)
    /// An array of values.
    case array([MessagePackValue])
    /// A map's pairs in wire order; keys may be any value (Codable decoding refuses non-string keys).
    case map([(key: MessagePackValue, value: MessagePackValue)])
    /// An extension value (type -128…127), passed through untouched; type -1 is the timestamp.
    case ext(type: Int8, data: Data)

    public static func == (lhs: MessagePackValue, rhs: MessagePackValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.uint(let a), .uint(let b)): a == b
        case (.int(let a), .uint(let b)), (.uint(let b), .int(let a)): a >= 0 && UInt64(a) == b
        // Bit patterns, so NaN equals itself and -0 differs from +0: equality means "same bytes".
        case (.float32(let a), .float32(let b)): a.bitPattern == b.bitPattern
        case (.float64(let a), .float64(let b)): a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): a == b
        case (.binary(let a), .binary(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.map(let a), .map(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.ext(let t1, let d1), .ext(let t2, let d2)): t1 == t2 && d1 == d2
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .nil: hasher.combine(0)
        case .bool(let value): hasher.combine(1); hasher.combine(value)
        case .int(let value) where value >= 0: hasher.combine(3); hasher.combine(UInt64(value))  // equal to .uint
        case .int(let value): hasher.combine(2); hasher.combine(value)
        case .uint(let value): hasher.combine(3); hasher.combine(value)
        case .float32(let value): hasher.combine(4); hasher.combine(value.bitPattern)
        case .float64(let value): hasher.combine(5); hasher.combine(value.bitPattern)
        case .string(let value): hasher.combine(6); hasher.combine(value)
        case .binary(let value): hasher.combine(7); hasher.combine(value)
        case .array(let value): hasher.combine(8); hasher.combine(value)
        case .map(let pairs):
            hasher.combine(9)
            hasher.combine(pairs.count)
            for pair in pairs {
                hasher.combine(pair.key)
                hasher.combine(pair.value)
            }
        case .ext(let type, let data): hasher.combine(10); hasher.combine(type); hasher.combine(data)
        }
    }

    /// `.int` for negative values, `.uint` otherwise: the one form the reader gives for each number.
    static func integer(_ value: Int64) -> MessagePackValue {
        value < 0 ? .int(value) : .uint(UInt64(value))
    }

    /// The extension type MessagePack reserves for timestamps.
    public static let timestampExtensionType: Int8 = -1

    /// A timestamp (extension type -1) in the smallest of its three layouts, as the spec says to write it.
    public static func timestamp(seconds: Int64, nanoseconds: UInt32) -> MessagePackValue {
        var data = Data()
        if seconds >> 34 == 0 {
            let combined = UInt64(nanoseconds) << 34 | UInt64(seconds)
            if combined & 0xFFFF_FFFF_0000_0000 == 0 {
                data.appendBigEndian(UInt32(combined))
            } else {
                data.appendBigEndian(combined)
            }
        } else {
            data.appendBigEndian(nanoseconds)
            data.appendBigEndian(UInt64(bitPattern: seconds))
        }
        return .ext(type: timestampExtensionType, data: data)
    }

    /// Seconds and nanoseconds when this is a well-formed timestamp extension; nil otherwise.
    public var timestamp: (seconds: Int64, nanoseconds: UInt32)? {
        guard case .ext(let type, let data) = self, type == Self.timestampExtensionType else { return nil }
        let bytes = [UInt8](data)
        func bigEndian(_ range: Range<Int>) -> UInt64 { bytes[range].reduce(0) { $0 << 8 | UInt64($1) } }
        switch bytes.count {
        case 4: return (Int64(bigEndian(0..<4)), 0)
        case 8:
            let combined = bigEndian(0..<8)
            let nanoseconds = UInt32(combined >> 34)
            return nanoseconds < 1_000_000_000 ? (Int64(combined & 0x3_FFFF_FFFF), nanoseconds) : nil
        case 12:
            let nanoseconds = UInt32(bigEndian(0..<4))
            return nanoseconds < 1_000_000_000 ? (Int64(bitPattern: bigEndian(4..<12)), nanoseconds) : nil
        default: return nil
        }
    }
}

extension Data {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        for shift in stride(from: T.bitWidth - 8, through: 0, by: -8) {
            append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }
}
