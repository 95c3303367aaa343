import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// Whether a request may be sent again after a failure.
enum RetryClass: Sendable {
    /// Status, result, cancel, stream, upload: repeating them changes nothing on the server.
    case idempotent
    /// A submit (or a synchronous run): repeating it may create a second, billed job.
    case submit
}

/// A response whose body was read.
struct CollectedResponse: Sendable {
    var response: HTTPResponse
    var body: Data
}

extension HTTPField.Name {
    static let falRequestID = Self("x-fal-request-id")!
    static let falRequestTimeout = Self("X-Fal-Request-Timeout")!
    static let falRequestTimeoutType = Self("X-Fal-Request-Timeout-Type")!
    static let falRetryable = Self("X-Fal-Retryable")!
    static let falErrorType = Self("X-Fal-Error-Type")!
    static let falBillableUnits = Self("X-Fal-Billable-Units")!
    static let falQueuePriority = Self("X-Fal-Queue-Priority")!
    static let falRunnerHint = Self("X-Fal-Runner-Hint")!
    static let falNoRetry = Self("X-Fal-No-Retry")!
    static let falStoreIO = Self("X-Fal-Store-IO")!
    static let falObjectLifecycle = Self("X-Fal-Object-Lifecycle-Preference")!
}

/// The largest body read into memory (outputs with inline data URIs can be large).
let maximumBodySize = 256 * 1024 * 1024

extension QueueClient {
    /// Where a URL may be sent, checked before every request.
    struct Destination {
        var baseURL: URL
        var path: String
        var scheme: String
        var authority: String
        /// Whether the host is one of the configured ones, so the credential may go there.
        var trusted: Bool
    }

