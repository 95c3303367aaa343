#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#else
import Foundation
#endif

/// Reads whole files with the C library: the generator runs on every plugin build, and reading
/// a spec this way skips Foundation's start-up work.
public enum FileBytes {
    /// The file's bytes; `nil` when it cannot be opened or read (a folder, a missing file).
    public static func read(_ path: String) -> [UInt8]? {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }  // EISDIR for a folder
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
        #else
        return FileManager.default.contents(atPath: path).map { [UInt8]($0) }
        #endif
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
#elseif canImport(Musl)
private let systemRead = Musl.read
#elseif canImport(Darwin)
private let systemRead = Darwin.read
#endif
