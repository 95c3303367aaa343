import Foundation

/// The body fal POSTs to a `fal_webhook` URL when a job finishes, with the endpoint's output typed.
///
/// ```json
/// {"request_id": "…", "gateway_request_id": "…", "status": "OK", "payload": {…}}
/// {"request_id": "…", "status": "ERROR", "error": "Invalid status code: 422", "payload": {"detail": […]}}
/// ```
/// `payload` is `null`, with `payload_error` set, when the service could not serialise the output.
/// Decode it from the raw body only after `WebhookVerifier` accepted that body.
public struct WebhookPayload<Output: Decodable & Sendable>: Sendable {
    /// How the job ended, as the `status` field says.
    public enum Outcome: Sendable {
        /// `OK`: the output, or `nil` when the service sent `payload: null` (see `payloadError`).
        case ok(Output?)
        /// `ERROR`: the error text (such as `Invalid status code: 422`) and the error body the
        /// endpoint answered (usually `{"detail": …}`), kept as JSON because its shape varies.
        case error(message: String, payload: JSONValue?)
        /// A status this client does not know, with the raw payload (the API evolves).
        case other(status: String, payload: JSONValue?)
    }

    /// The job's request id, as submit returned it.
    public var requestID: String
    /// The gateway's id for the job (equal to `requestID` for plain queue jobs).
    public var gatewayRequestID: String?
    /// How the job ended.
    public var outcome: Outcome
    /// Why `payload` is `null`, when the service could not serialise the output.
    public var payloadError: String?

    /// Decodes a webhook body; the output is decoded as `Output` only when the status is `OK`.
    ///
    /// Throws `QueueError.decoding` naming the field that did not fit (`payload.images[0].url`).
    public static func decode(_ body: Data) throws -> WebhookPayload {
        do {
            return try JSONDecoder().decode(Wire.self, from: body).value
        } catch {
            let requestID = (try? JSONValue(parsing: body))?["request_id"]?.stringValue
            throw QueueError.decoding(DecodingFailure(error, what: "webhook payload", body: body, requestID: requestID))
        }
    }

    /// The wire shape; decodes `payload` as `Output` only for `OK`, so an error body never has to
    /// fit the output type.
    struct Wire: Decodable {
        var value: WebhookPayload

        enum CodingKeys: String, CodingKey {
            case requestID = "request_id", gatewayRequestID = "gateway_request_id", status, payload, error
            case payloadError = "payload_error"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let requestID = try container.decode(String.self, forKey: .requestID)
            let status = try container.decode(String.self, forKey: .status)
            let outcome: Outcome
            switch status {
            case "OK":
                outcome = .ok(try container.decodeIfPresent(Output.self, forKey: .payload))
            case "ERROR":
                let payload = try container.decodeIfPresent(JSONValue.self, forKey: .payload)
                outcome = .error(
                    message: try container.decodeIfPresent(String.self, forKey: .error) ?? "unknown error",
                    payload: payload == .null ? nil : payload)
            default:
                let payload = try container.decodeIfPresent(JSONValue.self, forKey: .payload)
                outcome = .other(status: status, payload: payload == .null ? nil : payload)
            }
            value = WebhookPayload(
                requestID: requestID, gatewayRequestID: try container.decodeIfPresent(String.self, forKey: .gatewayRequestID),
                outcome: outcome, payloadError: try container.decodeIfPresent(String.self, forKey: .payloadError))
        }
    }
}

extension WebhookPayload {
    /// Decodes a webhook body for `endpoint`, its output typed as the endpoint's output.
    ///
    /// ```swift
    /// let payload = try WebhookPayload.decode(body, for: .flux1SchnellRedux)
    /// ```
    public static func decode<Input>(_ body: Data, for endpoint: QueueEndpoint<Input, Output>) throws -> WebhookPayload
    where Output: QueueModel {
        try decode(body)
    }
}
