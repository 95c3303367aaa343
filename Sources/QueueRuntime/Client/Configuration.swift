import Foundation
import Logging
import OpenAPIRuntime

// The `AsyncHTTPClientTransport` trait (on by default) and the platforms where Package.swift
// makes AsyncHTTPClient a dependency: the same condition in both places.
#if AsyncHTTPClientTransport && (os(Linux) || os(Android) || os(Windows))
internal import AsyncHTTPClient
internal import OpenAPIAsyncHTTPClient
#else
internal import OpenAPIURLSession
#endif

/// How files given as bytes or local files reach the service.
public enum FileUploadMode: Sendable, Hashable {
    /// Inline, as a `data:` URI in the input (some endpoints reject these).
    case dataURI
    /// Uploaded through the storage flow; the input carries the returned URL (the safe default).
    case storage
}

/// What the client does with a URL from the service that points to a host it was not configured with.
public enum ForeignHostPolicy: Sendable, Hashable {
    /// Follow it without the `Authorization` header (the default): the key never leaves the
    /// configured hosts, and a public signed URL still works.
    case followWithoutCredentials
    /// Refuse it with `QueueError.foreignHost`.
    case refuse
}

extension QueueClient {
    /// Everything a `QueueClient` is configured with.
    public struct Configuration: Sendable {
        /// The queue host, `https://queue.fal.run` by default or from `FAL_QUEUE_RUN_HOST`.
        public var queueBaseURL: URL
        /// The synchronous host: `FAL_RUN_HOST` or a value set here; otherwise `https://fal.run`
        /// while the queue host is fal's, and `queueBaseURL/run` once the queue host is changed
        /// (so the credential never goes to a fal host the user moved away from).
        public var syncBaseURL: URL {
            get { explicitSyncBaseURL ?? (usesFalQueueHost ? Self.falSyncHost : QueueClient.url(queueBaseURL, "run")) }
            set { explicitSyncBaseURL = newValue }
        }
        /// The storage (upload) host: `FAL_STORAGE_HOST` or a value set here; otherwise
        /// `https://rest.fal.ai` while the queue host is fal's, and the queue host once it is
        /// changed (files and the key go only where the user pointed the client).
        public var storageBaseURL: URL {
            get { explicitStorageBaseURL ?? (usesFalQueueHost ? Self.falStorageHost : queueBaseURL) }
            set { explicitStorageBaseURL = newValue }
        }
        /// The synchronous host if set on its own.
        var explicitSyncBaseURL: URL?
        /// The storage host if set on its own.
        var explicitStorageBaseURL: URL?
        /// Whether the queue host is fal's own, so fal's other hosts may be trusted by default.
        var usesFalQueueHost: Bool { QueueClient.sameOrigin(queueBaseURL, Self.falQueueHost) }

        static let falQueueHost = URL(string: "https://queue.fal.run")!
        static let falSyncHost = URL(string: "https://fal.run")!
        static let falStorageHost = URL(string: "https://rest.fal.ai")!
        /// The credential; `nil` sends no `Authorization` header.
        public var credentials: Credentials?
        /// The `User-Agent` header.
        public var userAgent: String
        /// How failed requests are retried.
        public var retryPolicy: RetryPolicy
        /// How jobs are followed.
        public var statusUpdates: StatusUpdatePolicy
        /// How file inputs given as bytes are sent.
        public var fileUpload: FileUploadMode
        /// What to do with URLs on hosts other than the three configured ones.
        public var foreignHosts: ForeignHostPolicy
        /// The HTTP transport.
        public var transport: any ClientTransport
        /// Middlewares every request passes through, first one outermost.
        public var middlewares: [any ClientMiddleware]
        /// Where request ids, transitions and retries are logged (never the credential).
        public var logger: Logger
        /// How long a cancel sent on the caller's behalf (a deadline, a cancelled task, a failed
        /// run) may take before the client gives up on it; 5 s by default.
        public var cancelTimeout: Duration = .seconds(5)
        /// How long a request may wait for its response, or for the next bytes of a body, before
        /// it fails (and is retried where that is safe); 60 s by default. The status stream has
        /// its own, `StatusUpdatePolicy.streamIdleTimeout`.
        public var requestIdleTimeout: Duration = .seconds(60)
        /// The largest response body read into memory (results with inline data URIs can be
        /// large); 256 MiB by default. A larger one is a final error, not retried.
        public var maximumResponseSize: Int = 256 << 20
        /// The largest line, and the largest event, that a server-sent-event stream may send, in
        /// bytes: the status stream and streaming endpoints alike (16 MiB by default). It is
        /// enforced while the bytes arrive, so a line that never ends fails once it passes the
        /// limit. `StreamOptions.maximumEventBytes` overrides it for one streaming call.
        public var maximumEventSize: Int = 16 << 20
        /// In proxy mode, the app's proxy that every request for the configured hosts is sent to
        /// (with `x-fal-target-url`, without `Authorization`); see `Configuration.proxy(_:)`.
        public var proxyURL: URL? = nil
        /// When and how local files go through the multipart upload flow.
        public var multipartUpload = MultipartUploadOptions()

