import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import QueueRuntime

/// The server side of proxy mode: an app's server that holds the fal key, checks what its clients
/// ask for, and forwards it (fal's `@fal-ai/server-proxy`, for Hummingbird).
///
/// ```swift
/// var configuration = QueueProxy.Configuration(credentials: Credentials.fromEnvironment()!)
/// configuration.authenticate = QueueProxy.bearerToken(clientToken)
/// let proxy = QueueProxy(
///     configuration: configuration, httpClient: QueueProxy.makeHTTPClient(),
///     streamingHTTPClient: QueueProxy.makeHTTPClient())
/// // Serves /api/fal/proxy with the bounds `queue-proxy` uses (idle timeout, connection limit);
/// // or `proxy.addRoutes(to: router)` in an application of your own.
/// try await proxy.makeApplication(host: "0.0.0.0", port: 3333).runService()
/// ```
///
/// A request carries the URL it is meant for in `x-fal-target-url`. The proxy parses it, checks it
/// against `TargetPolicy` (fal's hosts and routes only; POSTs against the endpoint allow-list),
/// asks the optional `authenticate` hook, adds `Authorization`, forwards only `x-fal-*` and
/// content headers, and streams both bodies through without holding them whole, so the status
/// stream and streaming endpoints keep working. It never logs the key or a body.
public struct QueueProxy: Sendable {
    /// Where allowed targets are sent.
    public enum Upstream: Sendable {
        /// To the target itself (production).
        case target
        /// To one server hosting all three hosts' routes, as the local queue server does: the
        /// queue and storage hosts at `base`, the run host at `base/run` (tests and staging).
        case singleServer(URL)
    }

    /// Decides whether a client may use the proxy, from the request's head (cookies, tokens…).
    public typealias Authenticate = @Sendable (HTTPRequest) async -> Bool

    /// What the proxy is configured with.
    public struct Configuration: Sendable {
        /// The key added to forwarded requests.
        public var credentials: Credentials
        /// Which targets are forwarded.
        public var policy: TargetPolicy
        /// Where forwarded requests go.
        public var upstream: Upstream
        /// The app's authentication check; `nil` lets every client through (fal's default), so put
        /// one in front of any proxy that is reachable by others.
        public var authenticate: Authenticate?
        /// The largest request body forwarded; larger ones are answered 413.
        public var maximumRequestBytes: Int
        /// The `x-fal-client-proxy` value sent upstream.
        public var proxyName: String
        /// The route served.
        public var path: String
        /// Where refusals and forwards are logged (method, host, path and status only).
        public var logger: Logger

        /// A proxy with fal's default allow-list, no endpoint list, no authentication hook, and
        /// a 100 MiB body cap.
        public init(
            credentials: Credentials, policy: TargetPolicy = TargetPolicy(), upstream: Upstream = .target,
            authenticate: Authenticate? = nil, maximumRequestBytes: Int = 100 << 20
        ) {
            self.credentials = credentials
            self.policy = policy
            self.upstream = upstream
            self.authenticate = authenticate
            self.maximumRequestBytes = maximumRequestBytes
            self.proxyName = "swift-queue-proxy"
            self.path = "/api/fal/proxy"
            self.logger = Logger(label: "queue-proxy")
        }
    }

    /// What it was configured with.
    public let configuration: Configuration
    let httpClient: HTTPClient
    let streamingHTTPClient: HTTPClient

