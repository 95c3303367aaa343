import Foundation
import GuardedHTTPServer
import QueueSpec
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension QueueSimulator {
    /// Adds a job to the queue (or hands it straight to an idle worker).
    func enqueue(_ job: JobRecord, timeout: Double?) {
        state.withLock { state in
            state.jobs[job.id] = job
            switch job.priority {
            case .normal: state.normalQueue.append(job.id)
            case .low: state.lowQueue.append(job.id)
            }
            state.statistics.jobsSubmitted += 1
            state.statistics.peakQueueLength = max(state.statistics.peakQueueLength, state.queuedCount)
        }
        if let timeout {
            let id = job.id
            let task = Task { [self] in
                try? await Task.sleep(for: .seconds(timeout))
                guard !Task.isCancelled else { return }
                self.expireIfQueued(id)
            }
            tasks.withLock { $0.append(task) }
        }
        dispatch()
    }

    /// Hands queued jobs to waiting workers.
    func dispatch() {
        var handed: [(CheckedContinuation<String?, Never>, String)] = []
        var moved: [String] = []
        state.withLock { state in
            while !state.held, !state.stopped, !state.workerWaiters.isEmpty, let id = state.popQueued() {
                state.jobs[id]?.phase = .inProgress
                state.jobs[id]?.startedAt = .now
                handed.append((state.workerWaiters.removeFirst(), id))
                moved.append(id)
            }
        }
        for (waiter, id) in handed { waiter.resume(returning: id) }
        if !moved.isEmpty { notifyQueueChanged(also: moved) }
    }

    /// The next job for a worker; `nil` once stopped.
    func nextJob() async -> String? {
        let id: String?? = state.withLock { state in
            if state.stopped { return .some(nil) }
            guard !state.held, let id = state.popQueued() else { return nil }
            state.jobs[id]?.phase = .inProgress
            state.jobs[id]?.startedAt = .now
            return .some(id)
        }
        if let id {
            if let id { notifyQueueChanged(also: [id]) }
            return id
        }
        return await withCheckedContinuation { continuation in
            let handOut: String?? = state.withLock { state in
                if state.stopped { return .some(nil) }
                if !state.held, let id = state.popQueued() {
                    state.jobs[id]?.phase = .inProgress
                    state.jobs[id]?.startedAt = .now
                    return .some(id)
                }
                state.workerWaiters.append(continuation)
                return nil
            }
            if let handOut {
                continuation.resume(returning: handOut)
                if let id = handOut { notifyQueueChanged(also: [id]) }
            }
        }
    }

    /// Runs one job: logs spread over the job duration, then its outcome.
    func run(jobID id: String) async {
        let slices = configuration.logCount + 1
        let slice = configuration.jobDuration / slices
        let started = ContinuousClock.now
        for index in 0..<slices {
            try? await Task.sleep(for: slice)
            if Task.isCancelled { return }
            if state.withLock({ $0.jobs[id]?.cancelRequested ?? true }) {
                finish(id, Self.cancelledOutcome())
                return
            }
            if index < configuration.logCount {
                let message = Self.logMessages[index % Self.logMessages.count]
                state.withLock { $0.jobs[id]?.logs.append(LogLine(message: message, timestamp: falTimestamp())) }
                notify(id)
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        state.withLock { $0.jobs[id]?.inferenceTime = seconds }
        let outcome = await makeOutcome(for: id, inferenceTime: seconds)
        finish(id, outcome)
    }

    static let logMessages = [
        "Loading weights", "Encoding the input image", "Running inference", "Decoding latents", "Running the safety checker",
    ]

    static func cancelledOutcome() -> JobOutcome {
        JobOutcome(
            httpStatus: 499,
            body: .object([("detail", .string("Request cancelled by the client")), ("error_type", .string("client_cancelled"))]),
            headers: [("X-Fal-Error-Type", "client_cancelled")],
            error: "Request cancelled by the client", errorType: "client_cancelled", cancelled: true)
    }

    static func timeoutOutcome() -> JobOutcome {
        JobOutcome(
            httpStatus: 504,
            body: .object([("detail", .string("Request timed out")), ("error_type", .string("request_timeout"))]),
            headers: [("X-Fal-Error-Type", "request_timeout"), ("X-Fal-Request-Timeout-Type", "user")],
            error: "Request timed out", errorType: "request_timeout")
    }

    /// Cancels a queued job: it leaves the queue and finishes as cancelled.
    /// Returns the cancel route's answer: 202, 400 or 404.
    func requestCancel(_ id: String) -> Int {
        let result: (Int, Bool) = state.withLock { state in
            guard let job = state.jobs[id] else { return (404, false) }
            switch job.phase {
            case .finished: return (400, false)
            case .inProgress:
                state.jobs[id]?.cancelRequested = true
                return (202, false)
            case .queued:
                state.removeQueued(id)
                state.jobs[id]?.cancelRequested = true
                return (202, true)
            }
        }
        if result.1 {
            finish(id, Self.cancelledOutcome())
            notifyQueueChanged(also: [])
        }
        return result.0
    }

    /// A queued job whose `X-Fal-Request-Timeout` passed finishes with a user timeout.
    func expireIfQueued(_ id: String) {
        let expired = state.withLock { state -> Bool in
            guard case .queued = state.jobs[id]?.phase else { return false }
            state.removeQueued(id)
            return true
        }
        if expired {
            finish(id, Self.timeoutOutcome())
            notifyQueueChanged(also: [])
        }
    }

    /// Records the outcome, wakes streams and waiters, and sends the webhook.
    func finish(_ id: String, _ outcome: JobOutcome) {
        let (waiters, subscribers, webhook): ([CheckedContinuation<Void, Never>], [AsyncStream<StreamSignal>.Continuation], URL?) =
            state.withLock { state in
                guard var job = state.jobs[id], !job.isFinished else { return ([], [], nil) }
                job.phase = .finished(outcome)
                let waiters = job.finishWaiters
                job.finishWaiters = []
                state.jobs[id] = job
                state.statistics.jobsCompleted += 1
                if outcome.cancelled {
                    state.statistics.jobsCancelled += 1
                } else if outcome.errorType != nil {
                    state.statistics.jobsFailed += 1
                }
                return (waiters, Array(job.subscribers.values), job.webhook)
            }
        for waiter in waiters { waiter.resume() }
        for subscriber in subscribers { subscriber.yield(.changed) }
        if let webhook {
            let task = Task { [self] in await self.deliverWebhook(id: id, outcome: outcome, to: webhook) }
            tasks.withLock { $0.append(task) }
        }
    }

    /// Wakes the streams of one job.
    func notify(_ id: String) {
        let subscribers = state.withLock { state in state.jobs[id].map { Array($0.subscribers.values) } ?? [] }
        for subscriber in subscribers { subscriber.yield(.changed) }
    }

    /// Wakes the streams of every queued job (their positions moved) and of `also`.
    func notifyQueueChanged(also ids: [String]) {
        let subscribers = state.withLock { state in
            (state.normalQueue + state.lowQueue + ids).flatMap { state.jobs[$0].map { Array($0.subscribers.values) } ?? [] }
        }
        for subscriber in subscribers { subscriber.yield(.changed) }
    }

    // MARK: Outcomes

    func makeOutcome(for id: String, inferenceTime: Double) async -> JobOutcome {
        guard let job = state.withLock({ $0.jobs[id] }), let entry = endpoints[job.endpointID] else {
            return JobOutcome(httpStatus: 500, body: .object([("detail", .string("Internal server error"))]),
                              error: "Internal server error", errorType: "internal_error")
        }
        if let forced = job.forcedError {
            let isValidation = !Self.infrastructureErrorTypes.contains(forced.type) && !forced.type.hasPrefix("runner_")
            let status = isValidation ? 422 : 500
            let body: JSONValue = isValidation
                ? .object([("detail", .array([.object([("loc", .array([.string("body")])), ("msg", .string(forced.message)),
                                                       ("type", .string(forced.type))])]))])
                : .object([("detail", .string(forced.message)), ("error_type", .string(forced.type))])
            return JobOutcome(httpStatus: status, body: body, headers: [("X-Fal-Error-Type", forced.type)],
                              error: forced.message, errorType: forced.type)
        }
        let input: JSONValue
        do {
            input = try JSONValue.parse(job.input)
        } catch {
            let issue = ValidationIssue(loc: [.string("body"), .integer(Int64(error.offset))], msg: "JSON decode error",
                                        type: "json_invalid", ctx: .object([("error", .string(error.message))]), input: .object([]))
            return Self.validationOutcome([issue])
        }
        let validator = InputValidator(document: entry.document)
        let issues = validator.validate(input, against: entry.endpoint.input)
        if !issues.isEmpty { return Self.validationOutcome(issues) }
        return await synthesizedOutcome(job: job, entry: entry, input: input, inferenceTime: inferenceTime)
    }

    /// The output the schema describes (OutputSynthesizer.swift), its files registered with the
    /// files route. Endpoints that turn an `image_url` into `images` (FLUX.1 [schnell] Redux and
    /// other image-to-image endpoints) draw them from that image, so it must load.
    func synthesizedOutcome(job: JobRecord, entry: EndpointEntry, input: JSONValue, inferenceTime: Double) async -> JobOutcome {
        let output = entry.endpoint.output
        let outputProperties = output.map { entry.document.dereference($0).properties.map(\.name) } ?? []
        var context = OutputSynthesizer.Job(
            fileBase: job.baseURL + "/files/", inferenceTime: inferenceTime, syncMode: input["sync_mode"]?.boolValue ?? false)
        let inputProperties = entry.document.dereference(entry.endpoint.input).properties
        if outputProperties.contains("images"), inputProperties.contains(where: { $0.name == "image_url" }),
           let imageURL = input["image_url"]?.stringValue {
            switch await loadInputImage(imageURL) {
            case .success(let bytes):
                context.imageSource = bytes
            case .failure(let message):
                let issue = ValidationIssue(loc: [.string("body"), .string("image_url")], msg: message,
                                            type: "file_download_error", ctx: nil, input: .string(imageURL))
                return Self.validationOutcome([issue])
            }
        }
        // Without a seed in the input one is drawn from the simulator's sequence, as fal draws a
        // random one: two such requests differ, and a simulator started with the same seed repeats them.
        if outputProperties.contains("seed"), input["seed"]?.integerValue == nil {
            context.seed = state.withLock { Int64($0.generator.next() >> 33) }
        }
        var synthesizer = OutputSynthesizer(
            document: entry.document, endpointID: entry.endpoint.id, inputSchema: entry.endpoint.input, input: input,
            configurationSeed: configuration.seed, job: context, measure: { [self] in self.byteCount(of: $0) })
        let body = synthesizer.output(for: output)
        if !context.syncMode {
            let files = synthesizer.files
            state.withLock { state in
                for file in files {
                    if let name = file.fileName { state.files[name] = file }
                }
            }
        }
        return JobOutcome(httpStatus: 200, body: body)
    }

    /// The served size of a generated file; those whose size is not known without rendering
    /// (JPEG images, AVI video, assets) are rendered once and the size kept.
    func byteCount(of file: StoredFile) -> Int {
        if let known = file.knownByteCount { return known }
        let name = file.fileName ?? ""
        if let cached = state.withLock({ $0.fileSizes[name] }) { return cached }
        let bytes = file.contents.bytes
        state.withLock { state in
            state.fileSizes[name] = bytes.count
            state.recentlyRendered.append((name, bytes))
            while state.recentlyRendered.count > 4 || state.recentlyRendered.reduce(0, { $0 + $1.bytes.count }) > 32 << 20 {
                state.recentlyRendered.removeFirst()
            }
        }
        return bytes.count
    }

    /// fal's infrastructure `error_type`s; a forced job error of any other type is the model
    /// rejecting its input, which the result route answers with 422.
    static let infrastructureErrorTypes: Set<String> = [
        "internal_error", "request_timeout", "startup_timeout", "client_cancelled", "runner_scheduling_failure",
        "runner_disconnected", "runner_connection_refused", "runner_incomplete_response", "runner_server_error",
    ]

    static func validationOutcome(_ issues: [ValidationIssue]) -> JobOutcome {
        let message = issues.map { "\($0.loc.map { $0.stringValue ?? $0.serialized() }.joined(separator: ".")): \($0.msg)" }
            .joined(separator: "; ")
        return JobOutcome(httpStatus: 422, body: .object([("detail", .array(issues.map(\.json)))]),
                          headers: [("X-Fal-Retryable", "false")], error: message, errorType: "validation_error")
    }

    enum ImageLoad {
        case success([UInt8])
        case failure(String)
    }

    /// Reads `image_url`: a data URI, a file this simulator serves, or an `http://` URL on loopback.
    func loadInputImage(_ text: String) async -> ImageLoad {
        if text.hasPrefix("data:") {
            guard let decoded = DataURI.decode(text), !decoded.bytes.isEmpty else {
                return .failure("Invalid data URI: could not decode the base64 payload.")
            }
            return .success(decoded.bytes)
        }
        guard let url = URL(string: text), url.scheme == "http", let host = url.host, Self.isLoopback(host) else {
            return .failure("Failed to download the file. The simulator only reads data URIs and http:// URLs on loopback.")
        }
        if url.port == port, url.path.hasPrefix("/files/") {
            let name = String(url.path.dropFirst("/files/".count))
            if let stored = state.withLock({ $0.files[name] }) { return .success(stored.contents.bytes) }
            if let reply = reassembledFileReply(name) { return .success(reply.body) }
            return .failure("Failed to download the file: 404 Not Found.")
        }
        do {
            let (data, http) = try await OutgoingHTTP.send(URLRequest(url: url))
            guard (200..<300).contains(http.statusCode), !data.isEmpty else {
                return .failure("Failed to download the file: the server did not answer 200.")
            }
            return .success(Array(data))
        } catch {
            return .failure("Failed to download the file: \(error.localizedDescription)")
        }
    }

    /// Parsed as an address (or `localhost`): a prefix test let `127.evil.example` through.
    static func isLoopback(_ host: String) -> Bool {
        LoopbackAddress.isLoopback(host)
    }

    // MARK: Webhooks

    func deliverWebhook(id: String, outcome: JobOutcome, to url: URL) async {
        var payload: [(String, JSONValue)] = [
            ("request_id", .string(id)), ("gateway_request_id", .string(id)),
            ("status", .string(outcome.httpStatus == 200 ? "OK" : "ERROR")),
            ("payload", outcome.body),
        ]
        if outcome.httpStatus != 200 {
            payload.append(("error", .string("Invalid status code: \(outcome.httpStatus)")))
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let body = JSONValue.object(payload).bytes
        request.httpBody = Data(body)
        // Signed once per job: a redelivery after a failed attempt carries the same headers.
        for (name, value) in webhookSigner.headers(requestID: id, timestamp: Int64(Date().timeIntervalSince1970), body: body) {
            request.setValue(value, forHTTPHeaderField: name)
        }
        var delay = configuration.webhookRetryDelay
        for attempt in 1...max(1, configuration.webhookAttempts) {
            state.withLock { $0.statistics.webhookAttempts += 1 }
            if let (_, http) = try? await OutgoingHTTP.send(request), (200..<300).contains(http.statusCode) {
                state.withLock { $0.statistics.webhooksDelivered += 1 }
                return
            }
            if attempt < configuration.webhookAttempts {
                try? await Task.sleep(for: delay)
                if Task.isCancelled { return }
                delay = delay * 2
            }
        }
    }
}

extension QueueSimulator.State {
    mutating func popQueued() -> String? {
        if !normalQueue.isEmpty { return normalQueue.removeFirst() }
        if !lowQueue.isEmpty { return lowQueue.removeFirst() }
        return nil
    }

    mutating func removeQueued(_ id: String) {
        normalQueue.removeAll { $0 == id }
        lowQueue.removeAll { $0 == id }
    }
}
