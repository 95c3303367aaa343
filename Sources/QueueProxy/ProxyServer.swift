import Foundation
import GuardedHTTPServer
import Hummingbird
import Logging
import NIOCore

extension QueueProxy {
    /// What the proxy's own server holds its clients' connections to.
    public struct ServerLimits: Sendable {
        /// How long a connection may take to send a complete request part (a request head, or
        /// the next piece of a body) and how long a kept-alive connection may wait for its next
        /// request; past it the connection is closed. A response being streamed is not idle.
        public var idleTimeout: Duration
        /// How many client connections are held at once. Past it, a new connection is answered
        /// 503 with `Retry-After` and closed, rather than left waiting.
        public var maximumConnections: Int
        /// The `Retry-After` of that answer, in seconds.
        public var retryAfterSeconds: Int

        /// 20 s to send a request head or the next body part, 10,000 connections (each open
        /// status stream holds one), `Retry-After: 1`.
        public init(idleTimeout: Duration = .seconds(20), maximumConnections: Int = 10_000, retryAfterSeconds: Int = 1) {
            self.idleTimeout = idleTimeout
            self.maximumConnections = maximumConnections
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// A Hummingbird application serving this proxy on `host:port` with `limits`; run it with
    /// `runService()` or inside a `ServiceGroup`. `onServerRunning` receives the bound port.
    ///
    /// On graceful shutdown the server stops accepting, closes idle connections, and lets
    /// requests in progress (status streams included) finish; bound that wait with the
    /// `ServiceGroup`'s `maximumGracefulShutdownDuration`, after which they are cancelled and closed.
    public func makeApplication(
        host: String, port: Int, limits: ServerLimits = ServerLimits(), logger: Logger? = nil,
        onServerRunning: (@Sendable (Int) async -> Void)? = nil
    ) -> some ApplicationProtocol {
        let router = Router()
        addRoutes(to: router)
        let serverLimits = GuardedHTTPServer.ServerLimits(
            idleTimeout: limits.idleTimeout, maximumConnections: limits.maximumConnections,
            retryAfterSeconds: limits.retryAfterSeconds)
        return Application(
            router: router, server: GuardedHTTP1Channel.builder(limits: serverLimits),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "queue-proxy"),
            onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? port) },
            logger: logger ?? configuration.logger)
    }

    /// An `authenticate` hook that lets through requests carrying `Authorization: Bearer <token>`,
    /// comparing in constant time (both sides are hashed first, so neither the content nor the
    /// length of the token leaks through timing).
    public static func bearerToken(_ token: String) -> Authenticate {
        let expected = ClientToken.digest(token)
        return { head in
            guard let value = head.headerFields[.authorization] else { return false }
            let parts = value.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
            return ClientToken.constantTimeEqual(ClientToken.digest(String(parts[1]).trimmingCharacters(in: .whitespaces)), expected)
        }
    }
}

/// Whether `host` is a loopback address: `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`
/// (brackets allowed), parsed as an address rather than matched as text, so `127.evil.example`
/// is not loopback.
public func isLoopbackHost(_ host: String) -> Bool {
    LoopbackAddress.isLoopback(host)
}
