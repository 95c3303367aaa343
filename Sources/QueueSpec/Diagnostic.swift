/// A position in a source document, 1-based like a compiler's.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The file as it was named to the loader.
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// The column in characters, from 1.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in a document, reported as `file:line:column: error: message (at #/pointer)`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// How bad the problem is.
    public enum Severity: String, Hashable, Sendable {
        /// The document cannot be used as it is.
        case error
        /// The document can be used; something in it is probably not what its author meant.
        case warning
    }

    public var severity: Severity
    /// Where the offending node starts.
    public var location: SourceLocation
    /// The JSON pointer of the offending node.
    public var pointer: JSONPointer
    /// What is wrong, in one sentence.
    public var message: String

    public init(_ severity: Severity, at location: SourceLocation, pointer: JSONPointer, _ message: String) {
        self.severity = severity
        self.location = location
        self.pointer = pointer
        self.message = message
    }

    public var description: String {
        "\(location): \(severity.rawValue): \(message) (at \(pointer))"
    }
}

/// The errors that kept a document from loading, all of them, in document order.
public struct SpecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Every diagnostic, errors and warnings, sorted by location.
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// Only the errors.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A JSON pointer (RFC 6901) in its URI fragment form, `#/components/schemas/Image`.
public struct JSONPointer: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The unescaped reference tokens.
    public var tokens: [String]

    /// The pointer to the whole document, `#`.
    public static let root = JSONPointer(tokens: [])

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses `#/a/b~1c` (or `/a/b`); `nil` for a reference outside this document.
    public init?(fragment: String) {
        var text = Substring(fragment)
        if text.hasPrefix("#") { text = text.dropFirst() } else if !text.hasPrefix("/") && !text.isEmpty { return nil }
        guard let decoded = String(text).removingPercentEncodingIfValid() else { return nil }
        if decoded.isEmpty {
            tokens = []
            return
        }
        guard decoded.hasPrefix("/") else { return nil }
        tokens = decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(JSONPointer.unescaped)
    }

    /// This pointer with one more token.
    public func appending(_ token: String) -> JSONPointer {
        JSONPointer(tokens: tokens + [token])
    }

    /// This pointer with an array index appended.
    public func appending(_ index: Int) -> JSONPointer {
        appending(String(index))
    }

    /// The last token, if any.
    public var last: String? { tokens.last }

    public static func < (lhs: JSONPointer, rhs: JSONPointer) -> Bool {
        lhs.tokens.lexicographicallyPrecedes(rhs.tokens)
    }

    public var description: String {
        var text = "#"
        for token in tokens {
            text += "/"
            // `~` and `/` are the only escapes (RFC 6901); most tokens have neither.
            if token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) {
                for character in token.unicodeScalars {
                    switch character {
                    case "~": text += "~0"
                    case "/": text += "~1"
                    default: text.unicodeScalars.append(character)
                    }
                }
            } else {
                text += token
            }
        }
        return text
    }

    /// A token with `~1` read as `/` and `~0` as `~` (RFC 6901); any other `~` stays as it is.
    private static func unescaped(_ token: Substring) -> String {
        guard token.utf8.contains(UInt8(ascii: "~")) else { return String(token) }
        let bytes = Array(token.utf8)
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "~"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "0") || bytes[index + 1] == UInt8(ascii: "1") {
                result.append(bytes[index + 1] == UInt8(ascii: "0") ? UInt8(ascii: "~") : UInt8(ascii: "/"))
                index += 2
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

extension String {
    /// Percent-decodes a URI fragment; `nil` when an escape is malformed.
    fileprivate func removingPercentEncodingIfValid() -> String? {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
