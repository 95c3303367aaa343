import Foundation

/// Where a delivery stands in a `WebhookReplayStore`.
public enum WebhookClaim: Sendable, Hashable {
    /// The caller now owns the delivery: it must call `markProcessed` or `release`.
    case claimed
    /// Another caller is processing it right now (fal retried before the first attempt answered).
    case inProgress
    /// It was processed already: a replay, or a redelivery after an answer that did not arrive.
    case processed
}

/// Remembers which deliveries were processed, so each reaches the handler once.
///
/// A key is a request id and timestamp; `expiresAt` (Unix seconds) is when the timestamp check
/// starts rejecting that delivery anyway, after which the store may forget it. Implement it
/// over a shared database or cache so several app instances behind one webhook URL share one
/// record; `InMemoryWebhookReplayStore` serves one process.
public protocol WebhookReplayStore: Sendable {
    /// Claims `key` for processing, atomically: of two concurrent claims, one gets `.claimed`.
    func claim(_ key: String, expiresAt: Int64) async throws -> WebhookClaim
    /// Records a claimed delivery as processed (its handler succeeded).
    func markProcessed(_ key: String, expiresAt: Int64) async throws
    /// Gives up a claim (its handler failed), so a redelivery can be processed.
    func release(_ key: String) async throws
}

/// The default `WebhookReplayStore`: one process's memory, bounded.
public actor InMemoryWebhookReplayStore: WebhookReplayStore {
    enum Entry {
        case inProgress
        case processed(expiresAt: Int64)
    }

    let capacity: Int
    let now: @Sendable () -> Int64
    var entries: [String: Entry] = [:]
    /// Processed keys, oldest first, for forgetting past the capacity or the expiry.
    var order: [(key: String, expiresAt: Int64)] = []
    var orderStart = 0

    /// A store remembering at most `capacity` processed deliveries (the oldest are forgotten
    /// first; expired ones are forgotten anyway). `now` is the clock, Unix seconds.
    public init(capacity: Int = 10_000, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.capacity = max(1, capacity)
        self.now = now
    }

    /// Claims `key`: `.claimed` unless it is being processed or was processed.
    public func claim(_ key: String, expiresAt: Int64) -> WebhookClaim {
        switch entries[key] {
        case .inProgress?: return .inProgress
        case .processed?: return .processed
        case nil:
            entries[key] = .inProgress
            return .claimed
        }
    }

    /// Records `key` as processed until `expiresAt`, forgetting the oldest entries past the capacity.
    public func markProcessed(_ key: String, expiresAt: Int64) {
        entries[key] = .processed(expiresAt: expiresAt)
        order.append((key, expiresAt))
        forgetOld()
    }

    /// Forgets a claim that was not processed, so a redelivery is processed.
    public func release(_ key: String) {
        if case .inProgress? = entries[key] { entries[key] = nil }
    }

    /// How many processed deliveries are remembered.
    public var processedCount: Int {
        entries.values.reduce(0) { count, entry in
            if case .processed = entry { count + 1 } else { count }
        }
    }

    func forgetOld() {
        let current = now()
        while orderStart < order.count {
            let oldest = order[orderStart]
            guard order.count - orderStart > capacity || oldest.expiresAt < current else { break }
            if case .processed? = entries[oldest.key] { entries[oldest.key] = nil }
            orderStart += 1
        }
        if orderStart > 1024, orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
