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

/// A response body over `Configuration.maximumResponseSize`: final, never retried (fetching it
/// again would only download the same bytes again).
struct ResponseTooLarge: Error, CustomStringConvertible {
    var operation: String
    var limit: Int
    var announced: Int?
    var description: String {
        "\(operation): the response is larger than the \(byteCount(limit)) limit"
            + (announced.map { " (the server announced \(byteCount($0)))" } ?? "")
            + "; not retried (raise QueueClient.Configuration.maximumResponseSize to accept it)"
    }
}

/// `268435456` → `256 MiB`.
func byteCount(_ count: Int) -> String {
    if count >= 1 << 20, count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
    if count >= 1 << 20 { return String(format: "%.1f MiB", Double(count) / Double(1 << 20)) }
    return "\(count) bytes"
}

/// The last thing that went wrong in the current operation, for a deadline's error message.
final class AttemptLog: @unchecked Sendable {
    private let lock = NSLock()
    private var phase = "starting"
    private var cause: String?
    private var stopped = false

    private var sending = 0

    /// The deadline passed: no request of this run is retried any more.
    func stop() { lock.withLock { stopped = true } }
    var isStopped: Bool { lock.withLock { stopped } }
    /// Marks a request as on the wire (`true`) or answered (`false`).
    func sendingRequest(_ started: Bool) { lock.withLock { sending += started ? 1 : -1 } }
    /// Whether a request is on the wire now (rather than between retries).
    var isSending: Bool { lock.withLock { sending > 0 } }

    /// Records what the run is doing now.
    func enter(_ phase: String) { lock.withLock { self.phase = phase } }
    /// Records a failure that was (or will be) retried.
    func failed(_ cause: String) { lock.withLock { self.cause = cause } }
    var snapshot: (phase: String, cause: String?) { lock.withLock { (phase, cause) } }

    /// The log of the `run` this task belongs to, if any.
    @TaskLocal static var current: AttemptLog?
}

