import Foundation
import Logging

/// How a simulator listens, authenticates, paces its jobs and misbehaves.
public struct SimulatorConfiguration: Sendable {
    /// The address to bind.
    public var host: String = "127.0.0.1"
    /// The port to bind; 0 picks an ephemeral port.
    public var port: Int = 0
    /// The key clients must present as `Key <k>` or `Bearer <k>`; `nil` disables the check.
    public var apiKey: String? = nil
    /// How many jobs run at the same time.
    public var workers: Int = 2
    /// How long a job spends `IN_PROGRESS`.
    public var jobDuration: Duration = .milliseconds(200)
    /// How many log lines a job emits while in progress, spread over `jobDuration`.
    public var logCount: Int = 3
    /// How often an idle status stream sends a `: ping` comment.
    public var keepAliveInterval: Duration = .seconds(5)
    /// Seeds every random choice (probabilistic faults, generated seeds).
    public var seed: UInt64 = 0
    /// Faults active from the start.
    public var faults: [Fault] = []
    /// How many times a webhook delivery is attempted before it is given up.
    public var webhookAttempts: Int = 3
    /// The first delay between webhook attempts; doubled after each failure.
    public var webhookRetryDelay: Duration = .milliseconds(100)
    /// How many partial outputs a streaming call (`POST …/stream`) sends before the final one.
    public var streamPartialEvents: Int = 3
    /// The pause between two events of a streaming call.
    public var streamEventInterval: Duration = .milliseconds(20)
    /// The `X-Fal-Webhook-User-Id` its signed webhooks carry (the signing key comes from `seed`).
    public var webhookUserID: String = "simulator-user"
    /// The base written into `response_url`, `status_url`, `cancel_url` and `upload_url` instead
    /// of one made from the request's `Host`, as a service behind an ingress or a proxy announces
    /// its public name (such as `https://queue.fal.run`); `nil` uses the `Host`. File URLs keep
    /// the `Host` form: like fal's CDN, they are fetched directly, not through a proxy.
    public var publicBaseURL: URL? = nil

    /// The level of the HTTP server's own log. Stopping cancels open keep-alive connections, which
    /// the server logs as errors, so the default keeps only critical messages.
    public var logLevel: Logger.Level = .critical

    /// How the realtime WebSocket route behaves (RealtimeConfiguration.swift).
    public var realtime = RealtimeSimulation()

    /// The defaults: loopback, ephemeral port, no key, two workers, 200 ms jobs.
    public init() {}
}

/// A misbehaviour the simulator shows on some requests of one route.
public struct Fault: Sendable {
    /// The routes a fault can apply to.
    public enum Route: String, Sendable, CaseIterable, Hashable {
        /// `POST /{endpoint id}`.
        case submit
        /// `GET …/requests/{id}/status`.
        case status
        /// `GET …/requests/{id}/status/stream`.
        case statusStream
        /// `GET …/requests/{id}`.
        case result
        /// `PUT …/requests/{id}/cancel`.
        case cancel
        /// `POST /run/{endpoint id}`.
        case sync
        /// The storage routes: token, initiate, PUT bytes, CDN upload.
        case upload
        /// `GET /files/…`.
        case files
        /// Every route above.
        case any
    }

    /// What happens to a matching request.
    public enum Kind: Sendable, Hashable {
        /// An error status from the service, such as 429, with an optional `Retry-After` in seconds.
        case httpStatus(Int, retryAfter: Int? = nil)
        /// 502, 503 or 504 from the ingress: an nginx page and no `x-fal-request-id`.
        case ingress(Int)
        /// 500 with fal's infrastructure body and `X-Fal-Error-Type: internal_error`.
        case internalError
        /// The connection closes before a complete response is sent.
        case dropConnection
        /// The request is handled normally, after this delay.
        case delay(Duration)
        /// The normal JSON body, cut in half.
        case truncatedJSON
        /// A body that is not JSON, labelled as JSON.
        case malformedJSON
        /// On submit or sync: the job completes with `error` and `error_type`; its result answers
        /// 422 when `type` is a validation type, else 500.
        case jobError(message: String, type: String)
        /// On a status stream: after the first event, nothing (not even pings) for this long.
        case stallStream(Duration)
        /// 504 with `X-Fal-Request-Timeout-Type: user`, which clients must not retry.
        case userTimeout
    }

    /// Which matching requests the fault hits.
    public enum Trigger: Sendable, Hashable {
        /// The first `n` matching requests.
        case times(Int)
        /// The k-th matching requests, counting from 1.
        case nth([Int])
        /// Each matching request with this probability, drawn from the seeded generator.
        case probability(Double)
        /// Every matching request.
        case always
    }

    /// The route the fault applies to.
    public var route: Route
    /// What it does.
    public var kind: Kind
    /// When it does it.
    public var trigger: Trigger

    /// A fault on `route`, doing `kind` when `trigger` says so.
    public init(route: Route, kind: Kind, trigger: Trigger = .times(1)) {
        self.route = route
        self.kind = kind
        self.trigger = trigger
    }
}

/// Where a job is, as the simulator sees it (richer than the protocol's three statuses).
public enum JobState: Sendable, Hashable {
    /// Waiting, with this many jobs ahead of it.
    case queued(position: Int)
    /// Running on a worker.
    case inProgress
    /// Finished with an output (or a validation error result).
    case completed
    /// Finished with `error_type`.
    case failed(errorType: String)
    /// Cancelled before it finished.
    case cancelled
}

/// Counters for tests and benchmarks.
public struct SimulatorStatistics: Sendable, Hashable {
    /// Requests seen per route (faulted ones included).
    public var requests: [Fault.Route: Int] = [:]
    /// Requests answered 401.
    public var unauthorized = 0
    /// Jobs accepted by submit or sync.
    public var jobsSubmitted = 0
    /// Jobs finished, whatever the outcome (cancelled ones included).
    public var jobsCompleted = 0
    /// Jobs cancelled.
    public var jobsCancelled = 0
    /// Jobs finished with an error (cancellations excluded).
    public var jobsFailed = 0
    /// Webhook POSTs attempted.
    public var webhookAttempts = 0
    /// Webhooks delivered (a 2xx answer).
    public var webhooksDelivered = 0
    /// Faults applied.
    public var faultsApplied = 0
    /// Streaming calls (`POST …/stream`) that sent every event.
    public var streamsCompleted = 0
    /// Streaming calls the client closed before the last event.
    public var streamsAbandoned = 0
    /// The most jobs waiting at once.
    public var peakQueueLength = 0
    /// The process's peak resident set (`VmHWM` of /proc/self/status), in KiB; 0 where unknown.
    public var peakResidentKilobytes = 0
    /// The process's current resident set (`VmRSS`), in KiB; 0 where unknown.
    public var residentKilobytes = 0
}
