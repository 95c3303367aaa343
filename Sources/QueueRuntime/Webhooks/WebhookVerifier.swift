// Built with the `WebhookVerification` trait (on by default): it needs swift-crypto.
#if WebhookVerification
internal import Crypto
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
        /// This request id and timestamp were already processed: a replay (or a redelivery).
        case replayed
        /// This delivery is being processed right now (a redelivery that overtook the first attempt).
        case inProgress
        /// The delivery is signed for a user id that is not one of the expected ones (another
        /// fal account pointed its webhook at this URL).
        case unexpectedUser
        /// The key set could not be fetched or read (the reason is given, without secrets).
        case keySetUnavailable(String)
    }

    /// The check that failed.
    public var reason: Reason

    /// A rejection for `reason`.
    public init(_ reason: Reason) {
        self.reason = reason
    }

    /// Which check failed, in words.
    public var description: String {
        switch reason {
        case .missingHeader(let name): "webhook rejected: header \(name) is missing"
        case .malformedTimestamp: "webhook rejected: X-Fal-Webhook-Timestamp is not a number of seconds"
        case .staleTimestamp(let off): "webhook rejected: timestamp is \(off) s away from now"
        case .malformedSignature: "webhook rejected: X-Fal-Webhook-Signature is not 128 hex digits"
        case .signatureMismatch: "webhook rejected: no key of the key set verifies the signature"
        case .replayed: "webhook rejected: this request id and timestamp were already processed"
        case .inProgress: "webhook rejected for now: this delivery is being processed"
        case .unexpectedUser: "webhook rejected: signed for a user id this receiver does not expect"
        case .keySetUnavailable(let why): "webhook rejected: the key set is unavailable: \(why)"
        }
    }
}

/// The signature headers of a delivery, checked for form, timestamp and user id (no body read yet).
public struct WebhookSignedHead: Sendable, Hashable {
    /// `X-Fal-Webhook-Request-Id`.
    public var requestID: String
    /// `X-Fal-Webhook-User-Id`.
    public var userID: String
    /// `X-Fal-Webhook-Timestamp`, as sent (it is signed as text).
    public var timestampText: String
    /// The timestamp, Unix seconds.
    public var timestamp: Int64
    /// The 64 signature bytes.
    public var signature: [UInt8]
    /// `X-Fal-Webhook-Key-Id`, when the sender names the key it signed with.
    public var keyID: String?

    /// What a replay store knows the delivery by.
    public var replayKey: String { "\(requestID)\n\(timestampText)" }
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
/// timestamp close to now, and (optionally) a user id of yours; and hands each delivery to
/// your code once.
///
/// One verifier per process. The cheap checks (headers, timestamp, user id) come first, before
/// the body is read or hashed; hashing and signature checks run outside the actor. The key set
/// is cached (refetched when older than `Configuration.keySetLifetime`, or when no cached key
/// verifies a signature, at most once per `Configuration.minimumRefreshInterval`); a failed fetch
/// backs off, and the keys last fetched keep serving meanwhile.
///
/// ```swift
/// let verifier = WebhookVerifier(configuration: .init(expectedUserIDs: ["your-fal-user-id"]))
/// try await verifier.receive(headers: request.headers, body: rawBody) { delivery in
///     let payload = try WebhookPayload<Flux1SchnellRedux.Output>.decode(rawBody)
///     // … the delivery is recorded as processed only once this returns
/// }
/// ```
public actor WebhookVerifier {
    /// Fetches the JWKS document's bytes.
    public typealias KeySetFetcher = @Sendable () async throws -> Data

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
        /// The id (`kid`) of the key that signed, when a sender gives it (fal does not today);
        /// only that key is tried then.
        public static let keyID = "X-Fal-Webhook-Key-Id"
    }

    /// What it was configured with.
    public nonisolated let configuration: Configuration
    /// Where processed deliveries are recorded.
    public nonisolated let replayStore: any WebhookReplayStore
    let fetchKeySet: KeySetFetcher
    var cache = KeySetCache()

    /// A verifier that gets the key set from `fetchKeySet` (bounded by
    /// `configuration.keySetFetchTimeout`) and records deliveries in `replayStore` (this process's
    /// memory, `configuration.replayCapacity` entries, by default).
    public init(
        configuration: Configuration = Configuration(), replayStore: (any WebhookReplayStore)? = nil,
        fetchKeySet: @escaping KeySetFetcher
    ) {
        self.configuration = configuration
        self.replayStore = replayStore ?? InMemoryWebhookReplayStore(capacity: configuration.replayCapacity, now: configuration.now)
        self.fetchKeySet = fetchKeySet
    }

    /// A verifier that fetches the key set from `url` (fal's by default) through `transport`
    /// (the runtime's default transport when `nil`). Answers other than 2xx, and bodies over
    /// `configuration.maximumKeySetBytes`, are errors.
    public init(
        jwksURL url: URL = WebhookVerifier.falJWKSURL, transport: (any ClientTransport)? = nil,
        configuration: Configuration = Configuration(), replayStore: (any WebhookReplayStore)? = nil
    ) {
        let transport = transport ?? QueueClient.Configuration.defaultTransport()
        let limit = configuration.maximumKeySetBytes
        self.init(configuration: configuration, replayStore: replayStore) {
            try await Self.fetchJWKS(url, transport: transport, limit: limit)
        }
    }

    // MARK: Checks

