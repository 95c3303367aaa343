#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

private func closeDescriptor(_ fd: Int32) { close(fd) }
private func sendBytes(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    send(fd, buffer, count, Int32(MSG_NOSIGNAL))
}

/// A plain TCP connection to a loopback port, for talking to a server as a stalled or hostile
/// client would: send part of a request head and stop, then see whether (and what) the server
/// answers and when it closes. Blocking calls, bounded by `poll` timeouts.
package final class RawClientSocket {
    /// The descriptor; -1 once closed.
    package private(set) var fd: Int32

    /// Connects to 127.0.0.1:`port`; `nil` when the connection cannot be made (refused, or out
    /// of descriptors).
    package init?(port: Int) {
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, stream, 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            closeDescriptor(fd)
            return nil
        }
        self.fd = fd
    }

    /// Sends `text` whole; false when the connection is gone.
    @discardableResult
    package func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count, fd >= 0 {
            let count = bytes[sent...].withUnsafeBytes { sendBytes(fd, $0.baseAddress, $0.count) }
            if count <= 0 { return false }
            sent += count
        }
        return sent == bytes.count
    }

    /// Reads until the server closes the connection, or `limit` passes; returns what arrived and
    /// whether the close was seen.
    package func readUntilClosed(within limit: Duration) -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + limit
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while fd >= 0 {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return (received, false) }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(min(Int64(Int32.max), left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1))
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[0..<count]
            } else {
                return (received, true)
            }
        }
        return (received, true)
    }

    /// Closes the connection (again is harmless).
    package func close() {
        if fd >= 0 { closeDescriptor(fd) }
        fd = -1
    }

    deinit { close() }
}

/// Waits until the server closed every one of `sockets` or `limit` passed; returns how many it
/// closed. One `poll` over all of them, so thousands are watched at once.
package func countClosedByServer(_ sockets: [RawClientSocket], within limit: Duration) -> Int {
    let deadline = ContinuousClock.now + limit
    var open = sockets.filter { $0.fd >= 0 }
    var closed = sockets.count - open.count
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !open.isEmpty {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { break }
        var entries = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let ready = poll(&entries, nfds_t(entries.count), Int32(min(1000, left.components.seconds * 1000 + 1)))
        if ready <= 0 { continue }
        var still: [RawClientSocket] = []
        for (socket, entry) in zip(open, entries) {
            guard entry.revents != 0 else {
                still.append(socket)
                continue
            }
            let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 { still.append(socket) } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                closed += 1
                socket.close()
            } else {
                still.append(socket)
            }
        }
        open = still
    }
    return closed
}
