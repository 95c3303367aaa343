// Built with the `WebhookVerification` trait (on by default): it needs swift-crypto.
#if WebhookVerification
internal import Crypto
import Foundation

/// One Ed25519 public key of fal's JWKS.
public struct WebhookKey: Sendable, Hashable {
    /// The JWKS `kid`, when the set gives one.
    public var id: String?
    /// The raw 32-byte public key (swift-crypto's key type is not `Sendable` everywhere).
    public var raw: Data

    /// A key from its raw bytes.
    public init(id: String?, raw: Data) {
        self.id = id
        self.raw = raw
    }

    /// Whether `signature` over `message` verifies under this key.
    func verifies(_ signature: [UInt8], _ message: Data) -> Bool {
        (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?.isValidSignature(signature, for: message) ?? false
    }
}

extension WebhookVerifier {
    /// The raw 32-byte Ed25519 public keys of a JWKS (`{"keys": [{"kty": "OKP", "crv": "Ed25519",
    /// "x": …}]}`); other key types are skipped, `x` is base64url with or without `=` padding.
    public static func parseKeySet(_ data: Data) throws -> [Data] {
        try parseKeys(data, limit: .max).map(\.raw)
    }

    /// The Ed25519 keys of a JWKS with their ids, the first `limit` of them: each is a signature
    /// check a delivery may cost, so a huge set cannot make every delivery expensive.
    static func parseKeys(_ data: Data, limit: Int) throws -> [WebhookKey] {
        guard let json = try? JSONValue(parsing: data), case .array(let entries)? = json["keys"] else {
            throw WebhookRejection(.keySetUnavailable("not a JWKS document (no \"keys\" array)"))
        }
        var keys: [WebhookKey] = []
        for entry in entries {
            guard keys.count < limit else { break }
            guard entry["kty"]?.stringValue == "OKP", entry["crv"]?.stringValue == "Ed25519", let x = entry["x"]?.stringValue,
                let raw = base64URLDecode(x), raw.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
            else { continue }
            keys.append(WebhookKey(id: entry["kid"]?.stringValue, raw: raw))
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

/// Runs `operation`, failing with `WebhookRejection(.keySetUnavailable)` when it takes longer
/// than `limit` (a key server that accepts and never answers must not hold deliveries).
///
/// Not a task group: a group waits for all its children, and a fetcher that ignores
/// cancellation would hold it; here the first of the fetch and the timer ends a one-shot
/// stream, and the other is cancelled and left.
func withKeySetTimeout(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> Data) async throws -> Data {
    let (outcome, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    let work = Task {
        do {
            continuation.yield(try await operation())
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        continuation.finish(throwing: WebhookRejection(.keySetUnavailable("no answer within \(limit.components.seconds) s")))
    }
    defer {
        work.cancel()
        timer.cancel()
    }
    for try await data in outcome { return data }
    throw WebhookRejection(.keySetUnavailable("the fetch was cancelled"))
}
#endif
