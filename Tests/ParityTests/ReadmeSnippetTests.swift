import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import QueueProxy
import QueueRuntime
import Testing
import FluxRedux

/// The README's snippets for proxy mode, streaming, large files and webhooks, kept compiling: if
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

/// The README's example middleware: the app's own token for its proxy.
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
    /// Each README section's snippet appears in the README as this file has it.
    @Test func theReadmeShowsTheCompiledSnippets() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"), encoding: .utf8)
        for line in [
            #"var configuration = QueueClient.Configuration.proxy(URL(string: "https://myapp.example/api/fal/proxy")!)"#,
            #"for try await partial in client.stream(.anyLLM, AnyLLMInput(prompt: "Why is the sky blue?")) {"#,
            #"let url = try await QueueClient(configuration: configuration).uploadFile(at: URL(fileURLWithPath: "clip.mp4"))"#,
            #""/webhooks/fal", verifier: WebhookVerifier(), endpoint: .flux1SchnellRedux,"#,
            #"expectedUserIDs: ["your-fal-user-id"]"#,
        ] {
            #expect(readme.contains(line), "README lacks: \(line)")
        }
    }
}