    /// Refuses plain `http` off loopback and (if so configured) foreign hosts; says whether the
    /// credential may be sent.
    func destination(for url: URL) throws -> Destination {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true),
            let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else { throw QueueError.insecureURL(url.absoluteString) }
        guard scheme == "https" || (scheme == "http" && Self.isLoopback(host)) else {
            throw QueueError.insecureURL(url.absoluteString)
        }
        let trusted = [configuration.queueBaseURL, configuration.syncBaseURL, configuration.storageBaseURL]
            .contains { Self.sameOrigin($0, url) }
        if !trusted, configuration.foreignHosts == .refuse { throw QueueError.foreignHost(url.absoluteString) }
        let authority = components.percentEncodedHost.map { host in
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            return components.port.map { "\(bracketed):\($0)" } ?? bracketed
        } ?? host
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?\(query)" }
        guard let baseURL = URL(string: "\(scheme)://\(authority)") else { throw QueueError.insecureURL(url.absoluteString) }
        return Destination(baseURL: baseURL, path: path, scheme: scheme, authority: authority, trusted: trusted)
    }

    /// 127.0.0.0/8, ::1 and localhost.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Same scheme, host and port (default ports filled in).
    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func origin(_ url: URL) -> String? {
            guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true),
                let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased()
            else { return nil }
            let port = components.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
            return "\(scheme)://\(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))):\(port)"
        }
        guard let left = origin(a) else { return false }
        return left == origin(b)
    }

    /// Sends one request through the middlewares and the transport; no retries.
    func sendOnce(
        _ method: HTTPRequest.Method, _ url: URL, headers: HTTPFields, body: Data?, operation: String
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let destination = try destination(for: url)
        var request = HTTPRequest(method: method, scheme: destination.scheme, authority: destination.authority, path: destination.path)
        request.headerFields = headers
        request.headerFields[.userAgent] = configuration.userAgent
        if destination.trusted, let credentials = configuration.credentials {
            request.headerFields[.authorization] = credentials.authorization
        } else {
            request.headerFields[.authorization] = nil
        }
        if body != nil, request.headerFields[.contentType] == nil { request.headerFields[.contentType] = "application/json" }
        var baseURL = destination.baseURL
        try routeThroughProxy(&request, baseURL: &baseURL, destination: destination)
        let transport = configuration.transport
        var next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?) = {
            try await transport.send($0, body: $1, baseURL: $2, operationID: operation)
        }
        for middleware in configuration.middlewares.reversed() {
            let inner = next
            next = { try await middleware.intercept($0, body: $1, baseURL: $2, operationID: operation, next: inner) }
        }
        return try await next(request, body.map { HTTPBody($0) }, baseURL)
    }

    /// Sends a request, retrying as `retry` allows; returns the first response that is not
    /// retried. With `collect` its body is read inside the retry loop (a connection dropped
    /// mid-body is a transport error like any other); without, it is left unread so a stream can
    /// be consumed as it arrives.
    func perform(
        _ method: HTTPRequest.Method, _ url: URL, headers: HTTPFields = [:], body: Data? = nil,
        operation: String, retry: RetryClass, requestID: String? = nil, collect: Bool = false
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let policy = configuration.retryPolicy
        let started = ContinuousClock.now
        var logger = configuration.logger
        logger[metadataKey: "operation"] = "\(operation)"
        if let requestID { logger[metadataKey: "request_id"] = "\(requestID)" }
        var attempt = 1
        while true {
            try Task.checkCancellation()
            var retryAfter: Duration?
            var reason: String
            do {
                var (response, responseBody) = try await sendOnce(method, url, headers: headers, body: body, operation: operation)
                if collect, let unread = responseBody {
                    responseBody = HTTPBody(try await Data(collecting: unread, upTo: maximumBodySize))
                }
                guard Self.shouldRetry(response, retry: retry, optIn: policy.retryAmbiguousSubmits) else {
                    return (response, responseBody)
                }
                retryAfter = Self.retryAfter(response.headerFields[.retryAfter])
                reason = "HTTP \(response.status.code)"
                if attempt >= policy.maxAttempts || Self.budgetSpent(policy, started, retryAfter: retryAfter) {
                    return (response, responseBody)
                }
                // Drain the body so the connection can be reused.
                if let responseBody { _ = try? await Data(collecting: responseBody, upTo: 1 << 20) }
            } catch let error as QueueError {
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
                let failure = transportFailure(error, operation: operation)
                let mayRetry = retry == .idempotent || failure.notSent || policy.retryAmbiguousSubmits
                guard mayRetry, attempt < policy.maxAttempts, !Self.budgetSpent(policy, started, retryAfter: nil) else {
                    throw QueueError.transport(failure)
                }
                reason = failure.description
            }
            let delay = policy.delay(beforeRetry: attempt, retryAfter: retryAfter)
            logger.info("retrying", metadata: ["attempt": "\(attempt + 1)", "reason": "\(reason)", "delay_ms": "\(Int(delay.seconds * 1000))"])
            try await policy.sleep(delay)
            attempt += 1
        }
    }

    /// `perform`, reading the whole body.
    func exchange(
        _ method: HTTPRequest.Method, _ url: URL, headers: HTTPFields = [:], body: Data? = nil,
        operation: String, retry: RetryClass, requestID: String? = nil
    ) async throws -> CollectedResponse {
        let (response, responseBody) = try await perform(
            method, url, headers: headers, body: body, operation: operation, retry: retry, requestID: requestID, collect: true)
        do {
            var data = Data()
            if let responseBody { data = try await Data(collecting: responseBody, upTo: maximumBodySize) }
            return CollectedResponse(response: response, body: data)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw QueueError.transport(transportFailure(error, operation: operation))
        }
    }

    /// Whether a response is worth another attempt for this kind of request.
    static func shouldRetry(_ response: HTTPResponse, retry: RetryClass, optIn: Bool) -> Bool {
        let code = response.status.code
        let headers = response.headerFields
        // The caller's own start deadline: repeating it would only wait again.
        if code == 504, headers[.falRequestTimeoutType] != nil { return false }
        if headers[.falRetryable]?.lowercased() == "false" { return false }
        let ingress = [502, 503, 504].contains(code) && headers[.falRequestID] == nil
        let retryable = [408, 409, 429].contains(code) || ingress
        switch retry {
        case .idempotent: return retryable
        // 429 and an ingress 503 are answered before a job is accepted; the rest may hide one.
        case .submit: return optIn ? retryable : (code == 429 || (code == 503 && ingress))
        }
    }

    /// `Retry-After` in seconds or as an HTTP date.
    static func retryAfter(_ value: String?) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(max(0, date.timeIntervalSinceNow))
    }

    static func budgetSpent(_ policy: RetryPolicy, _ started: ContinuousClock.Instant, retryAfter: Duration?) -> Bool {
        if let retryAfter, retryAfter > policy.maxRetryAfter { return true }
        return ContinuousClock.now - started >= policy.maxElapsed
    }

    func transportFailure(_ error: any Error, operation: String) -> TransportFailure {
        let text = String(describing: error)
        let redacted = configuration.credentials?.redact(text) ?? text
        return TransportFailure(
            operation: operation, underlying: error, notSent: Self.isConnectionRefused(error),
            description: "\(operation) got no response: \(redacted)")
    }

    /// Whether the request provably never reached a server.
    static func isConnectionRefused(_ error: any Error) -> Bool {
        if let error = error as? POSIXError, error.code == .ECONNREFUSED { return true }
        if let error = error as? URLError, [.cannotConnectToHost, .cannotFindHost, .dnsLookupFailed].contains(error.code) {
            return true
        }
        let text = String(reflecting: error)
        return ["connectionRefused", "ECONNREFUSED", "Connection refused", "errnoCode: 111", "errno: 111"]
            .contains { text.contains($0) }
    }

    /// Turns an error response into `QueueError.http`.
    func httpFailure(_ collected: CollectedResponse, operation: String, requestID: String?) -> QueueError {
        .http(Self.httpFailure(collected, operation: operation, requestID: requestID))
    }

    static func httpFailure(_ collected: CollectedResponse, operation: String, requestID: String?) -> HTTPFailure {
        let headers = collected.response.headerFields
        let json = try? JSONDecoder().decode(JSONValue.self, from: collected.body)
        let retryable = headers[.falRetryable].flatMap { value -> Bool? in
            switch value.lowercased() {
            case "true", "1": true
            case "false", "0": false
            default: nil
            }
        }
        return HTTPFailure(
            operation: operation, status: collected.response.status.code,
            detail: json?["detail"].map(ErrorDetail.init(json:)),
            errorType: json?["error_type"]?.stringValue ?? headers[.falErrorType],
            retryable: retryable, requestID: requestID ?? headers[.falRequestID],
            bodyExcerpt: excerptOf(collected.body))
    }
}
