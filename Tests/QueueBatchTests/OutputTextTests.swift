import Foundation
import QueueRuntime
import Testing

@testable import QueueBatch

/// The runner writes outputs with a hand-written serializer: the same bytes JSONEncoder wrote
/// before it (sorted keys, slashes not escaped), so files and manifests do not change.
@Suite("Output text")
struct OutputTextTests {
    static func encoded(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decoded(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test("An output of the local queue server's FLUX endpoint: the same bytes as JSONEncoder")
    func fluxOutput() throws {
        let value = try Self.decoded(
            #"""
            {"images":[{"url":"https://example.com/files/a b/1.jpg?x=1&y=2","width":1024,"height":768,"content_type":"image/jpeg"}],
             "timings":{"inference":0.25,"total":1.5e-3},"seed":42,"has_nsfw_concepts":[false],"prompt":"a \"quoted\" café\nnext line\ttab \\ back",
             "nothing":null,"ratio":5.0,"negative":-3.75,"big":12345678901234,"empty":{},"list":[]}
            """#)
        let text = OutputText.json(value)
        #expect(text == (try Self.encoded(value)))
        #expect(text.contains(#""url":"https://example.com/files/a b/1.jpg?x=1&y=2""#))
        #expect(try Self.decoded(text) == value)
    }

    @Test("Control characters, quotes and non-ASCII survive a round trip")
    func escaping() throws {
        let strings = ["", "plain", "\u{0}\u{1}\u{8}\u{C}\u{1F}", "\"\\/", "日本語 🚀", "line\r\nbreak"]
        for string in strings {
            let value = JSONValue.object(["k": .string(string), "z": .array([.string(string), .int(-1), .bool(true)])])
            let text = OutputText.json(value)
            #expect(try Self.decoded(text) == value, "\(text)")
            #expect(text == (try Self.encoded(value)), "\(string.debugDescription)")
        }
    }

    @Test("Keys are sorted at every level")
    func sortedKeys() {
        let value = JSONValue.object([
            "b": .object(["y": .int(1), "x": .int(2)]), "a": .array([.object(["d": .null, "c": .double(0.5)])]), "a_b": .bool(false),
        ])
        #expect(OutputText.json(value) == #"{"a":[{"c":0.5,"d":null}],"a_b":false,"b":{"x":2,"y":1}}"#)
    }

    @Test("Outputs and inputs decode to the value JSONValue's own decoder gives")
    func decodesAsJSONValue() throws {
        let texts = [
            #"{"a":true,"b":false,"c":null,"d":5,"e":5.0,"f":-0.25,"g":1e20,"h":"x","i":[],"j":{},"k":[1,"2",[3.5,{"l":null}]]}"#,
            #"[true,1,1.5,"s",null]"#, #""text""#, "42", "-7.125", "true", "null", "9223372036854775807", "18446744073709551616",
        ]
        for text in texts {
            let expected = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(try JSONDecoder().decode(RawOutput.self, from: Data(text.utf8)).value == expected, "\(text)")
        }
        for text in texts {
            #expect(try RawOutput(rawJSON: Data(text.utf8)).value == (try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))), "\(text)")
        }
        #expect(try RawInput(line: texts[0]).value == (try JSONDecoder().decode(JSONValue.self, from: Data(texts[0].utf8))))
    }
}
