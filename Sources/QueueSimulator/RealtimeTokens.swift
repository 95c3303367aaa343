import Crypto
import Foundation
import Hummingbird

/// `POST /tokens/`: short-lived tokens for one app, signed with a key derived from the seed and
/// the API key, as fal's REST API issues them for realtime WebSockets.
struct RealtimeTokenIssuer: Sendable {
    /// The signing key's bytes (SymmetricKey is not Sendable in this swift-crypto).
    let keyBytes: Data
    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    init(seed: UInt64, apiKey: String?) {
        var material = Data("queue-simulator realtime tokens".utf8)
        for shift in stride(from: 56, through: 0, by: -8) { material.append(UInt8(truncatingIfNeeded: seed >> UInt64(shift))) }
        material.append(Data((apiKey ?? "").utf8))
        keyBytes = Data(SHA256.hash(data: material))
    }

    /// `<app>.<expiry in ms since 1970>.<signature>`, base64url parts.
    func issue(app: String, lifetime: Int, now: Date = Date()) -> String {
        let expiry = Int64((now.timeIntervalSince1970 + Double(lifetime)) * 1000)
        let payload = Self.base64URL(Data(app.utf8)) + "." + String(expiry)
        let signature = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)
        return payload + "." + Self.base64URL(Data(signature))
    }

    /// Why `token` does not admit a session with `app`, or nil when it does.
    func refusal(of token: String, app: String, now: Date = Date()) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int64(parts[1]), let signature = Self.data(base64URL: String(parts[2])) else {
            return "malformed token"
        }
        let payload = Data("\(parts[0]).\(parts[1])".utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: key) else { return "bad signature" }
        guard Double(expiry) / 1000 > now.timeIntervalSince1970 else { return "token expired" }
        guard Self.data(base64URL: String(parts[0])).map({ String(decoding: $0, as: UTF8.self) }) == app else {
            return "token is for another app"
        }
        return nil
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

extension QueueSimulator {
    /// Whether `Authorization` carries the configured key (always, when none is configured).
    func presentsKey(_ authorization: String?) -> Bool {
        guard let key = configuration.apiKey else { return true }
        return authorization == "Key \(key)" || authorization == "Bearer \(key)"
    }

    /// Answers `POST /tokens/` (`{"allowed_apps": [alias], "token_expiration": seconds}` → a JSON
    /// string); nil for any other request.
    func realtimeTokenReply(to request: inout Request) async -> Reply? {
        let segments = request.uri.path.split(separator: "/")
        guard segments == ["tokens"] else { return nil }
        guard request.method == .post else { return .detail(405, "Method Not Allowed") }
        guard presentsKey(request.headers[.authorization]) else {
            realtime.update { $0.tokensRefused += 1 }
            return .detail(401, "No user found for Key ID and Secret")
        }
        guard let body = try? await request.collectBody(upTo: 64 << 10), let value = try? JSONValue.parse(Array(body.readableBytesView)),
              case .array(let apps)? = value["allowed_apps"], apps.count == 1, let app = apps[0].stringValue, !app.isEmpty
        else {
            return .detail(422, "allowed_apps must list one app alias")
        }
        guard appPaths.contains(where: { $0.split(separator: "/").last.map(String.init) == app }) else {
            return .detail(404, "No app \(app) on this server")
        }
        let requested = value["token_expiration"]?.integerValue ?? 120
        let lifetime = Int(max(1, min(Int64(configuration.realtime.maximumTokenLifetime), requested)))
        let token = realtime.tokens.issue(app: app, lifetime: lifetime)
        realtime.update { $0.tokensIssued += 1 }
        return .json(200, .string(token))
    }
}
