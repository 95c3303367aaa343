import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// The client every generated endpoint talks through: submit, follow, fetch and cancel queue jobs.
///
/// ```swift
/// let client = QueueClient()   // FAL_KEY from the environment
/// let output = try await client.run(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: "https://…"))
/// ```
public struct QueueClient: Sendable {
    /// What the client was configured with.
    public let configuration: Configuration

    /// A client with `configuration`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// A client configured from the environment (`FAL_KEY`, `FAL_QUEUE_RUN_HOST`, …).
    public init() {
        self.init(configuration: Configuration())
    }

    // MARK: Submit

    /// Validates the input, sends its files as configured, and queues a job.
    ///
    /// Throws `QueueError.invalidInput` before sending anything when the input breaks its schema.
    /// The submit is retried only where it cannot have created a job (see `RetryPolicy`).
    public func submit<Input, Output>(
        _ endpoint: QueueEndpoint<Input, Output>, _ input: Input, options: SubmitOptions = SubmitOptions()
    ) async throws -> QueueJob<Output> {
        let body = try await prepare(input)
        var url = Self.url(configuration.queueBaseURL, endpoint.id.rawValue)
        var query: [URLQueryItem] = []
        if let webhook = options.webhookURL { query.append(URLQueryItem(name: "fal_webhook", value: webhook.absoluteString)) }
        if let length = options.maxQueueLength { query.append(URLQueryItem(name: "fal_max_queue_length", value: String(length))) }
        if !query.isEmpty, var components = URLComponents(url: url, resolvingAgainstBaseURL: true) {
            components.queryItems = query
            url = components.url ?? url
        }
        let collected = try await exchange(
            .post, url, headers: try Self.headers(for: options), body: body, operation: "submit", retry: .submit)
        guard (200..<300).contains(collected.response.status.code) else {
            throw httpFailure(collected, operation: "submit", requestID: nil)
        }
        let job: QueueJob<Output>
        do { job = try makeJob(collected, endpoint: endpoint.id) } catch let error as QueueError { throw shown(error) }
        var logger = configuration.logger
        logger[metadataKey: "request_id"] = "\(job.requestID)"
        logger.debug("submitted", metadata: ["endpoint": "\(endpoint.id)"])
        return job
    }

    /// The job handle for a request id stored earlier, with URLs in the `owner/alias` form.
    public func job<Input, Output>(resuming requestID: String, endpoint: QueueEndpoint<Input, Output>) -> QueueJob<Output> {
        resumedJob(requestID, endpoint.id)
    }

    func resumedJob<Output>(_ requestID: String, _ endpoint: EndpointID) -> QueueJob<Output> {
        let requests = Self.url(configuration.queueBaseURL, endpoint.appPath + "/requests/" + Self.pathSegment(requestID))
        return QueueJob(
            requestID: requestID, endpointID: endpoint, responseURL: requests,
            statusURL: requests.appendingPathComponent("status"), cancelURL: requests.appendingPathComponent("cancel"))
    }

    // MARK: Status, result, cancel

    /// The job's status now, with its logs if `logs` is set.
    public func status<Output>(_ job: QueueJob<Output>, logs: Bool = false) async throws -> QueueStatus {
        let url = Self.withQuery(job.statusURL, "logs", logs ? "1" : "0")
        let collected = try await exchange(.get, url, operation: "status", retry: .idempotent, requestID: job.requestID)
        guard (200..<300).contains(collected.response.status.code) else {
            throw httpFailure(collected, operation: "status", requestID: job.requestID)
        }
        return try decodeStatus(collected.body, requestID: job.requestID)
    }

    /// The job's output. Fails with HTTP 400 while the job is not finished, and with the model's
    /// error status when it failed.
    public func result<Output>(_ job: QueueJob<Output>) async throws -> Output {
        let collected = try await exchange(.get, job.responseURL, operation: "result", retry: .idempotent, requestID: job.requestID)
        guard (200..<300).contains(collected.response.status.code) else {
            throw httpFailure(collected, operation: "result", requestID: job.requestID)
        }
        return try decode(Output.self, collected.body, requestID: job.requestID)
    }

