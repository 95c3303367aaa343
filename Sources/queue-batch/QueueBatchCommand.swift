import ArgumentParser
import Foundation
import QueueBatch
import QueueBatchPostgres
import QueueBatchSpec
import QueueRuntime

@main
struct QueueBatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue-batch",
        abstract: "Runs a file of inputs through a queue endpoint, journaled so that it survives crashes and can be resumed.",
        subcommands: [RunCommand.self, StatusCommand.self, RetryFailedCommand.self])
}

/// The options every subcommand shares.
struct JournalOptions: ParsableArguments {
    @Option(help: "The journal: a SQLite file path, or a postgres:// URL.")
    var journal: String

    @Option(help: "The batch's name in the journal.")
    var batch: String = "default"

    @Option(help: "PostgreSQL journals: seconds a worker holds its rows without renewing; after that another worker takes them over.")
    var leaseSeconds: Int = 30

    func validateLease() throws {
        guard leaseSeconds >= 2, leaseSeconds <= 3_600 else { throw ValidationError("--lease-seconds must be 2…3600, got \(leaseSeconds)") }
    }

    /// Opens the journal; `exclusive` for commands that run jobs (SQLite: one process at a time).
    func open(exclusive: Bool, worker: String) async throws -> OpenedJournal {
        try validateLease()
        if JournalLocation.isPostgres(journal) {
            let postgres = try await PostgresJournal(url: journal, worker: worker, lease: .seconds(leaseSeconds))
            return OpenedJournal(journal: postgres, close: { await postgres.close() })
        }
        let sqlite = try SQLiteJournal(path: (journal as NSString).expandingTildeInPath, exclusive: exclusive, lease: .seconds(leaseSeconds))
        return OpenedJournal(journal: sqlite, close: {})
    }

    /// Batch options with this process's worker name and a renewal at a third of the lease.
    func batchOptions(worker: String, concurrency: Int, maxAttempts: Int, resubmitUnknown: Bool, download: Bool) -> BatchOptions {
        BatchOptions(
            batch: batch, concurrency: concurrency, maxAttempts: maxAttempts, resubmitUnknown: resubmitUnknown, download: download, worker: worker,
            leaseRenewal: .milliseconds(leaseSeconds * 1000 / 3))
    }
}

/// An open journal and how to close it (the PostgreSQL pool must be stopped).
struct OpenedJournal {
    let journal: any BatchJournal
    let close: @Sendable () async -> Void
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Runs (or resumes) a batch.")

    @Argument(help: "The endpoint id, such as fal-ai/flux-1/schnell: any endpoint of fal's catalog, or the one --spec declares.")
    var endpointID: String

    @Option(help: "The inputs: one JSON object per line.")
    var inputs: String

    @OptionGroup var journalOptions: JournalOptions

    @Option(help: "The output folder: manifest.jsonl, <line>.json and downloaded files.")
    var out: String

    @Option(help: "The most jobs in flight; 429s lower it for a while.")
    var concurrency: Int = 16

    @Flag(help: "Save the files each output references as <line>-<n>.<ext>.")
    var download = false

    @Flag(help: "Resubmit rows whose POST may have made a job (a duplicate, billed job is possible).")
    var resubmitUnknown = false

    @Option(help: "POSTs per input at most, where the failure is retryable.")
    var maxAttempts: Int = 3

    @Flag(help: "Journal invalid lines as failed instead of refusing the whole file.")
    var skipInvalid = false

    @Flag(help: "Progress as one JSON object per line on standard output.")
    var jsonProgress = false

    @Option(help: "Send every request through this proxy URL (the proxy holds the key).")
    var proxy: String?

    @Option(help: "An OpenAPI document declaring ENDPOINT_ID: lines are checked against its input schema (for endpoints outside fal's catalog).")
    var spec: String?

