import Foundation

/// An output audio file: a WAV (RIFF/WAVE, PCM 16-bit mono) holding a short tone chosen by the
/// digest. Stored as a recipe and rendered when fetched; its size is known without rendering.
struct AudioRecipe: Sendable, Hashable {
    /// Low enough to keep files small, high enough for any player.
    static let sampleRate = 16_000
    /// The longest tone written, whatever the input asks for.
    static let longestMilliseconds = 5_000

    /// How long the tone lasts.
    var milliseconds: Int
    var digest: UInt64

    init(milliseconds: Int, digest: UInt64) {
        self.milliseconds = min(max(milliseconds, 100), Self.longestMilliseconds)
        self.digest = digest
    }

    var fileName: String { String(format: "%016llx-%dms.wav", digest, milliseconds) }
    var contentType: String { "audio/wav" }
    var duration: Double { Double(milliseconds) / 1000 }
    var sampleCount: Int { Self.sampleRate * milliseconds / 1000 }
    /// Bits per second of the PCM data.
    var bitrate: Int { Self.sampleRate * 16 }
    /// The served size: the 44-byte header and two bytes a sample.
    var byteCount: Int { 44 + sampleCount * 2 }

    func render() -> [UInt8] {
        let dataSize = sampleCount * 2
        var out: [UInt8] = []
        out.reserveCapacity(44 + dataSize)
        out.appendFourCC("RIFF")
        out.appendLittleEndian32(36 + dataSize)
        out.appendFourCC("WAVE")
        out.appendFourCC("fmt ")
        out.appendLittleEndian32(16)
        out.appendLittleEndian16(1)  // PCM
        out.appendLittleEndian16(1)  // mono
        out.appendLittleEndian32(Self.sampleRate)
        out.appendLittleEndian32(Self.sampleRate * 2)  // bytes per second
        out.appendLittleEndian16(2)  // block align
        out.appendLittleEndian16(16)  // bits per sample
        out.appendFourCC("data")
        out.appendLittleEndian32(dataSize)
        // A note between A3 and A5 with its octave, faded in and out so it does not click.
        let frequency = 220.0 * pow(2.0, Double(digest % 25) / 12.0)
        let step = 2 * Double.pi * frequency / Double(Self.sampleRate)
        let fade = Double(min(Self.sampleRate / 50, max(sampleCount / 2, 1)))
        for index in 0..<sampleCount {
            let envelope = min(1, Double(index) / fade, Double(sampleCount - index) / fade)
            let phase = step * Double(index)
            let sample = (0.8 * sin(phase) + 0.2 * sin(2 * phase)) * envelope * 0.3
            out.appendLittleEndian(UInt16(bitPattern: Int16(sample * Double(Int16.max))))
        }
        return out
    }
}
