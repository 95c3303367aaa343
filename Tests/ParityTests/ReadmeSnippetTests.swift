import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import QueueProxy
import QueueRuntime
import Testing
import FluxRedux

/// The guides' snippets (docs/, DocC) for proxy mode, streaming, large files and webhooks, kept compiling: if
/// the API they show changes, this file stops building. (Not run: they would talk to fal.ai.)
struct ReadmeParitySnippets {
    /// "Apps: proxy mode and `queue-proxy`".
    func proxySnippet(_ input: Flux1SchnellRedux.Input) async throws {
        var configuration = QueueClient.Configuration.proxy(URL(string: "https://myapp.example/api/fal/proxy")!)
        configuration.middlewares = [SessionToken()]   // optional: the app's own auth for its proxy
        let client = QueueClient(configuration: configuration)
        let output = try await client.run(.flux1SchnellRedux, input)
        _ = output
    }

    /// "Streaming endpoints" (Any LLM's types are in Support.swift, as a generated client would have them).
    func streamingSnippet(client: QueueClient) async throws {
        for try await partial in client.stream(.anyLLM, AnyLLMInput(prompt: "Why is the sky blue?")) {
            print(partial.output)
        }
        let final = try await client.stream(.anyLLM, AnyLLMInput(prompt: "And at sunset?")).finalOutput()
        _ = final
    }

    /// "Large files".
    func largeFileSnippet() async throws {
        var configuration = QueueClient.Configuration()
        configuration.multipartUpload.progress = { print("\($0.bytesSent) of \($0.totalBytes) bytes") }
        let url = try await QueueClient(configuration: configuration).uploadFile(at: URL(fileURLWithPath: "clip.mp4"))
        _ = url
    }

    /// "Webhooks".
    func webhookSnippet() {
        let router = Router()
        router.falWebhook(
            "/webhooks/fal", verifier: WebhookVerifier(), endpoint: .flux1SchnellRedux,
            expectedUserIDs: ["your-fal-user-id"]
        ) { payload, _ in
            switch payload.outcome {
            case .ok(let output?): print(payload.requestID, output.images.count)
            case .error(let message, _): print(payload.requestID, message)
            default: break
            }
        }
    }
}

/// The guides' example middleware: the app's own token for its proxy.
struct SessionToken: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer app-session-token"
        return try await next(request, body, baseURL)
    }
}

@Suite struct ReadmeParitySnippetTests {
    /// Each snippet this file compiles appears, as this file has it, in the guide that shows it
    /// (docs/, and the DocC articles in Sources/QueueRuntime/QueueRuntime.docc).
    @Test func theGuidesShowTheCompiledSnippets() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
        for (file, line) in [
            ("docs/proxy-and-webhooks.md", #"var configuration = QueueClient.Configuration.proxy(URL(string: "https://myapp.example/api/fal/proxy")!)"#),
            ("Sources/QueueRuntime/QueueRuntime.docc/ProxyMode.md", #"var configuration = QueueClient.Configuration.proxy(URL(string: "https://myapp.example/api/fal/proxy")!)"#),
            ("docs/runtime.md", #"for try await partial in client.stream(.anyLLM, AnyLLMInput(prompt: "Why is the sky blue?")) {"#),
            ("docs/runtime.md", #"let url = try await QueueClient(configuration: configuration).uploadFile(at: URL(fileURLWithPath: "clip.mp4"))"#),
            ("Sources/QueueRuntime/QueueRuntime.docc/LargeFiles.md", #"let url = try await QueueClient(configuration: configuration).uploadFile(at: URL(fileURLWithPath: "clip.mp4"))"#),
            ("docs/proxy-and-webhooks.md", #""/webhooks/fal", verifier: WebhookVerifier(), endpoint: .flux1SchnellRedux,"#),
            ("Sources/QueueRuntime/QueueRuntime.docc/ReceivingWebhooks.md", #""/webhooks/fal", verifier: WebhookVerifier(), endpoint: .flux1SchnellRedux,"#),
            ("docs/proxy-and-webhooks.md", #"expectedUserIDs: ["your-fal-user-id"]"#),
        ] {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            #expect(text.contains(line), "\(file) lacks: \(line)")
        }
    }
}
