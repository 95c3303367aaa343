import Foundation

/// What an output image is drawn from: its size and a digest of the input image, seed and index.
/// Files are stored as recipes and drawn when fetched, so a thousand jobs cost no image memory.
struct ImageRecipe: Sendable, Hashable {
    /// The file formats `output_format` offers.
    enum Format: String, Sendable, Hashable {
        case png, jpeg
    }

    var width: Int
    var height: Int
    var digest: UInt64
    var format: Format = .png

    /// The file name the files route serves it under.
    var fileName: String {
        String(format: "%016llx-%dx%d.", digest, width, height) + (format == .png ? "png" : "jpg")
    }

    /// The MIME type of the rendered bytes.
    var contentType: String { format == .png ? "image/png" : "image/jpeg" }

    /// The size of the PNG `render()` writes (stored deflate blocks, so it follows from the size).
    var pngByteCount: Int {
        let raw = height * (width * 3 + 1)
        let blocks = max(1, (raw + 65534) / 65535)
        let zlib = 2 + blocks * 5 + raw + 4
        return 8 + (12 + 13) + (12 + zlib) + 12
    }

    /// The file's bytes: a two-colour gradient crossed by diagonal bands, all chosen by the digest.
    func render() -> [UInt8] {
        var generator = SeededGenerator(seed: digest)
        func colour() -> (Double, Double, Double) {
            let bits = generator.next()
            return (Double(bits & 0xFF), Double(bits >> 8 & 0xFF), Double(bits >> 16 & 0xFF))
        }
        let start = colour()
        let end = colour()
        let band = 8 + Int(generator.next() % 56)
        let w = max(width - 1, 1)
        let h = max(height - 1, 1)
        let pixel = { (x: Int, y: Int) -> (UInt8, UInt8, UInt8) in
            let t = Double(x) / Double(w) * 0.5 + Double(y) / Double(h) * 0.5
            let shade = ((x + y) / band) % 2 == 0 ? 1.0 : 0.8
            func channel(_ a: Double, _ b: Double) -> UInt8 { UInt8(max(0, min(255, (a + (b - a) * t) * shade))) }
            return (channel(start.0, end.0), channel(start.1, end.1), channel(start.2, end.2))
        }
        switch format {
        case .png: return PNGEncoder.encode(width: width, height: height, pixel: pixel)
        case .jpeg: return JPEGEncoder.encode(width: width, height: height, pixel: pixel)
        }
    }
}

/// FNV-1a, 64-bit: a stable digest of input bytes (Swift's `Hasher` is seeded per process).
struct FNV1a {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    mutating func combine(_ integer: UInt64) {
        withUnsafeBytes(of: integer.littleEndian) { combine($0) }
    }
}

/// The preset sizes of `image_size`.
enum ImageSizePreset {
    static let sizes: [String: (Int, Int)] = [
        "square_hd": (1024, 1024),
        "square": (512, 512),
        "portrait_4_3": (768, 1024),
        "portrait_16_9": (576, 1024),
        "landscape_4_3": (1024, 768),
        "landscape_16_9": (1024, 576),
    ]
}

/// Base64 without Foundation's line breaks.
enum DataURI {
    /// Splits `data:<type>[;base64],<payload>` into its content type and bytes.
    static func decode(_ uri: String) -> (contentType: String, bytes: [UInt8])? {
        guard uri.hasPrefix("data:"), let comma = uri.firstIndex(of: ",") else { return nil }
        let header = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma]
        let payload = String(uri[uri.index(after: comma)...])
        let parts = header.split(separator: ";")
        let contentType = parts.first.map(String.init) ?? "text/plain"
        if parts.contains("base64") {
            guard let data = Data(base64Encoded: payload, options: .ignoreUnknownCharacters) else { return nil }
            return (contentType, Array(data))
        }
        return (contentType, Array((payload.removingPercentEncoding ?? payload).utf8))
    }

    /// A base64 data URI.
    static func encode(_ bytes: [UInt8], contentType: String) -> String {
        "data:\(contentType);base64," + Data(bytes).base64EncodedString()
    }
}