    /// The cheap checks, from the headers alone (names matched case-insensitively): every
    /// signature header present, the timestamp within the tolerance, the signature 64 bytes of
    /// hex, and the user id one of `expectedUserIDs` (the configuration's when `nil`).
    public nonisolated func checkHead(_ headers: [String: String], expectedUserIDs: Set<String>? = nil) throws -> WebhookSignedHead {
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
        let off = configuration.now().subtractingReportingOverflow(timestamp)
        let tolerance = Int64(configuration.timestampTolerance.components.seconds)
        guard !off.overflow, abs(off.partialValue) <= tolerance else {
            throw WebhookRejection(.staleTimestamp(secondsOff: off.overflow ? .max : off.partialValue))
        }
        guard signatureText.utf8.count == 128, let signature = Self.hexBytes(signatureText), signature.count == 64 else {
            throw WebhookRejection(.malformedSignature)
        }
        if let expected = expectedUserIDs ?? configuration.expectedUserIDs, !expected.contains(userID) {
            throw WebhookRejection(.unexpectedUser)
        }
        let keyID = lowered[Header.keyID.lowercased()]?.trimmingCharacters(in: .whitespaces)
        return WebhookSignedHead(
            requestID: requestID, userID: userID, timestampText: timestampText, timestamp: timestamp, signature: signature,
            keyID: keyID?.isEmpty == false ? keyID : nil)
    }

    /// `checkHead(_:expectedUserIDs:)` with `HTTPFields`.
    public nonisolated func checkHead(_ headers: HTTPFields, expectedUserIDs: Set<String>? = nil) throws -> WebhookSignedHead {
        var plain: [String: String] = [:]
        for field in headers { plain[field.name.canonicalName] = field.value }
        return try checkHead(plain, expectedUserIDs: expectedUserIDs)
    }

    /// Checks the signature of a delivery whose head passed `checkHead`, over its raw body.
    /// Does not record the delivery: `receive` does, once your code has processed it.
    @discardableResult
    public nonisolated func verify(head: WebhookSignedHead, body: Data) async throws -> VerifiedWebhook {
        let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let message = Data("\(head.requestID)\n\(head.userID)\n\(head.timestampText)\n\(digest)".utf8)
        var candidates = try await keys(forceRefresh: false, keyID: head.keyID)
        var signer = candidates.first { $0.verifies(head.signature, message) }
        if signer == nil, await mayRefreshForUnknownKey() {
            candidates = try await keys(forceRefresh: true, keyID: head.keyID)
            signer = candidates.first { $0.verifies(head.signature, message) }
        }
        guard let signer else { throw WebhookRejection(.signatureMismatch) }
        await noteVerified(signer)
        return VerifiedWebhook(requestID: head.requestID, userID: head.userID, timestamp: head.timestamp)
    }

    /// Every check on a delivery's headers (names matched case-insensitively) and raw body.
    /// Throws `WebhookRejection` saying which check failed. Records nothing: use `receive`.
    @discardableResult
    public nonisolated func verify(headers: [String: String], body: Data) async throws -> VerifiedWebhook {
        try await verify(head: checkHead(headers), body: body)
    }

    /// `verify(headers:body:)` with `HTTPFields`.
    @discardableResult
    public nonisolated func verify(headers: HTTPFields, body: Data) async throws -> VerifiedWebhook {
        try await verify(head: checkHead(headers), body: body)
    }

    // MARK: Exactly once

    /// Verifies a delivery and runs `process` with it, once per delivery: the delivery is
    /// recorded as processed only when `process` returns, so a delivery whose processing threw
    /// is processed again when fal redelivers it. Throws `.replayed` for a delivery already
    /// processed and `.inProgress` for one being processed now (answer it 409: fal retries).
    public nonisolated func receive<T: Sendable>(
        head: WebhookSignedHead, body: Data, _ process: (VerifiedWebhook) async throws -> T
    ) async throws -> T {
        let verified = try await verify(head: head, body: body)
        let key = head.replayKey
        let expiresAt = head.timestamp.addingReportingOverflow(Int64(configuration.timestampTolerance.components.seconds)).partialValue
        switch try await replayStore.claim(key, expiresAt: expiresAt) {
        case .processed: throw WebhookRejection(.replayed)
        case .inProgress: throw WebhookRejection(.inProgress)
        case .claimed: break
        }
        let result: T
        do { result = try await process(verified) } catch {
            try? await replayStore.release(key)
            throw error
        }
        try await replayStore.markProcessed(key, expiresAt: expiresAt)
        return result
    }

    /// `receive(head:body:_:)` from the headers (all checks).
    public nonisolated func receive<T: Sendable>(
        headers: [String: String], body: Data, _ process: (VerifiedWebhook) async throws -> T
    ) async throws -> T {
        try await receive(head: checkHead(headers), body: body, process)
    }

    /// `receive(headers:body:_:)` with `HTTPFields`.
    public nonisolated func receive<T: Sendable>(
        headers: HTTPFields, body: Data, _ process: (VerifiedWebhook) async throws -> T
    ) async throws -> T {
        try await receive(head: checkHead(headers), body: body, process)
    }

    /// How many processed deliveries the default store remembers (for tests of the bound).
    public var rememberedCount: Int {
        get async { await (replayStore as? InMemoryWebhookReplayStore)?.processedCount ?? 0 }
    }

    /// GETs a JWKS through `transport`, 2xx only, at most `limit` bytes.
    static func fetchJWKS(_ url: URL, transport: any ClientTransport, limit: Int) async throws -> Data {
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
        return try await Data(collecting: body, upTo: limit)
    }
}
#endif
