import Foundation
import Testing
@testable import QueueRuntime
import QueueTestSupport

/// `client.stream` reads with the status stream's parser: linear in the bytes, and its line and
/// event limit (`Configuration.maximumEventSize`) holds while the bytes arrive.
@Suite("Streaming endpoints: one linear, bounded event reader", .serialized)
struct StreamingEndpointTests {
    /// The path of `endpoint`'s streaming route on a client made by `client(_:)`.
    static let streamPath = "/run/acme/echo/stream"

    /// Answers the streaming route with `text/event-stream`, then sends what `body` sends.
    static func eventStream(_ body: @escaping @Sendable (HostileServer.Connection) -> Void) -> HostileServer.Handler {
        { request, connection in
            guard request.method == "POST", request.path == streamPath else {
                connection.reply(404, #"{"detail":"Not Found"}"#)
                return
            }
            connection.head(200, [("Content-Type", "text/event-stream")])
            body(connection)
        }
    }

    /// `count` bytes of `a`, sent in 64 KiB writes; stops when the client has gone. Returns the bytes sent.
    @discardableResult
    static func sendLetters(_ count: Int, on connection: HostileServer.Connection) -> Int {
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 64 << 10)
        var sent = 0
        while sent < count {
            let size = min(block.count, count - sent)
            guard connection.send(Array(block[..<size])) else { break }
            sent += size
        }
        return sent
    }

