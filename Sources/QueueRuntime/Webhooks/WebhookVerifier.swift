import Crypto
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Why a webhook delivery was not accepted.
public struct WebhookRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The check that failed.
    public enum Reason: Sendable, Hashable {
        /// A signature header is absent or empty (its name is given).
        case missingHeader(String)
        /// `X-Fal-Webhook-Timestamp` is not a whole number of seconds.
        case malformedTimestamp
        /// The timestamp is further from now than the tolerance (the difference in seconds is given).
        case staleTimestamp(secondsOff: Int64)
        /// `X-Fal-Webhook-Signature` is not the hex of 64 bytes.
        case malformedSignature
        /// No key of the key set verifies the signature, even after refreshing the set.
        case signatureMismatch
        /// This request id and timestamp were already accepted: a replay (or a redelivery).
        case replayed
        /// The key set could not be fetched or read (the reason is given, without secrets).
        case keySetUnavailable(String)
    }

    /// The check that failed.
    public var reason: Reason

    /// A rejection for `reason`.
    public init(_ reason: Reason) {
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .missingHeader(let name): "webhook rejected: header \(name) is missing"
        case .malformedTimestamp: "webhook rejected: X-Fal-Webhook-Timestamp is not a number of seconds"
        case .staleTimestamp(let off): "webhook rejected: timestamp is \(off) s away from now"
        case .malformedSignature: "webhook rejected: X-Fal-Webhook-Signature is not 128 hex digits"
        case .signatureMismatch: "webhook rejected: no key of the key set verifies the signature"
        case .replayed: "webhook rejected: this request id and timestamp were already accepted"
        case .keySetUnavailable(let why): "webhook rejected: the key set is unavailable: \(why)"
        }
    }
}

/// A delivery that passed every check.
public struct VerifiedWebhook: Sendable, Hashable {
    /// `X-Fal-Webhook-Request-Id`.
    public var requestID: String
    /// `X-Fal-Webhook-User-Id`.
    public var userID: String
    /// `X-Fal-Webhook-Timestamp`, Unix seconds.
    public var timestamp: Int64
}

