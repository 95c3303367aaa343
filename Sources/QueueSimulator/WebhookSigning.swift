import Crypto
import Foundation

/// The simulator's webhook signing key and its JWKS, as fal signs webhooks: ED25519 over
/// `request_id \n user_id \n timestamp \n sha256_hex(body)`, keys served at
/// `/.well-known/jwks.json`.
///
/// The key is derived from `SimulatorConfiguration.seed`, so a test can know it in advance and runs
/// repeat. It is a test key: anyone who knows the seed can sign.
struct WebhookSigner: Sendable {
    /// The raw 32-byte key (swift-crypto's key type is not `Sendable` on every platform).
    let rawPrivateKey: Data
    let userID: String

    var privateKey: Curve25519.Signing.PrivateKey {
        // The bytes came from a SHA-256 digest, a valid Ed25519 seed; this cannot fail.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
    }

    init(seed: UInt64, userID: String) {
        var material = Data("queue-simulator webhook signing key".utf8)
        withUnsafeBytes(of: seed.bigEndian) { material.append(contentsOf: $0) }
        let digest = SHA256.hash(data: material)
        rawPrivateKey = Data(digest)
        self.userID = userID
    }

    /// The headers for delivering `body` for `requestID` at `timestamp` (Unix seconds).
    func headers(requestID: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let message = Data("\(requestID)\n\(userID)\n\(timestamp)\n\(digest)".utf8)
        let signature = (try? privateKey.signature(for: message)).map { Data($0) } ?? Data()
        return [
            ("X-Fal-Webhook-Request-Id", requestID),
            ("X-Fal-Webhook-User-Id", userID),
            ("X-Fal-Webhook-Timestamp", String(timestamp)),
            ("X-Fal-Webhook-Signature", signature.map { String(format: "%02x", $0) }.joined()),
        ]
    }

    /// `{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": base64url, "kid", "use": "sig", "alg": "EdDSA"}]}`.
    var jwks: JSONValue {
        let raw = privateKey.publicKey.rawRepresentation
        let x = raw.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let kid = SHA256.hash(data: raw).prefix(8).map { String(format: "%02x", $0) }.joined()
        return .object([
            ("keys", .array([.object([
                ("kty", .string("OKP")), ("crv", .string("Ed25519")), ("x", .string(x)), ("kid", .string(kid)),
                ("use", .string("sig")), ("alg", .string("EdDSA")),
            ])])),
        ])
    }
}

extension QueueSimulator {
    /// The JWKS this simulator's webhook signatures verify against, as served at
    /// `GET /.well-known/jwks.json`.
    public var webhookJWKS: [UInt8] { webhookSigner.jwks.bytes }

    /// Where the JWKS is served.
    public var webhookJWKSURL: URL { queueBaseURL.appendingPathComponent(".well-known/jwks.json") }
}
