import Foundation
import QueueSpec
import Testing

@testable import QueueRuntime

/// `JSONValue(parsing:)` against `JSONDecoder().decode(JSONValue.self, from:)`: the same value for
/// every JSON text, an error (never a crash) for every other text.
@Suite("JSON parsing")
struct JSONParsingTests {
    static func decoded(_ text: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text))
    }

    static func parsed(_ text: [UInt8]) -> JSONValue? {
        try? JSONValue(parsing: Data(text))
    }

    /// Equal, except where the parser documents a difference: a whole number of 2⁵³ or more
    /// written with a fraction or an exponent, `.double` here and sometimes `.int` from JSONDecoder.
    static func same(_ parsed: JSONValue?, _ decoded: JSONValue?) -> Bool {
        switch (parsed, decoded) {
        case (nil, nil): return true
        case (.double(let number)?, .int(let integer)?): return abs(number) >= 0x1p53 && number == Double(integer)
        case (.array(let a)?, .array(let b)?): return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case (.object(let a)?, .object(let b)?): return a.count == b.count && a.allSatisfy { key, value in b[key].map { same(value, $0) } ?? false }
        default: return parsed == decoded
        }
    }

    @Test("edge cases: numbers, escapes, surrogates, byte order mark, repeated keys, depth")
    func edgeCases() throws {
        let texts = [
            "5", "5.0", "1e2", "1E+2", "-0", "-0.0", "0e0", "2.0e0", "1.5e1", "0.5e1", "123.000", "1e18", "1e19", "1e-2", "1e-400",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "9223372036854775806.0",
            "100000000000000000000", "123456789012345678901234567890.5", "1.0000000000000002", "1.0000000000000000001", "4.9e-324",
            "12345678901234567890e-5", "-1.5E+3", "-9223372036854775808e0", "-9223372036854775807.0", "9223372036854774784.0",
            "9223372036854775807e0", "-9.2e18", "-9223372036854775808.5", "1e-320", "-1e-400", "123456789.000000001", "0.30000000000000004e1", "0.1", "[1,2]", "{}", "[]", #"{"a":1,"a":2}"#, #""\ud83d\ude00""#, #""\u0000""#,
            #""\/""#, #""\u00e9""#, #""\uFFFF""#, "\"é\u{7F}\"", #""a\"b\\c\b\f\n\r\t""#, " \n 5 \t", "\u{FEFF}5", "true", "false", "null",
            // Not JSON: both refuse.
            "01", "-01", "00", "1.", ".5", "+1", "-", "1e", "1e+", "1e400", "NaN", "Infinity", "tru", "nulll", "5 x", "[1 2]",
            #"{"a" 1}"#, "{1:2}", "[,1]", "[1,,2]", "{,}", #""\ud83d""#, #""\udc00""#, #""\uD800\u0041""#, #""\x""#, "\"a\u{01}b\"",
            "\"a\tb\"", "[-]", "", "   ", "[", "{", #"{"a":"#, #""abc"#, #""\u12"#,
        ]
        for text in texts {
            let bytes = Array(text.utf8)
            #expect(Self.same(Self.parsed(bytes), Self.decoded(bytes)), "\(text.debugDescription)")
        }
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x28, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(Self.decoded(bytes) == nil)
            #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: Data(bytes)) }
        }
        for depth in [511, 512, 513, 600] {
            let bytes = Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
            #expect(Self.same(Self.parsed(bytes), Self.decoded(bytes)), "depth \(depth)")
            #expect((Self.parsed(bytes) != nil) == (depth <= JSONValue.maximumDepth), "depth \(depth)")
        }
    }

    @Test("where JSONDecoder accepts what is not JSON (a trailing comma), the parser refuses")
    func trailingCommas() {
        for text in ["[1,]", #"{"a":1,}"#, #"["a",]"#] {
            #expect(Self.decoded(Array(text.utf8)) != nil)
            #expect(Self.parsed(Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test("a whole number of 2⁵³ or more written with a fraction or an exponent is a Double")
    func largeWrittenAsDecimal() throws {
        #expect(try JSONValue(parsing: "9007199254740991.0") == .int(9_007_199_254_740_991))
        #expect(try JSONValue(parsing: "9007199254740992.0") == .double(0x1p53))
        #expect(try JSONValue(parsing: "1e18") == .double(1e18))
        #expect(try JSONValue(parsing: "1000000000000000000") == .int(1_000_000_000_000_000_000))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .int(.min))
    }

    @Test("errors say where and what")
    func errors() {
        let cases: [(String, Int, String)] = [
            (#"{"a":1,}"#, 7, "a member name (a string) was expected"),
            (#"{"a" 1}"#, 5, "':' was expected after a member name"),
            ("[1 2]", 3, "',' or ']' was expected"),
            (#"{"a":tru}"#, 5, "true was expected"),
            ("1e400", 0, "a number is out of range"),
            ("\"a\u{01}\"", 2, "a control character in a string must be escaped"),
            (#""\ud83d""#, 7, "a \\u escape is a high surrogate without its low half"),
            ("5 x", 2, "more text after the value"),
            (#"["abc"#, 5, "a string is not closed"),
            ("", 0, "a value was expected, the text ends"),
        ]
        for (text, offset, reason) in cases {
            #expect(throws: JSONSyntaxError(offset: offset, reason: reason), "\(text)") { try JSONValue(parsing: text) }
        }
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONSyntaxError(offset: 512, reason: "nested deeper than 512 levels")) { try JSONValue(parsing: deep) }
    }

    @Test("2,000 seeded random documents read as JSONDecoder reads them")
    func randomDocuments() {
        var random = SeededGenerator(seed: 0x5EED_2026_1207)
        for round in 0..<2_000 {
            let text = Self.document(depth: 0, random: &random)
            let bytes = Array(text.utf8)
            let expected = Self.decoded(bytes)
            #expect(expected != nil, "round \(round): the generator wrote \(text)")
            #expect(Self.same(Self.parsed(bytes), expected), "round \(round): \(text)")
        }
    }

    @Test("every JSON fixture of the repository reads as JSONDecoder reads it")
    func fixtures() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)).compactMap { $0 as? URL }
            .filter { $0.pathExtension == "json" }
        #expect(files.count >= 20)
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            #expect(Self.same(Self.parsed(bytes), Self.decoded(bytes)), "\(file.lastPathComponent)")
        }
    }

    // MARK: A seeded generator of JSON texts, written in the many ways JSON allows

    static func document(depth: Int, random: inout SeededGenerator) -> String {
        let kind = depth > 4 ? Int.random(in: 0..<5, using: &random) : Int.random(in: 0..<7, using: &random)
        switch kind {
        case 0: return "null"
        case 1: return Bool.random(using: &random) ? "true" : "false"
        case 2: return number(&random)
        case 3, 4: return string(&random)
        case 5:
            let count = Int.random(in: 0..<5, using: &random)
            return "[" + (0..<count).map { _ in space(&random) + document(depth: depth + 1, random: &random) + space(&random) }.joined(separator: ",") + "]"
        default:
            let count = Int.random(in: 0..<5, using: &random)
            return "{" + (0..<count).map { _ in
                space(&random) + string(&random) + space(&random) + ":" + space(&random) + document(depth: depth + 1, random: &random)
            }.joined(separator: ",") + space(&random) + "}"
        }
    }

    static func space(_ random: inout SeededGenerator) -> String {
        [" ", "", "", "\n", "\t", "\r\n "][Int.random(in: 0..<6, using: &random)]
    }

    static func number(_ random: inout SeededGenerator) -> String {
        var text = Bool.random(using: &random) ? "-" : ""
        switch Int.random(in: 0..<4, using: &random) {
        case 0: text += String(Int64.random(in: 0...Int64.max, using: &random))
        case 1: text += String(Int.random(in: 0..<1_000, using: &random))
        case 2: text += "9223372036854775" + String(Int.random(in: 800..<820, using: &random))
        default: text += String(Int.random(in: 1..<100_000, using: &random))
        }
        if Bool.random(using: &random) {
            text += "." + String(repeating: "0", count: Int.random(in: 0..<3, using: &random)) + String(Int.random(in: 0..<10_000, using: &random))
        }
        if Int.random(in: 0..<3, using: &random) == 0 {
            text += ["e", "E"][Int.random(in: 0..<2, using: &random)] + ["", "+", "-"][Int.random(in: 0..<3, using: &random)]
                + String(Int.random(in: 0..<30, using: &random))
        }
        return text
    }

    static func string(_ random: inout SeededGenerator) -> String {
        let pieces = ["a", "Z", "0", " ", "é", "漢", "😀", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9",
            "\\u6f22", "\\ud83d\\ude00", "\\u0000", "\\u001f", "https://example.com/a.png", "\u{7F}"]
        return "\"" + (0..<Int.random(in: 0..<8, using: &random)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &random)] }.joined() + "\""
    }
}
