import Foundation
import Logging
import Testing
@testable import QueueRuntime
import QueueTestSupport

/// A minimal endpoint, so these tests do not depend on generated type names.
struct EchoInput: QueueInput {
    var prompt: String
}

let endpoint = QueueEndpoint<EchoInput, JSONValue>(id: "acme/echo")
let hostileKey = "hostile-key-id:hostile-key-secret-0123456789"
let requests = "/acme/echo/requests"

/// A client pointed at `server` with small timeouts and retry delays, seeded jitter.
func client(
    _ server: HostileServer, key: String? = hostileKey, _ adjust: (inout QueueClient.Configuration) -> Void = { _ in }
) -> QueueClient {
    var configuration = QueueClient.Configuration(queueBaseURL: server.baseURL, credentials: key.map { Credentials(key: $0) })
    configuration.retryPolicy = RetryPolicy(
        maxAttempts: 3, initialDelay: .milliseconds(10), maxDelay: .milliseconds(50), jitter: 1...1, maxElapsed: .seconds(20),
        random: RandomSource(seed: 7))
    configuration.statusUpdates = StatusUpdatePolicy(
        pollInitialInterval: .milliseconds(10), pollMaxInterval: .milliseconds(50), streamIdleTimeout: .seconds(2))
    configuration.requestIdleTimeout = .seconds(1)
    configuration.cancelTimeout = .seconds(1)
    var logger = Logger(label: "hostile-test")
    logger.logLevel = .critical
    configuration.logger = logger
    adjust(&configuration)
    return QueueClient(configuration: configuration)
}

