import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import QueueRuntime

extension RouterMethods {
    /// Receives fal webhooks at `path`: verifies each delivery with `verifier`, decodes it as
    /// `WebhookPayload<Output>`, and calls `handler` once per accepted delivery.
    ///
    /// Answers 401 `{"detail", "error_type": "webhook_rejected"}` to a delivery that fails
    /// verification (the handler is not called), 400 to a verified body that does not decode, 413
    /// to a body over `maximumBodyBytes`, and 200 after `handler` returns. A redelivery of an
    /// accepted webhook is rejected as `replayed`; answer it 200 yourself if you prefer, by checking
    /// `WebhookRejection.Reason.replayed` in `onRejection`.
    ///
    /// ```swift
    /// router.falWebhook("/webhooks/fal", verifier: WebhookVerifier(), output: Flux1SchnellRedux.Output.self) { payload, _ in
    ///     if case .ok(let output?) = payload.outcome { print(output.images.count) }
    /// }
    /// ```
    @discardableResult
    public func falWebhook<Output: Decodable & Sendable>(
        _ path: RouterPath, verifier: WebhookVerifier, output: Output.Type, maximumBodyBytes: Int = 16 << 20,
        onRejection: (@Sendable (WebhookRejection) async -> Void)? = nil,
        handler: @escaping @Sendable (WebhookPayload<Output>, Context) async throws -> Void
    ) -> Self {
        on(path, method: .post) { request, context -> Response in
            var request = request
            let buffer: ByteBuffer
            do { buffer = try await request.collectBody(upTo: maximumBodyBytes) } catch {
                return webhookAnswer(413, detail: "webhook body over \(maximumBodyBytes) bytes", kind: "too_large")
            }
            let body = Data(buffer: buffer)
            do {
                try await verifier.verify(headers: request.headers, body: body)
            } catch let rejection as WebhookRejection {
                await onRejection?(rejection)
                return webhookAnswer(401, detail: rejection.description, kind: "webhook_rejected")
            } catch {
                return webhookAnswer(401, detail: "webhook rejected: \(error)", kind: "webhook_rejected")
            }
            let payload: WebhookPayload<Output>
            do { payload = try WebhookPayload<Output>.decode(body) } catch {
                return webhookAnswer(400, detail: "\(error)", kind: "invalid_payload")
            }
            try await handler(payload, context)
            return webhookAnswer(200, detail: "accepted", kind: nil)
        }
    }
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
        _ path: RouterPath, verifier: WebhookVerifier, endpoint: QueueEndpoint<Input, Output>, maximumBodyBytes: Int = 16 << 20,
        onRejection: (@Sendable (WebhookRejection) async -> Void)? = nil,
        handler: @escaping @Sendable (WebhookPayload<Output>, Context) async throws -> Void
    ) -> Self {
        falWebhook(path, verifier: verifier, output: Output.self, maximumBodyBytes: maximumBodyBytes, onRejection: onRejection, handler: handler)
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