    func validate() throws {
        guard concurrency >= 1, concurrency <= 10_000 else { throw ValidationError("--concurrency must be 1…10000, got \(concurrency)") }
        guard maxAttempts >= 1, maxAttempts <= 100 else { throw ValidationError("--max-attempts must be 1…100, got \(maxAttempts)") }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let check: InputCheck
        if let spec {
            check = try SpecInputCheck.load(spec: spec, endpointID: endpointID)
        } else if let typed = EndpointRegistry.check(for: endpointID) {
            check = typed
        } else {
            throw ValidationError(EndpointRegistry.unknownEndpointMessage(endpointID))
        }
        let client = try ClientSetup.client(proxy: proxy)
        let worker = BatchOptions.defaultWorker()
        let opened = try await journalOptions.open(exclusive: true, worker: worker)
        do {
            let folder = try OutputFolder(path: out)
            do {
                _ = try await InputRegistration.register(
                    path: inputs, check: check, journal: opened.journal, batch: journalOptions.batch, outputFolder: folder.url.path,
                    download: download, skipInvalid: skipInvalid)
            } catch let error as InvalidInputLines {
                Console.error(error.description)
                throw ExitCode(65)
            }
            let options = journalOptions.batchOptions(
                worker: worker, concurrency: concurrency, maxAttempts: maxAttempts, resubmitUnknown: resubmitUnknown, download: download)
            let runner = try BatchRunner(client: client, journal: opened.journal, endpointID: endpointID, folder: folder, options: options)
            try await BatchSession.run(runner, jsonProgress: jsonProgress)
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Prints how many rows are in each state.")

    @OptionGroup var journalOptions: JournalOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        let opened = try await journalOptions.open(exclusive: false, worker: BatchOptions.defaultWorker())
        do { try await report(opened.journal) } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }

    func report(_ journal: any BatchJournal) async throws {
        guard try await journal.info(batch: journalOptions.batch) != nil else {
            throw ValidationError("the journal \(journalOptions.journal) has no batch named \(journalOptions.batch)")
        }
        let counts = try await journal.counts(batch: journalOptions.batch)
        if json {
            print(counts.json)
            return
        }
        print(
            "\(counts.total) inputs: \(counts.completed) completed, \(counts.failed) failed, \(counts.running) running, \(counts.pending) pending, \(counts.unknown) unknown, \(counts.resubmitted) resubmitted"
        )
        if counts.unknown > 0 {
            let lines = try await journal.unknownLines(batch: journalOptions.batch, limit: 1_000)
            print("unknown (a job may exist; --resubmit-unknown sends them again): lines " + lines.map(String.init).joined(separator: ", "))
        }
    }
}

struct RetryFailedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry-failed", abstract: "Runs the failed rows of a batch again, into the batch's output folder.")

    @OptionGroup var journalOptions: JournalOptions

    @Option(help: "The most jobs in flight.")
    var concurrency: Int = 16

    @Flag(help: "Progress as one JSON object per line on standard output.")
    var jsonProgress = false

    @Option(help: "Send every request through this proxy URL (the proxy holds the key).")
    var proxy: String?

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let client = try ClientSetup.client(proxy: proxy)
        let worker = BatchOptions.defaultWorker()
        let opened = try await journalOptions.open(exclusive: true, worker: worker)
        do {
            let journal = opened.journal
            guard let info = try await journal.info(batch: journalOptions.batch) else {
                throw ValidationError("the journal \(journalOptions.journal) has no batch named \(journalOptions.batch)")
            }
            let count = try await journal.retryFailed(batch: journalOptions.batch)
            Console.error("\(count) failed row(s) will be run again")
            let options = journalOptions.batchOptions(worker: worker, concurrency: concurrency, maxAttempts: 3, resubmitUnknown: false, download: info.download)
            let runner = try BatchRunner(
                client: client, journal: journal, endpointID: info.endpointID, folder: try OutputFolder(path: info.outputFolder), options: options)
            try await BatchSession.run(runner, jsonProgress: jsonProgress)
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }
}
