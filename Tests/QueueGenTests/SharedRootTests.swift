import Testing
import QueueGen
import QueueSpec

/// Endpoints whose input or output is the same share one declaration; the declarations-only
/// rendering that the catalog benchmark builds as its floor.
@Suite("Shared inputs and outputs")
struct SharedRootTests {
    /// `document(input:)` for the endpoint `acme/<name>`.
    private func endpoint(_ name: String, input: String, output: String? = nil, components: String = "") throws -> SpecDocument {
        var yaml = document(input: input, components: components, output: output)
        yaml = yaml.replacingOccurrences(of: "/acme/app", with: "/acme/\(name)")
        return try SpecLoader.load(bytes: Array(yaml.utf8), file: "\(name).yaml").get()
    }

    private let input = """
        type: object
        required: [prompt]
        properties:
          prompt: {type: string, description: The prompt.}
        """

    @Test("two endpoints with the same output: one struct, a typealias in the second, one type for both")
    func sameOutputIsDeclaredOnce() throws {
        let documents = [try endpoint("alpha", input: input), try endpoint("beta", input: input)]
        let source = QueueGenerator.generate(documents).map(\.contents).joined(separator: "\n")
        #expect(source.components(separatedBy: "public struct Output: _WireModel").count - 1 == 1)
        #expect(source.components(separatedBy: "public struct Input: QueueInput, _WireModel").count - 1 == 1)
        #expect(source.contains("""
                /// The input of `acme/beta`: the same as `AcmeAlpha.Input`, declared once for every endpoint that shares it.
                public typealias Input = AcmeAlpha.Input
                /// The output of `acme/beta`: the same as `AcmeAlpha.Output`, declared once for every endpoint that shares it.
                public typealias Output = AcmeAlpha.Output
            """))
        // The host's doc names its own endpoint, as an unshared one does.
        #expect(source.contains("    /// The output of `acme/alpha`.\n    public struct Output: _WireModel"))
        // Both descriptors build, and a value of one endpoint's output is a value of the other's.
        let use = """
            import QueueRuntime
            let alpha: QueueEndpoint<AcmeAlpha.Input, AcmeAlpha.Output> = .acmeAlpha
            let beta: QueueEndpoint<AcmeBeta.Input, AcmeBeta.Output> = .acmeBeta
            let output: AcmeAlpha.Output = AcmeBeta.Output(ok: true)
            let input = AcmeBeta.Input(prompt: "a cat")
            let same: Bool = output == AcmeAlpha.Output(ok: true) && input.prompt == "a cat" && alpha.id != beta.id
            """
        let check = try TypeChecker.check([source, use])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test("outputs that differ only in a property's description stay two structs, each with its own docs")
    func differentDocsAreNotShared() throws {
        let output = """
            Result:
              type: object
              required: [ok]
              properties: {ok: {type: boolean, description: DOC}}
            """
        let documents = [
            try endpoint("alpha", input: input, output: "Result", components: output.replacingOccurrences(of: "DOC", with: "Whether it worked.")),
            try endpoint("beta", input: input, output: "Result", components: output.replacingOccurrences(of: "DOC", with: "Whether the job succeeded.")),
        ]
        let source = QueueGenerator.generate(documents).map(\.contents).joined(separator: "\n")
        #expect(source.components(separatedBy: "public struct Output: _WireModel").count - 1 == 2)
        #expect(source.contains("/// Whether it worked.") && source.contains("/// Whether the job succeeded."))
        #expect(!source.contains("typealias Output"))
        // The inputs are still the same and still shared.
        #expect(source.contains("public typealias Input = AcmeAlpha.Input"))
        let check = try TypeChecker.check([source])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test("declarations only: the types and their stored properties, nothing else, and it compiles")
    func declarationsOnly() throws {
        let spec = try SpecLoader.load(file: repositoryRoot + "/specs/flux-1-schnell-redux.yaml").get()
        let model = QueueGenerator.translate([spec])
        let source = QueueGenerator.render(model, declarationsOnly: true).map(\.contents).joined(separator: "\n")
        #expect(source.contains("public struct Input: Sendable {"))
        #expect(source.contains("public let imageURL: FileInput"))
        for absent in ["wireFields", "init(from", "extension QueueEndpoint", "enum Defaults", "func validate", "_WireModel", "_fields"] {
            #expect(!source.contains(absent), "\(absent)")
        }
        // Open enums stay as they are (a raw value and its initialiser); structs have neither
        // `var` properties nor initialisers.
        let count = { (text: String) in source.components(separatedBy: text).count - 1 }
        #expect(count("public var ") == 0)
        #expect(count("public let rawValue: String") > 0)
        #expect(count("public init(") == count("public init(rawValue: String)"))
        let check = try TypeChecker.check([source])
        #expect(check.status == 0, "\(check.output)")
        // The full rendering of the same model has all of it.
        let full = QueueGenerator.render(model).map(\.contents).joined(separator: "\n")
        #expect(full.contains("func _fields(") && full.contains("extension QueueEndpoint") && full.contains("self.imageURL = imageURL"))
    }
}
