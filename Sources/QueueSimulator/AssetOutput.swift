import Foundation

/// An output file that is neither an image, audio nor a video: a 3D model, an archive, weights,
/// a JSON or text file. Each is a small file that a tool for its type reads (a glTF binary with
/// one triangle, a zip with one entry, a safetensors file with one tensor), rendered when fetched.
struct AssetRecipe: Sendable, Hashable {
    /// The file types served, by extension.
    enum Kind: String, Sendable, Hashable, CaseIterable {
        case glb, obj, mtl, fbx, usdz, ply, stl, zip, npz, safetensors, json, lottie, txt, srt, vtt, svg, bin

        /// The extension of the served file.
        var fileExtension: String {
            switch self {
            case .lottie: "json"
            default: rawValue
            }
        }

        var contentType: String {
            switch self {
            case .glb: "model/gltf-binary"
            case .obj: "model/obj"
            case .mtl: "model/mtl"
            case .fbx: "application/octet-stream"
            case .usdz: "model/vnd.usdz+zip"
            case .ply: "application/ply"
            case .stl: "model/stl"
            case .zip: "application/zip"
            case .npz: "application/zip"
            case .safetensors: "application/octet-stream"
            case .json, .lottie: "application/json"
            case .txt: "text/plain"
            case .srt: "application/x-subrip"
            case .vtt: "text/vtt"
            case .svg: "image/svg+xml"
            case .bin: "application/octet-stream"
            }
        }
    }

    var kind: Kind
    var digest: UInt64
    /// Width and height of an SVG.
    var width = 512
    var height = 512
    /// Words for text-like files (subtitles, captions).
    var text = "Simulated output"

    var fileName: String { String(format: "%016llx.", digest) + kind.fileExtension }
    var contentType: String { kind.contentType }

    func render() -> [UInt8] {
        let hex = String(format: "%016llx", digest)
        switch kind {
        case .glb: return Self.triangleGLB()
        case .obj:
            return Array("# queue-simulator \(hex)\no simulated\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1\n".utf8)
        case .mtl:
            return Array("# queue-simulator \(hex)\nnewmtl material0\nKa 0 0 0\nKd 0.8 0.8 0.8\nKs 0 0 0\nd 1\nillum 1\n".utf8)
        case .fbx:
            // The binary FBX header (version 7.4) and the empty record that ends the top level.
            var out = Array("Kaydara FBX Binary  ".utf8) + [0x00, 0x1A, 0x00]
            out.appendLittleEndian32(7400)
            out += [UInt8](repeating: 0, count: 13)
            return out
        case .usdz:
            // A usdz is an uncompressed zip whose entries start on 64-byte boundaries.
            let usda = "#usda 1.0\n(\n    defaultPrim = \"Simulated\"\n    doc = \"queue-simulator \(hex)\"\n)\n\ndef Xform \"Simulated\"\n{\n}\n"
            return ZipWriter.archive([("model.usda", Array(usda.utf8))], alignment: 64)
        case .ply:
            return Array(("ply\nformat ascii 1.0\ncomment queue-simulator \(hex)\nelement vertex 3\nproperty float x\nproperty float y\n"
                + "property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n").utf8)
        case .stl:
            return Array(("solid simulated\nfacet normal 0 0 1\n  outer loop\n    vertex 0 0 0\n    vertex 1 0 0\n    vertex 0 1 0\n"
                + "  endloop\nendfacet\nendsolid simulated\n").utf8)
        case .zip:
            return ZipWriter.archive([("README.txt", Array("Simulated archive from queue-simulator (\(hex)).\n".utf8))])
        case .npz:
            return ZipWriter.archive([("data.npy", Self.npy())])
        case .safetensors: return Self.safetensors(hex)
        case .json:
            return JSONValue.object([("generator", .string("queue-simulator")), ("id", .string(hex)),
                                     ("note", .string(text))]).bytes
        case .lottie:
            return JSONValue.object([
                ("v", .string("5.7.4")), ("fr", .integer(30)), ("ip", .integer(0)), ("op", .integer(30)),
                ("w", .integer(Int64(width))), ("h", .integer(Int64(height))), ("nm", .string("queue-simulator \(hex)")),
                ("ddd", .integer(0)), ("assets", .array([])), ("layers", .array([])),
            ]).bytes
        case .txt: return Array("\(text)\n".utf8)
        case .srt: return Array("1\n00:00:00,000 --> 00:00:02,000\n\(text)\n\n".utf8)
        case .vtt: return Array("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n\(text)\n".utf8)
        case .svg:
            var generator = SeededGenerator(seed: digest)
            let colours = (0..<2).map { _ in String(format: "#%06llx", generator.next() & 0xFF_FFFF) }
            let radius = min(width, height) / 3
            return Array(("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">"
                + "<rect width=\"\(width)\" height=\"\(height)\" fill=\"\(colours[0])\"/>"
                + "<circle cx=\"\(width / 2)\" cy=\"\(height / 2)\" r=\"\(radius)\" fill=\"\(colours[1])\"/></svg>\n").utf8)
        case .bin:
            var generator = SeededGenerator(seed: digest)
            var out = Array("QSIM".utf8)
            for _ in 0..<8 { withUnsafeBytes(of: generator.next().littleEndian) { out += $0 } }
            return out
        }
    }

