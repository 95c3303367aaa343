import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import OpenAPIAsyncHTTPClient
import QueueProxy
import QueueSimulator
import Synchronization
import Testing
import FluxRedux
@testable import QueueRuntime
import QueueTestSupport

/// One delivery as it arrived: the headers and the raw body.
struct Delivery: Sendable {
    var headers: [String: String]
    var body: Data
}

/// Collects things from server handlers and lets a test wait for the n-th one.
final class Inbox<Item: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Item] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    var all: [Item] { lock.withLock { items } }

    func add(_ item: Item) {
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            items.append(item)
            let ready = waiters.filter { $0.count <= items.count }
            waiters.removeAll { $0.count <= items.count }
            return ready.map(\.continuation)
        }
        for waiter in ready { waiter.resume() }
    }

    /// Waits until `count` items arrived (bound it with `within`).
    func wait(for count: Int) async {
        await withCheckedContinuation { continuation in
            let now = lock.withLock { () -> Bool in
                if items.count >= count { return true }
                waiters.append((count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// The simulator signs its webhooks like fal; the runtime's verifier checks them.
@Suite(.serialized) struct WebhookTests {
    /// The runtime's default transport, for fetching the simulator's JWKS over loopback HTTP.
    static let transport = AsyncHTTPClientTransport(configuration: .init(client: .shared, timeout: .seconds(10)))

    /// Submits a job with `fal_webhook` pointing at a receiver in the test, over real HTTP both
    /// ways, and verifies the delivery with keys fetched from the simulator's JWKS.
    @Test func signedDeliveryRoundTripThroughTheHummingbirdRoute() async throws {
        try await withSimulator { simulator in
            let verifier = WebhookVerifier(jwksURL: simulator.webhookJWKSURL, transport: Self.transport)
            let accepted = Inbox<WebhookPayload<Flux1SchnellRedux.Output>>()
            let rejected = Inbox<WebhookRejection>()
            let raw = Inbox<Delivery>()
            let router = Router()
            router.falWebhook("/hooks/fal", verifier: verifier, output: Flux1SchnellRedux.Output.self, onRejection: { rejected.add($0) }) {
                payload, _ in accepted.add(payload)
            }
            router.on("/hooks/raw", method: .post) { request, _ -> Response in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                raw.add(Delivery(headers: headers, body: Data(buffer: body)))
                return Response(status: .ok)
            }
            try await withServer(router) { receiver in
                let client = directClient(simulator)
                var options = SubmitOptions()
                options.webhookURL = receiver.appendingPathComponent("hooks/fal")
                let job = try await client.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(dataURIPNG())), options: options)
                try await within(.seconds(15)) { await accepted.wait(for: 1) }
                let payload = try #require(accepted.all.first)
                #expect(payload.requestID == job.requestID)
                guard case .ok(let output?) = payload.outcome else {
                    Issue.record("expected OK with an output, got \(payload.outcome)")
                    return
                }
                #expect(output.images.count == 1)
                #expect(rejected.all.isEmpty)

                // A tampered copy posted to the route is refused and never reaches the handler.
                options.webhookURL = receiver.appendingPathComponent("hooks/raw")
                _ = try await client.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(dataURIPNG())), options: options)
                try await within(.seconds(15)) { await raw.wait(for: 1) }
                let delivery = try #require(raw.all.first)
                var tampered = delivery.body
                tampered[tampered.index(tampered.startIndex, offsetBy: tampered.count / 2)] ^= 0x01
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                do {
                    let answer = try await rawRequest(
                        http, .POST, receiver.appendingPathComponent("hooks/fal"), headers: delivery.headers.map { ($0.key, $0.value) },
                        body: Array(tampered))
                    #expect(answer.status == 401)
                    // The genuine one is accepted once, then refused as a replay.
                    let genuine = try await rawRequest(
                        http, .POST, receiver.appendingPathComponent("hooks/fal"), headers: delivery.headers.map { ($0.key, $0.value) },
                        body: Array(delivery.body))
                    #expect(genuine.status == 200)
                    let replay = try await rawRequest(
                        http, .POST, receiver.appendingPathComponent("hooks/fal"), headers: delivery.headers.map { ($0.key, $0.value) },
                        body: Array(delivery.body))
                    #expect(replay.status == 401)
                } catch {
                    try? await http.shutdown()
                    throw error
                }
                try await http.shutdown()
                #expect(accepted.all.count == 2)
                #expect(rejected.all.map(\.reason) == [.signatureMismatch, .replayed])
            }
        }
    }

    /// Every tampering case against a real signed delivery, each with its reason.
    @Test func eachTamperingIsRejectedWithItsReason() async throws {
        let delivery = try await captureSignedDelivery()
        try await withSimulator { simulator in
            let jwks = Data(simulator.webhookJWKS)
            let timestamp = try #require(Int64(delivery.headers["x-fal-webhook-timestamp"] ?? ""))
            func verifier(keys: Data = jwks, now: Int64? = nil) -> WebhookVerifier {
                var configuration = WebhookVerifier.Configuration()
                configuration.now = { now ?? timestamp }
                return WebhookVerifier(configuration: configuration) { keys }
            }
            func reason(_ verifier: WebhookVerifier, headers: [String: String]? = nil, body: Data? = nil) async -> WebhookRejection.Reason? {
                do {
                    try await verifier.verify(headers: headers ?? delivery.headers, body: body ?? delivery.body)
                    return nil
                } catch let rejection as WebhookRejection {
                    return rejection.reason
                } catch {
                    return .keySetUnavailable("\(error)")
                }
            }

            // Genuine: accepted, and its payload decodes.
            #expect(await reason(verifier()) == nil)
            let payload = try WebhookPayload<Flux1SchnellRedux.Output>.decode(delivery.body)
            if case .ok(let output?) = payload.outcome { #expect(output.images.count == 1) } else { Issue.record("not OK: \(payload.outcome)") }

            // Tampered body: one byte flipped.
            var body = delivery.body
            body[body.startIndex + 3] ^= 0x20
            #expect(await reason(verifier(), body: body) == .signatureMismatch)
            // Tampered headers: another request id, or user id, or timestamp inside the tolerance.
            var headers = delivery.headers
            headers["x-fal-webhook-request-id"] = "another-request"
            #expect(await reason(verifier(), headers: headers) == .signatureMismatch)
            headers = delivery.headers
            headers["x-fal-webhook-timestamp"] = String(timestamp + 1)
            #expect(await reason(verifier(), headers: headers) == .signatureMismatch)

            // Wrong key: a key set without the simulator's key.
            let other = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 7, count: 32))
            #expect(await reason(verifier(keys: jwksDocument([other.publicKey]))) == .signatureMismatch)

            // Stale: more than 300 s either way; 300 s exactly is still fine.
            #expect(await reason(verifier(now: timestamp + 301)) == .staleTimestamp(secondsOff: 301))
            #expect(await reason(verifier(now: timestamp - 301)) == .staleTimestamp(secondsOff: -301))
            #expect(await reason(verifier(now: timestamp + 300)) == nil)

            // Replayed: the same delivery received twice by one verifier (`verify` alone records nothing).
            let once = verifier()
            #expect(await reason(once) == nil)
            #expect(await reason(once) == nil)
            try await once.receive(headers: delivery.headers, body: delivery.body) { _ in }
            await #expect(throws: WebhookRejection(.replayed)) {
                try await once.receive(headers: delivery.headers, body: delivery.body) { _ in }
            }

            // Missing headers, each.
            for name in ["X-Fal-Webhook-Request-Id", "X-Fal-Webhook-User-Id", "X-Fal-Webhook-Timestamp", "X-Fal-Webhook-Signature"] {
                var headers = delivery.headers
                headers[name.lowercased()] = nil
                #expect(await reason(verifier(), headers: headers) == .missingHeader(name))
            }
            // Malformed values.
            headers = delivery.headers
            headers["x-fal-webhook-signature"] = "zz" + String(headers["x-fal-webhook-signature"]!.dropFirst(2))
            #expect(await reason(verifier(), headers: headers) == .malformedSignature)
            headers = delivery.headers
            headers["x-fal-webhook-timestamp"] = "12e3"
            #expect(await reason(verifier(), headers: headers) == .malformedTimestamp)
            // A key set that is not JWKS.
            #expect(await reason(verifier(keys: Data("<html>".utf8))) == .keySetUnavailable("not a JWKS document (no \"keys\" array)"))
        }
    }

    @Test func anUnknownKeyRefetchesTheKeySetAtMostOncePerInterval() async throws {
        let signer = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 1, count: 32))
        let stale = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 2, count: 32))
        let fetches = Mutex(0)
        var configuration = WebhookVerifier.Configuration()
        configuration.now = { 1_700_000_000 }
        configuration.minimumRefreshInterval = .seconds(3600)
        // The first fetch has only an old key (as after a rotation); later ones have the new key,
        // with `x` padded with `=` as fal's live set has been seen to do.
        let staleSet = jwksDocument([stale.publicKey])
        let currentSet = jwksDocument([signer.publicKey], padded: true)
        let verifier = WebhookVerifier(configuration: configuration) {
            let count = fetches.withLock { value -> Int in
                value += 1
                return value
            }
            return count == 1 ? staleSet : currentSet
        }
        let body = Data(#"{"request_id":"r1","status":"OK","payload":{}}"#.utf8)
        let headers = try signedHeaders(signer, requestID: "r1", timestamp: 1_700_000_000, body: body)
        let verified = try await verifier.verify(headers: headers, body: body)
        #expect(verified.requestID == "r1" && verified.userID == "user-1")
        #expect(fetches.withLock { $0 } == 2)
        // A forged signature now finds no key, but may not trigger another fetch within the interval.
        let forger = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 3, count: 32))
        let forged = try signedHeaders(forger, requestID: "r2", timestamp: 1_700_000_000, body: body)
        await #expect(throws: WebhookRejection(.signatureMismatch)) { try await verifier.verify(headers: forged, body: body) }
        await #expect(throws: WebhookRejection(.signatureMismatch)) { try await verifier.verify(headers: forged, body: body) }
        #expect(fetches.withLock { $0 } == 2)
    }

    @Test func theReplayStoreIsBounded() async throws {
        let signer = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 1, count: 32))
        var configuration = WebhookVerifier.Configuration()
        configuration.now = { 1_700_000_000 }
        configuration.replayCapacity = 2
        let keySet = jwksDocument([signer.publicKey])
        let verifier = WebhookVerifier(configuration: configuration) { keySet }
        let body = Data("{}".utf8)
        for id in ["a", "b", "c"] {
            try await verifier.receive(
                headers: try signedHeaders(signer, requestID: id, timestamp: 1_700_000_000, body: body), body: body) { _ in }
        }
        #expect(await verifier.rememberedCount == 2)
        // The newest are remembered.
        await #expect(throws: WebhookRejection(.replayed)) {
            try await verifier.receive(
                headers: try signedHeaders(signer, requestID: "c", timestamp: 1_700_000_000, body: body), body: body) { _ in }
        }
    }

    @Test func payloadShapes() throws {
        let error = try WebhookPayload<Flux1SchnellRedux.Output>.decode(
            Data(#"{"request_id":"r","gateway_request_id":"g","status":"ERROR","error":"Invalid status code: 422","payload":{"detail":[{"loc":["body","prompt"],"msg":"field required","type":"missing"}]}}"#.utf8))
        #expect(error.requestID == "r" && error.gatewayRequestID == "g")
        guard case .error(let message, let detail?) = error.outcome else {
            Issue.record("not an error: \(error.outcome)")
            return
        }
        #expect(message == "Invalid status code: 422")
        #expect(detail["detail"] != nil)

        let unserialisable = try WebhookPayload<Flux1SchnellRedux.Output>.decode(
            Data(#"{"request_id":"r","status":"OK","payload":null,"payload_error":"Could not serialise the output"}"#.utf8))
        guard case .ok(nil) = unserialisable.outcome else {
            Issue.record("expected OK without an output, got \(unserialisable.outcome)")
            return
        }
        #expect(unserialisable.payloadError == "Could not serialise the output")

        #expect {
            _ = try WebhookPayload<Flux1SchnellRedux.Output>.decode(Data(#"{"request_id":"r","status":"OK","payload":{"images":"no"}}"#.utf8))
        } throws: { error in
            guard case .decoding(let failure) = error as? QueueError else { return false }
            return failure.fieldPath.hasPrefix("payload") && failure.requestID == "r"
        }
        let generic = try WebhookPayload<QueueRuntime.JSONValue>.decode(Data(#"{"request_id":"r","status":"OK","payload":{"anything":[1,2]}}"#.utf8))
        if case .ok(let value?) = generic.outcome { #expect(value["anything"] == QueueRuntime.JSONValue.array([.int(1), .int(2)])) } else { Issue.record("\(generic.outcome)") }
    }

    /// A real delivery from the simulator, captured by a plain receiver.
    func captureSignedDelivery() async throws -> Delivery {
        try await withSimulator { simulator in
            let raw = Inbox<Delivery>()
            let router = Router()
            router.on("/hook", method: .post) { request, _ -> Response in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                raw.add(Delivery(headers: headers, body: Data(buffer: body)))
                return Response(status: .ok)
            }
            return try await withServer(router) { receiver in
                var options = SubmitOptions()
                options.webhookURL = receiver.appendingPathComponent("hook")
                _ = try await directClient(simulator).submit(
                    .flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .url(dataURIPNG())), options: options)
                try await within(.seconds(15)) { await raw.wait(for: 1) }
                return raw.all[0]
            }
        }
    }
}

/// A JWKS holding `keys`.
func jwksDocument(_ keys: [Curve25519.Signing.PublicKey], padded: Bool = false) -> Data {
    let entries = keys.map { key -> String in
        var x = key.rawRepresentation.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        if !padded { x = x.replacingOccurrences(of: "=", with: "") }
        return #"{"kty":"OKP","crv":"Ed25519","x":"\#(x)"}"#
    }
    return Data(#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},\#(entries.joined(separator: ","))]}"#.utf8)
}

/// fal's signature headers for `body`, made with `key` (written here from the documented scheme).
func signedHeaders(
    _ key: Curve25519.Signing.PrivateKey, requestID: String, timestamp: Int64, body: Data, userID: String = "user-1"
) throws -> [String: String] {
    let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
    let signature = try key.signature(for: Data("\(requestID)\n\(userID)\n\(timestamp)\n\(digest)".utf8))
    return [
        "X-Fal-Webhook-Request-Id": requestID, "X-Fal-Webhook-User-Id": userID, "X-Fal-Webhook-Timestamp": String(timestamp),
        "X-Fal-Webhook-Signature": Data(signature).map { String(format: "%02x", $0) }.joined(),
    ]
}