/// Reads a whole body, refusing more than `limit` bytes (before reading, when the length is announced).
func collect(_ body: HTTPBody, limit: Int, operation: String) async throws -> Data {
    if case .known(let length) = body.length, length > limit {
        throw ResponseTooLarge(operation: operation, limit: limit, announced: Int(length))
    }
    var data = Data()
    if case .known(let length) = body.length { data.reserveCapacity(Int(length)) }
    for try await chunk in body {
        guard data.count + chunk.count <= limit else { throw ResponseTooLarge(operation: operation, limit: limit, announced: nil) }
        data.append(contentsOf: chunk)
    }
    return data
}

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
        else { throw shown(.insecureURL(url.absoluteString)) }
        guard scheme == "https" || (scheme == "http" && Self.isLoopback(host)) else {
            throw shown(.insecureURL(url.absoluteString))
        }
        let trusted = [configuration.queueBaseURL, configuration.syncBaseURL, configuration.storageBaseURL]
            .contains { Self.sameOrigin($0, url) }
        if !trusted, configuration.foreignHosts == .refuse { throw shown(.foreignHost(url.absoluteString)) }
        let authority = components.percentEncodedHost.map { host in
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            return components.port.map { "\(bracketed):\($0)" } ?? bracketed
        } ?? host
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?\(query)" }
        guard let baseURL = URL(string: "\(scheme)://\(authority)") else { throw shown(.insecureURL(url.absoluteString)) }
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
    ///
    /// Waiting for the response head, and (unless `bodyIdleTimeout` is off) for each chunk of the
    /// body, is bounded by `idleTimeout`. `maxAttempts` lowers the policy's attempts (the status
    /// stream makes one attempt per connection: its own loop is the retry budget).
    func perform(
        _ method: HTTPRequest.Method, _ url: URL, headers: HTTPFields = [:], body: Data? = nil,
        operation: String, retry: RetryClass, requestID: String? = nil, collect: Bool = false,
        idleTimeout: Duration? = nil, bodyIdleTimeout: Bool = true, maxAttempts: Int? = nil
    ) async throws -> (HTTPResponse, HTTPBody?, collected: Data?) {
        var policy = configuration.retryPolicy
        if let maxAttempts { policy.maxAttempts = min(policy.maxAttempts, maxAttempts) }
        let idle = idleTimeout ?? configuration.requestIdleTimeout
        let limit = configuration.maximumResponseSize
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
                var (response, responseBody) = try await race(
                    idle, onTimeout: { IdleTimeoutExceeded(operation: operation, limit: idle, waitingFor: "the response") }
                ) {
                    let log = AttemptLog.current
                    log?.sendingRequest(true)
                    defer { log?.sendingRequest(false) }
                    return try await sendOnce(method, url, headers: headers, body: body, operation: operation)
                }
                if bodyIdleTimeout, let unread = responseBody { responseBody = unread.withIdleTimeout(idle, operation: operation) }
                // Collected once, into one buffer: a large result is not copied again on its way out.
                var collected: Data?
                if collect {
                    do {
                        if let unread = responseBody {
                            collected = try await QueueRuntime.collect(unread, limit: limit, operation: operation)
                        } else {
                            collected = Data()
                        }
                        responseBody = nil
                    } catch let error as ResponseTooLarge {
                        throw QueueError.transport(
                            TransportFailure(operation: operation, underlying: error, notSent: false, description: error.description, requestID: requestID))
                    }
                }
                guard Self.shouldRetry(response, retry: retry, optIn: policy.retryAmbiguousSubmits) else {
                    return (response, responseBody, collected)
                }
                retryAfter = Self.retryAfter(response.headerFields[.retryAfter])
                reason = "HTTP \(response.status.code)"
                AttemptLog.current?.failed("\(operation) answered HTTP \(response.status.code)")
                if attempt >= policy.maxAttempts || Self.budgetSpent(policy, started, retryAfter: retryAfter) {
                    return (response, responseBody, collected)
                }
                // Drain the body so the connection can be reused.
                if let responseBody { _ = try? await Data(collecting: responseBody, upTo: 1 << 20) }
            } catch let error as QueueError {
                throw error
            } catch {
                if Task.isCancelled { throw CancellationError() }
                var failure = transportFailure(error, operation: operation, url: url)
                failure.requestID = requestID
                AttemptLog.current?.failed(failure.detail)
                let mayRetry = retry == .idempotent || failure.notSent || policy.retryAmbiguousSubmits
                guard mayRetry, attempt < policy.maxAttempts, !Self.budgetSpent(policy, started, retryAfter: nil) else {
                    throw QueueError.transport(failure)
                }
                reason = failure.detail
            }
            if AttemptLog.current?.isStopped == true { throw CancellationError() }
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
        let (response, _, collected) = try await perform(
            method, url, headers: headers, body: body, operation: operation, retry: retry, requestID: requestID, collect: true)
        // The body as sent: an output, a URL or a downloaded file is used, not shown. What is
        // shown of it (an error's excerpt, a status's messages) is redacted where it is made.
        return CollectedResponse(response: response, body: collected ?? Data())
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

    func transportFailure(_ error: any Error, operation: String, url: URL? = nil) -> TransportFailure {
        let refused = Self.isConnectionRefused(error)
        let text: String
        if refused {
            // In plain words: the raw text reads like "connection reset (error set): Connection refused) (errno: 111)".
            text = "connection refused" + (url.flatMap { URLComponents(url: $0, resolvingAgainstBaseURL: true) }.map {
                " by \($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "") (nothing is listening there)"
            } ?? "")
        } else if let error = error as? IdleTimeoutExceeded {
            text = error.description
        } else {
            text = String(describing: error)
        }
        let redacted = configuration.credentials?.redact(text) ?? text
        return TransportFailure(
            operation: operation, underlying: error, notSent: refused,
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

    /// Turns an error response into `QueueError.http`, its shown texts scrubbed of the credential.
    func httpFailure(_ collected: CollectedResponse, operation: String, requestID: String?) -> QueueError {
        shown(.http(Self.httpFailure(collected, operation: operation, requestID: requestID)))
    }

    static func httpFailure(_ collected: CollectedResponse, operation: String, requestID: String?) -> HTTPFailure {
        let headers = collected.response.headerFields
        let json = try? JSONValue(parsing: collected.body)
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
