#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP answer: the status and the whole body.
struct HTTPAnswer {
    var status: Int
    var body: [UInt8]
}

/// Why a download failed, in words for the command's error line.
struct DownloadError: Error, CustomStringConvertible {
    var description: String
}

/// A minimal HTTP/1.1 GET over a POSIX socket, for `http://` URLs (a local queue server, a
/// mirror inside a network). `queuegen` is run on every build by the build plugin and is kept
/// on FoundationEssentials so that it starts fast; URLSession would link FoundationNetworking,
/// full Foundation and ICU into it (see `Downloader`). Every step — connect, send, each read —
/// is bounded by one deadline, and the body by a size limit, so no server can make the command
/// wait forever or fill memory. (Name resolution is the system's `getaddrinfo`, bounded by the
/// resolver's own timeouts; the URLs this serves are local addresses.)
enum PlainHTTPClient {
    /// The largest body accepted: fal's documents are tens of kilobytes.
    static let maximumBodySize = 32 * 1024 * 1024

    /// GETs `url` (`http://host[:port]/path?query`), giving up `timeout` seconds after starting.
    static func get(_ url: String, timeout: Double) throws(DownloadError) -> HTTPAnswer {
        guard url.hasPrefix("http://") else { throw DownloadError(description: "not an http:// URL: \(url)") }
        let rest = url.dropFirst("http://".count)
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        let (host, port) = try split(authority: authority)
        let deadline = monotonicSeconds() + timeout

        let descriptor = try connect(host: host, port: port, deadline: deadline, timeout: timeout)
        defer { close(descriptor) }
        let request = "GET \(target) HTTP/1.1\r\nHost: \(authority)\r\nUser-Agent: queuegen\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        try send(Array(request.utf8), on: descriptor, deadline: deadline, timeout: timeout)

        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var head: Head?
        var scanned = 0
        while true {
            // The head is looked for in new bytes only and parsed once, so a large body costs no rescans.
            if head == nil, let end = find([13, 10, 13, 10], in: buffer, from: max(0, scanned - 3)) {
                head = try Head(buffer[..<end], bodyStart: end + 4)
            }
            scanned = buffer.count
            if let head, let answer = try head.answer(buffer, atEnd: false) { return answer }
            try wait(descriptor, for: Int16(POLLIN), deadline: deadline, timeout: timeout, doing: "waiting for the answer")
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw DownloadError(description: "reading the answer failed: \(systemMessage())")
            }
            if count == 0 {
                guard let head else {
                    throw DownloadError(description: "the server closed the connection without a complete HTTP answer")
                }
                guard let answer = try head.answer(buffer, atEnd: true) else {
                    throw DownloadError(description: "the server closed the connection before the answer was complete")
                }
                return answer
            }
            buffer += chunk[0..<count]
            if buffer.count > maximumBodySize + 64 * 1024 {
                throw DownloadError(description: "the answer is larger than \(maximumBodySize / 1024 / 1024) MiB")
            }
        }
    }

    /// `host:port`, `[v6]:port` or `host` (port 80).
    static func split(authority: String) throws(DownloadError) -> (String, String) {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            return (host, after.hasPrefix(":") ? String(after.dropFirst()) : "80")
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard !authority.isEmpty, parts.count <= 2, !parts[0].isEmpty else {
            throw DownloadError(description: "the URL has no usable host: '\(authority)'")
        }
        if parts.count == 2 {
            guard let number = Int(parts[1]), (1...65535).contains(number) else {
                throw DownloadError(description: "the URL's port is not a port number: '\(parts[1])'")
            }
        }
        return (String(parts[0]), parts.count == 2 ? String(parts[1]) : "80")
    }

    static func connect(host: String, port: String, deadline: Double, timeout: Double) throws(DownloadError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &list)
        guard status == 0, let first = list else {
            throw DownloadError(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var lastError = "no address"
        var current: UnsafeMutablePointer<addrinfo>? = first
        while let address = current {
            current = address.pointee.ai_next
            let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard descriptor >= 0 else {
                lastError = systemMessage()
                continue
            }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            #if canImport(Darwin)
            var one: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            #endif
            if systemConnect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return descriptor }
            guard errno == EINPROGRESS else {
                lastError = systemMessage()
                close(descriptor)
                continue
            }
            do {
                try wait(descriptor, for: Int16(POLLOUT), deadline: deadline, timeout: timeout, doing: "connecting to \(host):\(port)")
            } catch {
                close(descriptor)
                throw error
            }
            var socketError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &socketError, &length)
            if socketError == 0 { return descriptor }
            lastError = String(cString: strerror(socketError))
            close(descriptor)
        }
        throw DownloadError(description: "cannot connect to \(host):\(port): \(lastError)")
    }

    static func send(_ bytes: [UInt8], on descriptor: Int32, deadline: Double, timeout: Double) throws(DownloadError) {
        var offset = 0
        while offset < bytes.count {
            try wait(descriptor, for: Int16(POLLOUT), deadline: deadline, timeout: timeout, doing: "sending the request")
            let count = bytes.withUnsafeBytes { systemSend(descriptor, $0.baseAddress! + offset, $0.count - offset, sendFlags) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw DownloadError(description: "sending the request failed: \(systemMessage())")
            }
            offset += count
        }
    }

    /// Waits until the socket is ready for `events`, or throws when the deadline passes.
    static func wait(_ descriptor: Int32, for events: Int16, deadline: Double, timeout: Double, doing what: String) throws(DownloadError) {
        while true {
            let remaining = deadline - monotonicSeconds()
            guard remaining > 0 else {
                throw DownloadError(description: "timed out after \(SpecValueText.seconds(timeout)) s \(what)")
            }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, Int32(min(remaining * 1000 + 1, 60_000)))
            if ready > 0 { return }
            if ready < 0, errno != EINTR {
                throw DownloadError(description: "\(what) failed: \(systemMessage())")
            }
        }
    }

    // MARK: Parsing

    /// An answer's status line and the headers that say where its body ends.
    struct Head {
        var status: Int
        var contentLength: Int?
        var chunked = false
        var bodyStart: Int

        init(_ bytes: ArraySlice<UInt8>, bodyStart: Int) throws(DownloadError) {
            self.bodyStart = bodyStart
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
            let statusParts = lines[0].split(separator: " ", maxSplits: 2)
            guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
                throw DownloadError(description: "the server's answer is not HTTP/1.1: '\(lines[0].prefix(80))'")
            }
            self.status = status
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingSpaces
                if name == "content-length" {
                    guard let length = Int(value), length >= 0 else {
                        throw DownloadError(description: "the server sent an invalid Content-Length: '\(value)'")
                    }
                    guard length <= maximumBodySize else {
                        throw DownloadError(description: "the answer is larger than \(maximumBodySize / 1024 / 1024) MiB")
                    }
                    contentLength = length
                } else if name == "transfer-encoding", value.lowercased().contains("chunked") {
                    chunked = true
                }
            }
        }

        /// The answer once `buffer` holds all of it; `nil` while more is needed.
        func answer(_ buffer: [UInt8], atEnd: Bool) throws(DownloadError) -> HTTPAnswer? {
            if chunked { return try dechunk(buffer, from: bodyStart, atEnd: atEnd).map { HTTPAnswer(status: status, body: $0) } }
            if let contentLength {
                if buffer.count - bodyStart >= contentLength {
                    return HTTPAnswer(status: status, body: Array(buffer[bodyStart..<(bodyStart + contentLength)]))
                }
                if atEnd {
                    throw DownloadError(description: "the server closed the connection after \(buffer.count - bodyStart) of \(contentLength) bytes")
                }
                return nil
            }
            return atEnd ? HTTPAnswer(status: status, body: Array(buffer[bodyStart...])) : nil
        }
    }

    /// The body of a chunked answer once its last chunk has arrived.
    static func dechunk(_ buffer: [UInt8], from start: Int, atEnd: Bool) throws(DownloadError) -> [UInt8]? {
        // Walk the chunk headers first and copy only once the last chunk is in.
        var pieces: [Range<Int>] = []
        var total = 0
        var position = start
        while true {
            guard let lineEnd = find([13, 10], in: buffer, from: position) else { break }
            let sizeText = String(decoding: buffer[position..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0, size <= maximumBodySize - total else {
                throw DownloadError(description: "the server sent an invalid chunk size: '\(sizeText.prefix(20))'")
            }
            if size == 0 {
                var body: [UInt8] = []
                body.reserveCapacity(total)
                for piece in pieces { body += buffer[piece] }
                return body
            }
            let dataStart = lineEnd + 2
            guard buffer.count >= dataStart + size + 2 else { break }
            pieces.append(dataStart..<(dataStart + size))
            total += size
            position = dataStart + size + 2
        }
        if atEnd { throw DownloadError(description: "the server closed the connection in the middle of a chunked answer") }
        return nil
    }

    static func find(_ needle: [UInt8], in buffer: [UInt8], from start: Int) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= buffer.count {
            if buffer[index] == needle[0], Array(buffer[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func systemMessage() -> String { String(cString: strerror(errno)) }
}

/// Formatting seconds for messages: `5`, `0.5`.
enum SpecValueText {
    static func seconds(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e9 ? String(Int(value)) : String(value)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (FoundationEssentials has no `trimmingCharacters`).
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}

#if canImport(Glibc)
private let systemConnect = Glibc.connect
private let systemSend = Glibc.send
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Musl)
private let systemConnect = Musl.connect
private let systemSend = Musl.send
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
private let systemConnect = Darwin.connect
private let systemSend = Darwin.send
private let sendFlags: Int32 = 0
#endif