    /// Asks the service to cancel the job.
    @discardableResult
    public func cancel<Output>(_ job: QueueJob<Output>) async throws -> CancelOutcome {
        let collected = try await exchange(.put, job.cancelURL, operation: "cancel", retry: .idempotent, requestID: job.requestID)
        let outcome: CancelOutcome
        switch collected.response.status.code {
        case 200..<300: outcome = .cancellationRequested
        case 400: outcome = .alreadyCompleted
        case 404: outcome = .notFound
        default: throw httpFailure(collected, operation: "cancel", requestID: job.requestID)
        }
        var logger = configuration.logger
        logger[metadataKey: "request_id"] = "\(job.requestID)"
        logger.debug("cancel", metadata: ["outcome": "\(outcome)"])
        return outcome
    }

    // MARK: Synchronous route

    /// Runs the endpoint on the synchronous host and waits for the output in one request.
    ///
    /// Like a submit, it is retried only where it cannot have started a job.
    public func runSync<Input, Output>(
        _ endpoint: QueueEndpoint<Input, Output>, _ input: Input, options: SubmitOptions = SubmitOptions()
    ) async throws -> Output {
        let body = try await prepare(input)
        let url = Self.url(configuration.syncBaseURL, endpoint.id.rawValue)
        let collected = try await exchange(.post, url, headers: try Self.headers(for: options), body: body, operation: "run", retry: .submit)
        let requestID = collected.response.headerFields[.falRequestID]
        guard (200..<300).contains(collected.response.status.code) else {
            throw httpFailure(collected, operation: "run", requestID: requestID)
        }
        return try decode(Output.self, collected.body, requestID: requestID)
    }

    // MARK: Helpers

