import Foundation

/// Where and why a text is not JSON.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset (from 0) where reading stopped.
    public var offset: Int
    /// What was expected there, or what is wrong.
    public var reason: String

    /// Makes a value from its parts.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// The reason and the byte offset.
    public var description: String { "not valid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// The deepest nesting of arrays and objects read, as `JSONDecoder` allows.
    public static let maximumDepth = 512

    /// Reads one JSON text (RFC 8259, UTF-8, an optional byte order mark, whitespace around).
    ///
    /// Gives the value `JSONDecoder().decode(JSONValue.self, from:)` gives for the same text, in
    /// one pass: a number written as an integer is `.int` when it fits in 64 bits, and so is a
    /// whole number below 2⁵³ written otherwise (`2.0`, `1e2`); a repeated key keeps its first
    /// value. It differs from `JSONDecoder` in two places: it refuses a trailing comma, which is
    /// not JSON, and a whole number of 2⁵³ or more written with a fraction or an exponent is a
    /// `.double` (the same number), where `JSONDecoder` reads some such text as an integer.
    ///
    /// Written by hand because the runtime reads a JSON value per status update, per submit
    /// answer and per untyped output: through `Decodable`, `JSONValue` has to guess each value's
    /// kind, and each wrong guess throws and builds an error (up to five per object).
    public init(parsing data: Data) throws(JSONSyntaxError) {
        var reader = JSONReader(bytes: [UInt8](data))
        self = try reader.document()
    }

    /// Reads one JSON text from `text`; see `init(parsing:)`.
    public init(parsing text: String) throws(JSONSyntaxError) {
        var reader = JSONReader(bytes: Array(text.utf8))
        self = try reader.document()
    }
}

/// A recursive-descent reader over the bytes of one JSON text; bounds-checked array indexing,
/// nesting limited to `JSONValue.maximumDepth`.
struct JSONReader {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func document() throws(JSONSyntaxError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        let value = try self.value(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw failure("more text after the value") }
        return value
    }

    private func failure(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, reason: reason)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw failure("a value was expected, the text ends") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("a value was expected")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("\(word) was expected") }
        var offset = 0
        let matches = word.withUTF8Buffer { expected in
            while offset < count, bytes[index + offset] == expected[offset] { offset += 1 }
            return offset == count
        }
        guard matches else { throw failure("\(word) was expected") }
        index += count
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw failure("nested deeper than \(JSONValue.maximumDepth) levels") }
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("a member name (a string) was expected") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("':' was expected after a member name") }
            index += 1
            skipWhitespace()
            let member = try value(depth: depth)
            // As JSONDecoder: a repeated name keeps its first value.
            if members[key] == nil { members[key] = member }
            skipWhitespace()
            guard index < bytes.count else { throw failure("',' or '}' was expected, the text ends") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default: throw failure("',' or '}' was expected")
            }
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw failure("nested deeper than \(JSONValue.maximumDepth) levels") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw failure("',' or ']' was expected, the text ends") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw failure("',' or ']' was expected")
            }
        }
    }

    /// A string's text; the reader is on its opening quote.
    private mutating func string() throws(JSONSyntaxError) -> String {
        index += 1
        let start = index
        // Most strings have no escape: one scan, one validated copy.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard let text = String(validating: bytes[start..<index], as: UTF8.self) else {
                    index = start
                    throw failure("a string is not valid UTF-8")
                }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw failure("a control character in a string must be escaped") }
            index += 1
        }
        guard index < bytes.count else { throw failure("a string is not closed") }
        var units = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: units, as: UTF8.self) else {
                    index = start
                    throw failure("a string is not valid UTF-8")
                }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case UInt8(ascii: "\""): units.append(0x22)
                case UInt8(ascii: "\\"): units.append(0x5C)
                case UInt8(ascii: "/"): units.append(0x2F)
                case UInt8(ascii: "b"): units.append(0x08)
                case UInt8(ascii: "f"): units.append(0x0C)
                case UInt8(ascii: "n"): units.append(0x0A)
                case UInt8(ascii: "r"): units.append(0x0D)
                case UInt8(ascii: "t"): units.append(0x09)
                case UInt8(ascii: "u"):
                    UTF8.encode(try unicodeEscape()) { units.append($0) }
                    continue
                default: throw failure("an unknown escape in a string")
                }
                index += 1
            default:
                guard byte >= 0x20 else { throw failure("a control character in a string must be escaped") }
                units.append(byte)
                index += 1
            }
        }
        throw failure("a string is not closed")
    }

    /// `\uXXXX`, or a surrogate pair of two; the reader is on the `u`.
    private mutating func unicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        let high = try hexQuad()
        if (0xDC00...0xDFFF).contains(high) { throw failure("a \\u escape is a lone low surrogate") }
        if (0xD800...0xDBFF).contains(high) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw failure("a \\u escape is a high surrogate without its low half")
            }
            index += 1
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw failure("a \\u escape is a high surrogate without its low half") }
            let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            guard let scalar = Unicode.Scalar(value) else { throw failure("a \\u escape is not a Unicode scalar") }
            return scalar
        }
        guard let scalar = Unicode.Scalar(high) else { throw failure("a \\u escape is not a Unicode scalar") }
        return scalar
    }

    /// The four hex digits after a `u`; the reader is on the `u` and ends after the digits.
    private mutating func hexQuad() throws(JSONSyntaxError) -> UInt32 {
        index += 1
        guard index + 4 <= bytes.count else { throw failure("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A number as RFC 8259 spells it; `.int` when it is an integer that fits in 64 bits.
    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit was expected in a number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure("a number cannot start with 0 followed by digits") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit was expected after a decimal point") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit was expected in an exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if integral, let value = integer(start..<index) { return .int(value) }
        // Every byte of the span is ASCII: the text is the number as written.
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            index = start
            throw failure("a number is out of range")
        }
        // As JSONDecoder: a whole number below 2⁵³ is an integer however it is written (`2.0`,
        // `1e2`). From 2⁵³ up, a number written with a fraction or an exponent stays a Double
        // (JSONDecoder reads such text again as a Decimal there, and traps on some of it).
        if !integral, abs(value) < 0x1p53, let exact = Int64(exactly: value) { return .int(exact) }
        return .double(value)
    }

    /// The digits (with an optional sign) of `range` as an `Int64`; nil on overflow.
    private func integer(_ range: Range<Int>) -> Int64? {
        var position = range.lowerBound
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        var value: Int64 = 0
        while position < range.upperBound {
            let digit = Int64(bytes[position] - UInt8(ascii: "0"))
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            // Accumulated negatively so that Int64.min fits.
            let (next, overflowB) = shifted.subtractingReportingOverflow(digit)
            if overflowA || overflowB { return nil }
            value = next
            position += 1
        }
        if negative { return value }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

/// A model that holds its own JSON: the client sends `rawJSON` as the request body and makes
/// the model from a response body with `init(rawJSON:)`, with no `JSONEncoder` or `JSONDecoder`
/// in between. For tools that pass JSON through, such as a batch runner that sends journaled input
/// lines as they are and keeps outputs as text. `JSONValue` is one.
public protocol RawJSONModel: QueueModel {
    /// The model made from a response body; throws when the body is not one.
    init(rawJSON: Data) throws
    /// The request body, as sent.
    func rawJSON() throws -> Data
}

extension JSONValue: RawJSONModel {
    /// Reads `rawJSON` with `init(parsing:)`.
    public init(rawJSON: Data) throws {
        try self.init(parsing: rawJSON)
    }

    /// Compact JSON, slashes not escaped: what the client's encoder writes for any input.
    public func rawJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
