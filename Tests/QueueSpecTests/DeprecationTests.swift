import QueueSpec
import Testing

/// `deprecated` is read into the model for operations (the endpoint), schemas and properties.
@Suite("Deprecation flags")
struct DeprecationTests {
    static func document(operation: String, property: String) -> String {
        """
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /acme/app:
            post:
              deprecated: \(operation)
              requestBody:
                content:
                  application/json:
                    schema: {$ref: "#/components/schemas/In"}
        components:
          schemas:
            In:
              type: object
              deprecated: true
              properties:
                old: {type: string, deprecated: \(property)}
                new: {type: string}

        """
    }

    @Test("operation, schema and property flags, each where it is written")
    func flags() throws {
        let document = try SpecLoader.load(bytes: Array(Self.document(operation: "true", property: "true").utf8), file: "d.yaml").get()
        let endpoint = try #require(document.endpoints.first)
        #expect(endpoint.isDeprecated)
        #expect(endpoint.pointer.description == "#/paths/~1acme~1app")
        let input = document.dereference(endpoint.input)
        #expect(input.isDeprecated)
        #expect(input.properties.map(\.schema.isDeprecated) == [true, false])
        let plain = try SpecLoader.load(bytes: Array(Self.document(operation: "false", property: "false").utf8), file: "d.yaml").get()
        #expect(plain.endpoints.first?.isDeprecated == false)
    }

    @Test("a flag that is not a boolean is an error at its place")
    func notABoolean() {
        let result = SpecLoader.load(bytes: Array(Self.document(operation: "soon", property: "true").utf8), file: "d.yaml")
        let errors = result.diagnostics.filter { $0.severity == .error }.map { "\($0.location.line):\($0.location.column) \($0.pointer) \($0.message)" }
        #expect(errors == ["6:19 #/paths/~1acme~1app/post/deprecated 'deprecated' must be true or false, found the string \"soon\""])
    }
}
