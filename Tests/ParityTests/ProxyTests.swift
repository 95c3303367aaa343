import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import OpenAPIRuntime
@testable import QueueProxy
import QueueSimulator
import Synchronization
import Testing
import FluxRedux
@testable import QueueRuntime
import QueueTestSupport

/// A keyless client in proxy mode, through `queue-proxy`'s library, in front of the local queue
/// server (which answers 401 to any request without the key).
@Suite(.serialized) struct ProxyTests {
    /// The simulator announces fal's public host, as the real service does, so every URL the
    /// client gets back is one the proxy's default allow-list accepts.
    static let falQueue = URL(string: "https://queue.fal.run")!

    @Test func fluxReduxJobThroughTheProxyWithNoKeyOnTheClient() async throws {
        try await withSimulator(simulatorConfiguration(publicBase: Self.falQueue)) { simulator in
            try await withProxy(upstream: simulator.queueBaseURL, allowedEndpoints: ["fal-ai/flux-1/schnell/redux"]) { proxyURL in
                let recorder = RequestRecorder()
                var configuration = QueueClient.Configuration.proxy(proxyURL)
                configuration.middlewares = [recorder]
                configuration.logger = quietLogger
                configuration.statusUpdates.streamIdleTimeout = .seconds(3)
                #expect(configuration.credentials == nil)
                let client = QueueClient(configuration: configuration)
                // A file given as bytes goes through the storage flow, through the proxy as well.
                let png = tinyPNG()
                let input = Flux1SchnellRedux.Input(imageURL: .bytes(png, contentType: "image/png"), imageSize: .custom(width: 40, height: 30))
                let output = try await within(.seconds(20)) { try await client.run(.flux1SchnellRedux, input) }
                #expect(output.images.count == 1)
                #expect(output.images.first?.width == 40)

                let requests = recorder.requests
                #expect(requests.count >= 5)  // initiate, PUT, submit, status stream, result
                for request in requests {
                    #expect(request.authorization == nil, "the client sent Authorization on \(request.operation)")
                    #expect(request.authority == "127.0.0.1:\(proxyURL.port!)", "\(request.operation) bypassed the proxy")
                    #expect(request.path == "/api/fal/proxy")
                }
                let targets = requests.compactMap(\.targetURL)
                #expect(targets.count == requests.count)
                #expect(targets.contains("https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3"))
                #expect(targets.contains("https://queue.fal.run/fal-ai/flux-1/schnell/redux"))
                #expect(targets.contains { $0.hasPrefix("https://queue.fal.run/fal-ai/flux-1/requests/") && $0.contains("/status/stream") })

                // The simulator got the key on every request (it answers 401 otherwise).
                let statistics = simulator.statistics
                #expect(statistics.unauthorized == 0)
                #expect(statistics.requests[.submit] == 1)
                #expect(statistics.requests[.statusStream] == 1, "the status stream (SSE) went through the proxy")
                #expect(statistics.requests[.result] == 1)
                #expect(statistics.jobsSubmitted == 1)
            }
        }
    }

