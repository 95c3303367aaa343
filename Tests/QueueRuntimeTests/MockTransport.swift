import Foundation
import HTTPTypes
import OpenAPIRuntime
@testable import QueueRuntime

/// A request the mock transport saw.
struct SeenRequest: Sendable {
    var request: HTTPRequest
    var url: String
    var body: Data?
    var authorization: String? { request.headerFields[.authorization] }
}

/// A `ClientTransport` answering from a closure, recording every request.
final class MockTransport: ClientTransport, @unchecked Sendable {
    typealias Handler = @Sendable (SeenRequest, Int) async throws -> (HTTPResponse, HTTPBody?)
    private let lock = NSLock()
    private var seen: [SeenRequest] = []
    private let handler: Handler

    init(_ handler: @escaping Handler) {
        self.handler = handler
    }

    var requests: [SeenRequest] {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        var data: Data?
        if let body { data = try await Data(collecting: body, upTo: 1 << 24) }
        let seenRequest = SeenRequest(request: request, url: baseURL.absoluteString + (request.path ?? ""), body: data)
        let index = lock.withLock {
            seen.append(seenRequest)
            return seen.count
        }
        return try await handler(seenRequest, index)
    }
}

/// A response with a JSON (or any text) body.
func reply(_ status: Int, _ body: String = "{}", headers: [String: String] = [:]) -> (HTTPResponse, HTTPBody?) {
    var fields = HTTPFields()
    for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
    return (HTTPResponse(status: .init(code: status), headerFields: fields), HTTPBody(body))
}

/// Records retry waits instead of sleeping.
final class DelayRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Duration] = []

    var delays: [Duration] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }

    var sleep: @Sendable (Duration) async throws -> Void {
        { [self] delay in
            lock.withLock { values.append(delay) }
        }
    }
}

let testKey = "key-id-1234:super-secret-5678"

/// A client for `https://queue.example.test` over the mock transport, retries recorded not slept.
func mockClient(
    _ transport: MockTransport, recorder: DelayRecorder = DelayRecorder(), seed: UInt64 = 7,
    configure: (inout QueueClient.Configuration) -> Void = { _ in }
) -> QueueClient {
    var configuration = QueueClient.Configuration(
        queueBaseURL: URL(string: "https://queue.example.test")!, syncBaseURL: URL(string: "https://run.example.test")!,
        storageBaseURL: URL(string: "https://rest.example.test")!, credentials: Credentials(key: testKey), transport: transport)
    configuration.retryPolicy.random = RandomSource(seed: seed)
    configuration.retryPolicy.sleep = recorder.sleep
    configure(&configuration)
    return QueueClient(configuration: configuration)
}

let submitted = """
    {"status":"IN_QUEUE","request_id":"req-1",
     "response_url":"https://queue.example.test/fal-ai/flux-1/requests/req-1",
     "status_url":"https://queue.example.test/fal-ai/flux-1/requests/req-1/status",
     "cancel_url":"https://queue.example.test/fal-ai/flux-1/requests/req-1/cancel",
     "logs":null,"metrics":{},"queue_position":0}
    """

let fluxOutput = """
    {"images":[{"url":"https://files.example.test/a.jpg","width":1024,"height":768,"content_type":"image/jpeg"}],
     "timings":{"inference":0.4},"seed":8589934593,"has_nsfw_concepts":[false],"prompt":""}
    """