    @Test("a 10 MB event arrives whole; its time is printed")
    func tenMegabyteEvent() async throws {
        let size = 10_000_000
        try await HostileServer.with(Self.eventStream { connection in
            connection.send(#"data: {"text":""#)
            Self.sendLetters(size, on: connection)
            connection.send("\"}\n\n")
        }) { server in
            let client = client(server) { $0.requestIdleTimeout = .seconds(10) }
            let started = ContinuousClock.now
            let events = try await within(.seconds(30)) {
                var events: [JSONValue] = []
                for try await event in client.stream(endpoint, EchoInput(prompt: "x")) { events.append(event) }
                return events
            }
            let elapsed = ContinuousClock.now - started
            print("client.stream: one \(size)-byte event read in \(elapsed)")
            #expect(events.count == 1)
            #expect(events.first?["text"]?.stringValue?.utf8.count == size)
            // The target is 0.5 s in a debug build: this reads it in 0.15-0.2 s alone, but a
            // saturated CI machine took 16 s once, so wall time is printed, not asserted; that the
            // parser is linear is asserted below by a ratio of two sizes measured side by side.
        }
    }

    @Test("the parser reads an 8 MiB event in time of the order of copying it (a quadratic splitter takes about a thousand times that)")
    func parserIsLinear() throws {
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 << 10)
        let size = 8 << 20
        /// The best of five runs of `body`, in seconds.
        func best(_ body: () throws -> Void) rethrows -> Double {
            var best = Double.infinity
            for _ in 0..<5 {
                let started = ContinuousClock.now
                try body()
                let elapsed = ContinuousClock.now - started
                best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            return best
        }
        // The reference: the same bytes appended chunk by chunk to an array and made a String, the
        // copying and memory the parser cannot avoid, measured the same way in the same run.
        let copying = best {
            var bytes: [UInt8] = []
            while bytes.count < size { bytes.append(contentsOf: chunk) }
            #expect(String(decoding: bytes, as: UTF8.self).utf8.count == size)
        }
        let parsing = try best {
            var parser = ServerSentEventParser(maximumSize: 16 << 20)
            _ = try parser.consume(Array("data: ".utf8))
            var fed = 0
            while fed < size {
                _ = try parser.consume(chunk)
                fed += chunk.count
            }
            let events = try parser.consume(Array("\n\n".utf8))
            #expect(events.count == 1 && events.first?.data.utf8.count == size)
        }
        print("ServerSentEventParser: one 8 MiB event parsed in \(parsing) s; copied in \(copying) s; ratio \(parsing / copying)")
        #expect(parsing / copying < 20, "parsing \(parsing) s, copying \(copying) s")
    }

    @Test("a line that never ends fails at the limit with a clear error, near 16 MiB, not after 100 MB")
    func unterminatedLine() async throws {
        let sent = Counter()
        try await HostileServer.with(Self.eventStream { connection in
            connection.send("data: ")
            sent.set(Self.sendLetters(100_000_000, on: connection))
        }) { server in
            let client = client(server) { $0.requestIdleTimeout = .seconds(10) }
            let started = ContinuousClock.now
            let error = await #expect(throws: QueueError.self) {
                try await within(.seconds(30)) { for try await _ in client.stream(endpoint, EchoInput(prompt: "x")) {} }
            }
            let elapsed = ContinuousClock.now - started
            print("client.stream: an unterminated line failed after \(elapsed): \(String(describing: error))")
            guard case .decoding(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(failure.reason.contains("line over 16 MiB"), "\(failure)")
            #expect(failure.reason.contains("maximumEventSize"), "\(failure)")
        }
        // `with` has waited for the handler: it stopped sending once the client closed, at the
        // limit plus what the sockets' buffers held, not at the end (wall time is printed above:
        // 0.1 s alone; a saturated machine makes it vary, which bytes do not).
        #expect(sent.value < 32 << 20, "the client closed the connection at the limit; the server sent \(sent.value) bytes")
    }

    @Test("Configuration.maximumEventSize is the limit of streaming endpoints too; StreamOptions can override it per call")
    func oneLimitForBothStreams() async throws {
        try await HostileServer.with(Self.eventStream { connection in
            connection.send(#"data: {"text":""#)
            Self.sendLetters(3 << 20, on: connection)
            connection.send("\"}\n\n")
        }) { server in
            let limited = client(server) { $0.maximumEventSize = 1 << 20 }
            let error = await #expect(throws: QueueError.self) {
                try await within(.seconds(30)) { for try await _ in limited.stream(endpoint, EchoInput(prompt: "x")) {} }
            }
            guard case .decoding(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(failure.reason.contains("over 1 MiB"), "\(failure)")
            let options = { () -> StreamOptions in
                var options = StreamOptions()
                options.maximumEventBytes = 4 << 20
                return options
            }()
            let event = try await within(.seconds(30)) { try await limited.stream(endpoint, EchoInput(prompt: "x"), options: options).finalOutput() }
            #expect(event["text"]?.stringValue?.utf8.count == 3 << 20)
        }
    }

    @Test("the parser past its 256-byte loop (memchr): long lines with CR, LF and CRLF ends, split anywhere")
    func longLinesSplitAnywhere() throws {
        let a = String(repeating: "a", count: 300)
        let b = String(repeating: "b", count: 500)
        let c = String(repeating: "c", count: 1000)
        let comment = ":" + String(repeating: "p", count: 400)
        let text = "data: \(a)\r\n\r\n\(comment)\ndata: \(b)\rdata: \(b)\r\revent: e\ndata: \(c)\n\ndata: x\r\n\r\n"
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var parser = ServerSentEventParser(maximumSize: 4096)
            let events = try parser.consume(bytes[..<split]) + parser.consume(bytes[split...])
            #expect(events.map(\.data) == [a, "\(b)\n\(b)", c, "x"], "split at \(split)")
            #expect(events.map(\.name) == [nil, nil, "e", nil], "split at \(split)")
        }
        var limited = ServerSentEventParser(maximumSize: 999)
        #expect(throws: ServerSentEventTooLarge.self) { try limited.consume(bytes) }
    }

    @Test("an `event: error` is an HTTP failure carrying the server's detail")
    func errorEvent() async throws {
        try await HostileServer.with(Self.eventStream { connection in
            connection.send("data: {\"text\":\"partial\"}\n\nevent: error\ndata: {\"detail\":\"model crashed\"}\n\n")
        }) { server in
            let client = client(server)
            let seen = Counter()
            let error = await #expect(throws: QueueError.self) {
                try await within(.seconds(30)) { for try await _ in client.stream(endpoint, EchoInput(prompt: "x")) { seen.add(1) } }
            }
            guard case .http(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(failure.description.contains("model crashed"))
            #expect(seen.value == 1)
        }
    }
}

/// A number several tasks update; every access holds the lock.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func set(_ value: Int) { lock.withLock { count = value } }
    func add(_ value: Int) { lock.withLock { count += value } }
}
