import CatalogClients
import Foundation
import QueueRuntime

// Runs fal-ai/flux/schnell/redux, generated from its catalog id, on IMAGE through the queue named
// by the environment (FAL_KEY, FAL_QUEUE_RUN_HOST: the local queue server in
// Examples/check-plugin-example.sh) and checks the typed output.
//
//     FAL_KEY=K FAL_QUEUE_RUN_HOST=http://127.0.0.1:PORT catalog-demo IMAGE
guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: catalog-demo IMAGE (with FAL_KEY and FAL_QUEUE_RUN_HOST set)\n".utf8))
    exit(2)
}
let image = URL(fileURLWithPath: CommandLine.arguments[1])

/// Why the output is not what the input asked for.
struct UnexpectedOutput: Error, CustomStringConvertible {
    var description: String
}

let client = QueueClient()
let input = FluxSchnellRedux.Input(imageURL: .localFile(image), numImages: 2)
let output = try await client.run(.fluxSchnellRedux, input, timeout: .seconds(60))
guard output.images.count == 2 else {
    throw UnexpectedOutput(description: "asked for 2 images, got \(output.images.count)")
}
for generated in output.images {
    let (width, height) = (generated.width, generated.height)
    guard let url = URL(string: generated.url), width > 0, height > 0 else {
        throw UnexpectedOutput(description: "an image without a URL or a size: \(generated)")
    }
    let (data, contentType) = try await client.download(url, maximumSize: 16 << 20)
    let magic = Array(data.prefix(4))
    guard magic == [0x89, 0x50, 0x4E, 0x47] || magic.prefix(3) == [0xFF, 0xD8, 0xFF] else {
        throw UnexpectedOutput(description: "\(url) is not a PNG or JPEG file (\(contentType ?? "no content type"))")
    }
    print("\(width)x\(height) \(contentType ?? "?") \(data.count) bytes from \(url.host ?? "?")")
}
print("fal-ai/flux/schnell/redux: \(output.images.count) images, seed \(output.seed)")
