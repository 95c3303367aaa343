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

/// The README's and docs/catalog.md's snippets, kept compiling: if the names or the API it shows change, this
/// file stops building. (Not run: it would talk to fal.ai; `CatalogEndToEndTests` runs the same
/// endpoints against the local queue server.)
enum ReadmeCatalogSnippet {
    /// README.md's "Call an endpoint".
    static func callAnEndpoint() async throws {
        let client = QueueClient()  // FAL_KEY (or FAL_KEY_ID + FAL_KEY_SECRET) from the environment
        let output = try await client.run(.flux1Schnell, Flux1Schnell.Input(prompt: "a lighthouse at dusk", numImages: 2)) { status in
            print(status)  // queue position, logs, completion
        }
        for image in output.images { print(image.url, image.width, image.height) }
    }

    /// docs/catalog.md's example per product.
    static func snippet() async throws {
        let client = QueueClient()
        // FalImage: text to image.
        let images = try await client.run(.flux1Schnell, Flux1Schnell.Input(prompt: "a lighthouse at dusk", numImages: 2))
        print(images.images.map(\.url), images.seed)
        // FalVideo: image to video (the local file is uploaded first).
        let clip = try await client.run(.ltx219bImageToVideo, Ltx219bImageToVideo.Input(
            prompt: "the waves roll in", imageURL: .localFile(URL(fileURLWithPath: "lighthouse.png")), numFrames: 121))
        print(clip.video.url)
        // FalAudio: text to audio.
        let music = try await client.run(.stableAudio25TextToAudio, StableAudio25TextToAudio.Input(prompt: "calm piano", secondsTotal: 10))
        print(music.audio.url, music.audio.contentType ?? "")
        // FalSpeech: text to speech.
        let speech = try await client.run(.minimaxSpeech02HD, MinimaxSpeech02HD.Input(text: "Hello from Swift."))
        print(speech.audio.url, speech.durationMs)
        // FalText: a video prompt from a concept (also a streaming endpoint: `client.stream`).
        let prompt = try await client.run(.videoPromptGenerator, VideoPromptGenerator.Input(inputConcept: "a lighthouse", style: .minimalist))
        print(prompt.prompt)
        // Fal3D: text to a mesh.
        let mesh = try await client.run(.hunyuan3Dv31RapidTextTo3D, Hunyuan3DV31RapidTextTo3D.Input(prompt: "a lighthouse"))
        print(mesh.modelURLs.glb?.url ?? "no glb")
        // FalVision: a caption.
        let caption = try await client.run(.florence2LargeCaption, Florence2LargeCaption.Input(imageURL: .url("https://example.com/lighthouse.png")))
        print(caption.results)
        // FalTraining: a LoRA from a zip of images.
        let lora = try await client.run(.fluxLoRAFastTraining, FluxLoRAFastTraining.Input(imagesDataURL: .url("https://example.com/photos.zip"), triggerWord: "LHSE"))
        print(lora.diffusersLoRAFile.url)
    }
}
