import Testing
import QueueSpec

/// Builds a document of about `megabytes` MB: one endpoint whose input has many properties, each a
/// schema with bounds, enums and descriptions like fal's (the benchmark times the same builder).
func largeDocument(megabytes: Int) -> [UInt8] {
    var text = """
        {"openapi": "3.0.4", "info": {"title": "Large", "version": "1"},
         "paths": {"/acme/large": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}}}}},
         "components": {"schemas": {"In": {"type": "object", "properties": {
        """
    var index = 0
    let target = megabytes * 1_000_000
    while text.utf8.count < target {
        if index > 0 { text += ",\n" }
        text += """
            "field_\(index)": {"title": "Field \(index)", "type": "integer", "minimum": 1, "maximum": \(index + 10), "default": 4,
              "description": "The number of inference steps to perform, field \(index), with \\"quotes\\" and unicode ✓.",
              "examples": [\(index % 7)], "x-fal-order": \(index)}
            """
        index += 1
    }
    text += "}}}}}\n"
    return Array(text.utf8)
}

@Suite("Large documents")
struct LargeDocumentTests {
    @Test("a 10 MB document loads with every property read (timing is the benchmark's job)")
    func tenMegabytes() throws {
        let bytes = largeDocument(megabytes: 10)
        #expect(bytes.count >= 10_000_000)
        let document = try SpecLoader.load(bytes: bytes, file: "large.json").get()
        let input = try #require(document.resolve(JSONPointer(tokens: ["components", "schemas", "In"])))
        #expect(input.properties.count > 20_000)
        let last = try #require(input.properties.last)
        #expect(last.schema.maximum == Double(input.properties.count - 1 + 10))
        #expect(last.schema.description?.contains("\"quotes\" and unicode ✓") == true)
    }
}
