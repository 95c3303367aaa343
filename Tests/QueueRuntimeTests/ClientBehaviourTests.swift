import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime
import Testing
import FluxRedux
@testable import QueueRuntime

/// Keeps every log line, with its metadata, as text.
final class LogCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lock.withLock { lines.append("\(event.level) \(event.message) \(all)") }
    }
}

@Suite struct ErrorTests {
    let job = QueueClient(configuration: .init(queueBaseURL: URL(string: "https://queue.example.test")!, credentials: nil))
        .job(resuming: "req-1", endpoint: .flux1SchnellRedux)

    @Test func validationDetailIsAListOfFieldIssues() async throws {
        let body = """
            {"detail":[{"loc":["body","num_inference_steps"],"msg":"Input should be less than or equal to 12",
            "type":"less_than_equal","url":"https://errors.pydantic.dev","ctx":{"le":12},"input":13}]}
            """
        let transport = MockTransport { _, _ in reply(422, body, headers: ["X-Fal-Retryable": "false", "x-fal-request-id": "req-1"]) }
        do {
            _ = try await mockClient(transport).result(job)
            Issue.record("expected an error")
        } catch QueueError.http(let failure) {
            #expect(failure.status == 422 && failure.retryable == false && failure.requestID == "req-1")
            let issue = try #require(failure.fieldIssues.first)
            #expect(issue.location == ["body", "num_inference_steps"] && issue.fieldPath == "num_inference_steps")
            #expect(issue.type == "less_than_equal" && issue.context == ["le": 12] && issue.input == 13)
        }
    }