        /// A configuration from the environment (`FAL_KEY`, `FAL_KEY_ID` + `FAL_KEY_SECRET`,
        /// `FAL_QUEUE_RUN_HOST`, `FAL_RUN_HOST`, `FAL_STORAGE_HOST`) and the defaults; change any
        /// field afterwards.
        public init(
            environment: [String: String] = ProcessInfo.processInfo.environment,
            transport: (any ClientTransport)? = nil
        ) {
            queueBaseURL = Self.hostURL(environment["FAL_QUEUE_RUN_HOST"]) ?? Self.falQueueHost
            explicitSyncBaseURL = Self.hostURL(environment["FAL_RUN_HOST"])
            explicitStorageBaseURL = Self.hostURL(environment["FAL_STORAGE_HOST"])
            credentials = Credentials.fromEnvironment(environment)
            userAgent = "swift-queue-client/\(QueueRuntimeVersion.generatedCode)"
            retryPolicy = RetryPolicy()
            statusUpdates = Self.defaultStatusUpdates
            fileUpload = .storage
            foreignHosts = .followWithoutCredentials
            self.transport = transport ?? Self.defaultTransport()
            middlewares = []
            logger = Logger(label: "queue-runtime")
        }

        /// A configuration for a server at `queueBaseURL` (a proxy, or a local queue server),
        /// with the synchronous host at `queueBaseURL/run` unless given.
        public init(
            queueBaseURL: URL, syncBaseURL: URL? = nil, storageBaseURL: URL? = nil, credentials: Credentials?,
            transport: (any ClientTransport)? = nil
        ) {
            self.init(environment: [:], transport: transport)
            self.queueBaseURL = queueBaseURL
            self.syncBaseURL = syncBaseURL ?? queueBaseURL.appendingPathComponent("run")
            self.storageBaseURL = storageBaseURL ?? queueBaseURL
            self.credentials = credentials
        }

        /// `queue.fal.run` → `https://queue.fal.run`; a value with a scheme is taken as it is.
        static func hostURL(_ value: String?) -> URL? {
            guard let value, !value.isEmpty else { return nil }
            return URL(string: value.contains("://") ? value : "https://\(value)")
        }

        /// AsyncHTTPClient on Linux (its bodies stream, so the status stream works), URLSession on
        /// Apple platforms, and on Linux when the `AsyncHTTPClientTransport` trait is off. None
        /// follows redirects: every URL passes the client's own checks before it is requested
        /// (`QueueHTTPClient`, `RedirectRefusingDelegate`).
        /// Streaming, where the default transport hands over body bytes as they arrive. Polling
        /// where it does not: FoundationNetworking's `URLSession` on Linux (the
        /// `AsyncHTTPClientTransport` trait off) delivers a body only once it has ended, so a
        /// status stream would show nothing until the job was over.
        static var defaultStatusUpdates: StatusUpdatePolicy {
            #if canImport(FoundationNetworking) && !(AsyncHTTPClientTransport && (os(Linux) || os(Android) || os(Windows)))
            .polling
            #else
            .streaming
            #endif
        }

        static func defaultTransport() -> any ClientTransport {
            #if AsyncHTTPClientTransport && (os(Linux) || os(Android) || os(Windows))
            AsyncHTTPClientTransport(configuration: .init(client: QueueHTTPClient.shared, timeout: .seconds(60)))
            #else
            // Not `URLSessionTransport()`: that runs on `URLSession.shared`, which follows redirects.
            URLSessionTransport(configuration: .init(session: QueueURLSession.shared))
            #endif
        }
    }
}

#if AsyncHTTPClientTransport && (os(Linux) || os(Android) || os(Windows))
/// The HTTP client behind the default transport on Linux.
///
/// Not `HTTPClient.shared`: each followed job holds one connection for its status stream, and the
/// shared client allows 8 connections per host, so a ninth concurrent job would wait for a free
/// one. Redirects are not followed, so the credential cannot be carried to another host by one.
/// Connecting gives up after 5 s (as fal's Python client does) so a refused connection is
/// reported, and retried, quickly. Waits for answers and body bytes are bounded by the client
/// itself (`Configuration.requestIdleTimeout`, and `StatusUpdatePolicy.streamIdleTimeout` for the
/// quiet status stream), the same on every transport.
enum QueueHTTPClient {
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        // A redirect could carry the credential to another host; the queue API does not redirect.
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
#endif
