import Foundation
import ImageClients
import QueueRuntime

// Builds inputs of both generated endpoints, validates them and prints them as JSON (no network).
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]

let redux = Flux1SchnellRedux.Input(
    imageURL: "https://example.com/kangaroo.png",
    numInferenceSteps: 4,
    imageSize: .preset(.squareHD),
    seed: 42,
    numImages: 2,
    outputFormat: .png)
let upscale = ExampleTinyUpscale.Input(imageURL: "https://example.com/small.png", scale: 9)

print("endpoints: \(imageClientEndpoints.joined(separator: ", "))")
for (name, issues, json) in [
    ("Flux1SchnellRedux.Input", redux.validate(), try encoder.encode(redux)),
    ("ExampleTinyUpscale.Input", upscale.validate(), try encoder.encode(upscale)),
] {
    print("\(name): \(issues.isEmpty ? "valid" : issues.map(\.description).joined(separator: "; "))")
    print(String(decoding: json, as: UTF8.self))
}
