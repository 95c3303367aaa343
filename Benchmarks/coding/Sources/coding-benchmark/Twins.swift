import FluxRedux

/// `Flux1SchnellRedux.Output` as a hand-written struct whose `Codable` and `Equatable` the compiler
/// synthesizes: the reference the generated model's coding is measured against.
struct TwinOutput: Codable, Equatable {
    let images: [TwinImage]
    let timings: [String: Double]
    let seed: Int64
    let hasNSFWConcepts: [Bool]
    let prompt: String

    enum CodingKeys: String, CodingKey {
        case images, timings, seed, prompt
        case hasNSFWConcepts = "has_nsfw_concepts"
    }
}

struct TwinImage: Codable, Equatable {
    let url: String
    let width: Int
    let height: Int
    let contentType: String?

    enum CodingKeys: String, CodingKey {
        case url, width, height
        case contentType = "content_type"
    }
}

/// `Flux1SchnellRedux.ImageSize` with a synthesized `Equatable`, for the union comparison.
enum TwinImageSize: Equatable {
    case preset(String)
    case custom(width: Int?, height: Int?)
}
