import Foundation
import Testing
import QueueGen
import QueueSpec

/// Text from a document can never leave the comment or string literal it is written into.
@Suite("Hostile documents")
struct HostileDocumentTests {
    static let payloads = [
        "*/ } func evil() { fatalError() } /*",
        "line\n}\nfunc evil() {}\n//",
        "carriage\rfunc evil() {}",
        "separator\u{2028}func evil() {}",
        "paragraph\u{2029}func evil() {}",
        "next line\u{85}func evil() {}",
        "vertical\u{0B}func evil() {}",
        "\" + evil() + \"",
        "\\(evil())",
        "#\"\"\"\nevil\n\"\"\"#",
        "`evil`",
        "nul\u{0}evil",
    ]

    @Test("descriptions, titles, defaults, enum values, patterns and examples stay inert", arguments: payloads.indices)
    func inert(index: Int) throws {
        let payload = Self.payloads[index]
        let text = SpecValue.string(payload).description  // a JSON string literal, valid in YAML flow style
        let source = try generate(document(input: """
            type: object
            title: \(text)
            description: \(text)
            properties:
              mode: {title: \(text), description: \(text), type: string, enum: [\(text), plain], default: \(text)}
              name: {type: string, default: \(text), pattern: \(text), examples: [\(text)]}
              count: {type: integer, description: \(text), maximum: 3}
            """), file: "evil\nfunc evil() {}.yaml")
        // `generate` type-checks the source against QueueRuntime.
        // Every call to evil is inside a comment or a string literal (a case may be *named* evil).
        for line in source.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) where line.contains("evil(") {
            let trimmed = line.drop(while: { $0 == " " })
            let isComment = trimmed.hasPrefix("//")
            let quote = line.firstIndex(of: "\"")
            let isInString = quote.map { line[..<$0].contains("evil(") == false } ?? false
            #expect(isComment || isInString, "code outside a comment or literal: \(line)")
        }
    }
}
