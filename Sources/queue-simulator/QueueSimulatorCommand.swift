import ArgumentParser
import Foundation
import QueueSimulator
import QueueSpec

/// `queue-simulator`: runs the local queue server until interrupted.
@main
struct QueueSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-simulator",
        abstract: "A local stand-in for fal's queue API (FLUX.1 [schnell] Redux by default).")

    @Option(help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8787

    @Option(help: "The API key clients must send as 'Key <k>' or 'Bearer <k>'. Without it, any request is accepted.")
    var key: String?

    @Option(help: "How many jobs run at once.")
    var workers = 2

    @Option(name: .customLong("job-duration-ms"), help: "How long each job stays IN_PROGRESS, in milliseconds.")
    var jobDurationMilliseconds = 200

    @Option(help: "Log lines per job.")
    var logCount = 3

    @Option(help: "Seed for every random choice.")
    var seed: UInt64 = 0

    @Option(help: "The base URL written into the URLs it answers with (such as https://queue.fal.run, behind queue-proxy --upstream).")
    var publicBaseURL: String?

    @Option(name: .customLong("spec"), help: ArgumentHelp(
        "An OpenAPI document, or a folder of them (every .json, .yaml and .yml under it), to serve instead of the bundled FLUX.1 [schnell] Redux spec; repeatable.",
        valueName: "file-or-folder"))
    var specs: [String] = []

    @Flag(help: "Read a $ref to a schema the document does not define as arbitrary JSON instead of refusing the document (11 of fal's catalog need it).")
    var allowUnresolvedRefs = false

    func run() async throws {
        var configuration = SimulatorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.apiKey = key
        configuration.workers = workers
        configuration.jobDuration = .milliseconds(jobDurationMilliseconds)
        configuration.logCount = logCount
        configuration.seed = seed
        if let publicBaseURL {
            guard let url = URL(string: publicBaseURL), url.scheme != nil, url.host != nil else {
                throw ValidationError("--public-base-url must be an absolute URL, got \(publicBaseURL)")
            }
            configuration.publicBaseURL = url
        }
        let simulator: QueueSimulator
        if specs.isEmpty {
            simulator = try QueueSimulator.fluxRedux(configuration: configuration)
        } else {
            simulator = try QueueSimulator(
                configuration: configuration, documentFiles: specs, options: LoadOptions(allowUnresolvedReferences: allowUnresolvedRefs))
        }
        try await simulator.start()
        var lines = ["queue-simulator listening on \(simulator.queueBaseURL.absoluteString)"]
        let endpointIDs = simulator.endpointIDs
        lines.append("  serving: " + (endpointIDs.count == 1 ? endpointIDs[0] : "\(endpointIDs.count) endpoints"))
        lines.append("  queue:   \(simulator.queueBaseURL.absoluteString)/{endpoint id}")
        lines.append("  sync:    \(simulator.syncBaseURL.absoluteString)/{endpoint id}")
        lines.append("  storage: \(simulator.storageBaseURL.absoluteString)/storage/upload/initiate")
        lines.append("  stats:   \(simulator.queueBaseURL.absoluteString)/_simulator/statistics")
        lines.append("  specs:   \(simulator.queueBaseURL.absoluteString)\(QueueSimulator.openAPIDocumentPath)?endpoint_id={endpoint id}")
        if let key {
            lines.append("  key:     send 'Authorization: Key \(key)' (or FAL_KEY=\(key))")
        } else {
            lines.append("  key:     none required (any Authorization header is accepted)")
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        let signals = AsyncStream<Int32> { continuation in
            let sources = [SIGINT, SIGTERM].map { value in
                signal(value, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: value)
                source.setEventHandler { continuation.yield(value) }
                source.resume()
                return source
            }
            nonisolated(unsafe) let retained = sources
            continuation.onTermination = { _ in retained.forEach { $0.cancel() } }
        }
        for await _ in signals { break }
        await simulator.stop()
    }
}
