import Foundation
import HTTPTypes

/// Fetches the short-lived, app-scoped token a realtime WebSocket carries (`fal_jwt_token`), and
/// refreshes it before it expires, as fal-js does: at 90 % of its lifetime, a failed refresh
/// retried after 5 % of it. `POST {rest}/tokens/` with the key, or through the app's proxy.
actor RealtimeTokenSource {
    private let client: QueueClient
    private let alias: String
    private let expiration: Int
    private var token: String?
    /// When `token` stops being valid (its lifetime from when it was fetched).
    private var expiresAt: ContinuousClock.Instant?
    private var fetching: Task<String, any Error>?
    private var refresher: Task<Void, Never>?
    private var closed = false
    /// How many tokens were fetched (for tests of the refresh).
    private(set) var fetchCount = 0

    init(client: QueueClient, alias: String, expiration: Int) {
        self.client = client
        self.alias = alias
        self.expiration = max(1, expiration)
    }

    /// The current token, fetched if there is none or it has expired (refreshes kept failing).
    func current() async throws -> String {
        if let token, let expiresAt, ContinuousClock.now < expiresAt { return token }
        if let fetching { return try await fetching.value }
        let task = Task { try await self.fetch() }
        fetching = task
        defer { fetching = nil }
        let value = try await task.value
        store(value)
        scheduleRefresh(after: Self.fraction(0.9, of: expiration))
        return value
    }

    private func store(_ value: String) {
        token = value
        // A little short of the lifetime, for the time the answer took to arrive.
        expiresAt = .now + Self.fraction(0.98, of: expiration)
    }

    /// Forgets the token (the server said Unauthorized): the next connection fetches a new one.
    func drop() {
        token = nil
        expiresAt = nil
        refresher?.cancel()
        refresher = nil
    }

    /// Stops refreshing.
    func close() {
        closed = true
        drop()
    }

    private static func fraction(_ share: Double, of seconds: Int) -> Duration {
        .milliseconds(Int64((Double(seconds) * share * 1000).rounded()))
    }

    private func scheduleRefresh(after delay: Duration) {
        refresher?.cancel()
        guard !closed else { return }
        refresher = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self?.refresh()
        }
    }

    private func refresh() async {
        do {
            let value = try await fetch()
            guard !closed else { return }
            store(value)
            scheduleRefresh(after: Self.fraction(0.9, of: expiration))
        } catch {
            scheduleRefresh(after: Self.fraction(0.05, of: expiration))
        }
    }

    private func fetch() async throws -> String {
        fetchCount += 1
        let url = QueueClient.url(client.configuration.storageBaseURL, "tokens/")
        struct Request: Encodable {
            var allowed_apps: [String]
            var token_expiration: Int
        }
        let body = try JSONEncoder().encode(Request(allowed_apps: [alias], token_expiration: expiration))
        let collected: CollectedResponse
        do {
            collected = try await client.exchange(.post, url, body: body, operation: "realtimeToken", retry: .idempotent)
        } catch {
            throw RealtimeError.tokenRequestFailed(status: nil, message: "\(error)")
        }
        let status = collected.response.status.code
        guard (200..<300).contains(status) else {
            throw RealtimeError.tokenRequestFailed(
                status: status, message: "\(client.httpFailure(collected, operation: "realtimeToken", requestID: nil))")
        }
        guard let token = Self.parse(collected.body) else {
            throw RealtimeError.tokenRequestFailed(status: status, message: "the answer is not a token (a JSON string, or {\"token\"} or {\"detail\"})")
        }
        return token
    }

    /// A JSON string, or an object with a string `token` (some proxies) or `detail` (older ones).
    static func parse(_ body: Data) -> String? {
        guard let value = try? JSONValue(parsing: body) else { return nil }
        if case .string(let token) = value, !token.isEmpty { return token }
        if let token = value["token"]?.stringValue ?? value["detail"]?.stringValue, !token.isEmpty { return token }
        return nil
    }
}
