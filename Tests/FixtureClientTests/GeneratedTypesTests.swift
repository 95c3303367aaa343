import Foundation
import Testing
import FluxRedux
import FalFixtureClients
import QueueRuntime

/// Layer 3: the generated types, compiled, encode and decode real payloads.
@Suite("Generated types, compiled and run")
struct GeneratedTypesTests {
    let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func canonical<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("FLUX.1 [schnell] Redux input: only what was set is encoded, byte for byte")
    func minimalInput() throws {
        let input = Flux1SchnellRedux.Input(imageURL: "https://example.com/cat.png")
        #expect(try canonical(input) == #"{"image_url":"https://example.com/cat.png"}"#)
        #expect(input.validate().isEmpty)
    }

    @Test("both forms of image_size round-trip byte for byte")
    func imageSizeForms() throws {
        let preset = #"{"image_size":"landscape_16_9","image_url":"u","num_images":2,"output_format":"png","seed":8589934592}"#
        let decodedPreset = try JSONDecoder().decode(Flux1SchnellRedux.Input.self, from: Data(preset.utf8))
        #expect(decodedPreset.imageSize == .preset(.landscape16x9))
        #expect(decodedPreset.seed == 8_589_934_592)
        #expect(decodedPreset.outputFormat == .png)
        #expect(try canonical(decodedPreset) == preset)

        let custom = #"{"image_size":{"height":768,"width":1024},"image_url":"u"}"#
        let decodedCustom = try JSONDecoder().decode(Flux1SchnellRedux.Input.self, from: Data(custom.utf8))
        #expect(decodedCustom.imageSize == .custom(width: 1024, height: 768))
        #expect(try canonical(decodedCustom) == custom)
    }

    @Test("open enums keep values they do not know, and write them back")
    func openEnums() throws {
        let json = #"{"acceleration":"ludicrous","image_size":"panorama_21_9","image_url":"u"}"#
        let input = try JSONDecoder().decode(Flux1SchnellRedux.Input.self, from: Data(json.utf8))
        #expect(input.acceleration == Flux1SchnellRedux.Acceleration(rawValue: "ludicrous"))
        #expect(input.acceleration?.rawValue == "ludicrous")
        #expect(input.acceleration?.isKnown == false)
        #expect(input.imageSize == .preset(.init(rawValue: "panorama_21_9")))
        #expect(input.imageSize != .preset(.square))
        #expect(try canonical(input) == json)
        #expect(Flux1SchnellRedux.Acceleration(rawValue: "none") == .noAcceleration)
        #expect(Flux1SchnellRedux.Acceleration.noAcceleration.isKnown)
        // A switch matches the known values and sends the rest to `default`.
        func label(_ value: Flux1SchnellRedux.Acceleration) -> String {
            switch value {
            case .noAcceleration: "off"
            case .regular, .high: "on"
            default: "unknown: \(value)"
            }
        }
        #expect(label(.high) == "on" && label(.noAcceleration) == "off" && label(.init(rawValue: "warp")) == "unknown: warp")
        #expect(Flux1SchnellRedux.Acceleration.allCases.map(\.rawValue) == ["none", "regular", "high"])
    }

    @Test("validate() catches num_inference_steps 13 and num_images 0, with field paths, and passes the defaults")
    func validation() {
        var input = Flux1SchnellRedux.Input(imageURL: "u", numInferenceSteps: 13, imageSize: .custom(width: 0, height: 20_000), numImages: 0)
        let issues = input.validate()
        #expect(issues.map(\.dottedPath) == ["num_inference_steps", "image_size.width", "image_size.height", "num_images"])
        #expect(issues[0].constraint == .maximum(12))
        #expect(issues[0].found == "13")
        #expect(issues[1].constraint == .exclusiveMinimum(0))
        #expect(issues[2].constraint == .maximum(14142))
        #expect(issues[3].constraint == .minimum(1))
        #expect(issues[0].description == "num_inference_steps must be at most 12 (found 13)")

        typealias Defaults = Flux1SchnellRedux.Input.Defaults
        input = Flux1SchnellRedux.Input(
            imageURL: "u", numInferenceSteps: Defaults.numInferenceSteps, imageSize: Defaults.imageSize, syncMode: Defaults.syncMode,
            numImages: Defaults.numImages, enableSafetyChecker: Defaults.enableSafetyChecker, outputFormat: Defaults.outputFormat,
            acceleration: Defaults.acceleration)
        #expect(input.validate().isEmpty)
        #expect(Defaults.numInferenceSteps == 4)
        #expect(Defaults.imageSize == .preset(.landscape4x3))
        #expect(Flux1SchnellRedux.ImageSize.Custom.Defaults.width == 512)
    }

