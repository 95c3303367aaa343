import Foundation
import QueueRuntime

/// An output as the text `DIR/<line>.json`, the journal and the manifest hold: compact JSON, keys
/// sorted, slashes not escaped; the bytes `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`
/// writes for the same value (a test compares them).
///
/// Written by hand because it runs once per job on the runner's hot path: through `Encodable`,
/// `JSONEncoder` boxes every value and took several times longer for a typical output.
enum OutputText {
    /// `value` as compact JSON.
    static func json(_ value: JSONValue) -> String {
        var text = ""
        write(value, to: &text)
        return text
    }

    static func write(_ value: JSONValue, to text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .int(let number): text += String(number)
        case .double(let number): text += Self.number(number)
        case .string(let string): quote(string, to: &text)
        case .array(let elements):
            text += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                write(element, to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                quote(key, to: &text)
                text += ":"
                write(members[key] ?? .null, to: &text)
            }
            text += "}"
        }
    }

    /// A finite number as JSON writes it: integral values without a fraction (`5`, not `5.0`).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// `string` as a JSON string: quote, backslash and control characters escaped.
    static func quote(_ string: String, to text: inout String) {
        text += "\""
        var plain = true
        for byte in string.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            plain = false
            break
        }
        if plain {
            text += string
        } else {
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\n": text += "\\n"
                case "\r": text += "\\r"
                case "\t": text += "\\t"
                case "\u{08}": text += "\\b"
                case "\u{0C}": text += "\\f"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }
}
