import Foundation
import Testing
import QueueSpec

/// Every problem is reported with its exact line, column and JSON pointer, all of them at once.
@Suite("Broken documents")
struct BrokenDocumentTests {
    /// `line:column pointer message-fragment` of each error, for compact assertions.
    func errors(_ text: String, file: String = "test.yaml") -> [String] {
        diagnostics(text, file: file).filter { $0.severity == .error }.map {
            "\($0.location.line):\($0.location.column) \($0.pointer) \($0.message)"
        }
    }

    static let endpoint = """
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /acme/app:
            post:
              requestBody:
                content:
                  application/json:
                    schema: {$ref: "#/components/schemas/In"}
        components:
          schemas:

        """

    @Test("malformed YAML: libyaml's message at the offending position, with the enclosing pointer")
    func malformedYAML() {
        let result = errors("openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths:\n  /a/b:\n    post: [1, 2\n")
        #expect(result == [
            "6:1 #/paths/~1a~1b/post/2 did not find expected ',' or ']' while parsing a flow sequence (which started at line 5, column 11)"
        ])
    }

    @Test("malformed JSON")
    func malformedJSON() {
        let result = errors("{\"openapi\": \"3.1.0\",\n \"info\": {\"title\": \"t\"\n \"paths\": {}}\n", file: "spec.json")
        #expect(result.count == 1)
        #expect(result.first?.hasPrefix("3:2 #/info") == true)
        let diagnostic = diagnostics("{\"openapi\": \"3.1.0\",\n \"info\": {\"title\": \"t\"\n \"paths\": {}}\n", file: "spec.json")[0]
        #expect(diagnostic.description.hasPrefix("spec.json:3:2: error: "))
    }

    @Test("a $ref to nothing, a non-local $ref, and escaped pointers that do resolve")
    func references() {
        let result = errors(Self.endpoint + """
                In:
                  type: object
                  properties:
                    a: {$ref: "#/components/schemas/Missing"}
                    b: {$ref: "other.yaml#/components/schemas/X"}
                    c: {$ref: "#/components/schemas/a~1b"}
                    d: {$ref: "#/components/schemas/In/properties/c"}
                a/b: {type: string}
            """)
        #expect(result == [
            "15:19 #/components/schemas/In/properties/a/$ref '$ref' points to nothing: there is no #/components/schemas/Missing in this document (--allow-unresolved-refs reads it as arbitrary JSON)",
            "16:19 #/components/schemas/In/properties/b/$ref only references inside the document ('#/…') are supported, found 'other.yaml#/components/schemas/X'",
        ])
    }

    @Test("with allowUnresolvedReferences, a $ref to nothing is a warning at the same place and the document loads")
    func unresolvedReferencesAllowed() throws {
        let text = Self.endpoint + """
                In:
                  type: object
                  properties:
                    a: {$ref: "#/components/schemas/Missing"}
            """
        let strict = SpecLoader.load(bytes: Array(text.utf8), file: "t.yaml")
        #expect(throws: SpecError.self) { try strict.get() }
        let lenient = SpecLoader.load(bytes: Array(text.utf8), file: "t.yaml", options: LoadOptions(allowUnresolvedReferences: true))
        let document = try lenient.get()
        let unresolved = lenient.diagnostics.filter { $0.message.contains("points to nothing") }
        #expect(unresolved.map { "\($0.severity) \($0.location.line):\($0.location.column)" } == ["warning 15:19"])
        #expect(unresolved.first?.message.contains("typed as arbitrary JSON") == true)
        #expect(!lenient.diagnostics.contains { $0.severity == .error })
        #expect(document.endpoints.count == 1)
    }

    @Test("reference cycles that would make a type contain itself; cycles through arrays are fine")
    func cycles() {
        let result = errors(Self.endpoint + """
                In:
                  type: object
                  properties:
                    next: {$ref: "#/components/schemas/In"}
                    children: {type: array, items: {$ref: "#/components/schemas/In"}}
                A: {$ref: "#/components/schemas/B"}
                B: {$ref: "#/components/schemas/A"}
            """)
        #expect(result.count == 2)
        #expect(result.contains { $0.hasPrefix("18:15 #/components/schemas/B/$ref reference cycle") && $0.contains("A → #/components/schemas/B → #/components/schemas/A") })
        #expect(result.contains { $0.hasPrefix("15:22 #/components/schemas/In/properties/next/$ref reference cycle") && $0.contains("In → #/components/schemas/In (") })
    }

    @Test("wrong types for keywords, all reported in document order")
    func wrongTypes() {
        let result = errors(Self.endpoint + """
                In:
                  type: object
                  required: width
                  properties:
                    width:
                      type: integer
                      maximum: big
                    height: {type: intger, minLength: -1}
                    depth: {type: number, minimum: 5, maximum: 1}
                    tags: {type: array, items: [{type: string}]}
                  anyOf: []
                  properties2: ignored
            """)
        #expect(result == [
            "14:17 #/components/schemas/In/required 'required' must be a list, found the string \"width\"",
            "18:20 #/components/schemas/In/properties/width/maximum 'maximum' must be a number, found the string \"big\"",
            "19:24 #/components/schemas/In/properties/height/type unknown type 'intger'; expected one of string, integer, number, boolean, array, object, null",
            "19:43 #/components/schemas/In/properties/height/minLength 'minLength' must be a non-negative integer, found the integer -1",
            "20:16 #/components/schemas/In/properties/depth the minimum 5 is greater than the maximum 1",
            "21:36 #/components/schemas/In/properties/tags/items 'items' as a list of schemas (tuple form) is not supported; use one schema",
            "22:14 #/components/schemas/In/anyOf 'anyOf' must list at least one schema",
        ])
    }

    @Test("duplicate keys point at the second key and name the first")
    func duplicateKeys() {
        let result = errors(Self.endpoint + """
                In:
                  type: object
                  type: string
            """)
        #expect(result == ["14:7 #/components/schemas/In/type duplicate key 'type' (first at line 13, column 7)"])
    }

    @Test("empty documents, comment-only documents, and documents that are not OpenAPI")
    func emptyDocuments() {
        #expect(errors("") == ["1:1 # the document is empty"])
        #expect(errors("# nothing here\n") == ["1:1 # the document is empty"])
        #expect(errors("[1, 2]") == ["1:1 # an OpenAPI document must be a mapping, found a list"])
        #expect(errors("swagger: '2.0'\n") == ["1:10 #/swagger Swagger 2.0 documents are not supported; convert it to OpenAPI 3"])
        #expect(errors("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n") == [
            "3:8 #/paths no queue endpoint found: no path has a POST with an application/json body"
        ])
    }

    @Test("alias bombs and deep nesting stop with an error instead of exhausting memory or stack")
    func resourceLimits() {
        var bomb = "openapi: 3.1.0\na: &a [x,x,x,x,x,x,x,x,x,x]\n"
        var previous = "a"
        for level in 0..<12 {
            bomb += "l\(level): &l\(level) [" + Array(repeating: "*" + previous, count: 10).joined(separator: ",") + "]\n"
            previous = "l\(level)"
        }
        #expect(errors(bomb).first?.hasSuffix("aliases expand the document to more than 20000000 nodes") == true)
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(errors(deep).first?.hasPrefix("1:257 ") == true)
        #expect(errors(deep).first?.hasSuffix("the document nests deeper than 256 levels") == true)
    }

    @Test("invalid UTF-8 is located")
    func invalidUTF8() {
        let bytes = Array("openapi: 3.1.0\ninfo: {title: \"".utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8)
        let result = SpecLoader.load(bytes: bytes, file: "bad.yaml").diagnostics.map { "\($0.location) \($0.message)" }
        #expect(result == ["bad.yaml:2:16 not valid UTF-8 text: invalid leading UTF-8 octet"])
    }

    @Test("YAML features real documents use: anchors, aliases, merge keys, block scalars, quoted keys, comments")
    func yamlFeatures() throws {
        let document = try load(Self.endpoint + """
                Base: &base
                  type: integer
                  minimum: 1
                In:
                  type: object   # a comment
                  properties:
                    "quoted key": *base
                    merged:
                      <<: *base
                      maximum: 9
                    text:
                      type: string
                      description: |
                        Two
                        lines.
                    folded:
                      type: string
                      description: >-
                        one
                        line
            """).get()
        let input = try #require(document.resolve(JSONPointer(tokens: ["components", "schemas", "In"])))
        let properties = Dictionary(uniqueKeysWithValues: input.properties.map { ($0.name, $0.schema) })
        #expect(properties["quoted key"]?.minimum == 1)
        #expect(properties["merged"]?.minimum == 1)
        #expect(properties["merged"]?.maximum == 9)
        #expect(properties["text"]?.description == "Two\nlines.\n")
        #expect(properties["folded"]?.description == "one line")
    }
}

