import Foundation
import NoReflectionClient
import QueueRuntime
import Testing

/// `NoReflectionClient` is the seed endpoint's generated client built with
/// `-disable-reflection-metadata`. Equality once went through `Mirror`, which sees no stored values
/// there, so every pair of union values compared equal; nothing in generated code's equality,
/// coding or validation may depend on reflection.
@Suite("Generated code without reflection metadata")
struct NoReflectionTests {
    typealias Size = Flux1SchnellRedux.ImageSize

    @Test("the module really has no reflection metadata: Mirror sees no stored values")
    func metadataIsAbsent() {
        // With metadata, a `.custom` value shows one child (its payload) and a struct its fields.
        #expect(Mirror(reflecting: Size.custom(width: 3, height: 4)).children.isEmpty)
        #expect(Mirror(reflecting: Flux1SchnellRedux.Image(url: "u", width: 1, height: 2)).children.isEmpty)
    }

    @Test("unions are equal only for the same case with an equal value")
    func unionEquality() {
        #expect(Size.preset(.square) != Size.custom(width: 3, height: 4))
        #expect(Size.custom(width: 3, height: 4) != Size.custom(width: 3, height: 5))
        #expect(Size.custom(width: 3, height: 4) == Size.custom(width: 3, height: 4))
        #expect(Size.preset(.square) != Size.preset(.squareHD))
        #expect(Size.preset(.square) == Size.preset(.square))
    }

    @Test("structs are equal only when every field is")
    func structEquality() {
        let image = Flux1SchnellRedux.Image(url: "https://x/a.png", width: 1, height: 2, contentType: "image/png")
        #expect(image == Flux1SchnellRedux.Image(url: "https://x/a.png", width: 1, height: 2, contentType: "image/png"))
        #expect(image != Flux1SchnellRedux.Image(url: "https://x/a.png", width: 1, height: 2))
        #expect(image != Flux1SchnellRedux.Image(url: "https://x/b.png", width: 1, height: 2, contentType: "image/png"))
        let input = Flux1SchnellRedux.Input(imageURL: "https://x/a.png", imageSize: .custom(width: 3, height: 4))
        #expect(input == Flux1SchnellRedux.Input(imageURL: "https://x/a.png", imageSize: .custom(width: 3, height: 4)))
        #expect(input != Flux1SchnellRedux.Input(imageURL: "https://x/a.png", imageSize: .preset(.square)))
        #expect(input != Flux1SchnellRedux.Input(imageURL: "https://x/a.png"))
    }

    @Test("coding and validation work the same without metadata")
    func codingAndValidation() throws {
        let input = Flux1SchnellRedux.Input(imageURL: "https://x/a.png", numInferenceSteps: 13, imageSize: .custom(width: 0, height: 4))
        let data = try JSONEncoder().encode(input)
        let decoded = try JSONDecoder().decode(Flux1SchnellRedux.Input.self, from: data)
        #expect(decoded == input)
        #expect(input.validate().map(\.description) == [
            "num_inference_steps must be at most 12 (found 13)",
            "image_size.width must be greater than 0 (found 0)",
        ])
    }
}
