import Foundation
import QueueSimulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the real `flux-redux` executable against a queue server started in this process.
@Suite("flux-redux, the command", .serialized)
struct FluxReduxCommandTests {
    /// `.build/<config>/flux-redux`, beside the test bundle.
    static var executable: URL {
        var directory = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("flux-redux").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("flux-redux")
    }

    static var sampleImage: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Examples/sample.png").path
    }

    /// Starts flux-redux pointed at `simulator`, with its output collected in a file.
    func launch(_ arguments: [String], simulator: QueueSimulator?, environment extra: [String: String] = [:]) throws -> (Process, URL) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("flux-redux-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FAL_KEY"] = nil
        environment["FAL_KEY_ID"] = nil
        environment["FAL_KEY_SECRET"] = nil
        environment["FAL_QUEUE_RUN_HOST"] = simulator.map { $0.queueBaseURL.absoluteString }
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, log)
    }

    /// Waits (bounded) for the process to exit; returns its status.
    func exitStatus(_ process: Process, within seconds: Double) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            Issue.record("flux-redux did not exit within \(seconds) s")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs `body` with a started server and stops it afterwards, awaited, on success and failure.
    static func withServer<T>(_ configuration: SimulatorConfiguration, _ body: (QueueSimulator) async throws -> T) async throws -> T {
        let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
        return try await simulator.whileRunning(body)
    }

    @Test("Ctrl-C during a run cancels the job on the server")
    func interruptCancelsTheJob() async throws {
        var configuration = SimulatorConfiguration()
        configuration.jobDuration = .seconds(30)
        configuration.logCount = 30
        try await Self.withServer(configuration) { simulator in
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("flux-redux-out-\(UUID().uuidString)")
            let (process, log) = try launch([Self.sampleImage, "--out", output.path], simulator: simulator)

            // Wait for the job to be running on the server: an event, bounded in time.
            let deadline = Date().addingTimeInterval(60)
            var requestID: String?
            while Date() < deadline, requestID == nil {
                requestID = simulator.requestIDs.first { simulator.jobState($0) == .inProgress }
                if requestID == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let id = try #require(requestID, "the job never started: \(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self))")
            kill(process.processIdentifier, SIGINT)
            let status = try await exitStatus(process, within: 30)
            let text = String(decoding: try Data(contentsOf: log), as: UTF8.self)
            #expect(status == 130, "\(text)")
            // The cancel request reached the server before the command exited; the running job stops
            // at its next step.
            #expect(simulator.statistics.requests[.cancel] == 1)
            let stopBy = Date().addingTimeInterval(10)
            while simulator.jobState(id) != .cancelled, Date() < stopBy { try await Task.sleep(for: .milliseconds(20)) }
            #expect(simulator.jobState(id) == .cancelled)
            #expect(simulator.statistics.jobsCancelled == 1)
            #expect(text.contains(id))
        }
    }

    @Test("an injected 429 and dropped connections still end with real image files")
    func recoversFromFaults() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("flux-redux-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let (process, log) = try launch(
            [Self.sampleImage, "--num-images", "2", "--format", "png", "--size", "320x240", "--simulate-faults",
             "--simulated-job-seconds", "0.3", "--out", output.path],
            simulator: nil)
        let status = try await exitStatus(process, within: 120)
        let text = String(decoding: try Data(contentsOf: log), as: UTF8.self)
        #expect(status == 0, "\(text)")
        // The faults were really injected (a count of 0 would make this test prove nothing).
        let injected = text.firstMatch(of: /Local queue: (\d+) fault\(s\) injected/).flatMap { Int($0.1) }
        #expect((injected ?? 0) > 0, "\(text)")
        let files = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".png") }.sorted()
        #expect(files.count == 2)
        for file in files {
            let data = try Data(contentsOf: output.appendingPathComponent(file))
            #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            // IHDR: width and height, big-endian, at bytes 16..<24.
            let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 320 && height == 240)
        }
    }
}
