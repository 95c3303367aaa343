import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import QueueProxy
import QueueRuntime
import QueueTestSupport
import Testing

/// An upstream built for these tests: status streams that stay open until released, a quick
/// status route, a header echo, and a submit route that counts what reaches it.
struct HoldingUpstream {
    let release = Inbox<Void>()
    let opened = Inbox<String>()
    let submits = Inbox<Int>()

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/fal-ai/hold/requests/:id/status/stream") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "data: {\"status\":\"IN_PROGRESS\",\"request_id\":\"\(id)\"}\n\n"))
                    opened.add(id)
                    await release.wait(for: 1)
                    try await writer.write(ByteBuffer(string: "data: {\"status\":\"COMPLETED\",\"request_id\":\"\(id)\"}\n\n"))
                    try await writer.finish(nil)
                })
        }
        router.get("/fal-ai/hold/requests/:id/status") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"IN_QUEUE","request_id":"\#(id)"}"#)))
        }
        router.get("/fal-ai/hold/requests/headers") { request, _ -> Response in
            var seen: [String] = []
            for field in request.headers { seen.append(field.name.canonicalName) }
            var headers: HTTPFields = [.contentType: "application/json"]
            headers.append(HTTPField(name: .setCookie, value: "session=upstream"))
            headers.append(HTTPField(name: HTTPField.Name("Proxy-Authenticate")!, value: "Basic realm=upstream"))
            headers.append(HTTPField(name: .connection, value: "x-upstream-private"))
            headers.append(HTTPField(name: HTTPField.Name("x-upstream-private")!, value: "1"))
            headers.append(HTTPField(name: HTTPField.Name("x-fal-request-id")!, value: "kept"))
            let body = try JSONSerialization.data(withJSONObject: seen.sorted())
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.post("/fal-ai/hold") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            submits.add(body.readableBytes)
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"request_id":"x"}"#)))
        }
        return router
    }
}

/// A queue-proxy served as the command serves it (`makeApplication`, its limits), in front of
/// `upstream`, run for `body` with the proxy's port.
func withServedProxy<T>(
    upstream: URL, limits: QueueProxy.ServerLimits = .init(), maximumRequestBytes: Int = 100 << 20,
    authenticate: QueueProxy.Authenticate? = nil, _ body: (Int) async throws -> T
) async throws -> T {
    let httpClient = QueueProxy.makeHTTPClient()
    let streamingHTTPClient = QueueProxy.makeHTTPClient()
    var configuration = QueueProxy.Configuration(
        credentials: Credentials(key: simulatorKey), upstream: .singleServer(upstream), authenticate: authenticate,
        maximumRequestBytes: maximumRequestBytes)
    configuration.logger = quietLogger
    let proxy = QueueProxy(configuration: configuration, httpClient: httpClient, streamingHTTPClient: streamingHTTPClient)
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let app = proxy.makeApplication(host: "127.0.0.1", port: 0, limits: limits, logger: quietLogger) { port in
        continuation.yield(port)
        continuation.finish()
    }
    let task = Task { try await app.run() }
    var port: Int?
    for await value in ports {
        port = value
        break
    }
    func stop() async {
        task.cancel()
        _ = await task.result
        try? await httpClient.shutdown()
        try? await streamingHTTPClient.shutdown()
    }
    guard let port else {
        await stop()
        throw TestTimeout(limit: .zero)
    }
    do {
        let result = try await body(port)
        await stop()
        return result
    } catch {
        await stop()
        throw error
    }
}

/// A client with room for many connections to one host.
func wideClient() -> HTTPClient {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
    configuration.timeout.connect = .seconds(5)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}

/// A request through the proxy at `port` for `target`.
func proxied(_ port: Int, _ target: String, method: HTTPMethod = .GET, headers: [(String, String)] = []) -> HTTPClientRequest {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/fal/proxy")
    request.method = method
    request.headers.add(name: "x-fal-target-url", value: target)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    return request
}

