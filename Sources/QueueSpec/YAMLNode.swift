/// A node of a YAML or JSON document, with where it starts.
///
/// The reader resolves nothing beyond what a document's structure needs: scalars keep their text
/// and style, and `scalarValue` applies the YAML 1.2 core schema (which JSON is a subset of).
public struct YAMLNode: Sendable {
    /// The node's content.
    public enum Content: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([MappingEntry])
    }

    /// How a scalar was written, which decides whether `true` is a boolean or a string.
    public enum ScalarStyle: Sendable, Hashable {
        /// Unquoted: resolved to null, a boolean, a number or a string.
        case plain
        /// Quoted, block literal or folded, or tagged `!!str`: always a string.
        case string
    }

    /// One key and value of a mapping; keys are scalars.
    public struct MappingEntry: Sendable {
        public var key: String
        public var keyLocation: Position
        public var value: YAMLNode
    }

    /// A 1-based line and column.
    public struct Position: Hashable, Sendable {
        public var line: Int
        public var column: Int
    }

    public var content: Content
    public var position: Position
    /// The number of nodes under this one, itself included, aliases counted as expanded.
    public var weight: Int

    /// The value of a scalar under the YAML 1.2 core schema; `nil` for a collection.
    public var scalarValue: SpecValue? {
        guard case .scalar(let text, let style) = content else { return nil }
        return style == .string ? .string(text) : SpecValue.resolvingPlainScalar(text)
    }

    /// The entries if this is a mapping.
    public var mapping: [MappingEntry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// The items if this is a sequence.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The value of `key` if this is a mapping that has it.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first(where: { $0.key == key })?.value
    }

    /// What kind of node this is, for messages: "a mapping", "a list", "the string \"x\"".
    public var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar: return scalarValue?.kindDescription ?? "a scalar"
        }
    }

    /// The node at `pointer` below this one, if there is one.
    public func node(at pointer: JSONPointer) -> YAMLNode? {
        var node = self
        for token in pointer.tokens {
            switch node.content {
            case .mapping(let entries):
                guard let entry = entries.first(where: { $0.key == token }) else { return nil }
                node = entry.value
            case .sequence(let items):
                guard let index = Int(token), token == String(index), items.indices.contains(index) else { return nil }
                node = items[index]
            case .scalar:
                return nil
            }
        }
        return node
    }

    /// Converts the node to a plain value (mappings keep their order).
    public var value: SpecValue {
        switch content {
        case .scalar: return scalarValue ?? .null
        case .sequence(let items): return .array(items.map(\.value))
        case .mapping(let entries): return .object(entries.map { ($0.key, $0.value.value) })
        }
    }
}

extension YAMLReader {
    /// The number of lines in `bytes` as YAML counts them (the lines diagnostics number): `\r\n`,
    /// a lone `\r`, `\n`, and the Unicode breaks NEL, LS and PS each end a line.
    public static func lineCount(_ bytes: [UInt8]) -> Int {
        var lines = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                lines += 1
            } else if byte == 0x0D {
                lines += 1
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            } else if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0x85 {
                lines += 1
                index += 1
            } else if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 {
                lines += 1
                index += 2
            }
            index += 1
        }
        return lines
    }
}

/// A JSON value from a document: defaults, enum values, examples, vendor metadata.
public enum SpecValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([SpecValue])
    /// Keys in document order.
    case object([(String, SpecValue)])

    /// The number, if this is one.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The text, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// For messages: "the string \"x\"", "the number 3", "a list".
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool(let value): "the boolean \(value)"
        case .integer(let value): "the integer \(value)"
        case .number(let value): "the number \(value)"
        case .string(let value): "the string \"\(value.count > 30 ? value.prefix(30) + "…" : Substring(value))\""
        case .array: "a list"
        case .object: "a mapping"
        }
    }

    /// Compact JSON, keys in document order.
    public var description: String {
        var text = ""
        write(to: &text)
        return text
    }

    private func write(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .integer(let value): text += String(value)
        case .number(let value): text += SpecValue.format(value)
        case .string(let value): SpecValue.writeJSONString(value, to: &text)
        case .array(let items):
            text += "["
            for (index, item) in items.enumerated() {
                if index > 0 { text += "," }
                item.write(to: &text)
            }
            text += "]"
        case .object(let entries):
            text += "{"
            for (index, (key, value)) in entries.enumerated() {
                if index > 0 { text += "," }
                SpecValue.writeJSONString(key, to: &text)
                text += ":"
                value.write(to: &text)
            }
            text += "}"
        }
    }

    /// A number as JSON writes it: integral values without a fraction.
    public static func format(_ value: Double) -> String {
        if value.isFinite, value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Appends `value` as a JSON string literal (control characters escaped, the rest as is).
    package static func writeJSONString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    /// YAML 1.2 core schema resolution of an unquoted scalar.
    static func resolvingPlainScalar(_ text: String) -> SpecValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .number(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .number(-.infinity)
        case ".nan", ".NaN", ".NAN": return .number(.nan)
        default: break
        }
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
            || first == UInt8(ascii: ".") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        else { return .string(text) }
        if let value = Int64(text) { return .integer(value) }
        if text.hasPrefix("0x"), let value = Int64(text.dropFirst(2), radix: 16) { return .integer(value) }
        if text.hasPrefix("0o"), let value = Int64(text.dropFirst(2), radix: 8) { return .integer(value) }
        if isFloatLiteral(text), let value = Double(text) { return .number(value) }
        return .string(text)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the core schema's float.
    private static func isFloatLiteral(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        func digits() -> Int {
            var count = 0
            while let byte = bytes.first, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                bytes.removeFirst()
                count += 1
            }
            return count
        }
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes.removeFirst() }
        let integral = digits()
        var fraction = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes.removeFirst()
            fraction = digits()
        }
        guard integral + fraction > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes.removeFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes.removeFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }

    public static func == (lhs: SpecValue, rhs: SpecValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.number(let a), .number(let b)): a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .integer(let value): hasher.combine(value)
        case .number(let value): hasher.combine(value.isNaN ? .nan : value)
        case .string(let value): hasher.combine(value)
        case .array(let value): hasher.combine(value)
        case .object(let entries):
            hasher.combine(entries.count)
            for (key, value) in entries {
                hasher.combine(key)
                hasher.combine(value)
            }
        }
    }
}
