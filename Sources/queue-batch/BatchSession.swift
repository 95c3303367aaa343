import ArgumentParser
import Dispatch
import Foundation
import QueueBatch

/// Runs a batch in the foreground: progress on the terminal (or as JSON lines), Ctrl-C to stop
/// submitting, a second Ctrl-C to cancel the jobs in flight on the server.
enum BatchSession {
    static func run(_ runner: BatchRunner, jsonProgress: Bool) async throws {
        let display = ProgressDisplay(json: jsonProgress)
        let work = Task { try await runner.run() }
        let interrupts = Interrupts {
            Console.error(display.clearing + "Stopping: no new submits; the jobs in flight finish (Ctrl-C again cancels them on the server).")
            Task { await runner.stopSubmitting() }
        } second: {
            Console.error(display.clearing + "Cancelling the jobs in flight on the server; the journal stays resumable.")
            Task { await runner.stopSubmitting() }
            work.cancel()
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: display.interval)
                guard !Task.isCancelled else { break }
                display.show(await runner.progress.current())
            }
        }
        let result = await work.result
        ticker.cancel()
        // A tick under way writes its line before the live line is cleared, not after.
        await ticker.value
        interrupts.cancel()
        let summary: BatchSummary
        do { summary = try result.get() } catch {
            display.finish(nil)
            Console.error("queue-batch: \(error)")
            throw ExitCode.failure
        }
        display.finish(summary.run)
        let counts = summary.counts
        Console.error(
            "\(counts.completed)/\(counts.total) completed, \(counts.failed) failed, \(counts.unknown) unknown, \(counts.pending + counts.running) left, \(counts.resubmitted) resubmitted; "
                + "429s: \(summary.concurrency.throttles), lowest concurrency \(summary.concurrency.lowestLimit)")
        if !summary.unknownLines.isEmpty {
            Console.error(
                "unknown rows (a job may exist; run again with --resubmit-unknown to send them again): lines "
                    + summary.unknownLines.map(String.init).joined(separator: ", "))
        }
        if summary.stopped { throw ExitCode(130) }
        if counts.completed < counts.total { throw ExitCode.failure }
    }
}

/// Where progress goes: one live line on a terminal, a line every few seconds otherwise, or a
/// JSON object per tick on standard output.
final class ProgressDisplay: Sendable {
    let json: Bool
    let terminal: Bool

    init(json: Bool) {
        self.json = json
        terminal = isatty(STDERR_FILENO) == 1
    }

    var interval: Duration { json ? .milliseconds(200) : terminal ? .milliseconds(500) : .seconds(5) }

    /// What clears the live line before another message.
    var clearing: String { terminal && !json ? "\r\u{1B}[2K" : "" }

    func show(_ snapshot: ProgressSnapshot) {
        if json {
            FileHandle.standardOutput.write(Data((snapshot.json + "\n").utf8))
        } else if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + snapshot.line).utf8))
        } else {
            Console.error(snapshot.line)
        }
    }

    func finish(_ snapshot: ProgressSnapshot?) {
        if let snapshot, json { show(snapshot) }
        if terminal, !json { FileHandle.standardError.write(Data(clearing.utf8)) }
    }
}

/// Ctrl-C handling: the first and the second SIGINT call different handlers.
final class Interrupts {
    private let source: any DispatchSourceSignal

    init(first: @escaping @Sendable () -> Void, second: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: Interrupts.queue)
        let count = Counter()
        source.setEventHandler {
            if count.next() == 1 { first() } else { second() }
        }
        source.resume()
        self.source = source
    }

    /// The serial queue every SIGINT is handled on.
    static let queue = DispatchQueue(label: "queue-batch.interrupts")

    func cancel() { source.cancel() }
}

/// Counts SIGINTs. `@unchecked Sendable`: it is only touched on `Interrupts.queue`, a serial
/// queue, from the signal source's handler (no lock needed, and none could deadlock a handler).
final class Counter: @unchecked Sendable {
    private var value = 0

    func next() -> Int {
        value += 1
        return value
    }
}
