import Foundation

/// Reads a file line by line in fixed-size chunks: memory holds one chunk and one line, whatever
/// the number of lines. Also folds every byte into an FNV-1a digest, so a resume can tell that
/// the input file is the same one.
struct LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false
    private(set) var lineNumber = 0
    private(set) var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The longest line accepted; a longer one is an error naming it, not an unbounded buffer.
    let maximumLineBytes: Int

    init(path: String, maximumLineBytes: Int = 16 << 20) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BatchError("cannot read the input file \(path)") }
        self.handle = handle
        self.maximumLineBytes = maximumLineBytes
    }

    /// The next line without its line break (and `\r`), or `nil` at the end of the file.
    mutating func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[start..<end]
                start = newline + 1
                lineNumber += 1
                return line
            }
            if finished {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                lineNumber += 1
                return line
            }
            if buffer.count - start > maximumLineBytes {
                throw BatchError("line \(lineNumber + 1) is longer than \(maximumLineBytes >> 20) MiB")
            }
            // Keep the unread tail, then read the next chunk.
            buffer.removeFirst(start)
            start = 0
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { finished = true } else {
                for byte in chunk {
                    digest ^= UInt64(byte)
                    digest = digest &* 0x0000_0100_0000_01b3
                }
                buffer.append(contentsOf: chunk)
            }
        }
    }

    /// The digest as hex, once every line was read.
    var digestText: String { String(format: "%016llx", digest) }
}

/// Where a value sits in one line of JSON: the 1-based column of the value at a field path
/// (wire names, array indexes as decimal strings), so an error can point at it.
enum JSONColumn {
    /// The column of the value at `path` in `line`, or of the deepest part of the path found.
    static func of(_ path: [String], in line: ArraySlice<UInt8>) -> Int {
        var scanner = Scanner(bytes: Array(line))
        let offset = scanner.locate(path) ?? 0
        return String(decoding: scanner.bytes[..<min(offset, scanner.bytes.count)], as: UTF8.self).count + 1
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// The byte offset of the value at `path`, moving through objects and arrays.
        mutating func locate(_ path: [String]) -> Int? {
            skipSpace()
            var found = index
            for component in path {
                guard index < bytes.count else { return found }
                if bytes[index] == UInt8(ascii: "{") {
                    index += 1
                    // Leaves only through `break` at the key, or `return` when it is absent.
                    while true {
                        skipSpace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return found }
                        let key = readString()
                        skipSpace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return found }
                        index += 1
                        skipSpace()
                        if key == component { break }
                        skipValue()
                        skipSpace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return found }
                        index += 1
                    }
                } else if bytes[index] == UInt8(ascii: "["), let position = Int(component) {
                    index += 1
                    for _ in 0..<position {
                        skipSpace()
                        skipValue()
                        skipSpace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return found }
                        index += 1
                    }
                    skipSpace()
                } else {
                    return found
                }
                found = index
            }
            return found
        }

        mutating func readString() -> String {
            let begin = index + 1
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                index += 1
            }
            let text = String(decoding: bytes[begin..<min(index, bytes.count)], as: UTF8.self)
            index += 1
            return text
        }

        mutating func skipValue() {
            guard index < bytes.count else { return }
            switch bytes[index] {
            case UInt8(ascii: "\""): _ = readString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") { _ = readString(); continue }
                    if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
                    if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                        depth -= 1
                        if depth == 0 { index += 1; return }
                    }
                    index += 1
                }
            default:
                while index < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(bytes[index]) { index += 1 }
            }
        }
    }
}
