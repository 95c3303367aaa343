/// Writing the little-endian fields of RIFF (WAV, AVI), zip, glTF and safetensors files.
extension Array where Element == UInt8 {
    mutating func appendLittleEndian(_ value: UInt32) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8 & 0xFF))
        append(UInt8(value >> 16 & 0xFF))
        append(UInt8(value >> 24))
    }

    mutating func appendLittleEndian(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    /// A 32-bit field from an `Int`, clamped into range (sizes in these files never exceed it).
    mutating func appendLittleEndian32(_ value: Int) {
        appendLittleEndian(UInt32(clamping: value))
    }

    mutating func appendLittleEndian16(_ value: Int) {
        appendLittleEndian(UInt16(clamping: value))
    }

    /// A four-character code such as `RIFF` (ASCII, padded with spaces).
    mutating func appendFourCC(_ code: String) {
        let bytes = Array(code.utf8.prefix(4))
        append(contentsOf: bytes)
        append(contentsOf: [UInt8](repeating: 0x20, count: 4 - bytes.count))
    }
}
