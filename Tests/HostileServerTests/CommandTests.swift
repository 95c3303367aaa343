import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import QueueTestSupport
#endif

/// The real `flux-redux` executable against hostile servers.
@Suite("flux-redux against hostile servers", .serialized)
struct CommandTests {
    /// `.build/<config>/flux-redux`, beside the test bundle.
    static var executable: URL {
        var directory = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("flux-redux").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("flux-redux")
    }

    struct Run {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        var text: String { String(decoding: stdout + stderr, as: UTF8.self) }
    }

    /// Runs flux-redux against `server` (no key unless given) and waits, bounded, for it to exit.
    func run(_ arguments: [String], server: HostileServer, key: String? = nil) async throws -> Run {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out.log"), err = folder.appendingPathComponent("err.log")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FAL_KEY"] = key
        environment["FAL_KEY_ID"] = nil
        environment["FAL_KEY_SECRET"] = nil
        environment["FAL_STORAGE_HOST"] = nil
        environment["FAL_QUEUE_RUN_HOST"] = server.baseURL.absoluteString
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            Issue.record("flux-redux did not exit within 60 s")
        }
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: Array(try Data(contentsOf: out)), stderr: Array(try Data(contentsOf: err)))
    }

    static let image = "https://images.example.test/in.png"

    /// A fal-shaped queue for flux-redux; `images` is the JSON array of the result.
    static func fluxQueue(
        id: String = "764cabcf-b745", logs: String = "[]", images: @escaping @Sendable (String) -> String = { base in
            #"[{"url":"\#(base)/img.png","width":1,"height":1,"content_type":"image/png"}]"#
        }, state: String = "COMPLETED", override: @escaping @Sendable (HostileServer.Request, HostileServer.Connection) -> Bool = { _, _ in false }
    ) -> HostileServer.Handler {
        { request, connection in
            if override(request, connection) { return }
            let base = "http://127.0.0.1:\(connection.server.port)"
            let app = "/fal-ai/flux-1/requests/\(id)"
            switch (request.method, request.path) {
            case ("POST", "/fal-ai/flux-1/schnell/redux"): connection.reply(200, #"{"request_id":"\#(id)","status":"IN_QUEUE"}"#)
            case ("GET", "\(app)/status/stream"): connection.reply(404, #"{"detail":"Not Found"}"#)
            case ("GET", "\(app)/status"): connection.reply(200, #"{"status":"\#(state)","logs":\#(logs)}"#)
            case ("GET", app):
                connection.reply(200, #"{"images":\#(images(base)),"timings":{},"seed":1,"has_nsfw_concepts":[false],"prompt":""}"#)
            case ("PUT", "\(app)/cancel"): connection.reply(202, #"{"status":"CANCELLATION_REQUESTED"}"#)
            case ("GET", "/img.png"): connection.reply(200, "\u{89}PNG-bytes", contentType: "image/png")
            default: connection.reply(404, #"{"detail":"Not Found"}"#)
            }
        }
    }

    func outFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hostile-out-\(UUID().uuidString)/nested/out")
    }

    @Test("a request id of ../../p0wned writes nothing outside --out")
    func requestIDCannotEscapeOut() async throws {
        let out = outFolder()
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent().deletingLastPathComponent()) }
        try await HostileServer.with(Self.fluxQueue(id: "../../p0wned")) { server in
            let result = try await run([Self.image, "--out", out.path], server: server)
            #expect(result.status != 0, "\(result.text)")
            #expect(result.text.contains("not a valid request id"), "\(result.text)")
            let root = out.deletingLastPathComponent().deletingLastPathComponent()
            let written = FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? []
            #expect(!written.contains { $0.hasSuffix(".png") }, "\(written)")
        }
        let resume = try await HostileServer.with(Self.fluxQueue()) { server in try await run(["--resume", "../x", "--out", out.path], server: server) }
        #expect(resume.status != 0 && resume.text.contains("--resume takes a request id"), "\(resume.text)")
    }

    @Test("escape sequences and forged lines from a server are printed inert, and an echoed key is redacted")
    func terminalSafeOutput() async throws {
        let key = "cmd-key-id:cmd-key-secret-abcdef0123"
        let logs = #"[{"message":"\u001b]0;owned\u0007\u001b[2J\nSaved 9 image(s) into /etc","timestamp":"t"}]"#
        let out = outFolder()
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent().deletingLastPathComponent()) }
        try await HostileServer.with(Self.fluxQueue(logs: logs, override: { request, connection in
            guard request.path == "/img.png" else { return false }
            connection.reply(500, #"{"detail":"you sent \#(request.header("authorization") ?? "")"}"#, headers: [("X-Fal-Retryable", "false")])
            return true
        })) { server in
            let result = try await run([Self.image, "--out", out.path], server: server, key: key)
            #expect(result.status != 0, "\(result.text)")
            #expect(!result.stdout.contains(0x1B) && !result.stderr.contains(0x1B), "\(result.text)")
            #expect(!result.text.split(separator: "\n").contains { $0.hasPrefix("Saved 9") }, "\(result.text)")
            #expect(result.text.contains("\\u{1B}"), "\(result.text)")
            #expect(!result.text.contains("cmd-key-secret"), "\(result.text)")
        }
    }

    @Test("downloads: an output without images, an image over --max-image-mb, plain http off loopback are errors")
    func downloads() async throws {
        let out = outFolder()
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent().deletingLastPathComponent()) }
        try await HostileServer.with(Self.fluxQueue(images: { _ in "[]" })) { server in
            let result = try await run([Self.image, "--out", out.path], server: server)
            #expect(result.status != 0 && result.text.contains("without any image"), "\(result.text)")
        }
        try await HostileServer.with(Self.fluxQueue(override: { request, connection in
            guard request.path == "/img.png" else { return false }
            let block = [UInt8](repeating: 7, count: 1 << 16)
            connection.head(200, [("Content-Type", "image/png")])
            for _ in 0..<64 where connection.send(block) {}
            return true
        })) { server in
            let result = try await run([Self.image, "--out", out.path, "--max-image-mb", "1"], server: server)
            #expect(result.status != 0 && result.text.contains("larger than the 1 MiB limit"), "\(result.text)")
            #expect(server.count("/img.png") == 1, "an over-cap download is not retried")
        }
        try await HostileServer.with(Self.fluxQueue(images: { _ in #"[{"url":"http://images.example.test/x.png","width":1,"height":1}]"# })) { server in
            let result = try await run([Self.image, "--out", out.path], server: server)
            #expect(result.status != 0 && result.text.contains("refusing plain http"), "\(result.text)")
        }
        // And the good case, so the errors above are not all the command can do.
        try await HostileServer.with(Self.fluxQueue()) { server in
            let result = try await run([Self.image, "--out", out.path], server: server)
            #expect(result.status == 0, "\(result.text)")
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("764cabcf-1.png").path), "\(result.text)")
        }
    }

    @Test("--timeout ends a job that stays IN_QUEUE, cancelling it on the server")
    func timeoutOption() async throws {
        let out = outFolder()
        try await HostileServer.with(Self.fluxQueue(state: "IN_QUEUE")) { server in
            let result = try await run([Self.image, "--out", out.path, "--timeout", "1"], server: server)
            #expect(result.status == 1, "\(result.text)")
            #expect(result.text.contains("gave up after 1 s (--timeout)"), "\(result.text)")
            #expect(server.count("/fal-ai/flux-1/requests/764cabcf-b745/cancel", method: "PUT") == 1)
        }
    }
}
