import Testing
import QueueSpec

@Suite("Loading the documents fal publishes")
struct FixtureLoadingTests {
    @Test("all eleven fixtures load, each with its endpoint, input and output", arguments: falFixtureFiles)
    func fixtureLoads(file: String) throws {
        let result = SpecLoader.load(file: file)
        let document = try result.get()
        #expect(result.diagnostics.filter { $0.severity == .error }.isEmpty)
        #expect(document.endpoints.count == 1)
        let endpoint = try #require(document.endpoints.first)
        let expectedID = String(file.split(separator: "/").last!.dropLast(5)).replacing("__", with: "/")
        #expect(endpoint.id == expectedID)
        let input = document.dereference(endpoint.input)
        #expect(input.types == [.object])
        #expect(!input.properties.isEmpty)
        let output = document.dereference(try #require(endpoint.output))
        #expect(output.types == [.object])
        #expect(!output.required.isEmpty)
        #expect(document.openapiVersion == "3.0.4")
        #expect(document.servers == ["https://queue.fal.run"])
    }

    @Test("flux/schnell: bounds, defaults, enum cases and the image_size union are read as written")
    func fluxSchnellValues() throws {
        let file = falFixtureFiles.first { $0.hasSuffix("fal-ai__flux__schnell.json") }!
        let document = try SpecLoader.load(file: file).get()
        let input = document.dereference(document.endpoints[0].input)
        #expect(input.required == ["prompt"])
        #expect(input.propertyOrder?.first == "num_inference_steps")
        #expect(input.orderedProperties.map(\.name) == [
            "num_inference_steps", "prompt", "image_size", "seed", "guidance_scale", "sync_mode", "num_images",
            "enable_safety_checker", "output_format", "acceleration",
        ])
        let properties = Dictionary(uniqueKeysWithValues: input.properties.map { ($0.name, $0.schema) })
        let steps = try #require(properties["num_inference_steps"])
        #expect(steps.types == [.integer])
        #expect(steps.minimum == 1)
        #expect(steps.maximum == 12)
        #expect(steps.defaultValue == .integer(4))
        let guidance = try #require(properties["guidance_scale"])
        #expect(guidance.defaultValue == .number(3.5))
        #expect(guidance.maximum == 20)
        let format = try #require(properties["output_format"])
        #expect(format.enumValues == [.string("jpeg"), .string("png")])
        #expect(format.defaultValue == .string("jpeg"))
        let seed = try #require(properties["seed"])
        #expect(seed.anyOf.map(\.types) == [[.integer], [.null]])
        #expect(seed.description?.hasPrefix("\n        The same seed") == true)

        let imageSize = try #require(properties["image_size"])
        #expect(imageSize.anyOf.count == 2)
        #expect(imageSize.anyOf[0].ref == JSONPointer(tokens: ["components", "schemas", "ImageSize"]))
        #expect(imageSize.anyOf[1].enumValues?.count == 6)
        #expect(imageSize.anyOf[1].enumValues?.first == .string("square_hd"))
        #expect(imageSize.defaultValue == .string("landscape_4_3"))
        let size = try #require(document.resolve(imageSize.anyOf[0].ref!))
        let width = try #require(size.properties.first { $0.name == "width" }?.schema)
        #expect(width.exclusiveMinimum == 0)
        #expect(width.minimum == nil)
        #expect(width.maximum == 14142)
        #expect(width.defaultValue == .integer(512))
        #expect(size.required.isEmpty)

        let output = document.dereference(document.endpoints[0].output!)
        #expect(output.required == ["images", "timings", "seed", "has_nsfw_concepts", "prompt"])
        let timings = try #require(output.properties.first { $0.name == "timings" }?.schema)
        guard case .schema(let timingValue) = timings.additionalProperties else {
            Issue.record("timings should be a map of numbers")
            return
        }
        #expect(timingValue.types == [.number])
        let images = try #require(output.properties.first { $0.name == "images" }?.schema)
        #expect(images.items?.ref == JSONPointer(tokens: ["components", "schemas", "Image"]))
        #expect(document.metadata?.description.contains("\"endpointId\":\"fal-ai/flux/schnell\"") == true)
    }

    @Test("the hand-written FLUX.1 [schnell] Redux spec has all nine fields and the four queue routes")
    func reduxSpec() throws {
        let document = try SpecLoader.load(file: repositoryRoot + "/specs/flux-1-schnell-redux.yaml").get()
        #expect(document.openapiVersion == "3.1.0")
        #expect(document.endpoints.map(\.id) == ["fal-ai/flux-1/schnell/redux"])
        let endpoint = document.endpoints[0]
        let input = document.dereference(endpoint.input)
        #expect(input.orderedProperties.map(\.name) == [
            "image_url", "num_inference_steps", "image_size", "seed", "sync_mode", "num_images",
            "enable_safety_checker", "output_format", "acceleration",
        ])
        #expect(input.required == ["image_url"])
        let properties = Dictionary(uniqueKeysWithValues: input.properties.map { ($0.name, $0.schema) })
        #expect(properties["image_url"]?.isFileInput == true)
        #expect(properties["num_images"]?.minimum == 1)
        #expect(properties["num_images"]?.maximum == 4)
        #expect(properties["acceleration"]?.enumValues == [.string("none"), .string("regular"), .string("high")])
        #expect(properties["seed"]?.anyOf.last?.types == [.null])
        #expect(properties["image_size"]?.anyOf.last?.enumValues?.contains(.string("landscape_16_9")) == true)
        let output = document.dereference(try #require(endpoint.output))
        #expect(output.title == "Output")
        #expect(output.properties.map(\.name) == ["images", "timings", "seed", "has_nsfw_concepts", "prompt"])
        let image = try #require(document.resolve(JSONPointer(tokens: ["components", "schemas", "Image"])))
        let contentType = try #require(image.properties.first { $0.name == "content_type" }?.schema)
        #expect(contentType.defaultValue == .string("image/jpeg"))
        #expect(document.componentSchemas.map(\.name).contains("QueueStatus"))
    }

    @Test("several documents load into one model")
    func severalDocuments() {
        let (documents, diagnostics) = SpecLoader.load(files: falFixtureFiles + [repositoryRoot + "/specs/flux-1-schnell-redux.yaml"])
        #expect(documents.count == 12)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty)
        #expect(Set(documents.flatMap(\.endpoints).map(\.id)).count == 12)
    }
}
