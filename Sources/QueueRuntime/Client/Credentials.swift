import Foundation

/// The secret sent in `Authorization`, and the scheme it is sent with.
///
/// Its descriptions never show the secret, so a credential can sit in a configuration that is
/// printed or logged.
public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The word before the secret in the `Authorization` header.
    public enum Scheme: String, Sendable, Hashable {
        /// `Authorization: Key <key_id:key_secret>`, what fal expects.
        case key = "Key"
        /// `Authorization: Bearer <token>`, what some re-hosted copies of the API expect.
        case bearer = "Bearer"
    }

    /// The scheme the secret is sent with.
    public var scheme: Scheme
    /// The secret itself; internal so it cannot leak through a public accessor by accident.
    let secret: String

    /// A key as fal issues it (`key_id:key_secret`) or a bearer token.
    public init(key: String, scheme: Scheme = .key) {
        self.secret = key
        self.scheme = scheme
    }

    /// A key given as its two halves, joined with `:` as the official clients do.
    public init(keyID: String, keySecret: String, scheme: Scheme = .key) {
        self.init(key: "\(keyID):\(keySecret)", scheme: scheme)
    }

    /// `FAL_KEY`, else `FAL_KEY_ID` + `FAL_KEY_SECRET`; `nil` when neither is set.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, scheme: Scheme = .key
    ) -> Credentials? {
        if let key = environment["FAL_KEY"], !key.isEmpty { return Credentials(key: key, scheme: scheme) }
        if let id = environment["FAL_KEY_ID"], let secret = environment["FAL_KEY_SECRET"], !id.isEmpty, !secret.isEmpty {
            return Credentials(keyID: id, keySecret: secret, scheme: scheme)
        }
        return nil
    }

    /// The value of the `Authorization` header.
    var authorization: String { "\(scheme.rawValue) \(secret)" }

    /// Replaces every occurrence of the secret in `text`, a text about to be shown (an error
    /// message, a log line); never used on data the client goes on to use (see Redaction.swift).
    func redact(_ text: String) -> String {
        var text = text
        for part in secretParts where text.contains(part) {
            text = text.replacingOccurrences(of: part, with: "<redacted>")
        }
        return text
    }

    /// The whole secret, then each half of a `key_id:key_secret` key that is long enough to be
    /// told apart from ordinary text (either half alone is worth hiding).
    var secretParts: [String] {
        guard !secret.isEmpty else { return [] }
        let halves = secret.split(separator: ":").map(String.init).filter { $0.utf8.count >= 8 && $0 != secret }
        return [secret] + halves
    }

    /// The scheme and `<redacted>`, never the secret.
    public var description: String { "Credentials(\(scheme.rawValue) <redacted>)" }
    /// The same as `description`: the secret is never shown.
    public var debugDescription: String { description }
    /// `dump` and debuggers show the scheme only.
    public var customMirror: Mirror { Mirror(self, children: ["scheme": scheme, "secret": "<redacted>"]) }
}
