// Built with the `WebhookVerification` trait (on by default): it needs swift-crypto.
#if WebhookVerification
import Foundation

extension WebhookVerifier {
    /// Tolerances, cache lifetimes and bounds.
    public struct Configuration: Sendable {
        /// How far the timestamp may be from now, either way (fal documents 300 s).
        public var timestampTolerance: Duration = .seconds(300)
        /// The fal user ids whose deliveries are accepted; `nil` accepts any. fal signs every
        /// account's webhooks with one key set, so without it any fal account can point
        /// `fal_webhook` at your URL and get a validly signed delivery in.
        public var expectedUserIDs: Set<String>?
        /// How long a fetched key set is used before it is fetched again (fal suggests up to a day).
        public var keySetLifetime: Duration = .seconds(24 * 3600)
        /// The least time between two fetches caused by signatures no key verifies, so forged
        /// deliveries cannot make the verifier hammer the key server.
        public var minimumRefreshInterval: Duration = .seconds(60)
        /// The wait after a failed key-set fetch before the next one; it doubles with each
        /// failure in a row up to `maximumKeySetRetryInterval`. Meanwhile the keys last fetched
        /// keep serving, and with none, deliveries are refused without a fetch.
        public var keySetRetryInterval: Duration = .seconds(5)
        /// The longest wait between failed key-set fetches.
        public var maximumKeySetRetryInterval: Duration = .seconds(300)
        /// How long one key-set fetch may take, answer read included.
        public var keySetFetchTimeout: Duration = .seconds(10)
        /// The largest key-set document read.
        public var maximumKeySetBytes: Int = 64 << 10
        /// How many keys of the set are used (each is a signature check a delivery may cost).
        public var maximumKeys: Int = 16
        /// How many processed deliveries the default replay store remembers; the oldest are
        /// forgotten first (entries older than the tolerance are dropped anyway, as the timestamp
        /// check rejects their replays).
        public var replayCapacity: Int = 10_000
        /// The clock, Unix seconds; replaceable so tests can move time.
        public var now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
        /// The clock for intervals (refreshes, back-off); replaceable so tests can move time.
        public var monotonicNow: @Sendable () -> ContinuousClock.Instant = { .now }

        /// The defaults, accepting deliveries for `expectedUserIDs` only when given.
        public init(expectedUserIDs: Set<String>? = nil) {
            self.expectedUserIDs = expectedUserIDs
        }
    }

    /// The key set as last fetched, and when fetching may happen again.
    struct KeySetCache {
        var keys: [WebhookKey] = []
        var fetchedAt: ContinuousClock.Instant?
        /// When a signature no cached key verified last caused a refetch.
        var lastRefreshForUnknownKey: ContinuousClock.Instant?
        var inFlight: Task<[WebhookKey], any Error>?
        var failuresInARow = 0
        var nextFetchAllowed: ContinuousClock.Instant?
        /// The key that verified last, tried first.
        var lastVerified: WebhookKey?
    }

    /// Whether a signature no cached key verifies may trigger a refetch now (and, if so, notes it).
    func mayRefreshForUnknownKey() -> Bool {
        let now = configuration.monotonicNow()
        if let last = cache.lastRefreshForUnknownKey, now - last < configuration.minimumRefreshInterval { return false }
        cache.lastRefreshForUnknownKey = now
        return true
    }

    func noteVerified(_ key: WebhookKey) {
        cache.lastVerified = key
    }

    /// The keys to try for a delivery: the one named by `keyID` when the set has it (none when
    /// it does not), otherwise all, the last to verify first. Fetched when there are none, they
    /// expired, or `forceRefresh`; concurrent callers share one fetch; a failed fetch falls back
    /// to the keys last fetched, and blocks fetching for the back-off interval.
    func keys(forceRefresh: Bool, keyID: String?) async throws -> [WebhookKey] {
        let all = try await currentKeys(forceRefresh: forceRefresh)
        if let keyID { return all.filter { $0.id == keyID } }
        guard let preferred = cache.lastVerified, let index = all.firstIndex(of: preferred), index > 0 else { return all }
        var ordered = all
        ordered.swapAt(0, index)
        return ordered
    }

    func currentKeys(forceRefresh: Bool) async throws -> [WebhookKey] {
        let now = configuration.monotonicNow()
        if !forceRefresh, let fetchedAt = cache.fetchedAt, !cache.keys.isEmpty, now - fetchedAt < configuration.keySetLifetime {
            return cache.keys
        }
        if let inFlight = cache.inFlight {
            do { return try await inFlight.value } catch {
                if !cache.keys.isEmpty { return cache.keys }
                throw error
            }
        }
        if let allowed = cache.nextFetchAllowed, now < allowed {
            if !cache.keys.isEmpty { return cache.keys }
            let wait = allowed - now
            throw WebhookRejection(.keySetUnavailable("the last fetch failed; the next is allowed in \(wait.components.seconds + 1) s"))
        }
        let fetch = fetchKeySet
        let timeout = configuration.keySetFetchTimeout
        let limit = configuration.maximumKeys
        let task = Task { () throws -> [WebhookKey] in
            let data: Data
            do { data = try await withKeySetTimeout(timeout, fetch) } catch let rejection as WebhookRejection {
                throw rejection
            } catch {
                throw WebhookRejection(.keySetUnavailable(String(describing: error)))
            }
            return try Self.parseKeys(data, limit: limit)
        }
        cache.inFlight = task
        defer { cache.inFlight = nil }
        do {
            let fresh = try await task.value
            cache.keys = fresh
            cache.fetchedAt = configuration.monotonicNow()
            cache.failuresInARow = 0
            cache.nextFetchAllowed = nil
            return fresh
        } catch {
            cache.failuresInARow += 1
            let doublings = min(cache.failuresInARow - 1, 16)
            let wait = min(configuration.keySetRetryInterval * (1 << doublings), configuration.maximumKeySetRetryInterval)
            cache.nextFetchAllowed = configuration.monotonicNow() + wait
            if !cache.keys.isEmpty { return cache.keys }
            throw error
        }
    }
}
#endif