    @Test func stringDetailAndErrorType() async throws {
        let transport = MockTransport { _, _ in
            reply(500, #"{"detail":"Internal error","error_type":"internal_error"}"#, headers: ["x-fal-request-id": "req-1"])
        }
        do {
            _ = try await mockClient(transport).result(job)
            Issue.record("expected an error")
        } catch QueueError.http(let failure) {
            #expect(failure.detail == .message("Internal error") && failure.errorType == "internal_error")
            #expect(failure.description.contains("req-1"))
        }
    }

    @Test func errorTypeFromHeaderWhenTheBodyHasNone() async throws {
        let transport = MockTransport { _, _ in reply(401, #"{"detail":"No user found for Key ID and Secret"}"#, headers: ["X-Fal-Error-Type": "auth"]) }
        do {
            _ = try await mockClient(transport).status(job)
            Issue.record("expected an error")
        } catch QueueError.http(let failure) {
            #expect(failure.status == 401 && failure.errorType == "auth")
            #expect(failure.detail == .message("No user found for Key ID and Secret"))
        }
    }

    @Test func decodingErrorsNameTheFieldAndQuoteTheBody() async throws {
        let transport = MockTransport { _, _ in
            reply(200, #"{"images":[{"url":"u","width":"wide","height":1}],"timings":{},"seed":1,"has_nsfw_concepts":[],"prompt":""}"#)
        }
        do {
            _ = try await mockClient(transport).result(job)
            Issue.record("expected an error")
        } catch QueueError.decoding(let failure) {
            #expect(failure.fieldPath == "images[0].width")
            #expect(failure.excerpt.hasPrefix(#"{"images":[{"url":"u","width":"wide""#))
            #expect(failure.requestID == "req-1")
        }
    }

    @Test func invalidInputIsRejectedBeforeAnythingIsSent() async throws {
        let transport = MockTransport { _, _ in reply(200, submitted) }
        let input = Flux1SchnellRedux.Input(imageURL: "https://x.test/a.png", numInferenceSteps: 13, imageSize: .custom(width: 0, height: 512))
        do {
            _ = try await mockClient(transport).run(.flux1SchnellRedux, input)
            Issue.record("expected an error")
        } catch QueueError.invalidInput(let issues) {
            #expect(Set(issues.map(\.dottedPath)) == ["num_inference_steps", "image_size.width"])
        }
        #expect(transport.requests.isEmpty)
    }

    @Test func cancelOutcomes() async throws {
        for (status, body, outcome) in [
            (202, #"{"status":"CANCELLATION_REQUESTED"}"#, CancelOutcome.cancellationRequested),
            (200, #"{"success":true}"#, .cancellationRequested),
            (400, #"{"status":"ALREADY_COMPLETED"}"#, .alreadyCompleted),
            (404, #"{"status":"NOT_FOUND"}"#, .notFound),
        ] {
            let transport = MockTransport { _, _ in reply(status, body) }
            #expect(try await mockClient(transport).cancel(job) == outcome)
            #expect(transport.requests.first?.request.method == .put)
            #expect(transport.requests.first?.url == "https://queue.example.test/fal-ai/flux-1/requests/req-1/cancel")
        }
    }
}

@Suite struct SubmitOptionTests {
    @Test func optionsBecomeQueryAndHeaders() async throws {
        let transport = MockTransport { _, _ in reply(200, submitted, headers: ["X-Fal-Billable-Units": "1.5"]) }
        let options = SubmitOptions(
            webhookURL: URL(string: "https://hooks.example.test/done?x=1")!, maxQueueLength: 10, priority: .low, runnerHint: "r-7",
            startTimeout: .seconds(30), noServerRetry: true, storeIO: false, objectLifetime: .seconds(3600), extraHeaders: ["X-Trace": "abc"])
        let job = try await mockClient(transport).submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: "https://x.test/a.png"), options: options)
        #expect(job.billableUnits == "1.5" && job.queuePositionAtSubmit == 0)
        let request = try #require(transport.requests.first)
        let components = try #require(URLComponents(string: request.url))
        #expect(components.path == "/fal-ai/flux-1/schnell/redux")
        #expect(Set(components.queryItems ?? []) == [
            URLQueryItem(name: "fal_webhook", value: "https://hooks.example.test/done?x=1"), URLQueryItem(name: "fal_max_queue_length", value: "10"),
        ])
        let headers = request.request.headerFields
        #expect(headers[.falQueuePriority] == "low" && headers[.falRunnerHint] == "r-7" && headers[.falRequestTimeout] == "30.0")
        #expect(headers[.falNoRetry] == "1" && headers[.falStoreIO] == "0" && headers[HTTPField.Name("X-Trace")!] == "abc")
        #expect(headers[.falObjectLifecycle] == #"{"expiration_duration_seconds":3600}"#)
        #expect(headers[.contentType] == "application/json" && headers[.authorization] == "Key \(testKey)")
        let body = try JSONDecoder().decode([String: JSONValue].self, from: try #require(request.body))
        #expect(body == ["image_url": "https://x.test/a.png"])
    }
}

@Suite struct SecurityTests {
    @Test func credentialGoesOnlyToConfiguredHosts() async throws {
        let foreign = submitted.replacingOccurrences(of: "https://queue.example.test", with: "https://elsewhere.example.net")
        let transport = MockTransport { request, _ in
            if request.request.method == .post { return reply(200, foreign) }
            return reply(200, #"{"status":"COMPLETED","logs":null}"#)
        }
        let client = mockClient(transport)
        let job = try await client.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: "https://x.test/a.png"))
        _ = try await client.status(job)
        let requests = transport.requests
        #expect(requests[0].authorization == "Key \(testKey)")
        #expect(requests[1].url.hasPrefix("https://elsewhere.example.net/"))
        #expect(requests[1].authorization == nil)

        let refusing = mockClient(transport) { $0.foreignHosts = .refuse }
        await #expect {
            try await refusing.status(job)
        } throws: { error in
            if case QueueError.foreignHost = error { return true }
            return false
        }
    }

    @Test func plainHTTPOnlyOnLoopback() async throws {
        let transport = MockTransport { _, _ in reply(200, #"{"status":"IN_QUEUE"}"#) }
        for (url, allowed) in [
            ("http://127.0.0.1:8080", true), ("http://127.9.9.9", true), ("http://localhost:1", true), ("http://[::1]:9", true),
            ("http://queue.example.test", false), ("http://127.0.0.1.example.net", false), ("http://10.0.0.1", false),
        ] {
            let client = QueueClient(configuration: .init(queueBaseURL: URL(string: url)!, credentials: Credentials(key: testKey), transport: transport))
            let job = client.job(resuming: "r", endpoint: .flux1SchnellRedux)
            do {
                _ = try await client.status(job)
                #expect(allowed, "\(url) should be refused")
            } catch QueueError.insecureURL {
                #expect(!allowed, "\(url) should be allowed")
            }
        }
    }

    @Test func noDescriptionOrLogLineContainsTheKey() async throws {
        let capture = LogCapture()
        let transport = MockTransport { request, n in
            // A transport whose error text echoes the request headers, the worst case.
            if n < 3 { throw POSIXError(.ECONNRESET, userInfo: ["headers": "\(request.request.headerFields)"]) }
            return reply(401, #"{"detail":"No user found for Key ID and Secret"}"#)
        }
        let client = mockClient(transport) { configuration in
            configuration.logger = Logger(label: "test") { _ in capture }
            configuration.retryPolicy.maxAttempts = 2
        }
        let job = client.job(resuming: "r", endpoint: .flux1SchnellRedux)
        var texts: [String] = []
        do { _ = try await client.status(job) } catch { texts.append("\(error)"); texts.append(String(reflecting: error)) }
        do { _ = try await client.status(job) } catch { texts.append("\(error)") }
        // (The mock transport records requests, key included; a real transport keeps none.)
        var configuration = client.configuration
        configuration.transport = MockTransport { _, _ in reply(200) }
        var dumped = ""
        dump(configuration, to: &dumped)
        texts += [
            capture.text, "\(client.configuration.credentials!)", String(reflecting: client.configuration.credentials!),
            "\(configuration)", dumped,
        ]
        #expect(texts.count == 8)
        for text in texts { #expect(!text.contains("super-secret"), "leaked in: \(text)") }
        #expect(capture.text.contains("retrying"))
    }

    @Test func environmentConfiguration() {
        let configuration = QueueClient.Configuration(
            environment: ["FAL_KEY_ID": "id", "FAL_KEY_SECRET": "secret", "FAL_QUEUE_RUN_HOST": "queue.proxy.test", "FAL_RUN_HOST": "run.proxy.test"],
            transport: MockTransport { _, _ in reply(200) })
        #expect(configuration.credentials?.authorization == "Key id:secret")
        #expect(configuration.queueBaseURL.absoluteString == "https://queue.proxy.test")
        #expect(configuration.syncBaseURL.absoluteString == "https://run.proxy.test")
        let defaults = QueueClient.Configuration(environment: ["FAL_KEY": "k"], transport: MockTransport { _, _ in reply(200) })
        #expect(defaults.queueBaseURL.absoluteString == "https://queue.fal.run" && defaults.syncBaseURL.absoluteString == "https://fal.run")
        #expect(Credentials(key: "t", scheme: .bearer).authorization == "Bearer t")
    }
}

@Suite struct StatusDecodingTests {
    @Test func lenientStatus() throws {
        let unknown = try QueueStatus(json: Data(#"{"status":"PAUSED","request_id":"r","extra":{"a":1},"queue_position":"x"}"#.utf8))
        #expect(unknown.state == .unknown("PAUSED") && unknown.queuePosition == nil && unknown.requestID == "r")
        let progress = try QueueStatus(json: Data(#"{"status":"IN_PROGRESS","logs":[{"message":"only"},{"message":"b","level":"STDERR","timestamp":"2026-02-17T10:30:01.123","labels":{"x":"y"}},{"nomessage":1}]}"#.utf8))
        #expect(progress.logs?.map(\.message) == ["only", "b"])
        #expect(progress.logs?[1].date != nil && progress.logs?[1].level == "STDERR")
        let absent = try QueueStatus(json: Data(#"{"status":"IN_PROGRESS"}"#.utf8))
        #expect(absent.logs == nil)
        let completed = try QueueStatus(json: Data(#"{"status":"COMPLETED","logs":null,"metrics":{"inference_time":3.42},"error":"boom","error_type":"runner_server_error"}"#.utf8))
        #expect(completed.isFailed && completed.inferenceTime == 3.42 && completed.errorType == "runner_server_error")
        #expect(throws: (any Error).self) { try QueueStatus(json: Data(#"{"state":"x"}"#.utf8)) }
    }

    @Test func resumedJobUsesOwnerAliasURLs() {
        let client = QueueClient(configuration: .init(queueBaseURL: URL(string: "https://proxy.test/api/")!, credentials: nil))
        let job = client.job(resuming: "abc", endpoint: .flux1SchnellRedux)
        #expect(job.responseURL.absoluteString == "https://proxy.test/api/fal-ai/flux-1/requests/abc")
        #expect(job.statusURL.absoluteString == "https://proxy.test/api/fal-ai/flux-1/requests/abc/status")
        #expect(job.cancelURL.absoluteString == "https://proxy.test/api/fal-ai/flux-1/requests/abc/cancel")
        let workflow = client.job(resuming: "abc", endpoint: QueueEndpoint<Flux1SchnellRedux.Input, JSONValue>(id: "workflows/me/flow/sub"))
        #expect(workflow.statusURL.absoluteString == "https://proxy.test/api/workflows/me/flow/requests/abc/status")
    }

    @Test func streamingUpdatesDecodeEventsAndPings() async throws {
        let stream = """
            data: {"status":"IN_QUEUE","queue_position":1}

            : ping

            data: {"status":"IN_PROGRESS","logs":[{"message":"one"}]}

            data: {"status":"COMPLETED","logs":[{"message":"one"},{"message":"two"}],"metrics":{}}


            """
        let transport = MockTransport { request, _ in
            if request.url.contains("/status/stream") {
                #expect(request.request.headerFields[.accept] == "text/event-stream")
                return reply(200, stream, headers: ["Content-Type": "text/event-stream"])
            }
            return reply(200, fluxOutput)
        }
        let client = mockClient(transport)
        let job = client.job(resuming: "req-1", endpoint: .flux1SchnellRedux)
        var states: [QueueStatus.State] = []
        for try await status in client.updates(job) { states.append(status.state) }
        #expect(states == [.inQueue, .inProgress, .completed])
        #expect(transport.requests.count == 1)
    }

    @Test func streamUnavailableFallsBackToPolling() async throws {
        let transport = MockTransport { request, n in
            if request.url.contains("/status/stream") { return reply(405, #"{"detail":"Method Not Allowed"}"#) }
            if request.url.contains("/status") { return reply(200, n < 4 ? #"{"status":"IN_PROGRESS","logs":[]}"# : #"{"status":"COMPLETED","logs":[]}"#) }
            return reply(200, fluxOutput)
        }
        let client = mockClient(transport) { $0.statusUpdates.pollInitialInterval = .milliseconds(1) }
        let output = try await client.complete(client.job(resuming: "req-1", endpoint: .flux1SchnellRedux))
        #expect(output.seed == 8_589_934_593)
        #expect(transport.requests.map { $0.url.components(separatedBy: "/requests/req-1").last ?? "" } == [
            "/status/stream?logs=1", "/status?logs=1", "/status?logs=1", "/status?logs=1", "",
        ])
    }

    @Test func completedWithErrorIsJobFailed() async throws {
        let transport = MockTransport { request, _ in
            if request.url.contains("/status") {
                return reply(200, "data: {\"status\":\"COMPLETED\",\"error\":\"bad image\",\"error_type\":\"image_load_error\"}\n\n")
            }
            return reply(422, #"{"detail":[{"loc":["body","image_url"],"msg":"bad image","type":"image_load_error"}]}"#)
        }
        let client = mockClient(transport)
        do {
            _ = try await client.complete(client.job(resuming: "req-1", endpoint: .flux1SchnellRedux))
            Issue.record("expected an error")
        } catch QueueError.jobFailed(let failure) {
            #expect(failure.errorType == "image_load_error" && failure.requestID == "req-1")
            #expect(failure.response?.fieldIssues.first?.fieldPath == "image_url")
        }
    }
}

@Suite struct FileInputTests {
    let png = Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3])

    @Test func bytesBecomeADataURI() async throws {
        let transport = MockTransport { _, _ in reply(200, submitted) }
        let client = mockClient(transport) { $0.fileUpload = .dataURI }
        _ = try await client.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .bytes(png, contentType: "image/png")))
        let body = try JSONDecoder().decode(JSONValue.self, from: try #require(transport.requests.first?.body))
        #expect(body["image_url"] == .string("data:image/png;base64,\(png.base64EncodedString())"))
    }

    @Test func bytesAreUploadedThroughStorage() async throws {
        let transport = MockTransport { request, _ in
            if request.url.hasPrefix("https://rest.example.test/storage/upload/initiate?storage_type=fal-cdn-v3") {
                return reply(200, #"{"upload_url":"https://bucket.example.net/put/1?sig=x","file_url":"https://cdn.example.net/f/1.png"}"#)
            }
            if request.url.hasPrefix("https://bucket.example.net/") { return reply(200, "") }
            return reply(200, submitted)
        }
        let client = mockClient(transport)
        _ = try await client.submit(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .bytes(png, contentType: "image/png")))
        let requests = transport.requests
        #expect(requests.count == 3)
        let initiate = try JSONDecoder().decode([String: String].self, from: try #require(requests[0].body))
        #expect(initiate == ["file_name": "upload.bin", "content_type": "image/png"])
        #expect(requests[0].authorization == "Key \(testKey)")
        #expect(requests[1].request.method == .put && requests[1].body == png && requests[1].authorization == nil)
        #expect(requests[1].request.headerFields[.contentType] == "image/png")
        let body = try JSONDecoder().decode(JSONValue.self, from: try #require(requests[2].body))
        #expect(body["image_url"] == "https://cdn.example.net/f/1.png")
    }
}

/// A union as queuegen writes one: cases with and without values, equal by case and value.
private enum Shape: QueueModel {
    case square(Double)
    case circle(Double)
    case empty
}

/// An input whose files sit in every place a generated model can hold one.
private struct NestedFilesInput: QueueInput {
    /// Like a generated nested model: `Equatable`, not `Hashable`.
    struct Reference: QueueModel { var file: FileInput; var weight: Double }
    var main: FileInput
    var extra: [FileInput]
    var reference: Reference?
    var byName: [String: FileInput]
    var url: FileInput
}

@Suite struct FileSubstitutionTests {
    /// Storage that hands out `https://cdn.example.net/f/N` and records which bytes each N holds.
    final class Storage: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var stored: [String: Data] = [:]
        var pending: [String: String] = [:]  // upload URL → file URL
    }

    @Test("files nested in arrays, optionals and maps are each uploaded once and replaced in place")
    func nestedFiles() async throws {
        let storage = Storage()
        let transport = MockTransport { request, _ in
            if request.url.hasPrefix("https://rest.example.test/storage/upload/initiate") {
                let n = storage.lock.withLock { () -> Int in storage.next += 1; return storage.next }
                storage.lock.withLock { storage.pending["https://bucket.example.net/put/\(n)"] = "https://cdn.example.net/f/\(n)" }
                return reply(200, #"{"upload_url":"https://bucket.example.net/put/\#(n)","file_url":"https://cdn.example.net/f/\#(n)"}"#)
            }
            if request.url.hasPrefix("https://bucket.example.net/") {
                storage.lock.withLock { storage.stored[storage.pending[request.url] ?? request.url] = request.body ?? Data() }
                return reply(200, "")
            }
            return reply(200, submitted)
        }
        let client = mockClient(transport)
        let input = NestedFilesInput(
            main: .bytes(Data([1]), contentType: "image/png"),
            extra: [.bytes(Data([2]), contentType: "image/png"), .url("https://example.com/kept.png"), .bytes(Data([3]), contentType: "image/png")],
            reference: .init(file: .bytes(Data([4]), contentType: "image/png"), weight: 0.5),
            byName: ["a": .bytes(Data([5]), contentType: "image/png")],
            url: "https://example.com/plain.png")
        _ = try await client.submit(QueueEndpoint<NestedFilesInput, JSONValue>(id: "acme/files"), input)
        let submit = try #require(transport.requests.last?.body)
        let body = try JSONDecoder().decode(JSONValue.self, from: submit)
        func bytes(_ value: JSONValue?) -> Data? { value?.stringValue.flatMap { url in storage.lock.withLock { storage.stored[url] } } }
        #expect(storage.stored.count == 5)
        #expect(bytes(body["main"]) == Data([1]))
        guard case .array(let extra)? = body["extra"] else { Issue.record("extra is not an array"); return }
        #expect(bytes(extra[0]) == Data([2]) && extra[1] == "https://example.com/kept.png" && bytes(extra[2]) == Data([3]))
        #expect(bytes(body["reference"]?["file"]) == Data([4]) && body["reference"]?["weight"] == .double(0.5))
        #expect(bytes(body["byName"]?["a"]) == Data([5]))
        #expect(body["url"] == "https://example.com/plain.png")
    }

    @Test("an input without local files is encoded once, as it is")
    func noFiles() async throws {
        let transport = MockTransport { _, _ in reply(200, submitted) }
        let client = mockClient(transport)
        let input = NestedFilesInput(main: "https://example.com/a.png", extra: [], reference: nil, byName: [:], url: "https://example.com/b.png")
        _ = try await client.submit(QueueEndpoint<NestedFilesInput, JSONValue>(id: "acme/files"), input)
        #expect(transport.requests.count == 1)
        let body = try JSONDecoder().decode(JSONValue.self, from: try #require(transport.requests.last?.body))
        #expect(body["main"] == "https://example.com/a.png" && body["extra"] == .array([]))
    }

    @Test("structural equality: by stored values, through optionals, arrays and maps of models")
    func structuralEquality() {
        let a = NestedFilesInput(main: "x", extra: ["y"], reference: .init(file: "r", weight: 1), byName: ["k": "v"], url: "z")
        var b = a
        #expect(a == b)
        b.extra.append("w")
        #expect(a != b)
        b = a
        b.reference?.weight = 2
        #expect(a != b, "a nested model that is only Equatable is compared by its own ==")
        b.reference?.weight = 1
        #expect(a == b)
        b.reference = nil
        #expect(a != b)
        b = a
        b.byName["k"] = "w"
        #expect(a != b)
        #expect([a.reference, nil] == [b.reference, nil])
        #expect(Shape.square(2) == .square(2) && Shape.square(2) != .square(3) && Shape.square(2) != .circle(2))
        #expect(Shape.empty == .empty && Shape.empty != .square(0))
    }

}
