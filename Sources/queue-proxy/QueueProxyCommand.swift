import ArgumentParser
import Foundation
import Hummingbird
import Logging
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
            must also address a matching endpoint (globs: '*' within a segment, '**' across segments).
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

    func run() async throws {
        guard let credentials = Credentials.fromEnvironment() else {
            throw ValidationError("no key: set FAL_KEY, or FAL_KEY_ID and FAL_KEY_SECRET")
        }
        var policy = TargetPolicy(allowedEndpoints: allowedEndpoints)
        if allowMultipart { policy.rules.append(.multipartInitiate) }
        var upstreamMode = QueueProxy.Upstream.target
        if let upstream {
            guard let url = URL(string: upstream), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ValidationError("--upstream must be an http(s) URL, got \(upstream)")
            }
            upstreamMode = .singleServer(url)
        }
        var configuration = QueueProxy.Configuration(
            credentials: credentials, policy: policy, upstream: upstreamMode, maximumRequestBytes: maxRequestBytes)
        configuration.logger.logLevel = .info
        let httpClient = QueueProxy.makeHTTPClient()
        let proxy = QueueProxy(configuration: configuration, httpClient: httpClient)
        let router = Router()
        proxy.addRoutes(to: router)
        let path = configuration.path
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "queue-proxy"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                print("queue-proxy listening on http://\(host):\(bound)\(path)")
            })
        do {
            try await app.runService()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}
