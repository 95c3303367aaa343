import Fal3D
import FalAudio
import FalImage
import FalSpeech
import FalText
import FalTraining
import FalVideo
import FalVision
import Foundation
import QueueRuntime
import QueueSimulator
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One endpoint of each catalog product, from its typed input to its typed output, against the
/// local queue server started in-process on an ephemeral loopback port with that endpoint's
/// document from `specs/fal`.
@Suite("Catalog products end to end")
struct CatalogEndToEndTests {
    @Test("FalImage: fal-ai/flux-1/schnell gives the images asked for, served as real image files")
    func image() async throws {
        try await withCatalogSimulator("image/fal-ai__flux-1__schnell.json") { client, _ in
            let output = try await client.run(.flux1Schnell, Flux1Schnell.Input(prompt: "a lighthouse at dusk", imageSize: .custom(width: 64, height: 48), seed: 7, numImages: 2), timeout: .seconds(60))
            #expect(output.images.count == 2)
            #expect(output.seed == 7)
            #expect(output.prompt == "a lighthouse at dusk")
            for image in output.images {
                let bytes = try await fetch(image.url)
                #expect(isPNG(bytes) || isJPEG(bytes), "\(image.url) is not an image")
            }
        }
    }

    @Test("FalVideo: fal-ai/ltx-2-19b/image-to-video gives a served video file that echoes the prompt and seed")
    func video() async throws {
        try await withCatalogSimulator("video/fal-ai__ltx-2-19b__image-to-video.json") { client, _ in
            let input = Ltx219bImageToVideo.Input(prompt: "the waves roll in", imageURL: .bytes(tinyPNG, contentType: "image/png"), seed: 11)
            let output = try await client.run(.ltx219bImageToVideo, input, timeout: .seconds(60))
            #expect(output.prompt == "the waves roll in" && output.seed == 11)
            let bytes = try await fetch(output.video.url)
            #expect(isMP4(bytes) || isAVI(bytes), "not a video container: \(bytes.prefix(12).map { String(format: "%02x", $0) }.joined())")
            if let size = output.video.fileSize { #expect(size == Int64(bytes.count)) }
        }
    }

    @Test("FalAudio: fal-ai/stable-audio-25/text-to-audio gives a served WAV file")
    func audio() async throws {
        try await withCatalogSimulator("audio/fal-ai__stable-audio-25__text-to-audio.json") { client, _ in
            let output = try await client.run(.stableAudio25TextToAudio, StableAudio25TextToAudio.Input(prompt: "calm piano", secondsTotal: 2), timeout: .seconds(60))
            let bytes = try await fetch(output.audio.url)
            #expect(isWAV(bytes))
        }
    }

    @Test("FalSpeech: fal-ai/minimax/speech-02-hd gives served audio and a duration")
    func speech() async throws {
        try await withCatalogSimulator("speech/fal-ai__minimax__speech-02-hd.json") { client, _ in
            let output = try await client.run(.minimaxSpeech02HD, MinimaxSpeech02HD.Input(text: "Hello from Swift."), timeout: .seconds(60))
            let bytes = try await fetch(output.audio.url)
            #expect(!bytes.isEmpty)
            #expect(output.durationMs >= 0)
        }
    }

    @Test("FalText: fal-ai/video-prompt-generator gives a prompt")
    func text() async throws {
        try await withCatalogSimulator("llm/fal-ai__video-prompt-generator.json") { client, _ in
            let output = try await client.run(.videoPromptGenerator, VideoPromptGenerator.Input(inputConcept: "a lighthouse", style: .minimalist), timeout: .seconds(60))
            #expect(!output.prompt.isEmpty)
        }
    }

    @Test("Fal3D: fal-ai/hunyuan-3d/v3.1/rapid/text-to-3d gives served model files")
    func threeD() async throws {
        try await withCatalogSimulator("3d/fal-ai__hunyuan-3d__v3.1__rapid__text-to-3d.json") { client, _ in
            let output = try await client.run(.hunyuan3Dv31RapidTextTo3D, Hunyuan3DV31RapidTextTo3D.Input(prompt: "a lighthouse"), timeout: .seconds(60))
            let files = [output.modelURLs.glb, output.modelURLs.obj, output.modelURLs.fbx, output.modelURLs.usdz, output.modelObj].compactMap { $0 }
            #expect(!files.isEmpty)
            for file in files { #expect(!(try await fetch(file.url)).isEmpty) }
        }
    }

    @Test("FalVision: fal-ai/florence-2-large/caption gives a caption")
    func vision() async throws {
        try await withCatalogSimulator("vision/fal-ai__florence-2-large__caption.json") { client, _ in
            let output = try await client.run(.florence2LargeCaption, Florence2LargeCaption.Input(imageURL: .bytes(tinyPNG, contentType: "image/png")), timeout: .seconds(60))
            #expect(!output.results.isEmpty)
        }
    }

    @Test("FalTraining: fal-ai/flux-lora-fast-training gives served weight and config files")
    func training() async throws {
        try await withCatalogSimulator("training/fal-ai__flux-lora-fast-training.json") { client, _ in
            let input = FluxLoRAFastTraining.Input(imagesDataURL: .bytes(Data("PK\u{5}\u{6}".utf8) + Data(count: 18), contentType: "application/zip"), triggerWord: "LHSE")
            let output = try await client.run(.fluxLoRAFastTraining, input, timeout: .seconds(60))
            #expect(!(try await fetch(output.diffusersLoRAFile.url)).isEmpty)
            #expect(!(try await fetch(output.configFile.url)).isEmpty)
        }
    }
}

// MARK: - Support

/// The catalog folder of this checkout.
let catalogFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("specs/fal")

/// Starts a simulator serving one catalog document (`category/file.json`), runs `body` with a
/// client pointed at it, and stops the simulator whatever happens.
func withCatalogSimulator<T>(_ document: String, _ body: (QueueClient, QueueSimulator) async throws -> T) async throws -> T {
    var configuration = SimulatorConfiguration()
    configuration.apiKey = "catalog-test-key"
    configuration.jobDuration = .milliseconds(50)
    configuration.seed = 12
    let simulator = try QueueSimulator(configuration: configuration, documentFiles: [catalogFolder.appendingPathComponent(document).path])
    return try await simulator.whileRunning { simulator in
        var clientConfiguration = QueueClient.Configuration(
            queueBaseURL: simulator.queueBaseURL, syncBaseURL: simulator.syncBaseURL, storageBaseURL: simulator.storageBaseURL,
            credentials: Credentials(key: "catalog-test-key"))
        clientConfiguration.statusUpdates.streamIdleTimeout = .seconds(10)
        let client = QueueClient(configuration: clientConfiguration)
        return try await body(client, simulator)
    }
}

/// The bytes at a URL the simulator gave (a data URI or one of its files), within 10 seconds.
func fetch(_ url: String) async throws -> [UInt8] {
    if url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") {
        return Array(Data(base64Encoded: String(url[url.index(after: comma)...])) ?? Data())
    }
    let target = try #require(URL(string: url), "not a URL: '\(url)'")
    var request = URLRequest(url: target)
    request.timeoutInterval = 10
    let (data, response) = try await URLSession.shared.data(for: request)
    #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(url)")
    return Array(data)
}

/// A 1×1 PNG.
let tinyPNG = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")!

func isPNG(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) }
func isJPEG(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0xFF, 0xD8, 0xFF]) }
func isWAV(_ bytes: [UInt8]) -> Bool { bytes.count > 44 && bytes.starts(with: Array("RIFF".utf8)) && Array(bytes[8..<12]) == Array("WAVE".utf8) }
func isMP4(_ bytes: [UInt8]) -> Bool { bytes.count > 12 && Array(bytes[4..<8]) == Array("ftyp".utf8) }
func isAVI(_ bytes: [UInt8]) -> Bool { bytes.count > 12 && bytes.starts(with: Array("RIFF".utf8)) && Array(bytes[8..<12]) == Array("AVI ".utf8) }
