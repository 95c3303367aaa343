import Foundation
internal import MessagePack

/// Where a realtime session connects: the run host as `ws`/`wss`, the endpoint id and the path.
struct RealtimeTarget: Sendable {
    /// `wss://fal.run/fal-ai/flux-1/schnell/redux/realtime`, before the query.
    var url: URL
    /// `Authorization` and `User-Agent` when the key goes on the handshake (`useJWT: false`).
    var handshakeHeaders: [(String, String)]

    /// The URL with `fal_jwt_token` and `max_buffering`.
    func url(token: String?, maxBuffering: Int?) throws -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else {
            throw RealtimeError.connectionFailed(reason: "not a WebSocket URL")
        }
        var items: [URLQueryItem] = []
        if let token { items.append(URLQueryItem(name: "fal_jwt_token", value: token)) }
        if let maxBuffering { items.append(URLQueryItem(name: "max_buffering", value: String(maxBuffering))) }
        components.queryItems = items.isEmpty ? nil : items
        guard let full = components.url else { throw RealtimeError.connectionFailed(reason: "not a WebSocket URL") }
        return full
    }
}

extension QueueClient {
    /// A realtime (WebSocket) session with `endpoint`, typed by its input and output; inputs go as
    /// msgpack binary frames unless `encode` says otherwise, outputs are read as msgpack unless
    /// `decode` does. Nothing connects until the first `send`.
    ///
    /// The token comes from `POST {storage host}/tokens/` (through the proxy in proxy mode, so the
    /// key stays on the app's server); the WebSocket goes to the run host (`syncBaseURL`).
    /// Throws for options that cannot work: `maxBuffering` outside 1…60, `useJWT: false` in proxy
    /// mode or without a credential, a run host that is plain `http` off loopback.
    public func realtime<Input, Output>(
        _ endpoint: QueueEndpoint<Input, Output>,
        options: RealtimeOptions = RealtimeOptions(),
        encode: (@Sendable (Input) throws -> Data)? = nil,
        decode: (@Sendable (Data) throws -> Output)? = nil
    ) throws(RealtimeError) -> RealtimeSession<Input, Output> {
        try realtime(endpoint, options: options, connector: PlatformSocketConnector.default, encode: encode, decode: decode)
    }

    func realtime<Input, Output>(
        _ endpoint: QueueEndpoint<Input, Output>, options: RealtimeOptions, connector: any RealtimeSocketConnector,
        encode: (@Sendable (Input) throws -> Data)?, decode: (@Sendable (Data) throws -> Output)?
    ) throws(RealtimeError) -> RealtimeSession<Input, Output> {
        if let maxBuffering = options.maxBuffering, !(1...60).contains(maxBuffering) {
            throw .invalidInput("max_buffering must be between 1 and 60, not \(maxBuffering)")
        }
        var headers: [(String, String)] = []
        if !options.useJWT {
            guard configuration.proxyURL == nil else {
                throw .invalidInput("useJWT: false sends the key on the handshake, which proxy mode has none of")
            }
            guard let credentials = configuration.credentials else { throw .invalidInput("useJWT: false needs a credential") }
            headers = [("Authorization", credentials.authorization), ("User-Agent", configuration.userAgent)]
        }
        let target = RealtimeTarget(url: try realtimeURL(endpoint.id, path: options.path), handshakeHeaders: headers)
        let tokens = options.useJWT ? RealtimeTokenSource(client: self, alias: endpoint.id.alias, expiration: options.tokenExpiration) : nil
        let encoder = MessagePackEncoder()
        let decoder = MessagePackDecoder()
        return RealtimeSession(
            target: target, options: options, connector: connector, tokens: tokens,
            encode: encode ?? { try encoder.encode($0) },
            decode: decode ?? { try decoder.decode(Output.self, from: $0) })
    }

    /// `{run host as ws/wss}/{endpoint id}{path}`, the path not repeated when the id ends with it.
    func realtimeURL(_ id: EndpointID, path: String) throws(RealtimeError) -> URL {
        let base = configuration.syncBaseURL
        guard var components = URLComponents(url: base, resolvingAgainstBaseURL: true), let host = components.host,
            let scheme = components.scheme?.lowercased()
        else { throw .connectionFailed(reason: "the run host is not a URL") }
        switch scheme {
        case "https", "wss": components.scheme = "wss"
        case "http" where Self.isLoopback(host), "ws" where Self.isLoopback(host): components.scheme = "ws"
        default: throw .connectionFailed(reason: "the run host must be https (plain http only on loopback)")
        }
        var basePath = components.percentEncodedPath
        while basePath.hasSuffix("/") { basePath.removeLast() }
        let suffix = path.isEmpty ? "" : "/" + path.drop(while: { $0 == "/" })
        var idPath = id.rawValue.split(separator: "/").map { Self.pathSegment(String($0)) }.joined(separator: "/")
        if !suffix.isEmpty, !("/" + idPath).hasSuffix(suffix) { idPath += suffix }
        components.percentEncodedPath = basePath + "/" + idPath
        components.query = nil
        guard let url = components.url else { throw .connectionFailed(reason: "the realtime URL does not form") }
        return url
    }
}
