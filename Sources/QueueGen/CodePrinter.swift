/// Accumulates Swift source with an indentation level, in the manner of protoc-gen-swift's printer.
struct CodePrinter {
    private(set) var text = ""
    private var level = 0

    mutating func indent() { level += 1 }
    mutating func outdent() { level -= 1 }

    /// Prints one line at the current indentation (an empty line stays empty).
    mutating func line(_ content: String = "") {
        if !content.isEmpty { text += String(repeating: "    ", count: level) + content }
        text += "\n"
    }

    /// Prints `/// …` lines; nothing for no lines.
    mutating func doc(_ lines: [String]) {
        for content in lines { line(content.isEmpty ? "///" : "/// " + content) }
    }

    /// Prints `opening {`, the body one level in, and `}`.
    mutating func block(_ opening: String, _ body: (inout CodePrinter) -> Void) {
        line(opening + " {")
        indent()
        body(&self)
        outdent()
        line("}")
    }
}
