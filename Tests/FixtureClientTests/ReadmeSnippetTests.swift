import Foundation
import FluxRedux
import QueueRuntime
import Testing

/// The Redux snippet of docs/generated-code.md, kept compiling: if the API it shows changes, this file stops building.
@Suite("docs/generated-code.md snippet")
struct ReadmeSnippetTests {
    /// The snippet as docs/generated-code.md prints it (not run here: it would talk to fal.ai).
    func readmeSnippet() async throws {
        let client = QueueClient()  // FAL_KEY (or FAL_KEY_ID + FAL_KEY_SECRET) from the environment
        let input = Flux1SchnellRedux.Input(
            imageURL: .localFile(URL(fileURLWithPath: "cat.png")),  // or a URL, or .bytes(data, contentType:)
            imageSize: .custom(width: 1024, height: 768),           // or .preset(.landscape4x3)
            numImages: 2)
        let output = try await client.run(.flux1SchnellRedux, input, timeout: .seconds(120)) { status in
            print(status)  // queue position, logs, completion
        }
        for image in output.images { print(image.url, image.width, image.height) }
    }

    @Test("the snippet's input is valid and encodes only what it sets")
    func snippetInput() throws {
        let input = Flux1SchnellRedux.Input(
            imageURL: .url("https://example.com/cat.png"), imageSize: .custom(width: 1024, height: 768), numImages: 2)
        #expect(input.validate().isEmpty)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: try encoder.encode(input), as: UTF8.self)
            == #"{"image_size":{"height":768,"width":1024},"image_url":"https://example.com/cat.png","num_images":2}"#)
    }
}
