import Foundation

/// `DIR/manifest.jsonl`: one line per input, in line order, from the journal.
///
/// Written page by page into a temporary file that then replaces the manifest, so a reader never
/// sees half of one and memory holds one page of rows.
public enum Manifest {
    /// Rows read from the journal at a time.
    static let page = 1_000

    /// Writes the manifest of `batch` into `folder`; returns its path.
    @discardableResult
    public static func write(batch: String, journal: any BatchJournal, folder: OutputFolder) async throws -> String {
        let target = folder.url.appendingPathComponent("manifest.jsonl")
        let temporary = folder.url.appendingPathComponent(".manifest.jsonl.\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporary.path) else {
            throw BatchError("cannot write \(temporary.path)")
        }
        do {
            var after = 0
            while true {
                let rows = try await journal.rows(batch: batch, after: after, limit: page)
                guard let last = rows.last else { break }
                var text = ""
                for row in rows { text += line(row) + "\n" }
                try handle.write(contentsOf: Data(text.utf8))
                after = last.line
            }
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        if rename(temporary.path, target.path) != 0 {
            throw BatchError("cannot replace \(target.path) (errno \(errno))")
        }
        return target.path
    }

    /// One manifest line: `line`, `request_id`, `status`, `output`, `files`, `error`, `attempts`.
    public static func line(_ row: BatchRow) -> String {
        var text = "{\"line\":\(row.line),\"request_id\":" + (row.requestID.map(quoted) ?? "null")
        text += ",\"status\":" + quoted(row.state.rawValue)
        text += ",\"output\":" + (row.output ?? "null")
        text += ",\"files\":[" + row.files.map(quoted).joined(separator: ",") + "]"
        text += ",\"error\":" + (row.error.map(quoted) ?? "null")
        text += ",\"attempts\":\(row.attempts)}"
        return text
    }

    /// `text` as a JSON string, escaped as the outputs are (`OutputText.quote`).
    static func quoted(_ text: String) -> String {
        var out = ""
        OutputText.quote(text, to: &out)
        return out
    }
}