    /// glTF 2.0 binary with one triangle: the JSON chunk and the positions in the BIN chunk.
    static func triangleGLB() -> [UInt8] {
        let json = #"{"asset":{"version":"2.0","generator":"queue-simulator"},"scene":0,"scenes":[{"nodes":[0]}],"nodes":[{"mesh":0}],"#
            + #""meshes":[{"primitives":[{"attributes":{"POSITION":0}}]}],"#
            + #""accessors":[{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}],"#
            + #""bufferViews":[{"buffer":0,"byteLength":36}],"buffers":[{"byteLength":36}]}"#
        var jsonChunk = Array(json.utf8)
        while jsonChunk.count % 4 != 0 { jsonChunk.append(0x20) }
        var binary: [UInt8] = []
        for value: Float in [0, 0, 0, 1, 0, 0, 0, 1, 0] { binary.appendLittleEndian(value.bitPattern) }
        var out: [UInt8] = []
        out.appendFourCC("glTF")
        out.appendLittleEndian32(2)
        out.appendLittleEndian32(12 + 8 + jsonChunk.count + 8 + binary.count)
        out.appendLittleEndian32(jsonChunk.count)
        out.appendFourCC("JSON")
        out += jsonChunk
        out.appendLittleEndian32(binary.count)
        out += Array("BIN".utf8) + [0]
        out += binary
        return out
    }

    /// safetensors: an 8-byte header length, the JSON header, then one 2×2 float tensor.
    static func safetensors(_ hex: String) -> [UInt8] {
        var header = Array((#"{"__metadata__":{"format":"pt","generator":"queue-simulator","id":"\#(hex)"},"#
            + #""simulated.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#).utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.appendLittleEndian32(header.count)
        out.appendLittleEndian32(0)
        out += header
        for value: Float in [1, 0, 0, 1] { out.appendLittleEndian(value.bitPattern) }
        return out
    }

    /// A NumPy `.npy` (format 1.0) holding a 2×2 float32 array.
    static func npy() -> [UInt8] {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        out.appendLittleEndian16(header.utf8.count)
        out += Array(header.utf8)
        for value: Float in [0.5, 1, 1.5, 2] { out.appendLittleEndian(value.bitPattern) }
        return out
    }
}

/// Writes uncompressed ("stored") zip archives: local headers, the central directory, its end.
enum ZipWriter {
    /// `alignment` pads each entry's local header so its data starts on such a boundary (usdz asks for 64).
    static func archive(_ entries: [(name: String, data: [UInt8])], alignment: Int = 1) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        let date = UInt16((2026 - 1980) << 9 | 1 << 5 | 1)  // 2026-01-01, as MS-DOS dates go
        for entry in entries {
            let name = Array(entry.name.utf8)
            let crc = PNGEncoder.crc32(entry.data)
            let offset = out.count
            var padding = 0
            if alignment > 1 {
                let dataStart = offset + 30 + name.count
                padding = (alignment - dataStart % alignment) % alignment
                if padding > 0 && padding < 4 { padding += alignment }  // an extra field needs 4 bytes of header
            }
            out.appendLittleEndian(UInt32(0x0403_4B50))
            out.appendLittleEndian16(20)  // version needed
            out.appendLittleEndian16(0)  // flags
            out.appendLittleEndian16(0)  // stored
            out.appendLittleEndian16(0)  // time
            out.appendLittleEndian(date)
            out.appendLittleEndian(crc)
            out.appendLittleEndian32(entry.data.count)
            out.appendLittleEndian32(entry.data.count)
            out.appendLittleEndian16(name.count)
            out.appendLittleEndian16(padding)
            out += name
            if padding > 0 {
                out.appendLittleEndian16(0x5350)  // a private extra field id that readers skip
                out.appendLittleEndian16(padding - 4)
                out += [UInt8](repeating: 0, count: padding - 4)
            }
            out += entry.data

            central.appendLittleEndian(UInt32(0x0201_4B50))
            central.appendLittleEndian16(20)  // made by
            central.appendLittleEndian16(20)  // needed
            central.appendLittleEndian16(0)
            central.appendLittleEndian16(0)
            central.appendLittleEndian16(0)
            central.appendLittleEndian(date)
            central.appendLittleEndian(crc)
            central.appendLittleEndian32(entry.data.count)
            central.appendLittleEndian32(entry.data.count)
            central.appendLittleEndian16(name.count)
            central.appendLittleEndian16(0)  // extra
            central.appendLittleEndian16(0)  // comment
            central.appendLittleEndian16(0)  // disk
            central.appendLittleEndian16(0)  // internal attributes
            central.appendLittleEndian32(0)  // external attributes
            central.appendLittleEndian32(offset)
            central += name
        }
        let centralOffset = out.count
        out += central
        out.appendLittleEndian(UInt32(0x0605_4B50))
        out.appendLittleEndian16(0)
        out.appendLittleEndian16(0)
        out.appendLittleEndian16(entries.count)
        out.appendLittleEndian16(entries.count)
        out.appendLittleEndian32(central.count)
        out.appendLittleEndian32(centralOffset)
        out.appendLittleEndian16(0)
        return out
    }
}
