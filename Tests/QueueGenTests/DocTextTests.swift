import Testing
@testable import QueueGen

@Suite("Doc comment and string literal text")
struct DocTextTests {
    @Test("fal's docstring indentation is removed, blank runs collapse, trailing spaces go")
    func dedent() {
        let text = "\n    The size of the image.   \n\n\n        Indented example.\n    Last line.\n  \n"
        #expect(DocText.lines(text) == ["The size of the image.", "", "    Indented example.", "Last line."])
        #expect(DocText.lines("  one line  ") == ["one line"])
        #expect(DocText.lines(" \n \n") == [])
        #expect(DocText.lines(nil) == [])
    }

    @Test("every line break splits, tabs expand, control and format characters are dropped")
    func breaksAndControls() {
        #expect(DocText.lines("a\r\nb\rc\u{2028}d\u{85}e") == ["a", "b", "c", "d", "e"])
        #expect(DocText.lines("x\ty\u{7}z\u{200B}") == ["x    yz"])
        #expect(DocText.lines("caf\u{E9} */ still text") == ["caf\u{E9} */ still text"])
    }

    @Test("the ASCII fast paths give what the scalar-by-scalar paths give, for every text of up to 5 characters from 7")
    func fastPathsAgree() {
        let alphabet: [Character] = ["a", " ", "\n", "\"", "\\", "`", "/"]
        var texts: [String] = [""]
        var previous: [String] = [""]
        for _ in 1...5 {
            previous = previous.flatMap { text in alphabet.map { text + String($0) } }
            texts += previous
        }
        #expect(texts.count == 19_608)
        for text in texts {
            #expect(DocText.splitLines(text).map(String.init) == DocText.scalarLines(text).map(String.init), "\(text.debugDescription)")
            #expect(DocText.literal(text) == DocText.scalarLiteral(text), "\(text.debugDescription)")
        }
    }

    @Test("literals escape quotes, backslashes, interpolation openers and line breaks")
    func literals() {
        #expect(DocText.literal(#"say "hi" \(x)"#) == #""say \"hi\" \\(x)""#)
        #expect(DocText.literal("a\nb\u{2028}c") == #""a\nb\u{2028}c""#)
        #expect(DocText.literal("plain") == #""plain""#)
    }
}
