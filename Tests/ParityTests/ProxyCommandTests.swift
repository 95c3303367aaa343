import AsyncHTTPClient
import Foundation
import QueueTestSupport
import Testing

/// The built `queue-proxy` command, run as a user runs it.
@Suite(.serialized) struct ProxyCommandTests {
    /// `.build/<config>/queue-proxy`, beside the test bundle.
    static var executable: URL {
        var directory = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("queue-proxy").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("queue-proxy")
    }

    /// Starts queue-proxy with `arguments`; returns the process and its output file.
    static func launch(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (Process, URL) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("queue-proxy-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FAL_KEY"] = simulatorKey
        environment["QUEUE_PROXY_CLIENT_TOKEN"] = nil
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, output)
    }

    /// Runs queue-proxy and waits, bounded, for it to exit; its status and output.
    static func runToExit(_ arguments: [String]) async throws -> (Int32, String) {
        let (process, output) = try launch(arguments)
        defer { try? FileManager.default.removeItem(at: output) }
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            Issue.record("queue-proxy \(arguments) kept running")
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: output), as: UTF8.self))
    }

    /// The port, from the line queue-proxy prints once listening (bounded).
    static func listeningPort(_ process: Process, _ output: URL) async throws -> Int? {
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < deadline {
            let text = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            if let range = text.range(of: #"127\.0\.0\.1:\d+"#, options: .regularExpression) {
                return Int(text[range].split(separator: ":").last ?? "")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    @Test func sigtermClosesAnOpenStreamAfterTheGracePeriodAndExits() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            let (process, output) = try Self.launch(["--port", "0", "--upstream", base.absoluteString, "--shutdown-grace", "1"])
            defer {
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                try? FileManager.default.removeItem(at: output)
            }
            let port = try #require(try await Self.listeningPort(process, output))
            let client = wideClient()
            do {
                let stream = try await client.execute(
                    proxied(port, "https://queue.fal.run/fal-ai/hold/requests/g1/status/stream"), timeout: .seconds(10))
                try await within(.seconds(10)) { await upstream.opened.wait(for: 1) }
                let signalled = ContinuousClock.now
                process.terminate()  // SIGTERM
                // The stream the upstream never ends is closed once the grace period is over.
                let text = try await within(.seconds(15)) { () -> String in
                    var collected = ""
                    do { for try await chunk in stream.body { collected += String(buffer: chunk) } } catch {}
                    return collected
                }
                #expect(text.contains("IN_PROGRESS"))
                // Not before: the grace period lets open streams run on.
                #expect(ContinuousClock.now - signalled >= .milliseconds(900))
                while process.isRunning, ContinuousClock.now - signalled < .seconds(15) { try await Task.sleep(for: .milliseconds(20)) }
                #expect(!process.isRunning, "queue-proxy still running 15 s after SIGTERM")
                #expect(ContinuousClock.now - signalled < .seconds(10))
            } catch {
                upstream.release.add(())
                try? await client.shutdown()
                throw error
            }
            upstream.release.add(())
            try await client.shutdown()
        }
    }

    @Test func refusesANonLoopbackAddressWithoutClientAuthentication() async throws {
        let (status, text) = try await Self.runToExit(["--host", "0.0.0.0", "--port", "0"])
        #expect(status != 0)
        #expect(text.contains("--allow-anonymous") && text.contains("--client-token-file"), "\(text)")
    }

    @Test func refusesPlainHTTPUpstreamsOffLoopback() async throws {
        let (status, text) = try await Self.runToExit(["--port", "0", "--upstream", "http://example.com"])
        #expect(status != 0)
        #expect(text.contains("only to loopback"), "\(text)")
        let (lookalike, _) = try await Self.runToExit(["--port", "0", "--upstream", "http://127.evil.example:8080"])
        #expect(lookalike != 0)
    }

    @Test func aClientTokenFromTheEnvironmentIsRequired() async throws {
        let upstream = HoldingUpstream()
        try await withServer(upstream.router()) { base in
            let (process, output) = try Self.launch(
                ["--port", "0", "--upstream", base.absoluteString], environment: ["QUEUE_PROXY_CLIENT_TOKEN": "s3cret-token\n"])
            defer {
                process.terminate()
                process.waitUntilExit()
                try? FileManager.default.removeItem(at: output)
            }
            let bound = try #require(try await Self.listeningPort(process, output))
            let client = wideClient()
            func status(_ token: String?) async throws -> UInt {
                let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
                let response = try await client.execute(
                    proxied(bound, "https://queue.fal.run/fal-ai/hold/requests/c/status", headers: headers), timeout: .seconds(5))
                _ = try await response.body.collect(upTo: 1 << 16)
                return response.status.code
            }
            do {
                #expect(try await status(nil) == 401)
                #expect(try await status("wrong") == 401)
                #expect(try await status("s3cret-token") == 200)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
            let log = String(decoding: (try? Data(contentsOf: output)) ?? Data(), as: UTF8.self)
            #expect(!log.contains("s3cret-token"), "the token reached the log")
        }
    }
}
