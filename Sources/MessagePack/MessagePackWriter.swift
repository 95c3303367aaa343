import Foundation

/// Writes MessagePack values in the smallest format that holds each one, as the spec asks and as
/// Python's `msgpack` does (so the two produce the same bytes for the same values).
public enum MessagePackWriter {
    /// The bytes of `value`; throws only for a str, bin, ext or container over 2³² − 1 in length.
    public static func bytes(of value: MessagePackValue) throws(MessagePackError) -> Data {
        var data = Data()
        try write(value, into: &data)
        return data
    }

    private static func header(_ length: Int, into data: inout Data, formats: (UInt8, UInt8, UInt8), what: String)
        throws(MessagePackError)
    {
        if length <= 0xff && formats.0 != 0 {
            data.append(formats.0)
            data.append(UInt8(length))
        } else if length <= 0xffff {
            data.append(formats.1)
            data.appendBigEndian(UInt16(length))
        } else if length <= 0xffff_ffff {
            data.append(formats.2)
            data.appendBigEndian(UInt32(length))
        } else {
            throw .unencodable(path: "", reason: "\(what) of \(length) is over 2³² − 1")
        }
    }

    static func write(_ value: MessagePackValue, into data: inout Data) throws(MessagePackError) {
        switch value {
        case .nil: data.append(0xc0)
        case .bool(let flag): data.append(flag ? 0xc3 : 0xc2)
        case .uint(let number): writeUnsigned(number, into: &data)
        case .int(let number):
            if number >= 0 {
                writeUnsigned(UInt64(number), into: &data)
            } else if number >= -32 {
                data.append(UInt8(bitPattern: Int8(number)))
            } else if number >= Int64(Int8.min) {
                data.append(0xd0)
                data.append(UInt8(bitPattern: Int8(number)))
            } else if number >= Int64(Int16.min) {
                data.append(0xd1)
                data.appendBigEndian(Int16(number))
            } else if number >= Int64(Int32.min) {
                data.append(0xd2)
                data.appendBigEndian(Int32(number))
            } else {
                data.append(0xd3)
                data.appendBigEndian(number)
            }
        case .float32(let number):
            data.append(0xca)
            data.appendBigEndian(number.bitPattern)
        case .float64(let number):
            data.append(0xcb)
            data.appendBigEndian(number.bitPattern)
        case .string(let text):
            let utf8 = Array(text.utf8)
            if utf8.count < 32 {
                data.append(0xa0 | UInt8(utf8.count))
            } else {
                try header(utf8.count, into: &data, formats: (0xd9, 0xda, 0xdb), what: "a str")
            }
            data.append(contentsOf: utf8)
        case .binary(let bytes):
            try header(bytes.count, into: &data, formats: (0xc4, 0xc5, 0xc6), what: "a bin")
            data.append(bytes)
        case .array(let elements):
            if elements.count < 16 {
                data.append(0x90 | UInt8(elements.count))
            } else {
                try header(elements.count, into: &data, formats: (0, 0xdc, 0xdd), what: "an array")
            }
            for element in elements { try write(element, into: &data) }
        case .map(let pairs):
            if pairs.count < 16 {
                data.append(0x80 | UInt8(pairs.count))
            } else {
                try header(pairs.count, into: &data, formats: (0, 0xde, 0xdf), what: "a map")
            }
            for pair in pairs {
                try write(pair.key, into: &data)
                try write(pair.value, into: &data)
            }
        case .ext(let type, let payload):
            switch payload.count {
            case 1: data.append(0xd4)
            case 2: data.append(0xd5)
            case 4: data.append(0xd6)
            case 8: data.append(0xd7)
            case 16: data.append(0xd8)
            default: try header(payload.count, into: &data, formats: (0xc7, 0xc8, 0xc9), what: "an ext")
            }
            data.append(UInt8(bitPattern: type))
            data.append(payload)
        }
    }

    private static func writeUnsigned(_ number: UInt64, into data: inout Data) {
        if number < 0x80 {
            data.append(UInt8(number))
        } else if number <= 0xff {
            data.append(0xcc)
            data.append(UInt8(number))
        } else if number <= 0xffff {
            data.append(0xcd)
            data.appendBigEndian(UInt16(number))
        } else if number <= 0xffff_ffff {
            data.append(0xce)
            data.appendBigEndian(UInt32(number))
        } else {
            data.append(0xcf)
            data.appendBigEndian(number)
        }
    }
}