    @Test func cancelAndPollingGoThroughTheProxyToo() async throws {
        try await withSimulator(simulatorConfiguration(publicBase: Self.falQueue)) { simulator in
            try await withProxy(upstream: simulator.queueBaseURL) { proxyURL in
                var configuration = QueueClient.Configuration.proxy(proxyURL)
                configuration.logger = quietLogger
                let client = QueueClient(configuration: configuration)
                simulator.holdJobs()
                let job = try await client.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(dataURIPNG())))
                let status = try await client.status(job)
                #expect(status.state == .inQueue)
                #expect(try await client.cancel(job) == .cancellationRequested)
                #expect(simulator.jobState(job.requestID) == .cancelled)
                #expect(simulator.statistics.unauthorized == 0)
            }
        }
    }

    @Test func aClientWithAKeyStillSendsNoneToTheProxy() async throws {
        try await withSimulator(simulatorConfiguration(publicBase: Self.falQueue)) { simulator in
            try await withProxy(upstream: simulator.queueBaseURL) { proxyURL in
                let recorder = RequestRecorder()
                var configuration = QueueClient.Configuration.proxy(proxyURL)
                configuration.credentials = Credentials(key: "should-never-leave")
                configuration.middlewares = [recorder]
                configuration.logger = quietLogger
                let client = QueueClient(configuration: configuration)
                simulator.holdJobs()
                let job = try await client.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(dataURIPNG())))
                _ = try await client.cancel(job)
                #expect(!recorder.requests.isEmpty)
                #expect(recorder.requests.allSatisfy { $0.authorization == nil })
            }
        }
    }

    @Test func theAppsOwnAuthenticationRunsOnTheProxy() async throws {
        try await withSimulator(simulatorConfiguration(publicBase: Self.falQueue)) { simulator in
            let authenticate: QueueProxy.Authenticate = { head in head.headerFields[.authorization] == "Bearer app-session-token" }
            try await withProxy(upstream: simulator.queueBaseURL, authenticate: authenticate) { proxyURL in
                var configuration = QueueClient.Configuration.proxy(proxyURL)
                configuration.logger = quietLogger
                configuration.retryPolicy.maxAttempts = 1
                // Without the app's token: refused by the proxy, before the upstream.
                let refused = QueueClient(configuration: configuration)
                await #expect {
                    _ = try await refused.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(dataURIPNG())))
                } throws: { error in
                    guard case .http(let failure) = error as? QueueError else { return false }
                    return failure.status == 401 && failure.errorType == "unauthenticated"
                }
                #expect(simulator.statistics.requests[.submit] == nil)
                // With it (added by the app's middleware): accepted, and the app token is not the fal key.
                configuration.middlewares = [AddHeader(name: .authorization, value: "Bearer app-session-token")]
                let accepted = QueueClient(configuration: configuration)
                simulator.holdJobs()
                let job = try await accepted.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(dataURIPNG())))
                #expect(simulator.jobState(job.requestID) != nil)
                #expect(simulator.statistics.unauthorized == 0)
            }
        }
    }

    /// At least ten hostile targets, each refused with a 4xx JSON answer, and not one request reaches the upstream.
    @Test func hostileTargetsAreRefusedWithoutAnUpstreamRequest() async throws {
        let upstreamHits = Mutex(0)
        let upstream = Router()
        for method in [HTTPRequest.Method.get, .post, .put] {
            upstream.on("**", method: method) { _, _ -> Response in
                upstreamHits.withLock { $0 += 1 }
                return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
            }
        }
        try await withServer(upstream) { upstreamURL in
            try await withProxy(upstream: upstreamURL, allowedEndpoints: ["fal-ai/flux-1/schnell/redux"], maximumRequestBytes: 1024) { proxyURL in
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    let hostile: [Hostile] = [
                        Hostile(.GET, nil, 400),  // no target at all
                        Hostile(.GET, "https://evil.example/fal-ai/flux-1/requests/x", 400),  // another host
                        Hostile(.GET, "https://fal.run.evil.com/fal-ai/flux-1/schnell/redux", 400),  // look-alike suffix
                        Hostile(.GET, "https://queue.fal.run.evil.com/x", 400),  // look-alike suffix
                        Hostile(.GET, "https://evilqueue.fal.run/x", 400),  // look-alike prefix
                        Hostile(.GET, "https://api.fal.run/x", 400),  // sibling host fal refuses
                        Hostile(.GET, "https://fal.ai/api/x", 400),  // fal.ai itself
                        Hostile(.GET, "https://queue.fal.run./fal-ai/flux-1/requests/x", 400),  // trailing dot
                        Hostile(.GET, "https://user:pw@queue.fal.run/fal-ai/flux-1/requests/x", 400),  // userinfo
                        Hostile(.GET, "https://queue.fal.run@evil.com/x", 400),  // host is evil.com
                        Hostile(.GET, "https://queue.fal.run%2F@evil.com/x", 400),  // encoded slash in authority
                        Hostile(.GET, "https://queue.fal.run:8443/fal-ai/flux-1/requests/x", 400),  // other port
                        Hostile(.GET, "https://127.0.0.1/fal-ai/flux-1/requests/x", 400),  // IPv4 literal
                        Hostile(.GET, "https://2130706433/x", 400),  // decimal IPv4
                        Hostile(.GET, "https://[::1]/x", 400),  // IPv6 literal
                        Hostile(.GET, "http://queue.fal.run/fal-ai/flux-1/requests/x", 400),  // plain http
                        Hostile(.GET, "https://queue.fal.run/fal-ai/../../admin", 400),  // dot segments
                        Hostile(.GET, "https://queue.fal.run/%2e%2e/admin", 400),  // encoded dot segments
                        Hostile(.GET, "https://queue.fal.run/fal-ai%2fflux-1/requests/x", 400),  // encoded slash
                        Hostile(.GET, "https://queue.fal.run\\@evil.com/x", 400),  // backslash
                        Hostile(.GET, "https://queue.fal.run/x#@evil.com", 400),  // fragment
                        Hostile(.GET, "https://rest.fal.ai/billing/usage", 400),  // storage host, route not allowed (`/tokens/` is: realtime)
                        Hostile(.POST, "https://rest.fal.ai/storage/upload/initiate?storage_type=gcs", 400),  // other query
                        Hostile(.POST, "https://queue.fal.run/fal-ai/flux-pro/v1.1-ultra", 400),  // endpoint not allowed
                        Hostile(.POST, "https://fal.run/fal-ai/any-llm/stream", 400),  // endpoint not allowed (streaming)
                        Hostile(.DELETE, "https://queue.fal.run/fal-ai/flux-1/requests/x", 405),  // method
                    ]
                    #expect(hostile.count >= 10)
                    for attempt in hostile {
                        var headers: [(String, String)] = [("content-type", "application/json")]
                        if let target = attempt.target { headers.append(("x-fal-target-url", target)) }
                        let body: [UInt8]? = attempt.method == .POST ? Array("{}".utf8) : nil
                        let answer = try await rawRequest(client, attempt.method, proxyURL, headers: headers, body: body)
                        #expect(answer.status == attempt.expected, "\(attempt.target ?? "no target"): \(answer.status)")
                        let json = try? JSONSerialization.jsonObject(with: answer.body) as? [String: String]
                        #expect(json?["detail"]?.isEmpty == false, "\(attempt.target ?? "no target") answered \(String(decoding: answer.body, as: UTF8.self))")
                        #expect(answer.headers.first(name: "content-type") == "application/json")
                    }
                    // A body over the cap is refused from its Content-Length.
                    let large = try await rawRequest(
                        client, .POST, proxyURL, headers: [("x-fal-target-url", "https://queue.fal.run/fal-ai/flux-1/schnell/redux")],
                        body: Array(repeating: UInt8(ascii: "a"), count: 4096))
                    #expect(large.status == 413)
                    #expect(upstreamHits.withLock { $0 } == 0, "a refused target reached the upstream")

                    // The control: an allowed target does reach it, with the key and only the allowed headers.
                    let allowed = try await rawRequest(
                        client, .GET, proxyURL,
                        headers: [("x-fal-target-url", "https://queue.fal.run/fal-ai/flux-1/requests/abc/status"), ("cookie", "session=1")])
                    #expect(allowed.status == 200)
                    #expect(upstreamHits.withLock { $0 } == 1)
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
            }
        }
    }

    @Test func onlyFalHeadersAndTheKeyReachTheUpstream() async throws {
        let seen = Mutex<[String: String]>([:])
        let upstream = Router()
        upstream.on("**", method: .post) { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            seen.withLock { $0 = headers }
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            fields[HTTPField.Name("x-fal-request-id")!] = "req-1"
            fields[.setCookie] = "upstream=1"
            return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"ok\":true}")))
        }
        try await withServer(upstream) { upstreamURL in
            try await withProxy(upstream: upstreamURL) { proxyURL in
                let client = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    let answer = try await rawRequest(
                        client, .POST, proxyURL,
                        headers: [
                            ("x-fal-target-url", "https://queue.fal.run/fal-ai/flux-1/schnell/redux"), ("content-type", "application/json"),
                            ("x-fal-queue-priority", "low"), ("cookie", "secret-session"), ("authorization", "Bearer app-token"),
                            ("x-forwarded-for", "10.0.0.1"),
                        ], body: Array("{}".utf8))
                    #expect(answer.status == 200)
                    #expect(answer.headers.first(name: "x-fal-request-id") == "req-1")
                    let headers = seen.withLock { $0 }
                    #expect(headers["authorization"] == "Key \(simulatorKey)")
                    #expect(headers["x-fal-queue-priority"] == "low")
                    #expect(headers["x-fal-client-proxy"] == "swift-queue-proxy")
                    #expect(headers["cookie"] == nil)
                    #expect(headers["x-forwarded-for"] == nil)
                    #expect(headers["x-fal-target-url"] == nil)
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
            }
        }
    }

    @Test func globsMatchWholeSegments() {
        #expect(TargetPolicy.glob("/**", matches: "/fal-ai/flux-1/schnell/redux"))
        #expect(TargetPolicy.glob("fal-ai/flux-1/*", matches: "fal-ai/flux-1/dev"))
        #expect(!TargetPolicy.glob("fal-ai/flux-1/*", matches: "fal-ai/flux-1/schnell/redux"))
        #expect(TargetPolicy.glob("fal-ai/**", matches: "fal-ai/flux-1/schnell/redux"))
        #expect(!TargetPolicy.glob("fal-ai/**", matches: "fal-ai-evil/flux"))
        #expect(TargetPolicy.glob("fal-ai/flux-*", matches: "fal-ai/flux-pro"))
        #expect(!TargetPolicy.glob("fal-ai/flux-1/schnell/redux", matches: "fal-ai/flux-1/schnell/redux2"))
    }
}

/// Adds a header to every request (an app's own proxy authentication).
struct AddHeader: ClientMiddleware {
    var name: HTTPField.Name
    var value: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[name] = value
        return try await next(request, body, baseURL)
    }
}

/// A request the proxy must refuse, and the status it must answer.
struct Hostile {
    var method: HTTPMethod
    var target: String?
    var expected: Int

    init(_ method: HTTPMethod, _ target: String?, _ expected: Int) {
        self.method = method
        self.target = target
        self.expected = expected
    }
}
