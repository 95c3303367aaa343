import Foundation

/// An output video file: an AVI (RIFF `AVI `) of Motion-JPEG frames, which ffmpeg, VLC and
/// browsers' media tools open. Written by hand because no Swift package here writes a video
/// container; AVI needs only RIFF chunks and the frames come from `JPEGEncoder`. Frames are
/// small (at most 160 pixels a side, at most 12 of them) so a job costs little to render.
struct VideoRecipe: Sendable, Hashable {
    /// The longest side of a frame, in pixels.
    static let longestSide = 160
    /// The most frames written, whatever the input asks for.
    static let mostFrames = 12

    var width: Int
    var height: Int
    var frameCount: Int
    /// The frame rate as AVI writes it: `rate / scale` frames a second.
    var rate: Int
    var scale: Int
    var digest: UInt64

    /// `aspect` is width over height; `framesPerSecond` and `seconds` are what the input asked for.
    init(aspect: Double, framesPerSecond: Double, seconds: Double, digest: UInt64) {
        let aspect = aspect.isFinite && aspect > 0 ? min(max(aspect, 0.25), 4) : 16.0 / 9.0
        if aspect >= 1 {
            width = Self.longestSide
            height = max(16, Int((Double(Self.longestSide) / aspect / 2).rounded()) * 2)
        } else {
            height = Self.longestSide
            width = max(16, Int((Double(Self.longestSide) * aspect / 2).rounded()) * 2)
        }
        let fps = framesPerSecond.isFinite ? min(max(framesPerSecond, 1), 60) : 24
        scale = 1000
        rate = Int((fps * 1000).rounded())
        let wanted = seconds.isFinite ? (fps * max(seconds, 0)).rounded() : 0
        frameCount = Int(min(max(wanted, 1), Double(Self.mostFrames)))
        self.digest = digest
    }

    var fileName: String { String(format: "%016llx-%dx%d-%df.avi", digest, width, height, frameCount) }
    var contentType: String { "video/x-msvideo" }
    var framesPerSecond: Double { Double(rate) / Double(scale) }
    /// Seconds the frames last at the frame rate.
    var duration: Double { (Double(frameCount) * Double(scale) / Double(rate) * 1000).rounded() / 1000 }

    /// Frame `index`: a gradient with a square that moves across it.
    func frame(_ index: Int) -> [UInt8] {
        var generator = SeededGenerator(seed: digest)
        func colour() -> (Double, Double, Double) {
            let bits = generator.next()
            return (Double(bits & 0xFF), Double(bits >> 8 & 0xFF), Double(bits >> 16 & 0xFF))
        }
        let start = colour()
        let end = colour()
        let square = colour()
        let side = max(4, min(width, height) / 3)
        let travel = max(1, width - side)
        let left = frameCount > 1 ? travel * index / (frameCount - 1) : travel / 2
        let top = (height - side) / 2
        let w = Double(max(width - 1, 1))
        return JPEGEncoder.encode(width: width, height: height, quality: 75) { x, y in
            if x >= left, x < left + side, y >= top, y < top + side {
                return (UInt8(square.0), UInt8(square.1), UInt8(square.2))
            }
            let t = Double(x) / w
            func channel(_ a: Double, _ b: Double) -> UInt8 { UInt8(max(0, min(255, a + (b - a) * t))) }
            return (channel(start.0, end.0), channel(start.1, end.1), channel(start.2, end.2))
        }
    }

