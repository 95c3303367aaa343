/// Turns text from a document into comment lines that cannot end the comment.
///
/// Every kind of line break Swift or an editor might honour is split on, so each line can be
/// prefixed with `///`; control characters are dropped; the indentation fal's Python docstrings
/// carry is removed.
enum DocText {
    static func lines(_ text: String?) -> [String] {
        guard let text else { return [] }
        var normalized = ""
        for scalar in text.replacing("\r\n", with: "\n").unicodeScalars {
            switch scalar {
            case "\r", "\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}":
                normalized.append("\n")
            case "\t":
                normalized.append("    ")
            case _ where scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format:
                continue
            default:
                normalized.unicodeScalars.append(scalar)
            }
        }
        var lines = normalized.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.reversed().drop(while: { $0 == " " }).reversed())
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { return [] }
        // Dedent the lines after the first by their common indentation; the first may sit right
        // after the opening quote.
        let rest = lines.dropFirst().filter { !$0.isEmpty }
        let indent = rest.map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
        let firstIndent = lines[0].prefix(while: { $0 == " " }).count
        lines[0] = String(lines[0].dropFirst(rest.isEmpty ? firstIndent : min(firstIndent, indent)))
        for index in lines.indices.dropFirst() { lines[index] = String(lines[index].dropFirst(indent)) }
        // Collapse runs of blank lines.
        var result: [String] = []
        for line in lines where !(line.isEmpty && result.last?.isEmpty == true) { result.append(line) }
        return result
    }

    /// A Swift string literal for arbitrary text; nothing in it can end the literal or interpolate.
    static func literal(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\0": result += "\\0"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator || scalar.properties.generalCategory == .format
                || scalar.value == 0x85:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// One line of text for places that take a single line (a file header, a short summary).
    static func singleLine(_ text: String) -> String {
        lines(text).joined(separator: " ")
    }
}
