/// Turns text from a document into comment lines that cannot end the comment.
///
/// Every kind of line break Swift or an editor might honour is split on, so each line can be
/// prefixed with `///`; control characters are dropped; the indentation fal's Python docstrings
/// carry is removed.
enum DocText {
    static func lines(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        var trimmed = splitLines(text).map { line -> Substring in
            let utf8 = line.utf8
            var end = utf8.endIndex
            while end > utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: " ") { end = utf8.index(before: end) }
            return line[line.startIndex..<end]
        }
        while trimmed.first?.isEmpty == true { trimmed.removeFirst() }
        while trimmed.last?.isEmpty == true { trimmed.removeLast() }
        guard !trimmed.isEmpty else { return [] }
        // Dedent the lines after the first by their common indentation; the first may sit right
        // after the opening quote.
        func indentation(_ line: Substring) -> Int { line.utf8.prefix(while: { $0 == UInt8(ascii: " ") }).count }
        let indent = trimmed.dropFirst().filter { !$0.isEmpty }.map(indentation).min()
        let firstIndent = indentation(trimmed[0])
        var result: [String] = []
        for (index, line) in trimmed.enumerated() {
            let drop = index == 0 ? (indent.map { min(firstIndent, $0) } ?? firstIndent) : (indent ?? 0)
            // Only spaces are dropped, one byte each.
            let text = String(line[(line.utf8.index(line.startIndex, offsetBy: drop, limitedBy: line.endIndex) ?? line.endIndex)...])
            // Collapse runs of blank lines.
            if text.isEmpty && result.last?.isEmpty == true { continue }
            result.append(text)
        }
        return result
    }

    /// The text's lines, with tabs expanded and control and format characters dropped.
    static func splitLines(_ text: String) -> [Substring] {
        // Printable ASCII and plain line feeds (nearly all text) need no per-character work.
        if text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A }) {
            return text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { Substring($0) }
        }
        return scalarLines(text)
    }

    /// `splitLines` one scalar at a time, for any text.
    static func scalarLines(_ text: String) -> [Substring] {
        var lines: [String.UnicodeScalarView] = [String.UnicodeScalarView()]
        var previousWasCarriageReturn = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value >= 0x20 && value < 0x7F {
                lines[lines.count - 1].append(scalar)
                previousWasCarriageReturn = false
                continue
            }
            switch scalar {
            case "\n" where previousWasCarriageReturn:
                break
            case "\r", "\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}":
                lines.append(String.UnicodeScalarView())
            case "\t":
                lines[lines.count - 1].append(contentsOf: "    ".unicodeScalars)
            case _ where scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format:
                break
            default:
                lines[lines.count - 1].append(scalar)
            }
            previousWasCarriageReturn = scalar == "\r"
        }
        return lines.map { Substring(String($0)) }
    }

    /// A Swift string literal for arbitrary text; nothing in it can end the literal or interpolate.
    static func literal(_ text: String) -> String {
        // Printable ASCII other than a backslash or quote (nearly all text) is written as it is.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "\"") }) {
            return "\"" + text + "\""
        }
        return scalarLiteral(text)
    }

    /// `literal` one scalar at a time, for any text.
    static func scalarLiteral(_ text: String) -> String {
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