    /// The AVI: `hdrl` (main header, one video stream), `movi` (one `00dc` chunk a frame), `idx1`.
    func render() -> [UInt8] {
        let frames = (0..<frameCount).map(frame)
        let largest = frames.map(\.count).max() ?? 0

        var movi: [UInt8] = []
        movi.appendFourCC("movi")
        var index: [UInt8] = []
        for frame in frames {
            index.appendFourCC("00dc")
            index.appendLittleEndian32(0x10)  // AVIIF_KEYFRAME
            index.appendLittleEndian32(movi.count)  // from the 'movi' code, as players expect
            index.appendLittleEndian32(frame.count)
            movi.appendFourCC("00dc")
            movi.appendLittleEndian32(frame.count)
            movi += frame
            if frame.count % 2 == 1 { movi.append(0) }  // chunks are word aligned
        }

        var mainHeader: [UInt8] = []
        mainHeader.appendLittleEndian32(Int((1_000_000 * Double(scale) / Double(rate)).rounded()))  // µs per frame
        mainHeader.appendLittleEndian32(largest * Int(framesPerSecond.rounded(.up)))  // max bytes per second
        mainHeader.appendLittleEndian32(0)  // padding granularity
        mainHeader.appendLittleEndian32(0x10)  // AVIF_HASINDEX
        mainHeader.appendLittleEndian32(frameCount)
        mainHeader.appendLittleEndian32(0)  // initial frames
        mainHeader.appendLittleEndian32(1)  // streams
        mainHeader.appendLittleEndian32(largest + 8)  // suggested buffer size
        mainHeader.appendLittleEndian32(width)
        mainHeader.appendLittleEndian32(height)
        for _ in 0..<4 { mainHeader.appendLittleEndian32(0) }

        var streamHeader: [UInt8] = []
        streamHeader.appendFourCC("vids")
        streamHeader.appendFourCC("MJPG")
        streamHeader.appendLittleEndian32(0)  // flags
        streamHeader.appendLittleEndian16(0)  // priority
        streamHeader.appendLittleEndian16(0)  // language
        streamHeader.appendLittleEndian32(0)  // initial frames
        streamHeader.appendLittleEndian32(scale)
        streamHeader.appendLittleEndian32(rate)
        streamHeader.appendLittleEndian32(0)  // start
        streamHeader.appendLittleEndian32(frameCount)  // length, in frames
        streamHeader.appendLittleEndian32(largest + 8)
        streamHeader.appendLittleEndian(UInt32.max)  // quality: default
        streamHeader.appendLittleEndian32(0)  // sample size: varies
        streamHeader.appendLittleEndian16(0)  // rcFrame: left, top, right, bottom
        streamHeader.appendLittleEndian16(0)
        streamHeader.appendLittleEndian16(width)
        streamHeader.appendLittleEndian16(height)

        var format: [UInt8] = []  // BITMAPINFOHEADER
        format.appendLittleEndian32(40)
        format.appendLittleEndian32(width)
        format.appendLittleEndian32(height)
        format.appendLittleEndian16(1)  // planes
        format.appendLittleEndian16(24)  // bits per pixel
        format.appendFourCC("MJPG")
        format.appendLittleEndian32(width * height * 3)
        for _ in 0..<4 { format.appendLittleEndian32(0) }  // pixels per metre, colours used, important

        var streamList: [UInt8] = []
        streamList.appendFourCC("strl")
        Self.appendChunk("strh", streamHeader, to: &streamList)
        Self.appendChunk("strf", format, to: &streamList)

        var headerList: [UInt8] = []
        headerList.appendFourCC("hdrl")
        Self.appendChunk("avih", mainHeader, to: &headerList)
        Self.appendChunk("LIST", streamList, to: &headerList)

        var body: [UInt8] = []
        body.appendFourCC("AVI ")
        Self.appendChunk("LIST", headerList, to: &body)
        Self.appendChunk("LIST", movi, to: &body)
        Self.appendChunk("idx1", index, to: &body)

        var out: [UInt8] = []
        out.reserveCapacity(body.count + 8)
        Self.appendChunk("RIFF", body, to: &out)
        return out
    }

    /// A RIFF chunk: code, little-endian size, data, a pad byte when the size is odd.
    static func appendChunk(_ code: String, _ data: [UInt8], to out: inout [UInt8]) {
        out.appendFourCC(code)
        out.appendLittleEndian32(data.count)
        out += data
        if data.count % 2 == 1 { out.append(0) }
    }
}
