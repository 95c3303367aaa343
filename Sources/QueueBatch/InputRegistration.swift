import Foundation

/// The input file was checked and some lines are invalid: nothing was sent or journaled.
public struct InvalidInputLines: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// The first problems found, in line order (at most `InputRegistration.problemsShown`).
    public var problems: [InputProblem]
    /// How many lines are invalid in all.
    public var invalidLines: Int

    public var description: String {
        var text = "\(invalidLines) invalid line(s) in \(path); nothing was submitted:\n"
        text += problems.map { "\(path):\($0)" }.joined(separator: "\n")
        if invalidLines > problems.count { text += "\n… and more (\(invalidLines) lines in all)" }
        return text
    }
}

/// Reads the input file into the journal: every line decoded and validated before anything is
/// sent, streamed so memory does not grow with the number of lines.
public enum InputRegistration {
    /// How many problems an error lists.
    public static let problemsShown = 100
    /// Rows per journal transaction while registering.
    static let chunk = 2_000

    /// What the first pass found.
    struct Scan {
        var lines = 0
        var invalidLines = 0
        var problems: [InputProblem] = []
        var digest = ""
    }

    /// Checks every line of `path`, then (when all are valid, or `skipInvalid`) journals them
    /// under `batch` unless an earlier run did. Returns the batch as stored.
    public static func register(
        path: String, check: InputCheck, journal: any BatchJournal, batch: String, outputFolder: String, download: Bool,
        skipInvalid: Bool
    ) async throws -> BatchInfo {
        let scan = try scan(path: path, check: check)
        if scan.invalidLines > 0, !skipInvalid {
            throw InvalidInputLines(path: path, problems: scan.problems, invalidLines: scan.invalidLines)
        }
        let info = BatchInfo(
            name: batch, endpointID: check.endpointID, inputDigest: scan.digest, lineCount: scan.lines, outputFolder: outputFolder,
            download: download)
        if let stored = try await journal.open(info) { return stored }
        var reader = try LineReader(path: path)
        var valid: [(line: Int, input: String)] = []
        var invalid: [(line: Int, input: String, error: String)] = []
        while let line = try reader.next() {
            guard !isBlank(line) else { continue }
            let number = reader.lineNumber
            let problems = skipInvalid ? check.check(line, number: number) : []
            let text = String(decoding: line, as: UTF8.self)
            if problems.isEmpty { valid.append((number, text)) } else {
                invalid.append((number, text, problems.map(\.description).joined(separator: "; ")))
            }
            if valid.count >= chunk {
                try await journal.insertPending(valid, batch: batch)
                valid.removeAll(keepingCapacity: true)
            }
            if invalid.count >= chunk {
                try await journal.insertInvalid(invalid, batch: batch)
                invalid.removeAll(keepingCapacity: true)
            }
        }
        try await journal.insertPending(valid, batch: batch)
        try await journal.insertInvalid(invalid, batch: batch)
        guard reader.digestText == scan.digest else {
            throw BatchError("the input file \(path) changed while it was being read; run the command again")
        }
        try await journal.finishRegistration(batch: batch)
        return info
    }

    /// The first pass: every line checked, nothing kept but the first problems.
    static func scan(path: String, check: InputCheck) throws -> Scan {
        var reader = try LineReader(path: path)
        var scan = Scan()
        while let line = try reader.next() {
            guard !isBlank(line) else { continue }
            scan.lines += 1
            let problems = check.check(line, number: reader.lineNumber)
            guard !problems.isEmpty else { continue }
            scan.invalidLines += 1
            for problem in problems where scan.problems.count < problemsShown { scan.problems.append(problem) }
        }
        scan.digest = reader.digestText
        return scan
    }

    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}