    /// A proxy forwarding through `httpClient` (which should not follow redirects: a redirect
    /// could carry the key elsewhere), and the long-lived streams (status streams, streaming
    /// endpoints: paths ending in `/stream`) through `streamingHTTPClient` when given. Keeping
    /// thousands of held connections out of the pool that serves quick requests keeps those
    /// quick: a pool's bookkeeping grows with its connections. The caller owns the clients and
    /// shuts them down.
    public init(configuration: Configuration, httpClient: HTTPClient, streamingHTTPClient: HTTPClient? = nil) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.streamingHTTPClient = streamingHTTPClient ?? httpClient
    }

    /// The default per-host connection limit of `makeHTTPClient`: each open status stream holds
    /// one upstream HTTP/1.1 connection for its whole job, so the pool is sized for thousands of
    /// streams, not AsyncHTTPClient's default of 8 (the ninth client would wait, then fail).
    public static let defaultUpstreamConnectionsPerHost = 4096

    /// An HTTP client fit for the proxy: no redirects, a 5 s connect timeout, a 5 min read timeout
    /// (an idle status stream pings far more often), and up to `connectionsPerHost` connections
    /// to each upstream host. An https upstream negotiates HTTP/2 where it offers it.
    public static func makeHTTPClient(connectionsPerHost: Int = defaultUpstreamConnectionsPerHost) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(5)
        configuration.timeout.read = .minutes(5)
        configuration.decompression = .disabled
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connectionsPerHost))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Serves the proxy route (`configuration.path`) for GET, POST and PUT on `router`.
    public func addRoutes<Router: RouterMethods>(to router: Router) {
        for method in [HTTPRequest.Method.get, .post, .put] {
            router.on(RouterPath(configuration.path), method: method) { request, _ in
                await self.handle(request)
            }
        }
        for method in [HTTPRequest.Method.delete, .patch, .head, .options] {
            router.on(RouterPath(configuration.path), method: method) { _, _ in
                Self.refusal(ProxyRefusal(status: 405, kind: "method_not_allowed", message: "the proxy forwards GET, POST and PUT only"))
            }
        }
    }

    /// Headers passed upstream besides `x-fal-*`.
    static let forwardedRequestHeaders: Set<String> = ["content-type", "accept", "user-agent"]
    /// Headers never passed back: hop-by-hop ones (RFC 9110 §7.6.1), the length and encoding the
    /// proxy's own framing replaces (fal's proxy drops the last two as well), and what belongs to
    /// the upstream's relation with the proxy, not the app's: its cookies and proxy challenges.
    static let droppedResponseHeaders: Set<String> = [
        "content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive", "upgrade", "proxy-connection", "te",
        "trailer", "set-cookie", "set-cookie2", "proxy-authenticate", "proxy-authentication-info",
    ]

    /// The field names a `Connection` header lists (RFC 9110 §7.6.1: hop-by-hop, never forwarded), lower-cased.
    static func connectionOptions<S: Sequence<String>>(_ values: S) -> Set<String> {
        var names: Set<String> = []
        for value in values {
            for token in value.split(separator: ",") {
                let name = token.trimmingCharacters(in: .whitespaces).lowercased()
                if !name.isEmpty { names.insert(name) }
            }
        }
        return names
    }

    /// Checks and forwards one request.
    public func handle(_ request: Request) async -> Response {
        let method = request.method
        var logger = configuration.logger
        logger[metadataKey: "method"] = "\(method.rawValue)"
        let target: ProxyTarget
        do {
            target = try configuration.policy.check(request.headers[HTTPField.Name("x-fal-target-url")!], method: method.rawValue)
        } catch {
            logger.notice("refused target", metadata: ["reason": "\(error.message)"])
            return Self.refusal(error)
        }
        logger[metadataKey: "target"] = "\(target.host)\(target.path)"
        if let authenticate = configuration.authenticate, !(await authenticate(request.head)) {
            logger.notice("refused: not authenticated")
            return Self.refusal(ProxyRefusal(status: 401, kind: "unauthenticated", message: "the proxy's authentication check refused this request"))
        }
        var declaredLength: Int64?
        if let text = request.headers[.contentLength] {
            guard let length = Int64(text), length >= 0 else {
                return Self.refusal(ProxyRefusal(status: 400, kind: "bad_request", message: "Content-Length is not a number"))
            }
            guard length <= configuration.maximumRequestBytes else {
                return Self.refusal(Self.tooLarge(configuration.maximumRequestBytes))
            }
            declaredLength = length
        }

        var upstreamRequest = HTTPClientRequest(url: upstreamURL(for: target))
        upstreamRequest.method = HTTPMethod(rawValue: method.rawValue)
        let hopByHop = Self.connectionOptions(request.headers[values: .connection])
        for field in request.headers {
            let name = field.name.canonicalName
            if name == "x-fal-target-url" || hopByHop.contains(name) { continue }
            if name.hasPrefix("x-fal-") || Self.forwardedRequestHeaders.contains(name) {
                upstreamRequest.headers.add(name: name, value: field.value)
            }
        }
        upstreamRequest.headers.replaceOrAdd(name: "authorization", value: configuration.credentials.authorizationHeaderValue)
        upstreamRequest.headers.replaceOrAdd(name: "x-fal-client-proxy", value: configuration.proxyName)
        if method == .post || method == .put {
            if let declaredLength {
                // The server's framing holds the body to its declared length, which is within the cap.
                let capped = CappedBody(base: request.body, limit: configuration.maximumRequestBytes)
                upstreamRequest.body = .stream(capped, length: .known(declaredLength))
            } else {
                // A chunked body could pass the cap only after part of it, key attached, went
                // upstream: it is read up to the cap first, and refused whole when over.
                var request = request
                let buffer: ByteBuffer
                do { buffer = try await request.collectBody(upTo: configuration.maximumRequestBytes) } catch {
                    logger.notice("refused: body over the cap")
                    return Self.refusal(Self.tooLarge(configuration.maximumRequestBytes))
                }
                upstreamRequest.body = .bytes(buffer)
            }
        }

        let response: HTTPClientResponse
        do {
            let client = target.path.hasSuffix("/stream") ? streamingHTTPClient : httpClient
            response = try await client.execute(upstreamRequest, timeout: .hours(1), logger: nil)
        } catch is BodyTooLarge {
            logger.notice("refused: body over the cap")
            return Self.refusal(Self.tooLarge(configuration.maximumRequestBytes))
        } catch {
            logger.warning("upstream failed", metadata: ["error": "\(type(of: error))"])
            return Self.json(502, detail: "the proxy could not reach the upstream service", kind: "upstream_unreachable")
        }
        logger.debug("forwarded", metadata: ["status": "\(response.status.code)"])
        var headers = HTTPFields()
        let upstreamHopByHop = Self.connectionOptions(response.headers["connection"])
        for (name, value) in response.headers
        where !Self.droppedResponseHeaders.contains(name.lowercased()) && !upstreamHopByHop.contains(name.lowercased()) {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers,
            body: ResponseBody(asyncSequence: response.body))
    }

    /// The URL a checked target is sent to.
    func upstreamURL(for target: ProxyTarget) -> String {
        let pathAndQuery = target.path + (target.query.map { "?\($0)" } ?? "")
        switch configuration.upstream {
        case .target:
            return "https://\(target.host)\(pathAndQuery)"
        case .singleServer(let base):
            var text = base.absoluteString
            while text.hasSuffix("/") { text.removeLast() }
            if target.host == "fal.run" { text += "/run" }
            return text + pathAndQuery
        }
    }

    static func tooLarge(_ limit: Int) -> ProxyRefusal {
        ProxyRefusal(status: 413, kind: "request_too_large", message: "the request body is over the proxy's limit of \(limit) bytes")
    }

    /// A refusal as `{"detail": message, "error_type": kind}`, which the runtime reads like fal's errors.
    static func refusal(_ refusal: ProxyRefusal) -> Response {
        json(refusal.status, detail: refusal.message, kind: refusal.kind)
    }

    static func json(_ status: Int, detail: String, kind: String) -> Response {
        let body = try? JSONSerialization.data(withJSONObject: ["detail": detail, "error_type": kind], options: [.sortedKeys])
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body ?? Data())))
    }
}

/// The request body ended past the cap.
struct BodyTooLarge: Error {}

/// A request body that throws `BodyTooLarge` once more than `limit` bytes went through, so a body
/// without `Content-Length` is capped too, without holding it.
struct CappedBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if seen > limit { throw BodyTooLarge() }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit)
    }
}
