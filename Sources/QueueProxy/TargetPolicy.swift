/// A refusal the proxy answers itself, before anything is sent upstream.
public struct ProxyRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status: 400 for a bad or disallowed target, 401 when authentication failed, 405
    /// for a method the proxy does not forward, 413 for a body over the cap.
    public var status: Int
    /// A machine-readable kind, sent as `error_type`.
    public var kind: String
    /// What was wrong, sent as `detail` (never contains the key or a body).
    public var message: String

    /// A refusal with its parts.
    public init(status: Int, kind: String, message: String) {
        self.status = status
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(status) \(kind): \(message)" }

    static func target(_ message: String) -> ProxyRefusal {
        ProxyRefusal(status: 400, kind: "target_not_allowed", message: message)
    }
}

/// A target URL that parsed cleanly and passed the allow-list.
public struct ProxyTarget: Sendable, Hashable {
    /// The host, lower-cased, as it matched a rule.
    public var host: String
    /// The path, starting with `/`, exactly as received (only unreserved characters).
    public var path: String
    /// The query without `?`, exactly as received; `nil` when there is none.
    public var query: String?

    /// The endpoint a POST addresses: the path without its leading `/`.
    public var endpoint: String { String(path.dropFirst()) }
}

/// One allowed kind of target: a host, a path pattern and, optionally, the exact query.
public struct TargetRule: Sendable, Hashable {
    /// The host, compared exactly (lower-case); no wildcards, so look-alike hosts never match.
    public var host: String
    /// A path glob such as `/**` or `/storage/upload/initiate`; `*` matches within one segment,
    /// `**` any number of segments.
    public var path: String
    /// The exact query the target must have; `nil` allows any query.
    public var query: String?
    /// Whether POSTs to this host are checked against the endpoint allow-list (fal's proxy does
    /// this for hosts that are not `fal.ai` ones: the queue and run hosts).
    public var checksEndpoints: Bool

    /// A rule with its parts.
    public init(host: String, path: String, query: String? = nil, checksEndpoints: Bool) {
        self.host = host.lowercased()
        self.path = path
        self.query = query
        self.checksEndpoints = checksEndpoints
    }

    /// fal's defaults (`@fal-ai/server-proxy`): `queue.fal.run/**`, `fal.run/**` and the two storage
    /// routes with `storage_type=fal-cdn-v3`.
    public static let falDefaults: [TargetRule] = [
        TargetRule(host: "queue.fal.run", path: "/**", checksEndpoints: true),
        TargetRule(host: "fal.run", path: "/**", checksEndpoints: true),
        TargetRule(host: "rest.fal.ai", path: "/storage/upload/initiate", query: "storage_type=fal-cdn-v3", checksEndpoints: false),
        TargetRule(
            host: "rest.fal.ai", path: "/storage/upload/complete-multipart", query: "storage_type=fal-cdn-v3", checksEndpoints: false),
        TargetRule(host: "rest.fal.ai", path: "/tokens/", checksEndpoints: false),  // realtime tokens (issue 22): fal-js fetches them through the proxy
    ]

    /// The route a proxy that allows multipart uploads must add (not in fal's defaults).
    public static let multipartInitiate = TargetRule(
        host: "rest.fal.ai", path: "/storage/upload/initiate-multipart", query: "storage_type=fal-cdn-v3", checksEndpoints: false)
}

/// Which targets the proxy forwards to: it parses `x-fal-target-url` strictly and matches the
/// parts, never the text by prefix or substring.
public struct TargetPolicy: Sendable {
    /// The allowed targets.
    public var rules: [TargetRule]
    /// Endpoint globs (`fal-ai/flux-1/*`, `fal-ai/**`) that POSTs to hosts whose rule checks
    /// endpoints must match; empty allows every endpoint (fal's default).
    public var allowedEndpoints: [String]
    /// The longest target URL accepted.
    public var maximumTargetLength = 2048

    /// A policy with fal's default targets and the given endpoint allow-list.
    public init(rules: [TargetRule] = TargetRule.falDefaults, allowedEndpoints: [String] = []) {
        self.rules = rules
        self.allowedEndpoints = allowedEndpoints
    }

