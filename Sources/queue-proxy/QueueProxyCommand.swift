import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import QueueProxy
import QueueRuntime

/// `queue-proxy`: the server an app deploys so it never ships its fal key.
@main
struct QueueProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-proxy",
        abstract: "Forwards fal requests from apps (x-fal-target-url) to fal's hosts, adding the key from FAL_KEY.",
        discussion: """
            Serves /api/fal/proxy. The key comes from FAL_KEY, or FAL_KEY_ID and FAL_KEY_SECRET. Only targets on \
            queue.fal.run, fal.run and rest.fal.ai's two storage routes are forwarded; with --allow-endpoint, POSTs \
            must also address a matching endpoint (globs: '*' within a segment, '**' across segments). Clients \
            authenticate with 'Authorization: Bearer <token>' when --client-token-file or QUEUE_PROXY_CLIENT_TOKEN \
            gives one; a non-loopback --host needs one, or --allow-anonymous.
            """)

    @Option(help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 3333

    @Option(
        name: .customLong("allow-endpoint"), parsing: .upToNextOption,
        help: "Endpoint patterns POSTs may address, such as fal-ai/flux-1/schnell/redux or 'fal-ai/**'. Default: any.")
    var allowedEndpoints: [String] = []

    @Option(help: "Send every allowed target to this server instead (queue and storage at the URL, run at URL/run), for tests and staging.")
    var upstream: String?

    @Flag(help: "Also allow rest.fal.ai/storage/upload/initiate-multipart (large uploads).")
    var allowMultipart = false

    @Option(help: "The largest request body forwarded, in bytes.")
    var maxRequestBytes = 100 << 20

    @Option(help: "A file holding the token clients must send as 'Authorization: Bearer <token>' (or set QUEUE_PROXY_CLIENT_TOKEN).")
    var clientTokenFile: String?

    @Flag(help: "Serve clients without a token on a non-loopback address (anyone who reaches it spends your key).")
    var allowAnonymous = false

    @Option(help: "The most client connections held at once; past it, new ones get 503 with Retry-After.")
    var maxConnections = 10_000

    @Option(help: "Seconds a client may take to send a request head or the next body part, or stay idle between requests.")
    var idleTimeout = 20

    @Option(help: "Upstream connections per host, for streams and for other requests apart (each open status stream holds one).")
    var upstreamConnections = QueueProxy.defaultUpstreamConnectionsPerHost

    @Option(help: "Seconds open requests (status streams) may take to finish after SIGTERM/SIGINT before they are closed.")
    var shutdownGrace = 10

    /// The environment variable holding the client token when no file is given.
    static let clientTokenVariable = "QUEUE_PROXY_CLIENT_TOKEN"

    func validate() throws {
        guard maxConnections > 0, idleTimeout > 0, upstreamConnections > 0, shutdownGrace >= 0, maxRequestBytes >= 0 else {
            throw ValidationError("--max-connections, --idle-timeout and --upstream-connections must be positive")
        }
    }

    func run() async throws {
        guard let credentials = Credentials.fromEnvironment() else {
            throw ValidationError("no key: set FAL_KEY, or FAL_KEY_ID and FAL_KEY_SECRET")
        }
        var policy = TargetPolicy(allowedEndpoints: allowedEndpoints)
        if allowMultipart { policy.rules.append(.multipartInitiate) }
        let upstreamMode = try Self.upstreamMode(upstream)
        let token = try clientToken()
        if token == nil, !isLoopbackHost(host), !allowAnonymous {
            throw ValidationError(
                "refusing to serve \(host) without client authentication: anyone who reaches it would spend your key. "
                    + "Give --client-token-file (or \(Self.clientTokenVariable)), bind to loopback, or pass --allow-anonymous.")
        }
        var configuration = QueueProxy.Configuration(
            credentials: credentials, policy: policy, upstream: upstreamMode, maximumRequestBytes: maxRequestBytes)
        configuration.authenticate = token.map(QueueProxy.bearerToken)
        configuration.logger.logLevel = .info
        if token == nil, !isLoopbackHost(host) {
            configuration.logger.warning("serving \(host) with no client authentication (--allow-anonymous)")
        }
        let httpClient = QueueProxy.makeHTTPClient(connectionsPerHost: upstreamConnections)
        let streamingHTTPClient = QueueProxy.makeHTTPClient(connectionsPerHost: upstreamConnections)
        let proxy = QueueProxy(configuration: configuration, httpClient: httpClient, streamingHTTPClient: streamingHTTPClient)
        let path = configuration.path
        let host = host
        let app = proxy.makeApplication(
            host: host, port: port,
            limits: .init(idleTimeout: .seconds(idleTimeout), maximumConnections: maxConnections),
            onServerRunning: { bound in
                print("queue-proxy listening on http://\(host):\(bound)\(path)")
                fflush(nil)
            })
        var groupConfiguration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: configuration.logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(shutdownGrace)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            try? await httpClient.shutdown()
            try? await streamingHTTPClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
        try await streamingHTTPClient.shutdown()
    }

    /// `--upstream`: https to anywhere, or http only to loopback (the key would cross the network in clear).
    static func upstreamMode(_ text: String?) throws -> QueueProxy.Upstream {
        guard let text else { return .target }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw ValidationError("--upstream must be an http(s) URL, got \(text)")
        }
        switch scheme {
        case "https": return .singleServer(url)
        case "http" where isLoopbackHost(host): return .singleServer(url)
        case "http": throw ValidationError("--upstream over plain http is allowed only to loopback (the key would travel in clear): \(text)")
        default: throw ValidationError("--upstream must be an http(s) URL, got \(text)")
        }
    }

    /// The client token from `--client-token-file` or the environment, trimmed; an empty one is an error.
    func clientToken() throws -> String? {
        var raw: String?
        if let clientTokenFile {
            do { raw = try String(contentsOfFile: clientTokenFile, encoding: .utf8) } catch {
                throw ValidationError("cannot read --client-token-file \(clientTokenFile)")
            }
        } else {
            raw = ProcessInfo.processInfo.environment[Self.clientTokenVariable]
        }
        guard let raw else { return nil }
        let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("the client token is empty") }
        return token
    }
}
