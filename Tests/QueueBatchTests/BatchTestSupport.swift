import Foundation
import QueueBatch
import QueueRuntime
import QueueSimulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the batch tests share: input files, a fast local queue server, the built executable.
enum BatchTestSupport {
    static let endpointID = "fal-ai/flux-1/schnell/redux"
    /// A 1×1 PNG: the local queue server reads data URIs (it does not fetch remote images).
    static let image = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

    /// A fresh folder under the temporary directory.
    static func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("queue-batch-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `count` valid input lines (`replacing` swaps some, by 1-based line number), written to a file.
    static func inputs(_ count: Int, in folder: URL, replacing: [Int: String] = [:]) throws -> String {
        var text = ""
        text.reserveCapacity(count * 60)
        for line in 1...count {
            text += replacing[line] ?? "{\"image_url\":\"\(image)\",\"image_size\":{\"width\":64,\"height\":48},\"seed\":\(line)}"
            text += "\n"
        }
        let path = folder.appendingPathComponent("inputs.jsonl").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A local queue server whose jobs take a few milliseconds, with many workers.
    static func fastServer(seed: UInt64 = 23) throws -> QueueSimulator {
        var configuration = SimulatorConfiguration()
        configuration.workers = 256
        configuration.jobDuration = .milliseconds(5)
        configuration.logCount = 0
        configuration.seed = seed
        return try QueueSimulator.fluxRedux(configuration: configuration)
    }

    /// A client for `simulator`.
    static func client(_ simulator: QueueSimulator) -> QueueClient {
        var configuration = QueueClient.Configuration(queueBaseURL: simulator.queueBaseURL, credentials: nil)
        configuration.logger.logLevel = .critical
        return QueueClient(configuration: configuration)
    }

    /// The manifest's lines as JSON objects.
    static func manifest(_ folder: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: folder.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// `.build/<config>/queue-batch`, beside the test bundle.
    static var executable: URL {
        var directory = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("queue-batch").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("queue-batch")
    }

    /// Starts `queue-batch` against `simulator`; standard error goes to a log file, and standard
    /// output too unless `output` names a file of its own.
    /// `standardError`, when given, replaces the log as standard error (a pseudo-terminal).
    static func launch(
        _ arguments: [String], simulator: QueueSimulator, log: URL, output: URL? = nil, standardError: FileHandle? = nil
    ) throws -> Process {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        var outputHandle = handle
        if let output {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            outputHandle = try FileHandle(forWritingTo: output)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FAL_KEY"] = nil
        environment["FAL_KEY_ID"] = nil
        environment["FAL_KEY_SECRET"] = nil
        environment["FAL_QUEUE_RUN_HOST"] = simulator.queueBaseURL.absoluteString
        process.environment = environment
        process.standardOutput = outputHandle
        process.standardError = standardError ?? handle
        try process.run()
        return process
    }

    /// Waits (bounded) for `process` to exit; returns its status, or records an issue and kills it.
    static func exitStatus(_ process: Process, within seconds: Double) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("queue-batch did not exit within \(seconds) s")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Waits (bounded) until `condition` holds; false when the time ran out.
    static func wait(upTo seconds: Double, until condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}
