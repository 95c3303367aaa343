#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// `send(2)` without SIGPIPE (the name `send` is taken inside `Connection`).
private func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    send(fd, buffer, count, Int32(MSG_NOSIGNAL))
}

/// An HTTP/1.1 server on an ephemeral 127.0.0.1 port that misbehaves on purpose.
///
/// Plain sockets, one thread per connection, one request per connection (every answer says
/// `Connection: close`), so a test controls every byte and every pause: headers then silence, a
/// byte at a time, a dropped connection, an answer that never comes. Use `HostileServer.with`, which
/// stops the server and waits for its threads (bounded) before it returns.
package final class HostileServer: @unchecked Sendable {
    /// One request as the server read it.
    package struct Request: Sendable {
        package var method: String
        /// The path with its query, as sent.
        package var target: String
        package var headers: [String: String]
        package var body: [UInt8]

        package var path: String { String(target.prefix { $0 != "?" }) }
        package func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// The connection a handler answers on.
    package final class Connection: @unchecked Sendable {
        package let fd: Int32
        package let server: HostileServer
        package init(fd: Int32, server: HostileServer) {
            self.fd = fd
            self.server = server
        }

        /// Sends bytes; false once the peer is gone or the server stops.
        @discardableResult
        package func send(_ bytes: [UInt8]) -> Bool {
            guard !server.isStopped else { return false }
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { systemSend(fd, $0.baseAddress, $0.count) }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }

        @discardableResult
        package func send(_ text: String) -> Bool { send(Array(text.utf8)) }

        /// A status line and headers (with `Connection: close`); `length` sets `Content-Length`.
        @discardableResult
        package func head(_ status: Int, _ headers: [(String, String)] = [], length: Int? = nil) -> Bool {
            var text = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Status")\r\nConnection: close\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            if let length { text += "Content-Length: \(length)\r\n" }
            return send(text + "\r\n")
        }

        /// A whole answer.
        @discardableResult
        package func reply(_ status: Int, _ body: String, contentType: String = "application/json", headers: [(String, String)] = []) -> Bool {
            let bytes = Array(body.utf8)
            return head(status, [("Content-Type", contentType)] + headers, length: bytes.count) && send(bytes)
        }

        /// Waits, waking early when the server stops; false once it has.
        @discardableResult
        package func pause(_ duration: Duration) -> Bool {
            let end = ContinuousClock.now + duration
            while ContinuousClock.now < end {
                if server.isStopped { return false }
                usleep(10_000)
            }
            return !server.isStopped
        }

        /// Holds the connection open without answering until the server stops.
        package func hang() { while pause(.milliseconds(100)) {} }
    }

    package typealias Handler = @Sendable (Request, Connection) -> Void

    package let port: Int
    private let listener: Int32
    private let handler: Handler
    private let lock = NSLock()
    private var stopped = false
    private var open = 0
    private var log: [Request] = []
    private var accepting = true

    package var isStopped: Bool { lock.withLock { stopped } }
    /// Every request received so far, in order.
    package var requests: [Request] { lock.withLock { log } }
    /// How many requests went to `path` (query ignored), optionally with `method`.
    package func count(_ path: String, method: String? = nil) -> Int {
        requests.filter { $0.path == path && (method == nil || $0.method == method) }.count
    }

    package var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private init(handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts a server, runs `body`, then stops the server and waits for its threads.
    package static func with<T>(_ handler: @escaping Handler, _ body: (HostileServer) async throws -> T) async throws -> T {
        let server = try HostileServer(handler: handler)
        server.start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private func start() {
        Thread.detachNewThread { [self] in
            defer { lock.withLock { accepting = false } }
            while !isStopped {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if isStopped {
                    close(client)
                    return
                }
                lock.withLock { open += 1 }
                Thread.detachNewThread { [self] in
                    serve(client)
                    close(client)
                    lock.withLock { open -= 1 }
                }
            }
        }
    }

    private func serve(_ fd: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = read(fd) else { return }
        lock.withLock { log.append(request) }
        handler(request, Connection(fd: fd, server: self))
    }

    /// Reads one request head and its `Content-Length` body.
    private func read(_ fd: Int32) -> Request? {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var headEnd: Int?
        while headEnd == nil {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            received += chunk[0..<n]
            if let range = received.firstRange(of: Array("\r\n\r\n".utf8)) { headEnd = range.upperBound }
            if received.count > 1 << 20 { return nil }
        }
        let head = String(decoding: received[..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(received[headEnd!...])
        let length = headers["content-length"].flatMap(Int.init) ?? 0
        while body.count < length {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            body += chunk[0..<n]
        }
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    /// Stops accepting, wakes every handler, and waits (at most 10 s) for their threads to end.
    package func stop() async {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        let deadline = ContinuousClock.now + .seconds(10)
        while lock.withLock({ open > 0 || accepting }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
