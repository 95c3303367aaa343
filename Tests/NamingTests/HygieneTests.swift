import Foundation
import HygieneClient
import QueueRuntime
import Testing

/// `Tests/Fixtures/hygiene/acme__hygiene.json` names its properties after every Swift keyword,
/// every name the generated code uses for its own parameters and locals (`path`, `validator`,
/// `transform`, `decoder`, `encoder`, `container`, `value`, `issues`), names that differ only in
/// case or punctuation, and non-ASCII names, each with a bound. The module compiles with warnings
/// as errors (Package.swift); these tests check that each name still reaches its own field.
@Suite("Hostile property names")
struct HygieneTests {
    /// The integer properties of the document, each with `maximum: 1`.
    static let boundedNames = [
        "class", "struct", "func", "default", "case", "self", "Self", "Type", "Protocol", "init", "inout", "where",
        "associatedtype", "Any", "some", "async", "await", "throws", "_", "path", "validator", "transform", "decoder",
        "encoder", "container", "value", "issues", "transformFiles", "validate", "encode", "hash", "hashValue",
        "CodingKeys", "Defaults", "image_url", "imageUrl", "ImageURL", "image-url", "größe", "名前", "café", "", "2fa",
        "description", "String", "Int", "none",
    ]

    @Test("validate() reports the bound of every property, under its own wire name")
    func everyBoundIsReported() throws {
        var object: [String: Any] = [:]
        for name in Self.boundedNames { object[name] = 2 }
        object["path_pattern"] = "too long"
        object["lora"] = [
            ["path": "abcd", "transform": -1, "validator": -1, "value": -1, "container": -1],
            ["path": "ok"],
        ]
        object["size"] = ["width": 11, "path": 11]
        let data = try JSONSerialization.data(withJSONObject: object)
        let input = try JSONDecoder().decode(AcmeHygiene.Input.self, from: data)
        let reported = input.validate().map(\.dottedPath)
        let expected = Self.boundedNames + [
            "path_pattern", "lora", "lora[0].path", "lora[0].transform", "lora[0].validator", "lora[0].value",
            "lora[0].container", "size.width", "size.path",
        ]
        #expect(reported.sorted() == expected.sorted())
        #expect(reported.count == Self.boundedNames.count + 9)
    }

    @Test("every hostile name decodes into its own field and encodes back under its wire name")
    func namesRoundTrip() throws {
        var object: [String: Int] = [:]
        for (index, name) in Self.boundedNames.enumerated() { object[name] = -index }
        let input = try JSONDecoder().decode(AcmeHygiene.Input.self, from: JSONEncoder().encode(object))
        #expect(input.path == 0 - Self.boundedNames.firstIndex(of: "path")!)
        #expect(input.validator == 0 - Self.boundedNames.firstIndex(of: "validator")!)
        #expect(input.groesse == 0 - Self.boundedNames.firstIndex(of: "größe")!)
        #expect(input.`default` == 0 - Self.boundedNames.firstIndex(of: "default")!)
        #expect(input.selfValue == 0 - Self.boundedNames.firstIndex(of: "self")!)
        let back = try JSONSerialization.jsonObject(with: JSONEncoder().encode(input)) as? [String: Int]
        #expect(back == object)
    }

    @Test("enum values that are keywords, reserved names, or differ only in case keep their raw values")
    func enumValues() throws {
        let values = ["none", "None", "some", "unknown", "rawValue", "allCases", "init", "self", "Type", "class", "gif", "GIF", "16:9", "", "größe", "value"]
        #expect(AcmeHygiene.Mode.allCases.map(\.rawValue) == values)
        for value in values { #expect(AcmeHygiene.Mode(rawValue: value).isKnown) }
        #expect(AcmeHygiene.Mode(rawValue: "none") == .noMode)
        #expect(AcmeHygiene.Mode(rawValue: "GIF") == .GIF)
        #expect(AcmeHygiene.Mode(rawValue: "gif") == .gif)
        #expect(AcmeHygiene.Input.Defaults.mode == .noMode)
    }
}
