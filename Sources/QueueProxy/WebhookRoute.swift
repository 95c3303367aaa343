import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QueueRuntime

extension RouterMethods {
    /// Receives fal webhooks at `path`: verifies each delivery with `verifier`, decodes it as
    /// `WebhookPayload<Output>`, and calls `handler` once per delivery.
    ///
    /// The headers are checked first (signature headers present, timestamp fresh, user id one of
    /// `expectedUserIDs`, or the verifier's when `nil`), before the body is read; then the body
    /// (up to `maximumBodyBytes`, else 413) is hashed and the signature checked. A delivery is
    /// recorded as processed only once `handler` returns: when `handler` throws (answered 500)
    /// or the payload does not decode (answered 400), fal's redelivery is processed again.
    ///
    /// Answers 401 `{"detail", "error_type": "webhook_rejected"}` to a delivery that fails a
    /// check or was already processed (`.replayed`), 409 to one being processed right now
    /// (fal retries it), and 200 after `handler` returns. `onRejection` sees every refusal.
    ///
    /// ```swift
    /// router.falWebhook(
    ///     "/webhooks/fal", verifier: WebhookVerifier(), output: Flux1SchnellRedux.Output.self,
    ///     expectedUserIDs: ["your-fal-user-id"]
    /// ) { payload, _ in
    ///     if case .ok(let output?) = payload.outcome { print(output.images.count) }
    /// }
    /// ```
    @discardableResult
    public func falWebhook<Output: Decodable & Sendable>(
        _ path: RouterPath, verifier: WebhookVerifier, output: Output.Type, expectedUserIDs: Set<String>? = nil,
        maximumBodyBytes: Int = 16 << 20, onRejection: (@Sendable (WebhookRejection) async -> Void)? = nil,
        handler: @escaping @Sendable (WebhookPayload<Output>, Context) async throws -> Void
    ) -> Self {
        on(path, method: .post) { request, context -> Response in
            func rejected(_ rejection: WebhookRejection) async -> Response {
                await onRejection?(rejection)
                if rejection.reason == .inProgress {
                    return webhookAnswer(409, detail: rejection.description, kind: "webhook_in_progress")
                }
                return webhookAnswer(401, detail: rejection.description, kind: "webhook_rejected")
            }
            let head: WebhookSignedHead
            do { head = try verifier.checkHead(request.headers, expectedUserIDs: expectedUserIDs) } catch let rejection as WebhookRejection {
                return await rejected(rejection)
            }
            var request = request
            let buffer: ByteBuffer
            do { buffer = try await request.collectBody(upTo: maximumBodyBytes) } catch {
                return webhookAnswer(413, detail: "webhook body over \(maximumBodyBytes) bytes", kind: "too_large")
            }
            let body = Data(buffer: buffer)
            do {
                try await verifier.receive(head: head, body: body) { _ in
                    let payload: WebhookPayload<Output>
                    do { payload = try WebhookPayload<Output>.decode(body) } catch { throw UndecodablePayload(underlying: error) }
                    try await handler(payload, context)
                }
            } catch let rejection as WebhookRejection {
                return await rejected(rejection)
            } catch let undecodable as UndecodablePayload {
                return webhookAnswer(400, detail: "\(undecodable.underlying)", kind: "invalid_payload")
            }
            return webhookAnswer(200, detail: "accepted", kind: nil)
        }
    }
}

/// A verified delivery whose payload did not decode (answered 400; the delivery stays unprocessed).
struct UndecodablePayload: Error {
    var underlying: any Error
}

extension RouterMethods {
    /// `falWebhook(_:verifier:output:…)` for `endpoint`'s output type.
    ///
    /// ```swift
    /// router.falWebhook("/webhooks/fal", verifier: WebhookVerifier(), endpoint: .flux1SchnellRedux) { payload, _ in
    ///     if case .ok(let output?) = payload.outcome { print(output.images.count) }
    /// }
    /// ```
    @discardableResult
    public func falWebhook<Input, Output>(
        _ path: RouterPath, verifier: WebhookVerifier, endpoint: QueueEndpoint<Input, Output>, expectedUserIDs: Set<String>? = nil,
        maximumBodyBytes: Int = 16 << 20, onRejection: (@Sendable (WebhookRejection) async -> Void)? = nil,
        handler: @escaping @Sendable (WebhookPayload<Output>, Context) async throws -> Void
    ) -> Self {
        falWebhook(
            path, verifier: verifier, output: Output.self, expectedUserIDs: expectedUserIDs, maximumBodyBytes: maximumBodyBytes,
            onRejection: onRejection, handler: handler)
    }
}

/// A small JSON answer for the webhook route.
func webhookAnswer(_ status: Int, detail: String, kind: String?) -> Response {
    var object = ["detail": detail]
    if let kind { object["error_type"] = kind }
    let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
}
