/// A queue endpoint id: `owner/alias[/subpath…]`, optionally behind a `workflows/` or `comfy/`
/// namespace, such as `fal-ai/flux-1/schnell/redux`.
///
/// Submit uses the whole id; status, result and cancel live under `owner/alias` only (`appPath`).
public struct EndpointID: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral, Codable {
    /// The id as written.
    public let rawValue: String
    /// The namespace (`workflows`, `comfy`) if there is one.
    public let namespace: String?
    /// The owner, such as `fal-ai`.
    public let owner: String
    /// The application alias, such as `flux-1`.
    public let alias: String
    /// What follows `owner/alias`, such as `schnell/redux`; empty when nothing does.
    public let subpath: String

    /// The namespaces that come before the owner.
    public static let namespaces: Set<String> = ["workflows", "comfy"]

    /// Parses an id; `nil` when it has no owner and alias or an empty or dot segment.
    public init?(_ rawValue: String) {
        var parts = rawValue.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { return nil }
        var namespace: String?
        if let first = parts.first, Self.namespaces.contains(first) {
            namespace = first
            parts.removeFirst()
        }
        guard parts.count >= 2 else { return nil }
        self.rawValue = rawValue
        self.namespace = namespace
        self.owner = parts[0]
        self.alias = parts[1]
        self.subpath = parts.dropFirst(2).joined(separator: "/")
    }

    /// For literals in generated code; a malformed literal is a programming error.
    public init(stringLiteral value: String) {
        guard let id = EndpointID(value) else { preconditionFailure("not an endpoint id: \(value)") }
        self = id
    }

    /// Decodes an id from a string; fails on a malformed one.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = EndpointID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an endpoint id: \(text)"))
        }
        self = id
    }

    /// Encodes the id as written.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// `[namespace/]owner/alias`: where status, result and cancel are addressed.
    public var appPath: String {
        [namespace, owner, alias].compactMap { $0 }.joined(separator: "/")
    }

    /// The id as written.
    public var description: String { rawValue }
}
