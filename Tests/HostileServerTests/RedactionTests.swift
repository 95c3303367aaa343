import Foundation
import Logging
import Testing
@testable import QueueRuntime
import QueueTestSupport

/// Redaction is for what is shown (error descriptions, log lines), never for the bodies and URLs
/// the client uses. A server here echoes the `Authorization` header, and each half of the key on
/// its own, into every text it sends.
@Suite("The key is redacted from what is shown, and only there", .serialized)
struct RedactionTests {
    static let keyID = "key-id-4d2e9a"
    static let keySecret = "secret-xyz-77f1"
    static let key = "\(keyID):\(keySecret)"

    /// Fails when `text` holds either half of the key (the whole key holds both).
    static func expectNoKey(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(keyID), "\(what): \(text)", sourceLocation: sourceLocation)
        #expect(!text.contains(keySecret), "\(what): \(text)", sourceLocation: sourceLocation)
    }

    /// Every text the server sends: the header it got, then each half alone.
    static func echo(_ request: HostileServer.Request) -> String {
        "got \(request.header("authorization") ?? "none"), id \(keyID), secret \(keySecret)"
    }

    /// A client for `server` with `key`, logging everything into `lines`.
    static func makeClient(_ server: HostileServer, lines: LogLines, _ adjust: (inout QueueClient.Configuration) -> Void = { _ in }) -> QueueClient {
        client(server, key: key) { configuration in
            configuration.logger = Logger(label: "redaction-test") { _ in lines }
            configuration.requestIdleTimeout = .seconds(10)
            adjust(&configuration)
        }
    }

    @Test("a failed job whose status messages, log lines and result error echo the key: no error, status or log line shows it")
    func failedJob() async throws {
        for streaming in [true, false] {
            try await HostileServer.with({ request, connection in
                let echoed = Self.echo(request)
                let status = #"{"status":"COMPLETED","error":"\#(echoed)","error_type":"\#(Self.keySecret)","logs":[{"message":"\#(echoed)"}]}"#
                switch (request.method, request.path) {
                case ("POST", "/acme/echo"): connection.reply(200, #"{"request_id":"req-1"}"#)
                case ("GET", "\(requests)/req-1/status/stream"):
                    connection.head(200, [("Content-Type", "text/event-stream")])
                    connection.send(#"data: {"status":"IN_PROGRESS","logs":[{"message":"\#(echoed)"}]}"# + "\n\ndata: \(status)\n\n")
                case ("GET", "\(requests)/req-1/status"): connection.reply(200, status)
                case ("GET", "\(requests)/req-1"):
                    connection.reply(
                        422, #"{"detail":[{"loc":["body","\#(Self.keyID)"],"msg":"\#(echoed)","type":"\#(Self.keySecret)","input":{"\#(Self.keySecret)":"\#(echoed)"}}]}"#,
                        headers: [("X-Fal-Retryable", "false")])
                default: connection.reply(404, #"{"detail":"\#(echoed)"}"#)
                }
            }) { server in
                let lines = LogLines()
                let statuses = Statuses()
                let client = Self.makeClient(server, lines: lines) { $0.statusUpdates = streaming ? .streaming : .polling }
                let error = await #expect(throws: QueueError.self) {
                    try await within(.seconds(30)) { try await client.run(endpoint, EchoInput(prompt: "x"), onUpdate: statuses.record) }
                }
                guard case .jobFailed(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
                #expect(failure.response?.status == 422, "the result route's error is attached")
                Self.expectNoKey(String(describing: error!) + String(reflecting: error!), "the error")
                #expect(String(describing: error!).contains("<redacted>"))
                #expect(!statuses.all.isEmpty)
                for status in statuses.all {
                    Self.expectNoKey("\(status) \(status.error ?? "") \(status.errorType ?? "") \(status.logs ?? [])", "a status")
                }
                #expect(server.count("\(requests)/req-1/status/stream") == (streaming ? 1 : 0))
                #expect(!lines.text.isEmpty)
                Self.expectNoKey(lines.text, "the log")
            }
        }
    }

    @Test("error bodies that are not JSON, an unreadable result and a stream's error event: no description shows the key")
    func errorBodies() async throws {
        try await HostileServer.with({ request, connection in
            let echoed = Self.echo(request)
            switch (request.method, request.path) {
            case ("POST", "/acme/echo"): connection.reply(401, echoed, contentType: "text/plain")
            case ("POST", "/run/acme/echo/stream"):
                connection.head(200, [("Content-Type", "text/event-stream")])
                connection.send("event: error\ndata: {\"detail\":\"\(echoed)\"}\n\n")
            case ("GET", "\(requests)/req-1"): connection.reply(200, "<html>\(echoed)</html>", contentType: "text/html")
            default: connection.reply(500, echoed, contentType: "text/plain", headers: [("X-Fal-Retryable", "false")])
            }
        }) { server in
            let lines = LogLines()
            let client = Self.makeClient(server, lines: lines)
            let job = client.job(resuming: "req-1", endpoint: endpoint)
            let attempts: [(String, @Sendable () async throws -> Void)] = [
                ("submit", { _ = try await client.submit(endpoint, EchoInput(prompt: "x")) }),
                ("result", { _ = try await client.result(job) }),
                ("status", { _ = try await client.status(job) }),
                ("stream", { for try await _ in client.stream(endpoint, EchoInput(prompt: "x")) {} }),
            ]
            for (name, attempt) in attempts {
                let error = await #expect(throws: QueueError.self, "\(name)") { try await within(.seconds(30), attempt) }
                let text = String(describing: error) + String(reflecting: error)
                Self.expectNoKey(text, name)
                #expect(text.contains("<redacted>"), "\(name): \(text)")
            }
            Self.expectNoKey(lines.text, "the log")
        }
    }

    @Test("bodies the client uses are not redacted: an output and a downloaded file that hold the key come back as sent")
    func dataIsNotRedacted() async throws {
        let file = Data("\u{89}PNG binary \(Self.key) and \(Self.keySecret)".utf8) + Data((0...255).map(UInt8.init))
        try await HostileServer.with(queue(result: #"{"echo":"\#(Self.key)"}"#, override: { request, connection in
            guard request.path == "/file.bin" else { return false }
            connection.head(200, [("Content-Type", "application/octet-stream")], length: file.count)
            connection.send(Array(file))
            return true
        })) { server in
            let client = Self.makeClient(server, lines: LogLines())
            let output = try await within(.seconds(30)) { try await client.run(endpoint, EchoInput(prompt: "x")) }
            #expect(output["echo"]?.stringValue == Self.key)
            let (data, _) = try await within(.seconds(30)) { try await client.download(server.baseURL.appendingPathComponent("file.bin")) }
            #expect(data == file)
        }
    }
}

/// Every log line, with its metadata, as text; every access holds the lock.
final class LogLines: LogHandler, @unchecked Sendable {
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