    @Test("an output as the service sends it decodes, including a 64-bit seed and a data URI; re-encodes byte for byte")
    func output() throws {
        let json = #"{"has_nsfw_concepts":[false,false],"images":[{"content_type":"image/jpeg","height":768,"url":"https://v3.fal.media/files/a.jpg","width":1024},{"content_type":null,"height":768,"url":"data:image/png;base64,iVBORw0KGgo=","width":1024}],"prompt":"","seed":5000000000,"timings":{"inference":0.42}}"#
        let output = try JSONDecoder().decode(Flux1SchnellRedux.Output.self, from: Data(json.utf8))
        #expect(output.images.count == 2)
        #expect(output.images[1].url.hasPrefix("data:image/png"))
        #expect(output.images[1].contentType == nil)
        #expect(output.seed == 5_000_000_000)
        #expect(output.timings["inference"] == 0.42)
        // `content_type: null` is not re-sent (nil is left out), everything else is identical.
        #expect(try canonical(output) == json.replacing(#""content_type":null,"#, with: ""))
    }

    @Test("a file input made from bytes is sent as a data URI")
    func fileInputBytes() throws {
        let input = Flux1SchnellRedux.Input(imageURL: .bytes(Data([1, 2, 3]), contentType: "image/png"))
        #expect(try canonical(input) == #"{"image_url":"data:image/png;base64,AQID"}"#)
    }

    @Test("fal's published examples decode into the fixture clients and re-encode byte for byte")
    func falExamples() throws {
        let recraft = #"{"images":[{"url":"https://fal.media/files/penguin/852yy3l5DGLmrwAK42RTB_image.webp"}]}"#
        let recraftOutput = try JSONDecoder().decode(RecraftV3.Output.self, from: Data(recraft.utf8))
        #expect(recraftOutput.images.first?.url == "https://fal.media/files/penguin/852yy3l5DGLmrwAK42RTB_image.webp")
        #expect(try canonical(recraftOutput) == recraft)

        let ideogram = #"{"images":[{"url":"https://fal.media/files/monkey/cNaoxPl0YAWYb-QVBvO9F_image.png"}],"seed":123456}"#
        let ideogramOutput = try JSONDecoder().decode(IdeogramV2.Output.self, from: Data(ideogram.utf8))
        #expect(ideogramOutput.seed == 123456)
        #expect(try canonical(ideogramOutput) == ideogram)

        let schnell = #"{"image_size":"landscape_4_3","num_images":1,"prompt":"Extreme close-up of a single tiger eye"}"#
        let schnellInput = try JSONDecoder().decode(FluxSchnell.Input.self, from: Data(schnell.utf8))
        #expect(schnellInput.imageSize == .preset(.landscape4x3))
        #expect(try canonical(schnellInput) == schnell)
        #expect(FluxSchnell.Input(prompt: "p", guidanceScale: 25).validate().map(\.dottedPath) == ["guidance_scale"])
    }

    @Test("each endpoint descriptor carries its id and the owner/alias form")
    func descriptors() {
        #expect(QueueEndpoint.flux1SchnellRedux.id.rawValue == "fal-ai/flux-1/schnell/redux")
        #expect(QueueEndpoint.flux1SchnellRedux.id.appPath == "fal-ai/flux-1")
        let ultra: QueueEndpoint<FluxProV11Ultra.Input, FluxProV11Ultra.Output> = .fluxProV11Ultra
        #expect(ultra.id.appPath == "fal-ai/flux-pro")
        let pixverse: QueueEndpoint<PixverseV56ImageToVideo.Input, PixverseV56ImageToVideo.Output> = .pixverseV56ImageToVideo
        #expect(pixverse.id.subpath == "v5.6/image-to-video")
    }
}
