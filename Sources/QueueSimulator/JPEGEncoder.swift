import Foundation

/// A dependency-free baseline JPEG writer: JFIF, YCbCr 4:4:4, the standard quantisation and
/// Huffman tables of ITU T.81 Annex K, a floating-point DCT. Small, slow-ish, and readable by
/// any decoder, which is all the simulator needs for `output_format: jpeg`.
public enum JPEGEncoder {
    /// Encodes `width × height` RGB pixels at `quality` (1–100).
    public static func encode(width: Int, height: Int, quality: Int = 85,
                              pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> [UInt8] {
        let luma = scaledTable(lumaQuantisation, quality: quality)
        let chroma = scaledTable(chromaQuantisation, quality: quality)
        var out: [UInt8] = [0xFF, 0xD8]
        // APP0 JFIF
        out += [0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]
        // DQT: two 8-bit tables, written in zigzag order
        out += [0xFF, 0xDB, 0x00, 0x84, 0x00]
        out += zigzag.map { luma[$0] }
        out += [0x01]
        out += zigzag.map { chroma[$0] }
        // SOF0
        out += [0xFF, 0xC0, 0x00, 0x11, 0x08, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 0x03,
                0x01, 0x11, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]
        // DHT
        for (classAndID, bits, values) in [(UInt8(0x00), dcLumaBits, dcLumaValues), (0x10, acLumaBits, acLumaValues),
                                           (0x01, dcChromaBits, dcChromaValues), (0x11, acChromaBits, acChromaValues)] {
            let length = 2 + 1 + 16 + values.count
            out += [0xFF, 0xC4, UInt8(length >> 8), UInt8(length & 0xFF), classAndID]
            out += bits
            out += values
        }
        // SOS
        out += [0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00]

        let dcLuma = huffmanCodes(bits: dcLumaBits, values: dcLumaValues)
        let acLuma = huffmanCodes(bits: acLumaBits, values: acLumaValues)
        let dcChroma = huffmanCodes(bits: dcChromaBits, values: dcChromaValues)
        let acChroma = huffmanCodes(bits: acChromaBits, values: acChromaValues)
        let lumaDivisors = luma.map { 1.0 / Double($0) }
        let chromaDivisors = chroma.map { 1.0 / Double($0) }

        var writer = BitWriter()
        var previousDC = [0, 0, 0]
        var blockY = [Double](repeating: 0, count: 64)
        var blockCb = [Double](repeating: 0, count: 64)
        var blockCr = [Double](repeating: 0, count: 64)
        for top in stride(from: 0, to: height, by: 8) {
            for left in stride(from: 0, to: width, by: 8) {
                for row in 0..<8 {
                    for column in 0..<8 {
                        let (r, g, b) = pixel(min(left + column, width - 1), min(top + row, height - 1))
                        let red = Double(r), green = Double(g), blue = Double(b)
                        let index = row * 8 + column
                        blockY[index] = 0.299 * red + 0.587 * green + 0.114 * blue - 128
                        blockCb[index] = -0.168736 * red - 0.331264 * green + 0.5 * blue
                        blockCr[index] = 0.5 * red - 0.418688 * green - 0.081312 * blue
                    }
                }
                encodeBlock(blockY, divisors: lumaDivisors, previousDC: &previousDC[0], dc: dcLuma, ac: acLuma, writer: &writer)
                encodeBlock(blockCb, divisors: chromaDivisors, previousDC: &previousDC[1], dc: dcChroma, ac: acChroma, writer: &writer)
                encodeBlock(blockCr, divisors: chromaDivisors, previousDC: &previousDC[2], dc: dcChroma, ac: acChroma, writer: &writer)
            }
        }
        writer.flush()
        out += writer.bytes
        out += [0xFF, 0xD9]
        return out
    }

    /// Reads width and height from a baseline or progressive JPEG, or `nil` if the bytes are not one.
    public static func dimensions(of bytes: [UInt8]) -> (width: Int, height: Int)? {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if marker == 0xC0 || marker == 0xC1 || marker == 0xC2 {
                let height = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                let width = Int(bytes[index + 7]) << 8 | Int(bytes[index + 8])
                return (width, height)
            }
            index += 2 + length
        }
        return nil
    }

    // MARK: Blocks

    static let cosines: [Double] = (0..<64).map { index in
        let (u, x) = (index / 8, index % 8)
        return (u == 0 ? (1.0 / 2.0.squareRoot()) : 1.0) * 0.5 * cos(Double((2 * x + 1) * u) * Double.pi / 16)
    }