    /// Validates, replaces in-memory and local files as configured, and encodes.
    func prepare<Input: QueueInput>(_ input: Input) async throws -> Data {
        let issues = input.validate()
        guard issues.isEmpty else { throw QueueError.invalidInput(issues) }
        if let raw = input as? any RawJSONModel { return try raw.rawJSON() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let substitution = FileSubstitution()
        encoder.userInfo[.queueFileSubstitution] = substitution
        let firstPass = try encoder.encode(input)
        let files = substitution.collected
        guard !files.isEmpty else { return firstPass }
        var urls: [String] = []
        urls.reserveCapacity(files.count)
        for file in files { urls.append(try await resolve(file)) }
        substitution.replace(with: urls)
        let body = try encoder.encode(input)
        guard substitution.usedEveryReplacement else {
            throw EncodingError.invalidValue(
                input, .init(codingPath: [], debugDescription: "the input changed between its two encodings (fewer files)"))
        }
        return body
    }

    /// The URL a file is sent as: a data URI or a storage upload, as `configuration.fileUpload` says.
    func resolve(_ file: FileInput) async throws -> String {
        // A large local file is uploaded in parts without being read whole.
        if case .localFile(let url) = file, configuration.fileUpload == .storage,
            (try? Self.fileSize(url)).map({ $0 > configuration.multipartUpload.threshold }) == true
        {
            return try await uploadFile(at: url).absoluteString
        }
        guard let (data, contentType) = try file.loadBytes() else { return file.url ?? "" }
        switch configuration.fileUpload {
        case .dataURI: return FileInput.dataURI(data, contentType: contentType)
        case .storage:
            var name: String?
            if case .localFile(let url) = file { name = url.lastPathComponent }
            return try await upload(data, contentType: contentType, fileName: name).absoluteString
        }
    }

    func makeJob<Output>(_ collected: CollectedResponse, endpoint: EndpointID) throws -> QueueJob<Output> {
        let json: JSONValue
        do { json = try JSONValue(parsing: collected.body) } catch {
            throw QueueError.decoding(DecodingFailure(error, what: "submit response", body: collected.body, requestID: nil))
        }
        guard let requestID = json["request_id"]?.stringValue ?? collected.response.headerFields[.falRequestID] else {
            throw QueueError.decoding(
                DecodingFailure(what: "submit response", fieldPath: "request_id", reason: "missing", excerpt: excerptOf(collected.body)))
        }
        // The id goes into URL paths and file names: a server must not steer either with it.
        guard Self.isValidRequestID(requestID) else {
            throw QueueError.decoding(
                DecodingFailure(
                    what: "submit response", fieldPath: "request_id",
                    reason: "not a valid request id (1 to 128 letters, digits, '-', '_', '.', not '.' or '..')",
                    excerpt: excerptOf(collected.body)))
        }
        let fallback: QueueJob<Output> = resumedJob(requestID, endpoint)
        func url(_ key: String, _ otherwise: URL) throws -> URL {
            guard let text = json[key]?.stringValue else { return otherwise }
            guard let url = URL(string: text), url.scheme != nil, url.host != nil else {
                throw QueueError.decoding(
                    DecodingFailure(what: "submit response", fieldPath: key, reason: "not a URL", excerpt: excerptOf(collected.body), requestID: requestID))
            }
            return url
        }
        var position: Int?
        if case .int(let value)? = json["queue_position"] { position = Int(value) }
        return QueueJob(
            requestID: requestID, endpointID: endpoint,
            responseURL: try url("response_url", fallback.responseURL), statusURL: try url("status_url", fallback.statusURL),
            cancelURL: try url("cancel_url", fallback.cancelURL), queuePositionAtSubmit: position,
            billableUnits: collected.response.headerFields[.falBillableUnits])
    }

    /// Decodes a body as sent; a failure's excerpt is scrubbed of the credential.
    func decode<Value: Decodable>(_ type: Value.Type, _ body: Data, requestID: String?) throws -> Value {
        do {
            // A model that reads its own JSON skips the decoder (`RawJSONModel`).
            if let raw = type as? any RawJSONModel.Type, let value = try raw.init(rawJSON: body) as? Value { return value }
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw shown(.decoding(DecodingFailure(error, what: String(describing: type), body: body, requestID: requestID)))
        }
    }

    /// Decodes a status as sent (its URLs are used); its messages and log lines, which are only
    /// shown, are scrubbed of the credential.
    func decodeStatus(_ body: Data, requestID: String?) throws -> QueueStatus {
        let status: QueueStatus
        do { status = try QueueStatus(json: body) } catch {
            throw shown(.decoding(DecodingFailure(error, what: "status", body: body, requestID: requestID)))
        }
        return configuration.credentials.map { $0.redact(status) } ?? status
    }

    static func headers(for options: SubmitOptions) throws -> HTTPFields {
        var headers = HTTPFields()
        if let priority = options.priority { headers[.falQueuePriority] = priority.rawValue }
        if let hint = options.runnerHint { headers[.falRunnerHint] = hint }
        if let timeout = options.startTimeout { headers[.falRequestTimeout] = String(timeout.seconds) }
        if options.noServerRetry { headers[.falNoRetry] = "1" }
        if !options.storeIO { headers[.falStoreIO] = "0" }
        if let lifetime = options.objectLifetime {
            headers[.falObjectLifecycle] = "{\"expiration_duration_seconds\":\(Int(lifetime.seconds.rounded()))}"
        }
        for (name, value) in options.extraHeaders.sorted(by: { $0.key < $1.key }) {
            guard let field = HTTPField.Name(name) else {
                throw QueueError.invalidInput([ValidationIssue(path: ["headers", name], constraint: .pattern("token"), found: "\"\(name)\"")])
            }
            headers[field] = value
        }
        return headers
    }

    /// `base` + `/` + `path`, keeping any path prefix the base has (proxies).
    static func url(_ base: URL, _ path: String) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + "/" + path) ?? base
    }

    static func withQuery(_ url: URL, _ name: String, _ value: String) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return url }
        var items = (components.queryItems ?? []).filter { $0.name != name }
        items.append(URLQueryItem(name: name, value: value))
        components.queryItems = items
        return components.url ?? url
    }

    /// `text` as one path segment: `/`, `?`, `#`, `%` and the dot segments `.` and `..` escaped,
    /// so no value can reach another path.
    static func pathSegment(_ text: String) -> String {
        if text == "." || text == ".." { return String(repeating: "%2E", count: text.count) }
        return text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#%;"))) ?? text
    }

    /// Whether `text` can be a request id: 1 to 128 ASCII letters, digits, `-`, `_` and `.`, and
    /// not `.` or `..`. fal's ids are UUIDs; this is what the client accepts from a server's
    /// answer, and what a command should check a stored id against before resuming it.
    public static func isValidRequestID(_ text: String) -> Bool {
        guard (1...128).contains(text.utf8.count), text != ".", text != ".." else { return false }
        return text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                true
            default: false
            }
        }
    }
}
