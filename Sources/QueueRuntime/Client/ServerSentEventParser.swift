import Foundation

/// One event of a server-sent-event stream: its `event` field (`nil` for the default, `message`)
/// and its `data` lines joined with `\n`.
struct ServerSentEvent: Sendable, Equatable {
    var name: String?
    var data: String

    /// Whether `data` is empty or only blanks (a keep-alive some servers send as an event).
    /// Stops at the first other byte, where trimming would copy a large event whole.
    var isBlank: Bool { data.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D } }
}

/// The server-sent-event reader of every stream the client reads: the status stream and
/// streaming endpoints. Linear in the bytes received and bounded in memory.
///
/// Hand-written instead of swift-openapi-runtime's `asDecodedServerSentEvents()`: that line
/// splitter (`ServerSentEventsLineSequence`, 1.x) searches its whole buffer for a line end again
/// on every chunk and removes each line from the front of the buffer, so one long line costs time
/// quadratic in its length, and it has no limit on the size of a line or an event (a line that
/// never ends is read until memory runs out). Here the search resumes where the previous chunk
/// ended, consumed bytes are dropped once per chunk, and a line or an event over `maximumSize`
/// ends the stream with `ServerSentEventTooLarge` as soon as the bytes that break the limit are
/// read, not when the line or the event ends.
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
    private var name: String?

    init(maximumSize: Int) {
        self.maximumSize = maximumSize
    }

    /// Feeds a chunk; returns every event it completed (events without data are skipped, as the
    /// specification says).
    mutating func consume(_ chunk: some Collection<UInt8>) throws(ServerSentEventTooLarge) -> [ServerSentEvent] {
        buffer.append(contentsOf: chunk)
        var events: [ServerSentEvent] = []
        var lineStart = 0
        if skipLF, lineStart < buffer.count {
            skipLF = false
            if buffer[lineStart] == 0x0A { lineStart += 1 }
        }
        var index = max(lineStart, scanned)
        // For long stretches, the next LF and CR found by `find`: `buffer.count` once one is
        // known to be absent, so it is not searched for again in this chunk.
        var lineFeed = -1
        var carriageReturn = -1
        while true {
            // Most lines are short: a plain loop finds their end; past 256 bytes, `memchr`.
            var end = index
            let shortEnd = min(buffer.count, index + 256)
            while end < shortEnd, buffer[end] != 0x0A, buffer[end] != 0x0D { end += 1 }
            if end == shortEnd, shortEnd < buffer.count {
                if lineFeed < shortEnd { lineFeed = find(0x0A, from: shortEnd) ?? buffer.count }
                if carriageReturn < shortEnd { carriageReturn = find(0x0D, from: shortEnd) ?? buffer.count }
                end = min(lineFeed, carriageReturn)
            }
            guard end < buffer.count else { break }
            if let event = try line(buffer[lineStart..<end]) { events.append(event) }
            index = end + 1
            if buffer[end] == 0x0D {
                if index == buffer.count {
                    skipLF = true
                } else if buffer[index] == 0x0A {
                    index += 1
                }
            }
            lineStart = index
        }
        // Only the unfinished line stays; while one long line arrives, `lineStart` is 0 and
        // nothing is moved.
        if lineStart > 0 { buffer.removeFirst(lineStart) }
        scanned = buffer.count
        if buffer.count > maximumSize { throw ServerSentEventTooLarge(what: "line", limit: maximumSize) }
        return events
    }

    /// The index of the first `byte` in `buffer` at or after `index`, or `nil`.
    ///
    /// `memchr` on the array's storage rather than a loop over its elements: this module is
    /// usually built in debug with the app, where a Swift loop costs about 20 ns a byte (a 10 MB
    /// event: 0.18 s in the parser alone, and `firstIndex(of:)` or `Data.range(of:in:)` per line
    /// were slower still), while `memchr` runs as compiled C. Used past a line's first 256
    /// bytes only, where its fixed cost no longer matters. The pointer never leaves the
    /// closure, the length passed is what remains of the buffer after `index`, and the result is
    /// turned back into an index at once; the parser tests split input at every position.
    private func find(_ byte: UInt8, from index: Int) -> Int? {
        buffer.withUnsafeBytes { bytes -> Int? in
            guard index < bytes.count, let base = bytes.baseAddress else { return nil }
            guard let found = memchr(base + index, Int32(byte), bytes.count - index) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    /// One line: a field, a comment, or (empty) the end of an event.
    private mutating func line(_ line: ArraySlice<UInt8>) throws(ServerSentEventTooLarge) -> ServerSentEvent? {
        if line.isEmpty {
            defer {
                data.removeAll(keepingCapacity: true)
                hasData = false
                name = nil
            }
            return hasData ? ServerSentEvent(name: name, data: String(decoding: data, as: UTF8.self)) : nil
        }
        if line.first == UInt8(ascii: ":") { return nil }  // a comment: a keep-alive ping
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let field = line[line.startIndex..<colon]
        var value = line[colon...].dropFirst()
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if field.elementsEqual("data".utf8) {
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
            if data.count > maximumSize { throw ServerSentEventTooLarge(what: "event", limit: maximumSize) }
        } else if field.elementsEqual("event".utf8) {
            name = String(decoding: value, as: UTF8.self)
        }
        // `id` and `retry` do not matter here: a broken stream is not resumed from an id.
        return nil
    }
}

/// A server-sent-event line or event was larger than `QueueClient.Configuration.maximumEventSize`.
struct ServerSentEventTooLarge: Error, CustomStringConvertible {
    var what: String
    var limit: Int
    var description: String {
        "a server-sent-event \(what) over \(byteCount(limit)), the limit set by QueueClient.Configuration.maximumEventSize"
    }
}