    /// Parses and checks a target; throws the 400 refusal saying what was wrong.
    ///
    /// Refused: anything but `https`, userinfo, a port other than 443, IP literals, hosts not in a
    /// rule (look-alikes such as `fal.run.evil.com` or `queue.fal.run.` included), percent-encoded
    /// or backslashed paths, `.`/`..`/empty segments, fragments, control characters and spaces.
    public func check(_ text: String?, method: String) throws(ProxyRefusal) -> ProxyTarget {
        guard let text, !text.isEmpty else { throw .target("missing the x-fal-target-url header") }
        guard text.utf8.count <= maximumTargetLength else { throw .target("the target URL is too long") }
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .target("the target URL has spaces, control or non-ASCII characters")
        }
        guard !bytes.contains(UInt8(ascii: "\\")) else { throw .target("the target URL has a backslash") }
        guard !bytes.contains(UInt8(ascii: "#")) else { throw .target("the target URL has a fragment") }
        let schemePrefix = "https://"
        guard text.lowercased().hasPrefix(schemePrefix) else { throw .target("the target URL must use https") }
        let rest = text.dropFirst(schemePrefix.count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var pathAndQuery = rest[authorityEnd...]
        guard !authority.contains("@") else { throw .target("the target URL has userinfo") }
        guard !authority.contains("%") else { throw .target("the target host is percent-encoded") }
        guard !authority.hasPrefix("[") else { throw .target("the target host is an IP literal") }
        var host = Substring(authority)
        if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            let port = authority[authority.index(after: colon)...]
            guard port == "443" else { throw .target("the target URL names a port other than 443") }
        }
        let lowerHost = host.lowercased()
        guard !lowerHost.isEmpty else { throw .target("the target URL has no host") }
        if Self.looksLikeIPAddress(lowerHost) { throw .target("the target host is an IP literal") }
        if pathAndQuery.isEmpty { pathAndQuery = "/" }
        var path = pathAndQuery
        var query: String?
        if let mark = pathAndQuery.firstIndex(of: "?") {
            path = pathAndQuery[..<mark]
            query = String(pathAndQuery[pathAndQuery.index(after: mark)...])
        }
        if path.isEmpty { path = "/" }
        guard path.hasPrefix("/") else { throw .target("the target path is not absolute") }
        guard !path.contains("%") else { throw .target("the target path is percent-encoded") }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if path != "/" {
            guard !segments.dropLast(path.hasSuffix("/") ? 1 : 0).contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {  // a trailing slash (`/tokens/`) is fine
                throw .target("the target path has an empty, '.' or '..' segment")
            }
        }
        let candidates = rules.filter { $0.host == lowerHost }
        guard !candidates.isEmpty else { throw .target("the target host \(lowerHost) is not allowed") }
        guard let rule = candidates.first(where: { Self.glob($0.path, matches: String(path)) && ($0.query == nil || $0.query == query) })
        else { throw .target("the target path is not allowed on \(lowerHost)") }
        let target = ProxyTarget(host: lowerHost, path: String(path), query: query)
        if method == "POST", rule.checksEndpoints, !allowedEndpoints.isEmpty {
            // A streaming call addresses `{endpoint}/stream`; it is the same endpoint.
            let endpoint = target.endpoint
            let streamless = endpoint.hasSuffix("/stream") ? String(endpoint.dropLast("/stream".count)) : nil
            let allowed = allowedEndpoints.contains { pattern in
                Self.glob(pattern, matches: endpoint) || streamless.map { Self.glob(pattern, matches: $0) } == true
            }
            guard allowed else { throw .target("the endpoint \(endpoint) is not allowed") }
        }
        return target
    }

    /// Dotted digits (any count, so `127.1` and `2130706433` are caught) or hex forms.
    static func looksLikeIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && (label.allSatisfy(\.isNumber) || (label.hasPrefix("0x") && label.dropFirst(2).allSatisfy(\.isHexDigit)))
        }
    }

    /// Segment-wise glob: `*` matches one whole segment or part of one, `**` any number of
    /// segments (including none).
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let patternParts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let textParts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        func match(_ p: Int, _ t: Int) -> Bool {
            if p == patternParts.count { return t == textParts.count }
            if patternParts[p] == "**" {
                if p + 1 == patternParts.count { return t < textParts.count || (t == textParts.count && t > 0) }
                for next in t...textParts.count where match(p + 1, next) { return true }
                return false
            }
            guard t < textParts.count, segment(patternParts[p], matches: textParts[t]) else { return false }
            return match(p + 1, t + 1)
        }
        return match(0, 0)
    }

    /// One segment against a pattern with `*` wildcards.
    static func segment(_ pattern: String, matches text: String) -> Bool {
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard pieces.count > 1 else { return pattern == text }
        var rest = Substring(text)
        guard rest.hasPrefix(pieces[0]) else { return false }
        rest = rest.dropFirst(pieces[0].count)
        for (index, piece) in pieces.enumerated().dropFirst() {
            if index == pieces.count - 1 { return rest.hasSuffix(piece) && rest.count >= piece.count }
            guard let range = rest.range(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