/// Checks that a webhook came from fal: the ED25519 signature over
/// `request_id \n user_id \n timestamp \n sha256_hex(body)` under a key of fal's JWKS, a
/// timestamp close to now, and a request id + timestamp pair not seen before.
///
/// One verifier per process: it caches the key set (refetching it when it is older than
/// `Configuration.keySetLifetime`, or when no cached key verifies a signature, at most once per
/// `Configuration.minimumRefreshInterval`) and remembers accepted deliveries.
///
/// ```swift
/// let verifier = WebhookVerifier()
/// let delivery = try await verifier.verify(headers: request.headers, body: rawBody)
/// let payload = try WebhookPayload<Flux1SchnellRedux.Output>.decode(rawBody)
/// ```
public actor WebhookVerifier {
    /// Fetches the JWKS document's bytes.
    public typealias KeySetFetcher = @Sendable () async throws -> Data

    /// Tolerances, cache lifetimes and bounds.
    public struct Configuration: Sendable {
        /// How far the timestamp may be from now, either way (fal documents 300 s).
        public var timestampTolerance: Duration = .seconds(300)
        /// How long a fetched key set is used before it is fetched again (fal suggests up to a day).
        public var keySetLifetime: Duration = .seconds(24 * 3600)
        /// The least time between two fetches caused by signatures no key verifies, so forged
        /// deliveries cannot make the verifier hammer the key server.
        public var minimumRefreshInterval: Duration = .seconds(60)
        /// How many accepted deliveries are remembered for replay detection; the oldest are
        /// forgotten first (entries older than the tolerance are dropped anyway, as the timestamp
        /// check rejects their replays).
        public var replayCapacity: Int = 10_000
        /// The clock, Unix seconds; replaceable so tests can move time.
        public var now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

        /// The defaults.
        public init() {}
    }

    /// fal's key set.
    public static let falJWKSURL = URL(string: "https://rest.alpha.fal.ai/.well-known/jwks.json")!

    /// The header names fal signs with.
    public enum Header {
        /// The request id header.
        public static let requestID = "X-Fal-Webhook-Request-Id"
        /// The user id header.
        public static let userID = "X-Fal-Webhook-User-Id"
        /// The timestamp header (Unix seconds).
        public static let timestamp = "X-Fal-Webhook-Timestamp"
        /// The signature header (hex).
        public static let signature = "X-Fal-Webhook-Signature"
    }

    let fetchKeySet: KeySetFetcher
    let configuration: Configuration
    /// Raw 32-byte Ed25519 public keys (swift-crypto's key type is not `Sendable` everywhere).
    var keys: [Data] = []
    var fetchedAt: ContinuousClock.Instant?
    /// When a signature no cached key verified last caused a refetch.
    var lastRefreshForUnknownKey: ContinuousClock.Instant?
    var inFlight: Task<[Data], any Error>?
    var accepted: Set<String> = []
    var acceptedOrder: [(key: String, timestamp: Int64)] = []
    var acceptedStart = 0

    /// A verifier that gets the key set from `fetchKeySet`.
    public init(configuration: Configuration = Configuration(), fetchKeySet: @escaping KeySetFetcher) {
        self.configuration = configuration
        self.fetchKeySet = fetchKeySet
    }

    /// A verifier that fetches the key set from `url` (fal's by default) through `transport`
    /// (the runtime's default transport when `nil`). Answers other than 2xx, and bodies over
    /// 1 MiB, are errors.
    public init(
        jwksURL url: URL = WebhookVerifier.falJWKSURL, transport: (any ClientTransport)? = nil,
        configuration: Configuration = Configuration()
    ) {
        let transport = transport ?? QueueClient.Configuration.defaultTransport()
        self.init(configuration: configuration) {
            guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true), let scheme = components.scheme,
                let host = components.percentEncodedHost
            else { throw QueueError.insecureURL(url.absoluteString) }
            let authority = components.port.map { "\(host):\($0)" } ?? host
            var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            if let query = components.percentEncodedQuery { path += "?\(query)" }
            var request = HTTPRequest(method: .get, scheme: scheme, authority: authority, path: path)
            request.headerFields[.accept] = "application/json"
            let (response, body) = try await transport.send(
                request, body: nil, baseURL: URL(string: "\(scheme)://\(authority)")!, operationID: "webhook key set")
            guard (200..<300).contains(response.status.code) else {
                throw WebhookRejection(.keySetUnavailable("HTTP \(response.status.code) from \(url.absoluteString)"))
            }
            guard let body else { return Data() }
            return try await Data(collecting: body, upTo: 1 << 20)
        }
    }

    /// Verifies a delivery from its headers (names matched case-insensitively) and raw body.
    ///
    /// Throws `WebhookRejection` saying which check failed. A delivery is remembered only once
    /// it passed every check, so a forged one cannot block the real one.
    @discardableResult
    public func verify(headers: [String: String], body: Data) async throws -> VerifiedWebhook {
        var lowered: [String: String] = [:]
        for (name, value) in headers { lowered[name.lowercased()] = value }
        func header(_ name: String) throws -> String {
            guard let value = lowered[name.lowercased()]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                throw WebhookRejection(.missingHeader(name))
            }
            return value
        }
        let requestID = try header(Header.requestID)
        let userID = try header(Header.userID)
        let timestampText = try header(Header.timestamp)
        let signatureText = try header(Header.signature)
        guard timestampText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let timestamp = Int64(timestampText) else {
            throw WebhookRejection(.malformedTimestamp)
        }
        let now = configuration.now()
        let off = now.subtractingReportingOverflow(timestamp)
        let tolerance = Int64(configuration.timestampTolerance.components.seconds)
        guard !off.overflow, abs(off.partialValue) <= tolerance else {
            throw WebhookRejection(.staleTimestamp(secondsOff: off.overflow ? .max : off.partialValue))
        }
        guard let signature = Self.hexBytes(signatureText), signature.count == 64 else {
            throw WebhookRejection(.malformedSignature)
        }
        let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let message = Data("\(requestID)\n\(userID)\n\(timestampText)\n\(digest)".utf8)

        func verifies(_ raw: Data) -> Bool {
            (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?.isValidSignature(signature, for: message) ?? false
        }
        var verified = try await currentKeys(forceRefresh: false).contains(where: verifies)
        if !verified, mayRefresh() {
            lastRefreshForUnknownKey = .now
            verified = try await currentKeys(forceRefresh: true).contains(where: verifies)
        }
        guard verified else { throw WebhookRejection(.signatureMismatch) }

        let replayKey = "\(requestID)\n\(timestampText)"
        guard !accepted.contains(replayKey) else { throw WebhookRejection(.replayed) }
        remember(replayKey, timestamp: timestamp, now: now)
        return VerifiedWebhook(requestID: requestID, userID: userID, timestamp: timestamp)
    }

    /// `verify(headers:body:)` with `HTTPFields`.
    @discardableResult
    public func verify(headers: HTTPFields, body: Data) async throws -> VerifiedWebhook {
        var plain: [String: String] = [:]
        for field in headers { plain[field.name.canonicalName] = field.value }
        return try await verify(headers: plain, body: body)
    }

    /// Whether a signature no cached key verifies may trigger a refetch now.
    func mayRefresh() -> Bool {
        guard let lastRefreshForUnknownKey else { return true }
        return ContinuousClock.now - lastRefreshForUnknownKey >= configuration.minimumRefreshInterval
    }

    /// The cached keys, fetched when there are none, they expired, or `forceRefresh`. Concurrent
    /// callers share one fetch.
    func currentKeys(forceRefresh: Bool) async throws -> [Data] {
        if !forceRefresh, let fetchedAt, !keys.isEmpty, ContinuousClock.now - fetchedAt < configuration.keySetLifetime {
            return keys
        }
        if let inFlight { return try await inFlight.value }
        let fetch = fetchKeySet
        let task = Task { () throws -> [Data] in
            let data: Data
            do { data = try await fetch() } catch let rejection as WebhookRejection {
                throw rejection
            } catch {
                throw WebhookRejection(.keySetUnavailable(String(describing: error)))
            }
            return try Self.parseKeySet(data)
        }
        inFlight = task
        defer { inFlight = nil }
        let fresh = try await task.value
        keys = fresh
        fetchedAt = .now
        return fresh
    }

    /// Remembers an accepted delivery, dropping entries the timestamp check already covers and,
    /// past the capacity, the oldest.
    func remember(_ key: String, timestamp: Int64, now: Int64) {
        accepted.insert(key)
        acceptedOrder.append((key, timestamp))
        let tolerance = Int64(configuration.timestampTolerance.components.seconds)
        while acceptedStart < acceptedOrder.count {
            let oldest = acceptedOrder[acceptedStart]
            let live = acceptedOrder.count - acceptedStart
            guard live > max(1, configuration.replayCapacity) || oldest.timestamp < now - tolerance else { break }
            accepted.remove(oldest.key)
            acceptedStart += 1
        }
        if acceptedStart > 1024, acceptedStart * 2 > acceptedOrder.count {
            acceptedOrder.removeFirst(acceptedStart)
            acceptedStart = 0
        }
    }

    /// How many accepted deliveries are remembered (for tests of the bound).
    public var rememberedCount: Int { accepted.count }

    /// The raw 32-byte Ed25519 public keys of a JWKS (`{"keys": [{"kty": "OKP", "crv": "Ed25519",
    /// "x": …}]}`); other key types are skipped, `x` is base64url with or without `=` padding.
    public static func parseKeySet(_ data: Data) throws -> [Data] {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: data), case .array(let entries)? = json["keys"] else {
            throw WebhookRejection(.keySetUnavailable("not a JWKS document (no \"keys\" array)"))
        }
        var keys: [Data] = []
        for entry in entries {
            guard entry["kty"]?.stringValue == "OKP", entry["crv"]?.stringValue == "Ed25519", let x = entry["x"]?.stringValue,
                let raw = base64URLDecode(x), raw.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
            else { continue }
            keys.append(raw)
        }
        guard !keys.isEmpty else { throw WebhookRejection(.keySetUnavailable("the JWKS has no Ed25519 key")) }
        return keys
    }

    /// Base64url (RFC 4648 §5), padded or not.
    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.trimmingCharacters(in: CharacterSet(charactersIn: "="))
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    /// Lower- or upper-case hex to bytes; `nil` for anything else.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}