/// The happy parts of the queue protocol; `override` answers first where it wants to misbehave.
func queue(
    id: String = "req-1", statusBody: String = #"{"status":"COMPLETED"}"#, result: String = #"{"ok":true}"#,
    override: @escaping @Sendable (HostileServer.Request, HostileServer.Connection) -> Bool = { _, _ in false }
) -> HostileServer.Handler {
    { request, connection in
        if override(request, connection) { return }
        switch (request.method, request.path) {
        case ("POST", "/acme/echo"): connection.reply(200, #"{"request_id":"\#(id)","status":"IN_QUEUE"}"#)
        case ("GET", "\(requests)/\(id)/status/stream"): connection.reply(404, #"{"detail":"no stream"}"#)
        case ("GET", "\(requests)/\(id)/status"): connection.reply(200, statusBody)
        case ("GET", "\(requests)/\(id)"): connection.reply(200, result)
        case ("PUT", "\(requests)/\(id)/cancel"): connection.reply(202, #"{"status":"CANCELLATION_REQUESTED"}"#)
        default: connection.reply(404, #"{"detail":"Not Found"}"#)
        }
    }
}

@Suite("Hostile servers", .serialized)
struct HostileServerTests {
    // MARK: 1. Key and files only to configured hosts

    @Test("FAL_QUEUE_RUN_HOST moves uploads (and the key) to that host, not to rest.fal.ai")
    func storageFollowsQueueHost() async throws {
        try await HostileServer.with({ request, connection in
            switch request.path {
            case "/storage/upload/initiate":
                let base = "http://127.0.0.1:\(connection.server.port)"
                connection.reply(200, #"{"upload_url":"\#(base)/upload/1","file_url":"\#(base)/files/1"}"#)
            default: connection.reply(200, "")
            }
        }) { server in
            let configuration = QueueClient.Configuration(environment: ["FAL_KEY": hostileKey, "FAL_QUEUE_RUN_HOST": server.baseURL.absoluteString])
            #expect(configuration.storageBaseURL == server.baseURL)
            #expect(configuration.syncBaseURL.absoluteString == server.baseURL.absoluteString + "/run")
            var adjusted = configuration
            adjusted.requestIdleTimeout = .seconds(2)
            let uploader = QueueClient(configuration: adjusted)
            let url = try await within(.seconds(20)) { try await uploader.upload(Data("png".utf8), contentType: "image/png") }
            #expect(url.host == "127.0.0.1")
            #expect(server.count("/storage/upload/initiate", method: "POST") == 1)
            #expect(server.count("/upload/1", method: "PUT") == 1)
            #expect(server.requests.first?.header("authorization") == "Key \(hostileKey)")
            // Set on its own, the storage host wins.
            let separate = QueueClient.Configuration(environment: [
                "FAL_QUEUE_RUN_HOST": server.baseURL.absoluteString, "FAL_STORAGE_HOST": "https://storage.example.test",
            ])
            #expect(separate.storageBaseURL.absoluteString == "https://storage.example.test")
        }
    }

    @Test("with the queue host overridden, fal's default hosts are no longer trusted with the key")
    func falHostsLoseTrust() throws {
        var configuration = QueueClient.Configuration(environment: [:])
        let fal = QueueClient(configuration: configuration)
        #expect(try fal.destination(for: URL(string: "https://rest.fal.ai/storage/x")!).trusted)
        #expect(try fal.destination(for: URL(string: "https://fal.run/acme/echo")!).trusted)
        configuration.queueBaseURL = URL(string: "http://127.0.0.1:9")!
        let moved = QueueClient(configuration: configuration)
        #expect(try !moved.destination(for: URL(string: "https://rest.fal.ai/storage/x")!).trusted)
        #expect(try !moved.destination(for: URL(string: "https://fal.run/acme/echo")!).trusted)
        #expect(try !moved.destination(for: URL(string: "https://queue.fal.run/acme/echo")!).trusted)
        #expect(try moved.destination(for: URL(string: "http://127.0.0.1:9/acme/echo")!).trusted)
    }

    // MARK: 2. Request ids

    @Test("a request id like ../../p0wned is refused where it enters, and escaped in paths")
    func hostileRequestID() async throws {
        try await HostileServer.with(queue(id: "../../p0wned")) { server in
            let error = await #expect(throws: QueueError.self) {
                // The idle timeout is not what this test is about: a loaded machine must not turn the
                // submit's answer into a timeout (a 1 s limit did, once in about ten suite runs).
                try await within(.seconds(20)) { try await client(server) { $0.requestIdleTimeout = .seconds(10) }.submit(endpoint, EchoInput(prompt: "x")) }
            }
            guard case .decoding(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(failure.fieldPath == "request_id" && failure.reason.contains("not a valid request id"))
            #expect(server.count("/acme/echo", method: "POST") == 1)
            #expect(server.requests.count == 1, "nothing was requested with the hostile id")
        }
        #expect(!QueueClient.isValidRequestID("../x") && !QueueClient.isValidRequestID("..") && !QueueClient.isValidRequestID("a\u{1B}b"))
        #expect(QueueClient.isValidRequestID("764cabcf-b745-4b3e-ae38-1200304cf45b"))
        #expect(QueueClient.pathSegment("..") == "%2E%2E")
        #expect(QueueClient.pathSegment("a/b?c#d") == "a%2Fb%3Fc%23d")
    }

    // MARK: 3. Hangs

    @Test("a result body that sends its headers and then a byte now and then ends with an idle timeout")
    func tricklingResult() async throws {
        try await HostileServer.with(queue(override: { request, connection in
            guard request.method == "GET", request.path == "\(requests)/req-1" else { return false }
            connection.head(200, [("Content-Type", "application/json")], length: 1000)
            connection.send("{")
            while connection.pause(.seconds(3)), connection.send(" ") {}
            return true
        })) { server in
            let client = client(server) { $0.retryPolicy.maxAttempts = 2 }
            let job = try await client.submit(endpoint, EchoInput(prompt: "x"))
            let error = await #expect(throws: QueueError.self) { try await within(.seconds(30)) { try await client.result(job) } }
            guard case .transport(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(failure.description.contains("idle timeout"), "\(failure)")
            #expect(failure.requestID == "req-1")
            #expect(server.count("\(requests)/req-1", method: "GET") == 2, "retried once, then reported")
        }
    }

    @Test("a status stream that stalls, then a status poll that never answers: the run ends with the deadline")
    func stalledStreamAndPoll() async throws {
        try await HostileServer.with(queue(override: { request, connection in
            if request.path == "\(requests)/req-1/status/stream" {
                connection.head(200, [("Content-Type", "text/event-stream")])
                connection.send("data: {\"status\":\"IN_QUEUE\"}\n\n")
                connection.hang()
                return true
            }
            if request.path == "\(requests)/req-1/status" {
                connection.hang()
                return true
            }
            return false
        })) { server in
            // Each poll hangs until its 1 s idle timeout and is retried until the deadline ends the
            // run, 8 s, so the idle timeout is the last problem however loaded the machine is.
            let client = client(server) {
                $0.statusUpdates.streamIdleTimeout = .milliseconds(300)
                $0.statusUpdates.maxStreamAttempts = 1
                $0.retryPolicy.maxAttempts = 1_000
                $0.retryPolicy.maxElapsed = .seconds(60)
            }
            let error = await #expect(throws: QueueError.self) {
                try await within(.seconds(30)) { try await client.run(endpoint, EchoInput(prompt: "x"), timeout: .seconds(8)) }
            }
            guard case .deadlineExceeded(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(failure.requestID == "req-1")
            #expect(failure.phase.contains("waiting for request req-1"))
            #expect(failure.lastProblem?.contains("idle timeout") == true, "\(failure)")
            #expect(server.count("\(requests)/req-1/cancel", method: "PUT") == 1)
        }
    }

    @Test("a cancel that never answers does not hold a deadline: the run gives up on it")
    func unansweredCancel() async throws {
        try await HostileServer.with(queue(statusBody: #"{"status":"IN_QUEUE","queue_position":3}"#, override: { request, connection in
            guard request.method == "PUT" else { return false }
            connection.hang()
            return true
        })) { server in
            let client = client(server)
            let error = await #expect(throws: QueueError.self) {
                // 2 s: room for the submit to be answered on a loaded machine; the cancel then hangs.
                try await within(.seconds(30)) { try await client.run(endpoint, EchoInput(prompt: "x"), timeout: .seconds(2)) }
            }
            guard case .deadlineExceeded(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(failure.requestID == "req-1")
            #expect(server.count("\(requests)/req-1/cancel", method: "PUT") >= 1)
        }
    }

    // MARK: 4. Long SSE lines

    @Test("a status-stream line over the cap ends the stream with one request, and the job is polled to the end")
    func oversizedEvent() async throws {
        try await HostileServer.with(queue(override: { request, connection in
            guard request.path == "\(requests)/req-1/status/stream" else { return false }
            connection.head(200, [("Content-Type", "text/event-stream")])
            connection.send("data: {\"status\":\"IN_PROGRESS\",\"logs\":[{\"message\":\"")
            let block = [UInt8](repeating: UInt8(ascii: "a"), count: 64 << 10)
            for _ in 0..<32 where connection.send(block) {}
            connection.send("\"}]}\n\n")
            return true
        })) { server in
            let client = client(server) { $0.maximumEventSize = 1 << 20; $0.requestIdleTimeout = .seconds(10) }
            let output = try await within(.seconds(30)) { try await client.run(endpoint, EchoInput(prompt: "x")) }
            #expect(output == ["ok": true])
            #expect(server.count("\(requests)/req-1/status/stream") == 1, "over the cap: no reconnect, straight to polling")
            #expect(server.count("\(requests)/req-1/status") >= 1)
        }
    }

    @Test("the event-stream parser: CR, LF and CRLF line ends, split anywhere; comments; multi-line data; caps")
    func parser() throws {
        let text = ": ping\r\ndata: {\"a\":1}\r\n\r\ndata: x\ndata: y\n\nevent: e\rdata: z\r\r"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var parser = ServerSentEventParser(maximumSize: 100)
            let events = try parser.consume(bytes[..<split]) + parser.consume(bytes[split...])
            #expect(events.map(\.data) == ["{\"a\":1}", "x\ny", "z"], "split at \(split)")
            #expect(events.map(\.name) == [nil, nil, "e"], "split at \(split)")
        }
        var parser = ServerSentEventParser(maximumSize: 8)
        #expect(throws: ServerSentEventTooLarge.self) { try parser.consume(Array("data: 0123456789".utf8)) }
        var events = ServerSentEventParser(maximumSize: 8)
        #expect(throws: ServerSentEventTooLarge.self) { try events.consume(Array("data: 12345\ndata: 12345\n".utf8)) }
    }

    // MARK: 5. Retry storms

    @Test("a status stream that drops every connection costs maxStreamAttempts requests, then the job is polled")
    func droppedStreams() async throws {
        try await HostileServer.with(queue(override: { request, connection in
            // Closed without an answer: a transport error on every stream connection.
            request.path == "\(requests)/req-1/status/stream"
        })) { server in
            let output = try await within(.seconds(30)) { try await client(server) { $0.requestIdleTimeout = .seconds(10) }.run(endpoint, EchoInput(prompt: "x")) }
            #expect(output == ["ok": true])
            #expect(server.count("\(requests)/req-1/status/stream") == 3, "one request per stream attempt, no nested retries")
        }
    }

    @Test("a result over the size cap is one request and a final, worded error")
    func overCapResult() async throws {
        let big = #"{"data":""# + String(repeating: "x", count: 8192) + #""}"#
        try await HostileServer.with(queue(result: big)) { server in
            let client = client(server) { $0.maximumResponseSize = 4096; $0.requestIdleTimeout = .seconds(10) }
            let error = await #expect(throws: QueueError.self) { try await within(.seconds(30)) { try await client.run(endpoint, EchoInput(prompt: "x")) } }
            #expect(String(describing: error).contains("larger than the 4096 bytes limit"), "\(String(describing: error))")
            #expect(server.count("\(requests)/req-1", method: "GET") == 1)
        }
    }

    // MARK: 6. Secrets

    @Test("a server that echoes the Authorization header gets it redacted from errors and statuses")
    func echoedKey() async throws {
        try await HostileServer.with({ request, connection in
            let echoed = request.header("authorization") ?? ""
            if request.path.hasSuffix("/status") {
                connection.reply(200, #"{"status":"COMPLETED","error":"bad: \#(echoed)","logs":[{"message":"\#(echoed)"}]}"#)
            } else if request.method == "POST" {
                connection.reply(200, #"{"request_id":"req-1"}"#)
            } else {
                connection.reply(500, #"{"detail":"you sent \#(echoed)"}"#, headers: [("X-Fal-Retryable", "false")])
            }
        }) { server in
            let probe = Statuses()
            let client = client(server) { $0.statusUpdates = .polling; $0.requestIdleTimeout = .seconds(10) }
            let error = await #expect(throws: QueueError.self) {
                try await within(.seconds(30)) { try await client.run(endpoint, EchoInput(prompt: "x"), onUpdate: probe.record) }
            }
            let text = String(describing: error) + String(reflecting: error)
            #expect(!text.contains("hostile-key-secret"), "\(text)")
            #expect(text.contains("<redacted>"))
            #expect(!probe.all.isEmpty)
            #expect(probe.all.allSatisfy { !"\($0)".contains("hostile-key-secret") && !($0.logs ?? []).contains { $0.message.contains("hostile-key") } })
        }
    }

    // MARK: 7. Downloads

    @Test("a download that stalls after its headers ends with an idle timeout in words; plain http off loopback is refused")
    func stalledDownload() async throws {
        try await HostileServer.with({ request, connection in
            connection.head(200, [("Content-Type", "image/png")], length: 1000)
            connection.send("\u{89}PNG")
            connection.hang()
        }) { server in
            let client = client(server) { $0.retryPolicy.maxAttempts = 1 }
            let error = await #expect(throws: QueueError.self) {
                try await within(.seconds(20)) { try await client.download(server.baseURL.appendingPathComponent("img.png")) }
            }
            #expect(String(describing: error).contains("download got no response: download: no data for 1 s while waiting for the body (idle timeout)"), "\(String(describing: error))")
            let insecure = await #expect(throws: QueueError.self) {
                try await client.download(URL(string: "http://images.example.test/x.png")!)
            }
            guard case .insecureURL? = insecure else { Issue.record("got \(String(describing: insecure))"); return }
        }
    }

    // MARK: 8. Deadlines

    @Test("a deadline bounds retries of a submit to a port where nothing listens, and names the cause")
    func deadlineOverRefusedSubmits() async throws {
        let port = try await HostileServer.with({ _, _ in }) { $0.port }  // free, and now closed
        var configuration = QueueClient.Configuration(queueBaseURL: URL(string: "http://127.0.0.1:\(port)")!, credentials: nil)
        configuration.retryPolicy = RetryPolicy(initialDelay: .milliseconds(200), random: RandomSource(seed: 3))
        configuration.logger.logLevel = .critical
        let client = QueueClient(configuration: configuration)
        let error = await #expect(throws: QueueError.self) {
            try await within(.seconds(20)) { try await client.run(endpoint, EchoInput(prompt: "x"), timeout: .seconds(1)) }
        }
        guard case .deadlineExceeded(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(failure.requestID == nil)
        #expect(failure.phase == "submitting the job")
        #expect(failure.lastProblem?.contains("connection refused by 127.0.0.1:\(port)") == true, "\(failure)")
    }

    // MARK: 9. Orphans

    @Test("a run that fails after its submit cancels the job once and names the request")
    func failureAfterSubmitCancels() async throws {
        try await HostileServer.with(queue(statusBody: "{not json")) { server in
            let client = client(server) { $0.statusUpdates = .polling; $0.requestIdleTimeout = .seconds(10) }
            let error = await #expect(throws: QueueError.self) { try await within(.seconds(30)) { try await client.run(endpoint, EchoInput(prompt: "x")) } }
            #expect(error?.requestID == "req-1")
            #expect(String(describing: error).contains("req-1"))
            #expect(server.count("\(requests)/req-1/cancel", method: "PUT") == 1)
        }
    }

    @Test("a job failure says its message once")
    func jobFailureMessageOnce() {
        let failure = JobFailure(error: "boom", requestID: "r", response: HTTPFailure(operation: "result", status: 500, detail: .message("boom")))
        #expect(failure.description == "job r failed: boom")
    }
}

/// Statuses seen by `onUpdate`.
final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [QueueStatus] = []
    var all: [QueueStatus] { lock.withLock { seen } }
    var record: @Sendable (QueueStatus) -> Void { { [self] status in lock.withLock { seen.append(status) } } }
}

