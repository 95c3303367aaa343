import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import NIOCore
import QueueProxy
import QueueRuntime
import QueueTestSupport
import Synchronization
import Testing

/// Exactly-once delivery to the handler, other accounts' deliveries, and the key set under
/// failure and forgery.
@Suite(.serialized) struct WebhookDeliveryTests {
    /// fal's signing key in these tests (the same seed each time).
    static var signer: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 1, count: 32)) }
    static let body = Data(#"{"request_id":"r1","gateway_request_id":"r1","status":"OK","payload":{"n":1}}"#.utf8)

    /// A verifier whose clock says `now`, with the signer's key set.
    static func verifier(expectedUserIDs: Set<String>? = nil) -> WebhookVerifier {
        let keySet = jwksDocument([signer.publicKey])
        return WebhookVerifier(configuration: .init(expectedUserIDs: expectedUserIDs)) { keySet }
    }

    static func post(_ client: HTTPClient, _ url: URL, _ headers: [String: String], body: Data = body) async throws -> Int {
        try await rawRequest(client, .POST, url, headers: headers.map { ($0.key, $0.value) }, body: Array(body)).status
    }

    @Test func aHandlerThatThrowsOnceGetsTheRedeliveryProcessed() async throws {
        let calls = Mutex(0)
        let processed = Inbox<Int>()
        let router = Router()
        router.falWebhook("/hook", verifier: Self.verifier(), output: QueueRuntime.JSONValue.self) { payload, _ in
            let call = calls.withLock { count -> Int in
                count += 1
                return count
            }
            if call == 1 { throw HTTPError(.internalServerError, message: "database unavailable") }
            processed.add(call)
        }
        try await withServer(router) { base in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let now = Int64(Date().timeIntervalSince1970)
            let headers = try signedHeaders(Self.signer, requestID: "r1", timestamp: now, body: Self.body)
            let url = base.appendingPathComponent("hook")
            do {
                #expect(try await Self.post(client, url, headers) == 500)
                // fal redelivers after the 5xx: processed this time.
                #expect(try await Self.post(client, url, headers) == 200)
                // Once processed, the same delivery is a replay.
                #expect(try await Self.post(client, url, headers) == 401)
                // A body that does not decode answers 400 and stays unprocessed: its redelivery is
                // decoded again (and refused again), not dismissed as a replay.
                let broken = Data(#"{"status":"OK"}"#.utf8)
                let brokenHeaders = try signedHeaders(Self.signer, requestID: "r2", timestamp: now, body: broken)
                #expect(try await Self.post(client, url, brokenHeaders, body: broken) == 400)
                #expect(try await Self.post(client, url, brokenHeaders, body: broken) == 400)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
        #expect(calls.withLock { $0 } == 2)
        #expect(processed.all == [2])
    }

    @Test func aDeliveryBeingProcessedAnswers409() async throws {
        let verifier = Self.verifier()
        let now = Int64(Date().timeIntervalSince1970)
        let headers = try signedHeaders(Self.signer, requestID: "r1", timestamp: now, body: Self.body)
        let entered = Inbox<Void>()
        let release = Inbox<Void>()
        let first = Task {
            try await verifier.receive(headers: headers, body: Self.body) { _ in
                entered.add(())
                await release.wait(for: 1)
            }
        }
        try await within(.seconds(5)) { await entered.wait(for: 1) }
        await #expect(throws: WebhookRejection(.inProgress)) { try await verifier.receive(headers: headers, body: Self.body) { _ in } }
        release.add(())
        try await first.value
        await #expect(throws: WebhookRejection(.replayed)) { try await verifier.receive(headers: headers, body: Self.body) { _ in } }
    }

    @Test func anotherAccountsDeliveryIsRefusedWithExpectedUserIDs() async throws {
        let handled = Inbox<String>()
        let rejected = Inbox<WebhookRejection>()
        let router = Router()
        router.falWebhook(
            "/hook", verifier: Self.verifier(), output: QueueRuntime.JSONValue.self, expectedUserIDs: ["user-1"],
            onRejection: { rejected.add($0) }
        ) { payload, _ in handled.add(payload.requestID) }
        try await withServer(router) { base in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let now = Int64(Date().timeIntervalSince1970)
            let url = base.appendingPathComponent("hook")
            do {
                // Validly signed with fal's key, for another fal account.
                let foreign = try signedHeaders(Self.signer, requestID: "r1", timestamp: now, body: Self.body, userID: "someone-else")
                #expect(try await Self.post(client, url, foreign) == 401)
                let own = try signedHeaders(Self.signer, requestID: "r1", timestamp: now, body: Self.body, userID: "user-1")
                #expect(try await Self.post(client, url, own) == 200)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
        #expect(handled.all == ["r1"])
        #expect(rejected.all.map(\.reason) == [.unexpectedUser])
        // The verifier's own setting does the same without the route.
        let strict = Self.verifier(expectedUserIDs: ["user-1"])
        let foreign = try signedHeaders(Self.signer, requestID: "r9", timestamp: Int64(Date().timeIntervalSince1970), body: Self.body, userID: "u2")
        await #expect(throws: WebhookRejection(.unexpectedUser)) { try await strict.verify(headers: foreign, body: Self.body) }
    }

    /// A clock the test moves by hand.
    final class TestClock: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex(Duration.zero)
        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
    }

    @Test func aForgedFloodWithNoCachedKeysFetchesAtMostOncePerBackOffInterval() async throws {
        let fetches = Mutex(0)
        let clock = TestClock()
        var configuration = WebhookVerifier.Configuration()
        configuration.monotonicNow = { clock.now }
        configuration.keySetRetryInterval = .seconds(30)
        configuration.maximumKeySetRetryInterval = .seconds(120)
        // The key server is down: every fetch fails.
        let verifier = WebhookVerifier(configuration: configuration) {
            fetches.withLock { $0 += 1 }
            throw URLError(.cannotConnectToHost)
        }
        let forger = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 9, count: 32))
        let now = Int64(Date().timeIntervalSince1970)
        func flood(_ count: Int) async {
            let forgeries = (0..<count).map { try! signedHeaders(forger, requestID: "forged-\($0)", timestamp: now, body: Self.body) }
            await withTaskGroup(of: Void.self) { group in
                for headers in forgeries {
                    group.addTask {
                        do {
                            _ = try await verifier.receive(headers: headers, body: Self.body) { _ in Issue.record("a forged delivery was processed") }
                        } catch {}
                    }
                }
            }
        }
        await flood(200)
        #expect(fetches.withLock { $0 } == 1)
        clock.advance(.seconds(29))
        await flood(200)
        #expect(fetches.withLock { $0 } == 1)
        clock.advance(.seconds(2))
        await flood(200)
        #expect(fetches.withLock { $0 } == 2)
        // The second failure in a row doubles the wait.
        clock.advance(.seconds(31))
        await flood(50)
        #expect(fetches.withLock { $0 } == 2)
        clock.advance(.seconds(30))
        await flood(50)
        #expect(fetches.withLock { $0 } == 3)
    }

    @Test func aForgedFloodWithAReachableKeyServerRefetchesOncePerInterval() async throws {
        let fetches = Mutex(0)
        let keySet = jwksDocument([Self.signer.publicKey])
        var configuration = WebhookVerifier.Configuration()
        configuration.minimumRefreshInterval = .seconds(3600)
        let verifier = WebhookVerifier(configuration: configuration) {
            fetches.withLock { $0 += 1 }
            return keySet
        }
        let forger = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 9, count: 32))
        let now = Int64(Date().timeIntervalSince1970)
        for index in 0..<300 {
            let headers = try signedHeaders(forger, requestID: "f\(index)", timestamp: now, body: Self.body)
            await #expect(throws: WebhookRejection(.signatureMismatch)) { try await verifier.verify(headers: headers, body: Self.body) }
        }
        // The first fetch, and one refetch for the unknown key.
        #expect(fetches.withLock { $0 } == 2)
    }

    @Test func staleKeysServeWhenARefreshFails() async throws {
        let fetches = Mutex(0)
        let clock = TestClock()
        let keySet = jwksDocument([Self.signer.publicKey])
        var configuration = WebhookVerifier.Configuration()
        configuration.monotonicNow = { clock.now }
        configuration.keySetLifetime = .seconds(60)
        let verifier = WebhookVerifier(configuration: configuration) {
            let count = fetches.withLock { count -> Int in
                count += 1
                return count
            }
            if count > 1 { throw URLError(.timedOut) }
            return keySet
        }
        let now = Int64(Date().timeIntervalSince1970)
        try await verifier.verify(headers: signedHeaders(Self.signer, requestID: "a", timestamp: now, body: Self.body), body: Self.body)
        clock.advance(.seconds(61))
        // The set expired and its refresh fails: the keys last fetched still verify.
        try await verifier.verify(headers: signedHeaders(Self.signer, requestID: "b", timestamp: now, body: Self.body), body: Self.body)
        #expect(fetches.withLock { $0 } == 2)
    }

    @Test func aKeySetThatNeverAnswersTimesOut() async throws {
        var configuration = WebhookVerifier.Configuration()
        configuration.keySetFetchTimeout = .milliseconds(200)
        let verifier = WebhookVerifier(configuration: configuration) {
            // Answers nothing for far longer than the timeout.
            try? await Task.sleep(for: .seconds(60))
            return Data()
        }
        let now = Int64(Date().timeIntervalSince1970)
        let headers = try signedHeaders(Self.signer, requestID: "t", timestamp: now, body: Self.body)
        let outcome = try await within(.seconds(5)) { () -> WebhookRejection.Reason? in
            do {
                try await verifier.verify(headers: headers, body: Self.body)
                return nil
            } catch let rejection as WebhookRejection {
                return rejection.reason
            }
        }
        guard case .keySetUnavailable(let why)? = outcome else {
            Issue.record("expected keySetUnavailable, got \(String(describing: outcome))")
            return
        }
        #expect(why.contains("no answer"))
    }

    @Test func theKeyIDPicksTheKeyAndTheSetIsBounded() async throws {
        let keys = try (0..<40).map { try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: UInt8(10 + $0), count: 32)) }
        let entries = keys.enumerated().map { index, key -> String in
            let x = key.publicKey.rawRepresentation.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            return #"{"kty":"OKP","crv":"Ed25519","kid":"k\#(index)","x":"\#(x)"}"#
        }
        let keySet = Data(#"{"keys":[\#(entries.joined(separator: ","))]}"#.utf8)
        let verifier = WebhookVerifier(configuration: .init()) { keySet }
        let now = Int64(Date().timeIntervalSince1970)
        var headers = try signedHeaders(keys[5], requestID: "k", timestamp: now, body: Self.body)
        headers[WebhookVerifier.Header.keyID] = "k5"
        try await verifier.verify(headers: headers, body: Self.body)
        // Naming another key: only that one is tried.
        headers[WebhookVerifier.Header.keyID] = "k6"
        await #expect(throws: WebhookRejection(.signatureMismatch)) { try await verifier.verify(headers: headers, body: Self.body) }
        // Only the first 16 keys of the set are used.
        let late = try signedHeaders(keys[30], requestID: "late", timestamp: now, body: Self.body)
        await #expect(throws: WebhookRejection(.signatureMismatch)) { try await verifier.verify(headers: late, body: Self.body) }
    }

    @Test func cheapChecksComeBeforeTheBodyIsRead() async throws {
        let router = Router()
        router.falWebhook("/hook", verifier: Self.verifier(), output: QueueRuntime.JSONValue.self, maximumBodyBytes: 10) { _, _ in }
        try await withServer(router) { base in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                // Stale headers with a body over the limit: refused for the headers (401), not the size (413).
                let stale = try signedHeaders(Self.signer, requestID: "s", timestamp: 1_000, body: Self.body)
                #expect(try await Self.post(client, base.appendingPathComponent("hook"), stale) == 401)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }
}