    static func encodeBlock(_ block: [Double], divisors: [Double], previousDC: inout Int,
                            dc: [(code: UInt32, length: Int)], ac: [(code: UInt32, length: Int)], writer: inout BitWriter) {
        var coefficients = [Int](repeating: 0, count: 64)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 64) { rows in
            block.withUnsafeBufferPointer { block in
                cosines.withUnsafeBufferPointer { cosines in
                    // separable 2-D DCT-II: rows, then columns
                    for y in 0..<8 {
                        for u in 0..<8 {
                            var sum = 0.0
                            for x in 0..<8 { sum += cosines[u &* 8 &+ x] * block[y &* 8 &+ x] }
                            rows[y &* 8 &+ u] = sum
                        }
                    }
                    zigzag.withUnsafeBufferPointer { zigzag in
                        for k in 0..<64 {
                            let index = zigzag[k]
                            let (v, u) = (index >> 3, index & 7)
                            var sum = 0.0
                            for y in 0..<8 { sum += cosines[v &* 8 &+ y] * rows[y &* 8 &+ u] }
                            coefficients[k] = Int((sum * divisors[index]).rounded())
                        }
                    }
                }
            }
        }
        let difference = coefficients[0] - previousDC
        previousDC = coefficients[0]
        let dcCategory = category(difference)
        writer.write(dc[dcCategory])
        writer.write(amplitude(difference, category: dcCategory), length: dcCategory)
        var run = 0
        for k in 1..<64 {
            let value = coefficients[k]
            if value == 0 {
                run += 1
                continue
            }
            while run > 15 {
                writer.write(ac[0xF0])
                run -= 16
            }
            let size = category(value)
            writer.write(ac[run << 4 | size])
            writer.write(amplitude(value, category: size), length: size)
            run = 0
        }
        if run > 0 { writer.write(ac[0x00]) }
    }

    static func category(_ value: Int) -> Int {
        var magnitude = abs(value)
        var bits = 0
        while magnitude > 0 {
            bits += 1
            magnitude >>= 1
        }
        return bits
    }

    static func amplitude(_ value: Int, category: Int) -> UInt32 {
        value >= 0 ? UInt32(value) : UInt32((value - 1) & ((1 << category) - 1))
    }

    struct BitWriter {
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var count = 0

        mutating func write(_ entry: (code: UInt32, length: Int)) { write(entry.code, length: entry.length) }

        mutating func write(_ value: UInt32, length: Int) {
            guard length > 0 else { return }
            for shift in stride(from: length - 1, through: 0, by: -1) {
                buffer = buffer << 1 | (value >> UInt32(shift) & 1)
                count += 1
                if count == 8 {
                    let byte = UInt8(buffer & 0xFF)
                    bytes.append(byte)
                    if byte == 0xFF { bytes.append(0x00) }
                    buffer = 0
                    count = 0
                }
            }
        }

        mutating func flush() {
            if count > 0 { write((1 << UInt32(8 - count)) - 1, length: 8 - count) }
        }
    }

    // MARK: Tables (ITU T.81 Annex K)

    static func scaledTable(_ base: [Int], quality: Int) -> [UInt8] {
        let q = max(1, min(100, quality))
        let scale = q < 50 ? 5000 / q : 200 - 2 * q
        return base.map { UInt8(max(1, min(255, ($0 * scale + 50) / 100))) }
    }

    static func huffmanCodes(bits: [UInt8], values: [UInt8]) -> [(code: UInt32, length: Int)] {
        var table = [(code: UInt32, length: Int)](repeating: (0, 0), count: 256)
        var code: UInt32 = 0
        var index = 0
        for length in 1...16 {
            for _ in 0..<Int(bits[length - 1]) {
                table[Int(values[index])] = (code, length)
                code += 1
                index += 1
            }
            code <<= 1
        }
        return table
    }

    /// Natural index of each zigzag position.
    static let zigzag: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ]

    static let lumaQuantisation = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ]

    static let chromaQuantisation = [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ]

    static let dcLumaBits: [UInt8] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    static let dcLumaValues: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    static let dcChromaBits: [UInt8] = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    static let dcChromaValues: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    static let acLumaBits: [UInt8] = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
    static let acLumaValues: [UInt8] = [
        0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
        0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52, 0xD1, 0xF0,
        0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25, 0x26, 0x27, 0x28,
        0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
        0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
        0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
        0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
        0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5,
        0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2,
        0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
        0xF9, 0xFA,
    ]
    static let acChromaBits: [UInt8] = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77]
    static let acChromaValues: [UInt8] = [
        0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
        0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33, 0x52, 0xF0,
        0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18, 0x19, 0x1A, 0x26,
        0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
        0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
        0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
        0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5,
        0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3,
        0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA,
        0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8,
        0xF9, 0xFA,
    ]
}
