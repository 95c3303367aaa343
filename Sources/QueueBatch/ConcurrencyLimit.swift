import Foundation
import HTTPTypes
import OpenAPIRuntime

/// How many jobs a batch keeps in flight: a ceiling (`--concurrency`) that the account's 429s
/// lower and successes raise again, slowly (additive increase, multiplicative decrease, as TCP
/// does for a congested link), with `Retry-After` pausing new submits.
public actor ConcurrencyLimit {
    /// The most jobs in flight, whatever happens.
    public let ceiling: Int
    private var limit: Double
    private var pausedUntil: ContinuousClock.Instant?
    private var lastDecrease: ContinuousClock.Instant?
    /// How long after one decrease further 429s count as the same congestion (the answers to
    /// requests that were already on their way).
    let decreaseWindow: Duration
    /// The pause for a 429 without `Retry-After`.
    let defaultPause: Duration
    private(set) var statistics = ConcurrencyStatistics()

    /// A limit starting at `ceiling`.
    public init(ceiling: Int, decreaseWindow: Duration = .seconds(1), defaultPause: Duration = .milliseconds(500)) {
        self.ceiling = max(1, ceiling)
        limit = Double(max(1, ceiling))
        self.decreaseWindow = decreaseWindow
        self.defaultPause = defaultPause
        statistics.lowestLimit = self.ceiling
    }

    /// The number of jobs that may be in flight now.
    public var current: Int { Int(limit) }

    /// What the limit went through.
    public var counted: ConcurrencyStatistics { statistics }

    /// The service answered 429: halve the limit (once per congestion window) and pause new
    /// submits for `retryAfter`.
    public func throttled(retryAfter: Duration?) {
        let now = ContinuousClock.now
        statistics.throttles += 1
        if lastDecrease.map({ now - $0 >= decreaseWindow }) ?? true {
            limit = max(1, (limit / 2).rounded(.down))
            lastDecrease = now
            statistics.decreases += 1
            if Int(limit) < statistics.lowestLimit {
                statistics.lowestLimit = Int(limit)
                statistics.highestAfterLowest = Int(limit)
                statistics.peakInFlightAfterLowest = 0
            }
        }
        let until = now + (retryAfter ?? defaultPause)
        if pausedUntil.map({ until > $0 }) ?? true { pausedUntil = until }
    }

    /// A submit was accepted: one more job in flight per `limit` successes.
    public func succeeded() {
        limit = min(Double(ceiling), limit + 1 / limit)
        if statistics.decreases > 0 { statistics.highestAfterLowest = max(statistics.highestAfterLowest, Int(limit)) }
    }

    /// Records the in-flight count when a job starts.
    public func started(inFlight: Int) {
        if statistics.decreases == 0 {
            statistics.peakInFlightBeforeThrottle = max(statistics.peakInFlightBeforeThrottle, inFlight)
        } else {
            statistics.peakInFlightAfterLowest = max(statistics.peakInFlightAfterLowest, inFlight)
        }
    }

    /// How long new submits must still wait (`Retry-After`), or `nil`.
    public func pause() -> Duration? {
        guard let pausedUntil else { return nil }
        let left = pausedUntil - ContinuousClock.now
        return left > .zero ? left : nil
    }
}

/// What a batch's concurrency went through: counted for the 429-storm test and the summary.
public struct ConcurrencyStatistics: Sendable, Hashable {
    /// 429 answers seen.
    public var throttles = 0
    /// Times the limit was halved.
    public var decreases = 0
    /// The lowest limit reached.
    public var lowestLimit = 0
    /// The highest limit reached after the lowest.
    public var highestAfterLowest = 0
    /// The most jobs in flight before the first 429.
    public var peakInFlightBeforeThrottle = 0
    /// The most jobs in flight after the limit's lowest point.
    public var peakInFlightAfterLowest = 0
}

/// Tells the limit about every 429 the client sees (each attempt, before the runtime's own
/// retry), with its `Retry-After`.
struct ThrottleObserver: ClientMiddleware {
    let limit: ConcurrencyLimit

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        if response.status.code == 429 {
            await limit.throttled(retryAfter: Self.retryAfter(response.headerFields[.retryAfter]))
        }
        return (response, responseBody)
    }

    /// `Retry-After` in seconds (the HTTP-date form is rare on 429s and waits the default pause).
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .milliseconds(Int(min(seconds, 600) * 1000))
    }
}
