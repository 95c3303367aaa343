import Foundation
import QueueSimulator
import Testing
import QueueTestSupport

/// The real `flux-redux` executable, with no key in its environment, runs a job through the proxy
/// in front of the local queue server (which refuses requests without the key).
@Suite(.serialized) struct FluxReduxThroughProxyTests {
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

    @Test func fluxReduxRunsAJobThroughQueueProxyWithoutAKey() async throws {
        try await withSimulator(simulatorConfiguration(publicBase: URL(string: "https://queue.fal.run")!)) { simulator in
            try await withProxy(upstream: simulator.queueBaseURL, allowedEndpoints: ["fal-ai/flux-1/schnell/redux"]) { proxyURL in
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flux-redux-proxy-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: folder) }
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("flux-redux-proxy-\(UUID().uuidString).log")
                defer { try? FileManager.default.removeItem(at: log) }
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                let handle = try FileHandle(forWritingTo: log)
                let process = Process()
                process.executableURL = Self.executable
                process.arguments = [Self.sampleImage, "--proxy", proxyURL.absoluteString, "--out", folder.path, "--size", "64x48"]
                var environment = ProcessInfo.processInfo.environment
                for name in ["FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "FAL_QUEUE_RUN_HOST", "FAL_RUN_HOST"] { environment[name] = nil }
                process.environment = environment
                process.standardOutput = handle
                process.standardError = handle
                let exited = AsyncStream<Int32>.makeStream()
                process.terminationHandler = { exited.continuation.yield($0.terminationStatus) }
                try process.run()
                let status = try await within(.seconds(60)) { () -> Int32 in
                    for await status in exited.stream { return status }
                    return -1
                }
                try handle.close()
                let text = String(decoding: try Data(contentsOf: log), as: UTF8.self)
                #expect(status == 0, "flux-redux failed: \(text)")
                #expect(text.contains("Using the proxy"))
                let saved = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                #expect(saved.count == 1, "saved: \(saved)")
                let statistics = simulator.statistics
                #expect(statistics.unauthorized == 0)
                #expect(statistics.jobsSubmitted == 1)
                #expect(statistics.requests[.upload, default: 0] >= 2)  // the sample image went up through the proxy
                #expect(!text.contains(simulatorKey))
            }
        }
    }
}
