import Foundation
import ServerTestSupport
import Hummingbird
import Logging
import QueueProxy
import QueueRuntime
import QueueSimulator
import Testing

extension FluxReduxCommandTests {
    @Test("--realtime sends each --seed as one input over one session and saves every output")
    func realtimeSavesAnOutputPerSeed() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("flux-redux-rt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let (process, log) = try launch(
            [Self.sampleImage, "--realtime", "--seed", "11", "--seed", "22", "--seed", "33", "--format", "png", "--size", "64x48",
             "--out", output.path],
            simulator: nil)
        let status = try await exitStatus(process, within: 120)
        let text = String(decoding: try Data(contentsOf: log), as: UTF8.self)
        #expect(status == 0, "\(text)")
        for seed in [11, 22, 33] { #expect(text.contains("(seed \(seed))"), "\(text)") }
        let files = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".png") }
        #expect(files.count == 3, "\(files)")
        for file in files {
            let data = try Data(contentsOf: output.appendingPathComponent(file))
            let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 64 && height == 48)
        }
    }

    @Test("--seed twice without --realtime is refused")
    func repeatedSeedNeedsRealtime() async throws {
        let (process, log) = try launch([Self.sampleImage, "--seed", "1", "--seed", "2"], simulator: nil)
        let status = try await exitStatus(process, within: 60)
        #expect(status != 0)
        #expect(String(decoding: try Data(contentsOf: log), as: UTF8.self).contains("--seed can be repeated only with --realtime"))
    }
}

extension FluxReduxCommandTests {
    @Test("--realtime --proxy: the token comes through queue-proxy; the command's process has no key")
    func realtimeThroughTheProxyWithoutAKey() async throws {
        let key = "cmd-key-id:cmd-key-secret"
        var configuration = SimulatorConfiguration()
        configuration.apiKey = key
        try await Self.withServer(configuration) { simulator in
            try await Self.withProxy(key: key, upstream: simulator.queueBaseURL) { proxyURL in
                let output = FileManager.default.temporaryDirectory.appendingPathComponent("flux-redux-rtp-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: output) }
                // launch() removes FAL_KEY, FAL_KEY_ID and FAL_KEY_SECRET from the child's environment; --sync puts the
                // images inline (the simulator's file URLs are plain http, which a proxy does not forward).
                let (process, log) = try launch(
                    [Self.sampleImage, "--realtime", "--proxy", proxyURL.absoluteString, "--seed", "5", "--format", "png", "--sync",
                     "--size", "32x32", "--out", output.path],
                    simulator: nil, environment: ["FAL_RUN_HOST": simulator.syncBaseURL.absoluteString])
                let status = try await exitStatus(process, within: 120)
                let text = String(decoding: try Data(contentsOf: log), as: UTF8.self)
                #expect(status == 0, "\(text)")
                #expect(text.contains("no key in this process"))
                #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".png") }.count == 1)
                let statistics = simulator.realtimeStatistics
                #expect(statistics.tokensIssued == 1 && statistics.sessionsOpened == 1 && statistics.sessionsRefused == 0)
            }
        }
    }

    /// A queue-proxy holding `key` in front of `upstream`, on an ephemeral loopback port.
    static func withProxy<T>(key: String, upstream: URL, _ body: (URL) async throws -> T) async throws -> T {
        var logger = Logger(label: "flux-redux-test")
        logger.logLevel = .critical
        let httpClient = QueueProxy.makeHTTPClient()
        var configuration = QueueProxy.Configuration(credentials: Credentials(key: key), upstream: .singleServer(upstream))
        configuration.logger = logger
        let router = Router()
        QueueProxy(configuration: configuration, httpClient: httpClient).addRoutes(to: router)
        do {
            let result = try await ServerTestSupport.withServer(router, name: "flux-redux-test", logger: logger) { base in
                try await body(base.appendingPathComponent("api/fal/proxy"))
            }
            try await httpClient.shutdown()
            return result
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }
}
