import Foundation

/// How failed requests are retried: which ones, how often, and how long to wait in between.
///
/// Status, result and cancel requests are retried on 408, 409, 429, on 502/503/504 from the
/// ingress (no `x-fal-request-id` on the response) and on transport errors. A submit creates a
/// billed job, so it is retried only where the request provably did not create one (connection
/// refused, 429, an ingress 503) unless `retryAmbiguousSubmits` is set. A 504 carrying
/// `X-Fal-Request-Timeout-Type` is the caller's own deadline and is never retried.
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first one included; 1 turns retries off.
    public var maxAttempts: Int
    /// The wait before the first retry; it doubles for each further one (before jitter).
    public var initialDelay: Duration
    /// The longest wait between two attempts.
    public var maxDelay: Duration
    /// The factor the wait grows by per retry.
    public var multiplier: Double
    /// Each wait is multiplied by a random factor from this range (`1...1` turns jitter off).
    public var jitter: ClosedRange<Double>
    /// The longest `Retry-After` honoured; a longer one ends the retries.
    public var maxRetryAfter: Duration
    /// No retry starts after this much time has passed since the first attempt.
    public var maxElapsed: Duration
    /// Retry a submit also where it may have created a job (a duplicate, billed job is possible).
    public var retryAmbiguousSubmits: Bool
    /// The random numbers for jitter; seed it in tests.
    public var random: RandomSource
    /// Waits between attempts; tests replace it to record delays without sleeping.
    public var sleep: @Sendable (Duration) async throws -> Void

    /// The defaults follow fal's Python client: 10 attempts, from 0.1 s doubling, capped at 10 s.
    public init(
        maxAttempts: Int = 10,
        initialDelay: Duration = .milliseconds(100),
        maxDelay: Duration = .seconds(10),
        multiplier: Double = 2,
        jitter: ClosedRange<Double> = 0.5...1.5,
        maxRetryAfter: Duration = .seconds(60),
        maxElapsed: Duration = .seconds(120),
        retryAmbiguousSubmits: Bool = false,
        random: RandomSource = RandomSource(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
        self.maxElapsed = maxElapsed
        self.retryAmbiguousSubmits = retryAmbiguousSubmits
        self.random = random
        self.sleep = sleep
    }

    /// No retries at all.
    public static var none: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// The wait before retry number `retry` (1 for the first retry); `retryAfter` wins when given.
    public func delay(beforeRetry retry: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(retryAfter, maxRetryAfter) }
        let base = initialDelay.seconds * pow(multiplier, Double(max(0, retry - 1)))
        let jittered = min(base, maxDelay.seconds) * random.next(in: jitter)
        return .seconds(min(jittered, maxDelay.seconds))
    }
}

/// A source of random numbers that is `Sendable` and can be seeded.
public final class RandomSource: @unchecked Sendable {
    private let lock = NSLock()
    private var state: UInt64

    /// Seeded from the system when `seed` is `nil`.
    public init(seed: UInt64? = nil) {
        state = seed ?? UInt64.random(in: .min ... .max)
    }

    /// A number from `range` (its lower bound when the range is a single value).
    public func next(in range: ClosedRange<Double>) -> Double {
        guard range.upperBound > range.lowerBound else { return range.lowerBound }
        let unit = Double(nextBits() >> 11) / Double(1 << 53)
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }

    private func nextBits() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        // SplitMix64: small, fast and good enough for jitter.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
