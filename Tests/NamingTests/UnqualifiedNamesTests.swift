import FalFixtureClients
import FluxRedux
import QueueRuntime
import StandInUI
import Testing

/// Two generated modules and a module with SwiftUI's names imported in one file: every name
/// below is written unqualified, and the file compiles only if no generated top-level name
/// shadows or clashes with them.
@Suite("Unqualified names")
struct UnqualifiedNamesTests {
    @Test("Duration, Image, Color and Text keep their meaning beside two generated modules")
    func platformNamesKeepTheirMeaning() {
        let pause: Duration = .seconds(2)
        #expect(pause == .milliseconds(2000))
        let icon = Image(systemName: "photo")
        let tint = Color("accent")
        let label = Text("Variations")
        #expect(icon.systemName == "photo" && tint.name == "accent" && label.content == "Variations")
        let result: Result<Int, any Error> = .success(1)
        let task = Task { 1 }
        _ = (result, task)
    }

    @Test("each endpoint's types are reached through its namespace, from either module")
    func generatedTypesUnqualified() throws {
        let redux = Flux1SchnellRedux.Input(imageURL: "https://example.com/cat.png", imageSize: .preset(.square), acceleration: .noAcceleration)
        let schnell = FluxSchnell.Input(prompt: "a cat", imageSize: .custom(width: 512, height: 512), acceleration: .regular)
        let pixverse = PixverseV56ImageToVideo.Input(prompt: "a cat", duration: ._5, imageURL: "https://example.com/cat.png")
        let frame: FluxDev.Image = FluxDev.Image(url: "https://example.com/a.png", width: 1, height: 1)
        let shared: FluxSchnell.Image = frame  // a shared type: the same type under both names
        #expect(shared.url == frame.url)
        #expect(redux.validate().isEmpty && schnell.validate().isEmpty && pixverse.validate().isEmpty)
        let ultra: QueueEndpoint<FluxProV11Ultra.Input, FluxProV11Ultra.Output> = .fluxProV11Ultra
        #expect(ultra.id.rawValue == "fal-ai/flux-pro/v1.1-ultra")
        #expect(QueueEndpoint.flux1SchnellRedux.id.rawValue == "fal-ai/flux-1/schnell/redux")
    }
}
