import Foundation
import HTTPTypes
import OpenAPIRuntime

extension HTTPField.Name {
    /// The header that tells a fal proxy where the request was meant to go.
    static let falTargetURL = Self("x-fal-target-url")!
}

extension QueueClient.Configuration {
    /// A configuration for an app that must not hold a key: every request for the queue, run and
    /// storage hosts goes to `proxyURL` (the app's own server, by convention
    /// `https://example.com/api/fal/proxy`) with `x-fal-target-url` set to the URL it would have
    /// called, as fal's JavaScript and Swift clients do; the proxy adds the key.
    ///
    /// No `Authorization` header is sent; add a middleware for the proxy's own authentication.
    /// Everything else (method, body, `x-fal-*` headers, the status stream and streaming
    /// endpoints) is unchanged.
    public static func proxy(_ proxyURL: URL, transport: (any ClientTransport)? = nil) -> Self {
        var configuration = Self(environment: [:], transport: transport)
        configuration.credentials = nil
        configuration.proxyURL = proxyURL
        return configuration
    }
}


extension QueueClient {
    /// In proxy mode, rewrites a request for a configured host into a request to the proxy with
    /// `x-fal-target-url`; other requests (signed upload URLs on foreign hosts, which need no key)
    /// go as they are, as fal-js sends them. Called before the middlewares, so a middleware sees
    /// and may authenticate the request the proxy receives.
    func routeThroughProxy(_ request: inout HTTPRequest, baseURL: inout URL, destination: Destination) throws {
        guard let proxyURL = configuration.proxyURL else { return }
        // A key must never go to the proxy: the whole point is that the app holds none.
        request.headerFields[.authorization] = nil
        guard destination.trusted else { return }
        let proxy = try self.destination(forProxy: proxyURL)
        request.headerFields[.falTargetURL] = destination.baseURL.absoluteString + destination.path
        request.scheme = proxy.scheme
        request.authority = proxy.authority
        request.path = proxy.path
        baseURL = proxy.baseURL
    }

    /// The proxy URL's parts; plain `http` only on loopback, like every other URL.
    func destination(forProxy url: URL) throws -> Destination {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true),
            let scheme = components.scheme?.lowercased(), let host = components.percentEncodedHost, !host.isEmpty,
            scheme == "https" || (scheme == "http" && Self.isLoopback(host))
        else { throw QueueError.insecureURL(url.absoluteString) }
        let authority = components.port.map { "\(host):\($0)" } ?? host
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?\(query)" }
        guard let baseURL = URL(string: "\(scheme)://\(authority)") else { throw QueueError.insecureURL(url.absoluteString) }
        return Destination(baseURL: baseURL, path: path, scheme: scheme, authority: authority, trusted: false)
    }
}

extension Credentials {
    /// The `Authorization` value, for the server-side proxy in this package (which must send it).
    package var authorizationHeaderValue: String { authorization }
}
