#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#else
import Foundation
#endif

/// A file that could not be written, with the path and the system's reason.
public struct GeneratorWriteError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Reads and replaces whole files with the C library: the generator runs on every plugin build,
/// and file work this way skips Foundation's start-up work.
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

    /// Writes `text` to a temporary file beside `path` and renames it over `path`, so a reader (a
    /// build running at the same time) sees the old file or the new one, never half of one. The
    /// file is not synced to disk: generated files can always be made again.
    public static func replace(_ path: String, with text: String) throws {
        var text = text
        try text.withUTF8 { try replace(path, withBytes: $0) }
    }

    /// Writes `bytes` the same way as `replace(_:with:)`: a temporary file renamed over `path`.
    /// Used for downloaded documents, whose bytes are kept exactly as they were served.
    public static func replace(_ path: String, withBytes bytes: UnsafeBufferPointer<UInt8>) throws {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        let slash = path.lastIndex(of: "/")
        let name = slash.map { path[path.index(after: $0)...] } ?? path[...]
        let temporary = (slash.map { String(path[...$0]) } ?? "") + ".\(name).\(getpid()).tmp"
        func failure(_ action: String) -> GeneratorWriteError {
            GeneratorWriteError(message: "could not \(action) \(path): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure("write") }
        let written = { () -> Bool in
            var offset = 0
            while offset < bytes.count {
                let count = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }()
        let error = written ? nil : failure("write")
        close(descriptor)
        if let error {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("replace")
            unlink(temporary)
            throw error
        }
        #else
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        #endif
    }
}

#if canImport(Glibc)
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Musl)
private let systemRead = Musl.read
private let systemWrite = Musl.write
#elseif canImport(Darwin)
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif
