import ArgumentParser
import Dispatch
import FluxRedux
import Foundation
import QueueRuntime
import QueueSimulator

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `flux-redux IMAGE [options]`: image variations with FLUX.1 [schnell] Redux through the queue.
///
/// With `FAL_KEY` set it talks to fal (or to `FAL_QUEUE_RUN_HOST`); without it, it starts the
/// local queue server in-process. Shows queue position, logs and elapsed time while the job runs,
/// saves the images into `--out` and prints their paths. Ctrl-C cancels the job on the server.
@main
struct FluxReduxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flux-redux",
        abstract: "Generates variations of an image with FLUX.1 [schnell] Redux on the fal queue.",
        discussion: """
            With FAL_KEY set, talks to fal (or to FAL_QUEUE_RUN_HOST); without it, runs against a \
            local queue server started in-process, whose images are synthetic.
            Ctrl-C cancels the job on the server. A job left running can be picked up with --resume.
            """)

    @Argument(help: "The image: a local file or an http(s) or data: URL. Not needed with --resume.")
    var image: String?

    @Option(help: "The seed (the same seed and input give the same images). With --realtime, repeat it: one input per seed.")
    var seed: [Int64] = []

    @Flag(help: "Send the input over one realtime WebSocket session (one input per --seed) and save every output.")
    var realtime = false

    @Option(name: .customLong("num-images"), help: "How many images to generate, 1 to 4.")
    var numImages: Int?

    @Option(help: "square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9, or WIDTHxHEIGHT such as 1024x768.")
    var size: String?

    @Option(help: "Inference steps, 1 to 12.")
    var steps: Int?

    @Option(help: "The image format: jpeg or png.")
    var format: ImageFormatArgument?

    @Flag(help: "Ask for the images inline as data URIs (sync_mode), not as URLs.")
    var sync = false

    @Option(help: "The folder to save the images into.")
    var out = "./flux-redux-output"

    @Option(help: ArgumentHelp("Follow a job submitted earlier instead of submitting one.", valueName: "request-id"))
    var resume: String?

    @Option(help: ArgumentHelp("Give up after this many seconds, cancelling the job on the server.", valueName: "seconds"))
    var timeout: Double = 600

    @Option(name: .customLong("max-image-mb"), help: ArgumentHelp("The largest image to download, in MiB.", valueName: "MiB"))
    var maxImageMB: Int = 64
    @Option(help: "Send every request through this proxy (an app's queue-proxy, such as http://127.0.0.1:3333/api/fal/proxy) instead of holding a key.")
    var proxy: String?

    @Option(help: .hidden)
    var simulatedJobSeconds: Double = 3

    @Flag(help: .hidden)
    var simulateFaults = false

    func validate() throws {
        if image == nil && resume == nil { throw ValidationError("give an IMAGE (a file or URL), or --resume REQUEST_ID") }
        if seed.count > 1 && !realtime { throw ValidationError("--seed can be repeated only with --realtime") }
        if realtime && resume != nil { throw ValidationError("--realtime sends a new input; it cannot --resume a job") }
        if let size { _ = try Self.imageSize(size) }
        // The id goes into URL paths: only what a request id can look like.
        if let resume, !QueueClient.isValidRequestID(resume) {
            throw ValidationError("--resume takes a request id (letters, digits, '-', '_', '.'), not '\(Console.printable(resume))'")
        }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        guard maxImageMB > 0 else { throw ValidationError("--max-image-mb must be positive") }
    }

    /// `square_hd` → a preset, `1024x768` → a custom size.
    static func imageSize(_ text: String) throws -> Flux1SchnellRedux.ImageSize {
        let parts = text.lowercased().split(separator: "x")
        if parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) {
            return .custom(.init(width: width, height: height))
        }
        let preset = Flux1SchnellRedux.ImageSize.Preset(rawValue: text)
        guard preset.isKnown else {
            let presets = Flux1SchnellRedux.ImageSize.Preset.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--size must be \(presets) or WIDTHxHEIGHT, not '\(text)'")
        }
        return .preset(preset)
    }

    /// The image argument as a file input: URLs as they are, anything else as a local file.
    static func fileInput(_ text: String) throws -> FileInput {
        let lowercased = text.lowercased()
        if lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://") || lowercased.hasPrefix("data:") {
            return .url(text)
        }
        let url = URL(fileURLWithPath: (text as NSString).expandingTildeInPath)
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw ValidationError("no readable image at \(text)")
        }
        return .localFile(url)
    }

    func run() async throws {
        // A closed pipe (`| head`) ends the output, not the process with a trap.
        signal(SIGPIPE, SIG_IGN)
        let console = Console()
        // Check the input before starting anything.
        var input: Flux1SchnellRedux.Input?
        if resume == nil {
            do {
                let made = try makeInput()
                let issues = made.validate()
                guard issues.isEmpty else { throw QueueError.invalidInput(issues) }
                input = made
            } catch {
                console.error(Self.describe(error))
                throw ExitCode.validationFailure
            }
        }
        var simulator: QueueSimulator?
        let client: QueueClient
        let environment = ProcessInfo.processInfo.environment
        let host = environment["FAL_QUEUE_RUN_HOST"].flatMap { $0.isEmpty ? nil : URL(string: $0.contains("://") ? $0 : "https://\($0)") }
        if let proxy {
            // Proxy mode: the proxy holds the key; this process sends none.
            guard let url = URL(string: proxy), url.scheme != nil, url.host != nil else {
                throw ValidationError("--proxy must be an absolute URL, got \(proxy)")
            }
            var configuration = QueueClient.Configuration.proxy(url)
            // --realtime's WebSocket goes to the run host directly (with a token the proxy got).
            if let runHost = environment["FAL_RUN_HOST"].flatMap({ $0.isEmpty ? nil : URL(string: $0.contains("://") ? $0 : "https://\($0)") }) {
                configuration.syncBaseURL = runHost
            }
            configuration.logger.logLevel = .error
            client = QueueClient(configuration: configuration)
            console.line("Using the proxy at \(url.absoluteString) (no key in this process).")
        } else if Credentials.fromEnvironment(environment) != nil {
            // The hosted service (or FAL_QUEUE_RUN_HOST) with the key from the environment.
            var configuration = QueueClient.Configuration()
            configuration.logger.logLevel = .error
            client = QueueClient(configuration: configuration)
        } else if let host {
            // A queue server without a key, such as `queue-simulator`: it also takes the uploads.
            var configuration = QueueClient.Configuration(queueBaseURL: host, credentials: nil)
            configuration.logger.logLevel = .error
            client = QueueClient(configuration: configuration)
            console.line("No FAL_KEY set: using the queue server at \(host.absoluteString) (FAL_QUEUE_RUN_HOST).")
        } else {
            var settings = SimulatorConfiguration()
            settings.jobDuration = .milliseconds(Int(simulatedJobSeconds * 1000))
            settings.logCount = 4
            if simulateFaults {
                settings.faults = [
                    Fault(route: .submit, kind: .httpStatus(429, retryAfter: 1)),
                    Fault(route: .statusStream, kind: .dropConnection),
                    Fault(route: .result, kind: .dropConnection),
                ]
            }
            let server = try QueueSimulator.fluxRedux(configuration: settings)
            try await server.start()
            simulator = server
            var configuration = QueueClient.Configuration(queueBaseURL: server.queueBaseURL, credentials: nil)
            configuration.logger.logLevel = .error
            client = QueueClient(configuration: configuration)
            console.line("No FAL_KEY set: using a local queue server at \(server.queueBaseURL.absoluteString) (synthetic images).")
        }

        let outcome: Outcome
        if realtime, let input {
            outcome = await runRealtime(client: client, base: input, console: console)  // RealtimeRun.swift
        } else {
            outcome = await runCancellable(client: client, input: input, inProcess: simulator != nil, console: console)
        }
        if let simulator {
            if simulateFaults {
                let statistics = simulator.statistics
                console.line("Local queue: \(statistics.faultsApplied) fault(s) injected, \(statistics.jobsCompleted) job(s) completed, \(statistics.jobsCancelled) cancelled.")
            }
            await simulator.stop()
        }
        switch outcome {
        case .saved(let paths):
            for path in paths { console.line(path) }
        case .cancelled:
            throw ExitCode(130)
        case .failed(let message):
            console.error(message)
            throw ExitCode.failure
        }
    }

    /// How a run ended.
    enum Outcome: Sendable {
        case saved([String])
        case cancelled
        case failed(String)
    }

    /// Runs the job in a task that Ctrl-C cancels; the job is then cancelled on the server
    /// before this returns.
    func runCancellable(client: QueueClient, input: Flux1SchnellRedux.Input?, inProcess: Bool, console: Console) async -> Outcome {
        let submitted = JobBox()
        let work = Task { () async -> Outcome in
            do {
                return .saved(try await job(client: client, input: input, inProcess: inProcess, console: console, submitted: submitted))
            } catch {
                if Task.isCancelled || error is CancellationError || { if case QueueError.cancelled = error { return true } else { return false } }() {
                    return .cancelled
                }
                return .failed(Self.describe(error))
            }
        }
        signal(SIGINT, SIG_IGN)
        let interrupts = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "flux-redux.sigint"))
        let interrupted = OnceFlag()
        interrupts.setEventHandler {
            if interrupted.set() {
                // A second Ctrl-C: leave without waiting.
                console.finishLine()
                writeAll(2, "interrupted again: exiting without waiting for the cancel\n")
                #if canImport(Glibc)
                Glibc.exit(130)
                #else
                Darwin.exit(130)
                #endif
            }
            work.cancel()
        }
        interrupts.resume()
        // --timeout: the same path as Ctrl-C, with its own message.
        let timedOut = OnceFlag()
        let limit = timeout
        let timer = Task {
            try? await Task.sleep(for: .seconds(limit))
            guard !Task.isCancelled else { return }
            _ = timedOut.set()
            work.cancel()
        }
        var outcome = await work.value
        timer.cancel()
        let stopped = interrupted.isSet || timedOut.isSet
        if stopped, case .saved = outcome {
            // Ctrl-C or the deadline arrived after the images were saved: nothing to cancel.
        } else if stopped {
            outcome = .cancelled
        }
        if case .cancelled = outcome {
            console.finishLine()
            let why = timedOut.isSet && !interrupted.isSet ? "Timed out after \(limit.formatted()) s (--timeout)" : "Interrupted"
            if let job = submitted.get() {
                console.line("\(why): cancelling request \(job.requestID) on the server…")
                // Not a child of the cancelled task, so the request is really sent; bounded, so an
                // unanswered cancel cannot hold the command.
                let result = await Self.cancelWithin(.seconds(5), client: client, job: job)
                switch result {
                case .success(.cancellationRequested): console.line("Cancelled request \(job.requestID).")
                case .success(.alreadyCompleted): console.line("Request \(job.requestID) had already finished.")
                case .success(.notFound): console.line("The server does not know request \(job.requestID).")
                case .failure(let error as CancelUnanswered):
                    console.error("No answer to the cancel of request \(job.requestID) within \(error.seconds) s; it may still run on the server.")
                case .failure(let error): console.error("Could not cancel request \(job.requestID): \(Self.describe(error))")
                }
            } else {
                console.line("\(why) before a job was submitted.")
            }
            if timedOut.isSet && !interrupted.isSet {
                outcome = .failed("gave up after \(limit.formatted()) s (--timeout)" + (submitted.get().map { " waiting for request \($0.requestID)" } ?? " before a job was submitted"))
            }
        }
        interrupts.cancel()
        signal(SIGINT, SIG_DFL)
        return outcome
    }

    /// Cancels `job`, giving up after `limit`. Detached, so a Ctrl-C that cancelled the caller
    /// does not also cancel the cancel; the runtime's `race` bounds the wait.
    static func cancelWithin(_ limit: Duration, client: QueueClient, job: QueueJob<Flux1SchnellRedux.Output>) async -> Result<CancelOutcome, any Error> {
        await Task.detached {
            do {
                return .success(try await race(limit, onTimeout: { CancelUnanswered(seconds: Int(limit.components.seconds)) }) {
                    try await client.cancel(job)
                })
            } catch {
                return .failure(error)
            }
        }.value
    }

    /// Submits (or resumes), follows, fetches and saves; returns the saved paths.
    func job(client: QueueClient, input: Flux1SchnellRedux.Input?, inProcess: Bool, console: Console, submitted: JobBox) async throws -> [String] {
        let job: QueueJob<Flux1SchnellRedux.Output>
        if let resume {
            job = client.job(resuming: resume, endpoint: .flux1SchnellRedux)
            console.line("Resuming request \(resume).")
        } else {
            guard let input else { throw ValidationError("give an IMAGE") }
            // Not cancelled with the caller: a submit that reached the server must report its
            // request id so the job can be cancelled.
            let submitting = Task { try await client.submit(.flux1SchnellRedux, input) }
            job = try await submitting.value
            // The runtime refuses ids that are not plain text, so this prints nothing but the id.
            console.line(inProcess
                ? "Request id: \(job.requestID) (the local queue ends with this process, so it cannot be resumed)"
                : "Request id: \(job.requestID) (resume with: flux-redux --resume \(job.requestID))")
        }
        submitted.set(job)
        try Task.checkCancellation()

        let progress = Progress(console: console)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                progress.tick()
            }
        }
        defer { ticker.cancel() }
        let output: Flux1SchnellRedux.Output
        do {
            output = try await client.complete(job) { progress.update($0) }
        } catch {
            progress.finish(nil)
            throw error
        }
        progress.finish("done")
        return try await save(output, requestID: job.requestID, console: console, client: client)
    }

    func makeInput() throws -> Flux1SchnellRedux.Input {
        guard let image else { throw ValidationError("give an IMAGE") }
        return Flux1SchnellRedux.Input(
            imageURL: try Self.fileInput(image),
            numInferenceSteps: steps,
            imageSize: try size.map(Self.imageSize),
            seed: seed.first,
            syncMode: sync ? true : nil,
            numImages: numImages,
            outputFormat: format.map { $0 == .png ? .png : .jpeg })
    }

    /// Writes each image into `out`, downloading URLs and decoding data URIs.
    ///
    /// File names are built from sanitized parts (the request id's letters and digits, an index,
    /// an extension from a fixed list) and checked to stay inside `out`.
    func save(_ output: Flux1SchnellRedux.Output, requestID: String, console: Console, client: QueueClient) async throws -> [String] {
        guard !output.images.isEmpty else { throw FluxReduxError("the server finished request \(requestID) without any image") }
        let folder = URL(fileURLWithPath: (out as NSString).expandingTildeInPath).standardizedFileURL
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var paths: [String] = []
        let stem = Self.fileStem(requestID)
        for (index, image) in output.images.enumerated() {
            try Task.checkCancellation()
            let (data, contentType) = try await Self.fetch(image.url, client: client, maximumSize: maxImageMB << 20)
            guard !data.isEmpty else { throw FluxReduxError("image \(index + 1) of request \(requestID) is empty") }
            let type = contentType ?? image.contentType ?? "image/jpeg"
            let file = folder.appendingPathComponent("\(stem)-\(index + 1).\(Self.fileExtension(type))").standardizedFileURL
            guard file.deletingLastPathComponent().path == folder.path else {
                throw FluxReduxError("refusing to write outside \(out): \(Console.printable(file.path))")
            }
            try data.write(to: file, options: .atomic)
            paths.append(file.path)
        }
        console.line("Saved \(paths.count) image(s) into \(out) (seed \(output.seed)).")
        return paths
    }

    /// The start of a file name from a request id: its first 8 letters and digits, or `image`.
    static func fileStem(_ requestID: String) -> String {
        let kept = requestID.unicodeScalars.filter { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        let stem = String(String.UnicodeScalarView(kept.prefix(8)))
        return stem.isEmpty ? "image" : stem
    }

    /// The bytes of a `data:` URI or an http(s) URL, with their media type when known. URLs go
    /// through the client: plain http only to loopback, a size cap, the idle timeout.
    static func fetch(_ location: String, client: QueueClient, maximumSize: Int) async throws -> (Data, String?) {
        if location.hasPrefix("data:") {
            guard let comma = location.firstIndex(of: ",") else { throw FluxReduxError("a data URI without data") }
            let header = location[location.index(location.startIndex, offsetBy: 5)..<comma]
            let payload = String(location[location.index(after: comma)...])
            let type = header.split(separator: ";").first.map(String.init)
            let data = header.hasSuffix(";base64") ? Data(base64Encoded: payload) : payload.removingPercentEncoding.map { Data($0.utf8) }
            guard let data else { throw FluxReduxError("a data URI that does not decode") }
            guard data.count <= maximumSize else { throw FluxReduxError("an inline image larger than \(maximumSize >> 20) MiB (--max-image-mb)") }
            return (data, type?.isEmpty == false ? type : nil)
        }
        guard let url = URL(string: location), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw FluxReduxError("not an http(s) URL: \(Console.printable(String(location.prefix(80))))")
        }
        let (data, contentType) = try await client.download(url, maximumSize: maximumSize)
        return (data, contentType)
    }

    static func fileExtension(_ contentType: String) -> String {
        switch contentType.lowercased() {
        case "image/png": "png"
        case "image/webp": "webp"
        case "image/gif": "gif"
        default: "jpg"
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? QueueError {
            if case .invalidInput(let issues) = error {
                return "invalid input: " + issues.map(\.description).joined(separator: "; ")
            }
            return error.description
        }
        if let error = error as? ValidationError { return error.message }
        return "\(error)"
    }
}

/// Writes all of `text` to a file descriptor, ignoring failures such as a closed pipe.
func writeAll(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// `--format`.
enum ImageFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case jpeg, png
}

/// An error of this tool, with its message.
struct FluxReduxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The job once submitted, for the Ctrl-C handler.
final class JobBox: @unchecked Sendable {
    private let lock = NSLock()
    private var job: QueueJob<Flux1SchnellRedux.Output>?
    func set(_ job: QueueJob<Flux1SchnellRedux.Output>) { lock.withLock { self.job = job } }
    func get() -> QueueJob<Flux1SchnellRedux.Output>? { lock.withLock { job } }
}

/// A flag set once.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    /// Sets the flag; returns whether it was already set.
    func set() -> Bool { lock.withLock { defer { value = true }; return value } }
    var isSet: Bool { lock.withLock { value } }
}

/// Standard output: a progress line redrawn with `\r` on a terminal, plain lines otherwise.
final class Console: @unchecked Sendable {
    let isTerminal = isatty(1) == 1
    private let lock = NSLock()
    private var lineOpen = false

    /// `text` with control characters (ESC, CR, newlines, C1…) written as `\u{…}`, so text from a
    /// server cannot move the cursor, retitle or clear the terminal, or forge a line of its own.
    static func printable(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            // Controls always; format characters (bidi overrides…) too, but the zero-width joiner
            // that emoji sequences need.
            let category = scalar.properties.generalCategory
            if category == .control || (category == .format && scalar.value != 0x200D) {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Prints a line, above the progress line on a terminal.
    func line(_ text: String) {
        let text = Self.printable(text)
        lock.withLock {
            if lineOpen { write("\r\u{1B}[2K") }
            write(text + "\n")
            lineOpen = false
        }
    }

    /// Redraws the progress line (terminal) or prints it (otherwise).
    func progress(_ text: String) {
        let text = Self.printable(text)
        lock.withLock {
            if isTerminal {
                write("\r\u{1B}[2K" + text)
                lineOpen = true
            } else {
                write(text + "\n")
            }
        }
    }

    /// Ends an open progress line.
    func finishLine() {
        lock.withLock {
            if lineOpen { write("\n") }
            lineOpen = false
        }
    }

    func error(_ text: String) {
        finishLine()
        writeAll(2, "flux-redux: " + Self.printable(text) + "\n")
    }

    private func write(_ text: String) {
        writeAll(1, text)
    }
}

/// The job's state, position, new logs and elapsed time.
final class Progress: @unchecked Sendable {
    private let console: Console
    private let start = ContinuousClock.now
    private let lock = NSLock()
    private var state = "SUBMITTED"
    private var position: Int?
    private var seenLogs: Set<String> = []
    private var lastPlain = ""
    private var finished = false

    init(console: Console) { self.console = console }

    private var elapsed: String {
        let duration = ContinuousClock.now - start
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.1fs", seconds)
    }

    private func summary() -> String {
        var text = state == "IN_QUEUE" ? "in queue" : state == "IN_PROGRESS" ? "running" : state.lowercased()
        if let position, state == "IN_QUEUE" { text += ", position \(position)" }
        return "[\(elapsed)] \(text)"
    }

    /// A status from the server: prints new logs, then the progress line.
    func update(_ status: QueueStatus) {
        let (logs, line): ([String], String?) = lock.withLock {
            state = status.state.rawValue
            position = status.queuePosition
            var fresh: [String] = []
            for entry in status.logs ?? [] {
                let key = (entry.timestamp ?? "") + "|" + entry.message
                if seenLogs.insert(key).inserted { fresh.append(entry.description) }
            }
            var line: String? = summary()
            if !console.isTerminal {
                // Plain output: a line per change, not per tick.
                let key = state + "\(position ?? -1)"
                line = key == lastPlain ? nil : line
                lastPlain = key
            }
            return (fresh, line)
        }
        for log in logs { console.line("  log: \(log)") }
        if let line { console.progress(line) }
    }

    /// Redraws the elapsed time on a terminal.
    func tick() {
        guard console.isTerminal, let line = lock.withLock({ finished ? nil : summary() }) else { return }
        console.progress(line)
    }

    /// The last progress line.
    func finish(_ text: String?) {
        lock.withLock { finished = true }
        if let text {
            lock.withLock { state = text }
            // Plain output already has the last status line.
            if console.isTerminal {
                console.progress(lock.withLock { summary() })
                console.finishLine()
            }
        } else {
            console.finishLine()
        }
    }
}

/// A cancel that got no answer in time.
struct CancelUnanswered: Error {
    var seconds: Int
}