@Suite(.serialized) struct ProxyLoadTests {
    @Test func moreOpenStreamsThanAHCsDefaultPoolLeaveOtherRequestsAnswered() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            try await withServedProxy(upstream: base) { port in
                let client = wideClient()
                var streams: [HTTPClientResponse] = []
                do {
                    // 24 streams: three times AsyncHTTPClient's default of 8 connections per host.
                    for index in 0..<24 {
                        let response = try await within(.seconds(10)) {
                            try await client.execute(
                                proxied(port, "https://queue.fal.run/fal-ai/hold/requests/s\(index)/status/stream"), timeout: .seconds(10))
                        }
                        #expect(response.status == .ok)
                        streams.append(response)
                    }
                    try await within(.seconds(10)) { await upstream.opened.wait(for: 24) }
                    let ordinary = try await within(.seconds(4)) {
                        let response = try await client.execute(
                            proxied(port, "https://queue.fal.run/fal-ai/hold/requests/o1/status"), timeout: .seconds(4))
                        return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 16)))
                    }
                    #expect(ordinary.0 == 200 && ordinary.1.contains("o1"))
                    upstream.release.add(())
                    for stream in streams {
                        let text = try await within(.seconds(10)) { String(buffer: try await stream.body.collect(upTo: 1 << 16)) }
                        #expect(text.contains("COMPLETED"))
                    }
                } catch {
                    upstream.release.add(())
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
            }
        }
    }

    @Test func aConnectionStalledInItsRequestHeadIsClosedAndOthersAreServed() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            try await withServedProxy(upstream: base, limits: .init(idleTimeout: .milliseconds(400))) { port in
                let stalled = try #require(RawClientSocket(port: port))
                #expect(stalled.send("GET /api/fal/proxy HTTP/1.1\r\nHo"))
                let client = wideClient()
                let answer = try await within(.seconds(5)) {
                    try await client.execute(proxied(port, "https://queue.fal.run/fal-ai/hold/requests/h1/status"), timeout: .seconds(5))
                }
                #expect(answer.status == .ok)
                try await client.shutdown()
                let outcome = stalled.readUntilClosed(within: .seconds(5))
                #expect(outcome.closed, "the stalled connection was still open after 5 s")
                #expect(outcome.bytes.isEmpty)
            }
        }
    }

    @Test func aConnectionStalledInsideItsBodyIsClosed() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            try await withServedProxy(upstream: base, limits: .init(idleTimeout: .milliseconds(400))) { port in
                let stalled = try #require(RawClientSocket(port: port))
                #expect(stalled.send(
                    "POST /api/fal/proxy HTTP/1.1\r\nHost: x\r\nx-fal-target-url: https://queue.fal.run/fal-ai/hold\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"prompt\":"))
                let outcome = stalled.readUntilClosed(within: .seconds(5))
                #expect(outcome.closed, "the connection stalled inside its body was still open after 5 s")
                // The upstream never got a complete request from it.
                #expect(upstream.submits.all.isEmpty)
            }
        }
    }

    @Test func pastTheConnectionLimitNewConnectionsGet503WithRetryAfter() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            try await withServedProxy(upstream: base, limits: .init(maximumConnections: 2, retryAfterSeconds: 3)) { port in
                // Two complete requests on kept-alive connections hold both places.
                var held: [RawClientSocket] = []
                for index in 0..<2 {
                    let socket = try #require(RawClientSocket(port: port))
                    socket.send(
                        "GET /api/fal/proxy HTTP/1.1\r\nHost: x\r\nx-fal-target-url: https://queue.fal.run/fal-ai/hold/requests/k\(index)/status/stream\r\n\r\n")
                    held.append(socket)
                }
                try await within(.seconds(10)) { await upstream.opened.wait(for: 2) }
                let third = try #require(RawClientSocket(port: port))
                third.send("GET /api/fal/proxy HTTP/1.1\r\nHost: x\r\n\r\n")
                let refusal = third.readUntilClosed(within: .seconds(5))
                let text = String(decoding: refusal.bytes, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 503"), "\(text)")
                #expect(text.contains("Retry-After: 3"))
                #expect(refusal.closed)
                upstream.release.add(())
                for socket in held { socket.close() }
            }
        }
    }

    @Test func hopByHopAndUpstreamOnlyHeadersStayOnTheirSide() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            try await withServedProxy(upstream: base) { port in
                let client = wideClient()
                let response = try await client.execute(
                    proxied(
                        port, "https://queue.fal.run/fal-ai/hold/requests/headers",
                        headers: [("Connection", "keep-alive, x-fal-hop"), ("x-fal-hop", "1"), ("x-fal-kept", "1")]),
                    timeout: .seconds(5))
                let seen = try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 16))) as? [String]
                try await client.shutdown()
                #expect(seen?.contains("x-fal-kept") == true)
                #expect(seen?.contains("x-fal-hop") == false)
                #expect(seen?.contains("authorization") == true)
                #expect(response.headers["set-cookie"].isEmpty)
                #expect(response.headers["proxy-authenticate"].isEmpty)
                #expect(response.headers["x-upstream-private"].isEmpty)
                #expect(response.headers["x-fal-request-id"] == ["kept"])
            }
        }
    }

    @Test func aChunkedBodyOverTheCapNeverReachesTheUpstream() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            try await withServedProxy(upstream: base, maximumRequestBytes: 1000) { port in
                let client = wideClient()
                func post(_ size: Int) async throws -> UInt {
                    var request = proxied(port, "https://queue.fal.run/fal-ai/hold", method: .POST)
                    request.headers.add(name: "content-type", value: "application/json")
                    let chunks = (0..<size / 250).map { _ in ByteBuffer(repeating: UInt8(ascii: "a"), count: 250) }
                    request.body = .stream(chunks.async, length: .unknown)
                    let response = try await client.execute(request, timeout: .seconds(10))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    return response.status.code
                }
                #expect(try await post(5000) == 413)
                #expect(upstream.submits.all.isEmpty)
                #expect(try await post(750) == 200)
                #expect(upstream.submits.all == [750])
                try await client.shutdown()
            }
        }
    }

    @Test func aSharedBearerTokenIsRequiredWhenConfigured() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            try await withServedProxy(upstream: base, authenticate: QueueProxy.bearerToken("correct horse")) { port in
                let client = wideClient()
                func status(_ authorization: String?) async throws -> UInt {
                    var headers: [(String, String)] = []
                    if let authorization { headers.append(("Authorization", authorization)) }
                    let response = try await client.execute(
                        proxied(port, "https://queue.fal.run/fal-ai/hold/requests/a/status", headers: headers), timeout: .seconds(5))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    return response.status.code
                }
                #expect(try await status(nil) == 401)
                #expect(try await status("Bearer correct horsf") == 401)
                #expect(try await status("Bearer correct") == 401)
                #expect(try await status("Basic correct horse") == 401)
                #expect(try await status("Bearer correct horse") == 200)
                try await client.shutdown()
            }
        }
    }

    @Test func loopbackIsAParsedAddress() {
        for host in ["127.0.0.1", "127.9.8.7", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"] { #expect(isLoopbackHost(host), "\(host)") }
        for host in ["127.evil.example", "localhost.evil.example", "0.0.0.0", "10.0.0.1", "::", "128.0.0.1", "127.1", ""] {
            #expect(!isLoopbackHost(host), "\(host)")
        }
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence (for request bodies).
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
