import Foundation

/// A server-sent-event reader that is linear in the bytes received and bounded in memory.
///
/// Hand-written instead of swift-openapi-runtime's `asDecodedServerSentEvents()`: that line
/// splitter (`ServerSentEventsLineSequence`, 1.x) searches its whole buffer for a line end again
/// on every chunk and removes each line from the front of the buffer, so one long line costs time
/// quadratic in its length (10 MB: about a minute of CPU), and it has no limit on the size of a
/// line or an event. Here the search resumes where the previous chunk ended, consumed bytes are
/// dropped once per chunk, and a line or an event over `maximumSize` ends the stream with
/// `ServerSentEventTooLarge`.
struct ServerSentEventParser {
    /// The largest line, and the largest `data` of one event, in bytes.
    let maximumSize: Int
    private var buffer: [UInt8] = []
    /// Where the search for the next line end resumes.
    private var scanned = 0
    /// A CR ended the last line: an LF right after it belongs to the same line end.
    private var skipLF = false
    private var data: [UInt8] = []
    private var hasData = false

    init(maximumSize: Int) {
        self.maximumSize = maximumSize
    }

    /// Feeds a chunk; returns the `data` of every event it completed (events without data are
    /// skipped, as the specification says).
    mutating func consume(_ chunk: some Collection<UInt8>) throws(ServerSentEventTooLarge) -> [String] {
        buffer.append(contentsOf: chunk)
        var events: [String] = []
        var lineStart = 0
        var index = scanned
        while index < buffer.count {
            let byte = buffer[index]
            if skipLF {
                skipLF = false
                if byte == 0x0A, index == lineStart {
                    index += 1
                    lineStart = index
                    continue
                }
            }
            if byte == 0x0A || byte == 0x0D {
                if let event = try line(buffer[lineStart..<index]) { events.append(event) }
                skipLF = byte == 0x0D
                index += 1
                lineStart = index
            } else {
                index += 1
            }
        }
        buffer.removeFirst(lineStart)
        scanned = buffer.count
        if buffer.count > maximumSize { throw ServerSentEventTooLarge(what: "line", limit: maximumSize) }
        return events
    }

    /// One line: a field, a comment, or (empty) the end of an event.
    private mutating func line(_ line: ArraySlice<UInt8>) throws(ServerSentEventTooLarge) -> String? {
        if line.isEmpty {
            defer { data.removeAll(keepingCapacity: true); hasData = false }
            return hasData ? String(decoding: data, as: UTF8.self) : nil
        }
        if line.first == UInt8(ascii: ":") { return nil }  // a comment: a keep-alive ping
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard line[line.startIndex..<colon].elementsEqual("data".utf8) else { return nil }  // only data matters here
        var value = line[colon...].dropFirst()
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: value)
        hasData = true
        if data.count > maximumSize { throw ServerSentEventTooLarge(what: "event", limit: maximumSize) }
        return nil
    }
}

/// A status-stream line or event was larger than `StatusUpdatePolicy.maximumEventSize`.
struct ServerSentEventTooLarge: Error, CustomStringConvertible {
    var what: String
    var limit: Int
    var description: String { "the status stream sent a \(what) longer than \(limit) bytes" }
}
