import Testing
import QueueGen
import QueueSpec

/// Layer 1: a few lines of schema in, exact Swift out, one concern per test.
@Suite("Snippets")
struct SnippetTests {
    @Test("required and optional fields, wire names, memberwise init, defaults and bounds")
    func structShape() throws {
        let source = try generate(document(input: """
            type: object
            required: [prompt]
            properties:
              prompt: {type: string, description: The prompt.}
              num_steps: {type: integer, minimum: 1, maximum: 12, default: 4}
            """))
        #expect(declaration("Input", in: source) == """
            /// The input of `acme/app`.
            public struct Input: QueueInput, _WireModel {
                /// The prompt.
                public let prompt: String
                /// At least 1, at most 12. Default: `4`.
                public let numSteps: Int?

                public init(prompt: String, numSteps: Int? = nil) {
                    self.prompt = prompt
                    self.numSteps = numSteps
                }

                public init(from decoder: any Decoder) throws {
                    let wire = try _WireReader(decoder)
                    try self.init(prompt: wire.string("prompt"), numSteps: wire.intIfPresent("num_steps"))
                }

                public func _fields(_ wire: inout _WireFields) {
                    wire.string("prompt", self.prompt)
                    wire.intIfPresent("num_steps", self.numSteps, [.minimum(1), .maximum(12)])
                }

                /// The values the service uses for fields left unset.
                public enum Defaults {
                    public static var numSteps: Int { 4 }
                }
            }
            """)
    }

    @Test("every stored property is let, inputs included: a value is built by its initializer, and assigning to a field does not compile")
    func propertiesAreImmutable() throws {
        let source = try generate(document(input: """
            type: object
            properties:
              style: {$ref: "#/components/schemas/Style"}
              seed: {type: integer}
            """, components: """
            Style:
              type: object
              properties:
                name: {type: string}
            AppOutput:
              type: object
              required: [images]
              properties:
                images: {type: array, items: {$ref: "#/components/schemas/Image"}}
                style: {$ref: "#/components/schemas/Style"}
            Image:
              type: object
              properties:
                url: {type: string}
            """, output: "AppOutput"))
        #expect(try #require(declaration("Output", in: source)).contains("public let images: [Image]\n"))
        #expect(try #require(declaration("Image", in: source)).contains("public let url: String?\n"))
        #expect(try #require(declaration("Style", in: source)).contains("public let name: String?\n"))
        #expect(try #require(declaration("Input", in: source)).contains("public let seed: Int64?\n"))
        #expect(!source.contains("public var "))
        let built = """
            import QueueRuntime
            let input = AcmeApp.Input(style: AcmeApp.Style(name: "ink"), seed: 7)
            let same: Bool = input == AcmeApp.Input(style: .init(name: "ink"), seed: 7) && input.seed == 7
            """
        let check = try TypeChecker.check([source, built])
        #expect(check.status == 0, "\(check.output)")
        let assigned = """
            import QueueRuntime
            func assign() {
                var input = AcmeApp.Input(seed: 7)
                input.seed = 8
            }
            """
        let refused = try TypeChecker.check([source, assigned])
        #expect(refused.status != 0)
        #expect(refused.output.contains("'seed' is a 'let' constant"), "\(refused.output)")
    }

    @Test("string enum: a struct wrapping the raw value, a static member per value, sanitised names")
    func openEnum() throws {
        let source = try generate(document(input: """
            type: object
            properties:
              ratio: {title: Aspect Ratio, type: string, enum: ["16:9", "none", "4_3", "class"]}
            """))
        #expect(declaration("AspectRatio", in: source) == """
            /// Aspect Ratio
            public struct AspectRatio: OpenStringEnum {
                public let rawValue: String

                public init(rawValue: String) { self.rawValue = rawValue }

                public static var _16x9: Self { .init(rawValue: "16:9") }
                public static var noAspectRatio: Self { .init(rawValue: "none") }
                public static var _4x3: Self { .init(rawValue: "4_3") }
                public static var `class`: Self { .init(rawValue: "class") }

                public static var allCases: [Self] { [._16x9, .noAspectRatio, ._4x3, .`class`] }
            }
            """)
    }

    @Test("anyOf [T, null] is an optional T, even when required")
    func nullableUnion() throws {
        let source = try generate(document(input: """
            type: object
            required: [seed]
            properties:
              seed: {anyOf: [{type: integer}, {type: "null"}]}
              name: {type: [string, "null"]}
            """))
        let input = try #require(declaration("Input", in: source))
        #expect(input.contains("public let seed: Int64?"))
        #expect(input.contains("public let name: String?"))
        #expect(input.contains("public init(seed: Int64? = nil, name: String? = nil)"))
    }

    @Test("anyOf of an object and a string enum: cases named by shape, the object nested as Custom")
    func shapeUnion() throws {
        let source = try generate(document(input: """
            type: object
            properties:
              image_size:
                title: Image Size
                anyOf:
                  - {$ref: "#/components/schemas/ImageSize"}
                  - {type: string, enum: [square, landscape_4_3]}
                default: square
            """, components: """
            ImageSize:
              type: object
              properties:
                width: {type: integer, exclusiveMinimum: 0}
                height: {type: integer}
            """))
        let union = try #require(declaration("ImageSize", in: source))
        #expect(union.contains("    case preset(Preset)\n    case custom(Custom)\n"))
        #expect(union.contains("public static func custom(width: Int? = nil, height: Int? = nil) -> Self"))
        #expect(union.contains("if let value = try? container.decode(Preset.self) { self = .preset(value); return }"))
        #expect(union.contains("self = .custom(try container.decode(Custom.self))"))
        #expect(union.contains("case .custom(let value): value.validate(at: path)"))
        #expect(union.contains("    public struct Custom: _WireModel {"))
        #expect(union.contains("    public struct Preset: OpenStringEnum {"))
        #expect(source.contains("public static var imageSize: ImageSize { .preset(.square) }"))
        #expect(!source.contains("public struct ImageSize: QueueModel"))
    }

    @Test("maps, arrays, arbitrary JSON and nested inline objects")
    func collections() throws {
        let source = try generate(document(input: """
            type: object
            properties:
              timings: {type: object, additionalProperties: {type: number}}
              extra: {type: object, additionalProperties: true}
              anything: {}
              tags: {type: array, items: {type: string}, minItems: 1, maxItems: 3}
              lora:
                title: Lora Weight
                type: object
                required: [path]
                properties:
                  path: {type: string, pattern: "^https?://"}
                  scale: {type: number, maximum: 4}
            """))
        let input = try #require(declaration("Input", in: source))
        #expect(input.contains("public let timings: [String: Double]?"))
        #expect(input.contains("public let extra: [String: JSONValue]?"))
        #expect(input.contains("public let anything: JSONValue?"))
        #expect(input.contains("public let tags: [String]?"))
        #expect(input.contains("public let lora: LoRAWeight?"))
        #expect(input.contains(#"wire.valueIfPresent("tags", self.tags, [.minItems(1), .maxItems(3)])"#))
        // A nested model needs no entry of its own: the runtime validates every field's value.
        #expect(input.contains(#"wire.valueIfPresent("lora", self.lora)\#n"#))
        let lora = try #require(declaration("LoRAWeight", in: source))
        #expect(lora.contains(#"wire.string("path", self.path, [.pattern("^https?://")])"#))
        #expect(lora.contains(#"wire.doubleIfPresent("scale", self.scale, [.maximum(4)])"#))
    }

    @Test("x-fal-file-input fields are FileInput; the generated code has no file-walking code of its own")
    func fileInput() throws {
        let source = try generate(document(input: """
            type: object
            required: [image_url]
            properties:
              image_url: {type: string, x-fal-file-input: true}
              mask_url: {type: string, x-fal-file-input: true}
            """))
        let input = try #require(declaration("Input", in: source))
        #expect(input.contains("public let imageURL: FileInput\n"))
        #expect(input.contains("public let maskURL: FileInput?\n"))
        #expect(input.contains(#"wire.value("image_url", self.imageURL)\#n"#) && input.contains(#"imageURL: wire.value("image_url")"#))
        #expect(!source.contains("transformFiles") && !source.contains("async"))
    }

    @Test("x-fal-order-properties decides the order; 3.0 boolean exclusiveMinimum is read")
    func orderAndExclusive() throws {
        let source = try generate(document(input: """
            type: object
            x-fal-order-properties: [b, a]
            properties:
              a: {type: number, minimum: 0, exclusiveMinimum: true}
              b: {type: string}
            """))
        let input = try #require(declaration("Input", in: source))
        #expect(input.contains("public init(b: String? = nil, a: Double? = nil)"))
        #expect(input.contains(#"wire.doubleIfPresent("a", self.a, [.exclusiveMinimum(0)])"#))
    }

    @Test("identifiers: keywords, digits, punctuation, non-ASCII, empty names and collisions")
    func identifiers() throws {
        let source = try generate(document(input: """
            type: object
            properties:
              class: {type: string}
              "2fa": {type: string}
              "a-b.c": {type: string}
              "größe": {type: string}
              "": {type: string}
              image_url: {type: string}
              imageUrl: {type: string}
              self: {type: string}
            """))
        let input = try #require(declaration("Input", in: source))
        #expect(input.contains("public let `class`: String?"))
        #expect(input.contains("public let _2fa: String?"))
        #expect(input.contains("public let aBC: String?"))
        #expect(input.contains("public let groesse: String?"))
        #expect(input.contains("public let value: String?"))
        #expect(input.contains("public let imageURL: String?"))
        #expect(input.contains("public let imageURL2: String?"))
        #expect(input.contains("public let selfValue: String?"))
        #expect(input.contains(#"wire.stringIfPresent("imageUrl", self.imageURL2)"#))
        #expect(input.contains(#"wire.stringIfPresent("", self.value)"#))
        #expect(input.contains(#"wire.stringIfPresent("self", self.selfValue)"#) && input.contains(#"class: wire.stringIfPresent("class")"#))
    }

    @Test("a name made from an owner and a taken name is never one the generated code spells (File + Input)")
    func ownedNamesAvoidRuntimeNames() throws {
        // Found by the long random-document run (seed 7): `Input` is taken by the root, so the
        // enum inside `File` was named `FileInput`, which hid QueueRuntime's `FileInput`.
        let source = try generate(document(input: """
            type: object
            properties:
              file:
                title: File
                type: object
                properties:
                  input: {title: Input, type: string, enum: [a, b]}
                  url: {type: string, x-fal-file-input: true}
            """))
        #expect(source.contains("public struct FileInputModel: OpenStringEnum"))
        #expect(!source.contains("struct FileInput:"))
    }

    @Test("endpoint descriptor: one static member per endpoint on QueueEndpoint")
    func endpointDescriptor() throws {
        let source = try generate(document(input: "type: object\nproperties: {a: {type: string}}"))
        #expect(source.contains("""
            extension QueueEndpoint where Input == AcmeApp.Input, Output == AcmeApp.Output {
                /// App (`acme/app`).
                public static var acmeApp: Self { .init(id: "acme/app") }
            }

            /// The types of App (`acme/app`).
            public enum AcmeApp {
            """))
        #expect(source.contains("private typealias GeneratedCodeVersionCheck = QueueGeneratedCodeVersion4"))
        #expect(source.hasPrefix("// Generated by queuegen from app.yaml.\n// Do not edit"))
    }

    @Test("endpoint names read as the id does: fal-ai dropped, other owners and every number kept")
    func endpointNames() {
        #expect(SwiftNamer.endpointTypeName("fal-ai/flux-1/schnell/redux") == "Flux1SchnellRedux")
        #expect(SwiftNamer.endpointTypeName("fal-ai/flux/schnell/redux") == "FluxSchnellRedux")
        #expect(SwiftNamer.endpointTypeName("fal-ai/flux-pro/v1.1-ultra") == "FluxProV11Ultra")
        #expect(SwiftNamer.endpointTypeName("fal-ai/pixverse/v5.6/image-to-video") == "PixverseV56ImageToVideo")
        #expect(SwiftNamer.endpointTypeName("fal-ai/kling-video/v2.1/pro/image-to-video") == "KlingVideoV21ProImageToVideo")
        #expect(SwiftNamer.endpointTypeName("fal-ai/ltx-2-19b/image-to-video") == "Ltx219bImageToVideo")
        #expect(SwiftNamer.endpointTypeName("fal-ai/hunyuan-3d/v3.1/rapid/text-to-3d") == "Hunyuan3DV31RapidTextTo3D")
        #expect(SwiftNamer.endpointTypeName("workflows/acme/my-flow") == "WorkflowsAcmeMyFlow")
        #expect(SwiftNamer.endpointTypeName("bria/video/background-removal") == "BriaVideoBackgroundRemoval")
        #expect(SwiftNamer.endpointTypeName("veed/video-background-removal") == "VeedVideoBackgroundRemoval")
        #expect(SwiftNamer.endpointTypeName("fal-ai/flux-lora") == "FluxLoRA")
        // Never a name Swift or SwiftUI declares at the top level.
        #expect(SwiftNamer.endpointTypeName("fal-ai/image") == "ImageEndpoint")
        #expect(SwiftNamer.endpointMemberName("fal-ai/flux-1/schnell/redux") == "flux1SchnellRedux")
        #expect(SwiftNamer.endpointMemberName("fal-ai/sdxl-turbo") == "sdxlTurbo")
        #expect(SwiftNamer.endpointMemberName("acme/id") == "acmeID")
    }
}