@Suite("Line numbering")
struct LineNumberingTests {
    @Test("lines are numbered as YAML breaks them: CR LF, lone CR, LF, NEL, LS, PS")
    func lineBreaks() {
        #expect(YAMLReader.lineCount(Array("a\r\nb\rc\nd\u{85}e\u{2028}f\u{2029}g".utf8)) == 7)
        let text = "openapi: 3.1.0\rinfo: {title: t}\r\npaths:\n  /a/b: {post: 7}\u{2028}x: [\n"
        let diagnostic = diagnostics(text).first
        #expect(diagnostic?.location.line == 6)
        #expect((diagnostic?.location.line ?? 99) <= YAMLReader.lineCount(Array(text.utf8)))
    }
}

@Suite("Fuzzer findings")
struct FuzzerFindingTests {
    @Test("x-fal-order-properties with a non-string item warns at the right item instead of crashing")
    func orderWithNonStrings() {
        let found = diagnostics(BrokenDocumentTests.endpoint + """
                In:
                  type: object
                  properties: {a: {type: string}}
                  x-fal-order-properties: [7, a, b]
            """)
        #expect(found.filter { $0.pointer.tokens.first == "components" }.map {
            "\($0.severity) \($0.location.line):\($0.location.column) \($0.pointer) \($0.message)"
        } == [
            "error 15:32 #/components/schemas/In/x-fal-order-properties/0 item 0 of 'x-fal-order-properties' must be a string, found the integer 7",
            "warning 15:38 #/components/schemas/In/x-fal-order-properties/2 'x-fal-order-properties' names 'b', which is not a property",
        ])
    }

    @Test("every saved fuzzer input loads or fails with diagnostics inside the text, as the fuzz target checks")
    func savedInputs() throws {
        // Inputs libFuzzer found, kept as it wrote them.
        let files = fixtureFiles(in: "fuzz-regressions")
        #expect(!files.isEmpty)
        for path in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            expectDiagnosticsInside(SpecLoader.load(bytes: bytes, file: path), of: bytes, path)
        }
    }

    @Test("a fal document with lone CR line breaks reports its syntax error where PyYAML does too")
    func loneCarriageReturns() throws {
        let path = repositoryRoot + "/Tests/Fixtures/fuzz-regressions/lone-cr-line-breaks.json"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.filter { $0 == 0x0A }.count == 451)  // 573 lines once lone CRs count
        #expect(YAMLReader.lineCount(bytes) == 573)
        // PyYAML 6 reads it the same way: "while parsing a flow mapping, line 512, column 18:
        // expected ',' or '}', but got '<scalar>', line 514, column 16".
        let found = SpecLoader.load(bytes: bytes, file: "f.json").diagnostics
        #expect(found.map { "\($0.severity) \($0.location.line):\($0.location.column) \($0.message)" } == [
            "error 514:16 did not find expected ',' or '}' while parsing an object (which started at line 512, column 18)"
        ])
    }

    @Test("a syntax error at the end of a file without a final line break is reported on the last line")
    func errorAtEndOfFile() {
        let found = diagnostics("{\"openapi\": \"3.1.0\",\n \"info\": {\"title\": \"t\"}")
        #expect(found.count == 1)
        #expect(found.first?.location.line == 2)
        #expect(found.first?.location.column == 24)  // just after the last character
        // An empty document that libyaml closes on a line of its own.
        #expect(diagnostics("---").map { "\($0.location.line):\($0.location.column) \($0.message)" } == ["1:4 the document is empty"])
    }

    @Test("JSON with C1 control characters in strings loads, keeps them, and reports later errors at the right column")
    func c1ControlCharacters() throws {
        // fal-ai/omnilottie/image-to-lottie has mojibake of an em dash: U+00E2 U+0080 U+0094.
        let description = "Lottie \u{E2}\u{80}\u{94} an animation, next line \u{85} kept"
        let good = "{\"openapi\": \"3.1.0\", \"info\": {\"title\": \"t\", \"version\": \"1\", \"description\": \"\(description)\"}, \"paths\": {}}"
        let (root, found) = YAMLReader.read(Array(good.utf8), file: "c1.json")
        #expect(found.isEmpty, "\(found)")
        #expect(root?["info"]?["description"]?.scalarValue?.stringValue == description)
        // The same characters as YAML are still refused (YAML forbids them).
        #expect(!diagnostics("description: \"\(description)\"\n", file: "c1.yaml").isEmpty)
        // A syntax error after C1 characters on the same line: the column counts each as one character.
        let broken = "{\"a\": \"\u{80}\u{81}\u{9F}\" \"b\": 1}"
        let brokenFound = diagnostics(broken, file: "broken.json")
        #expect(brokenFound.map { "\($0.location.line):\($0.location.column) \($0.message)" } == [
            "1:13 did not find expected ',' or '}' while parsing an object (which started at line 1, column 1)"
        ])
    }
}
