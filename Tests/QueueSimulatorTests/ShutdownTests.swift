#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import QueueSimulator
import QueueTestSupport
import Synchronization
import Testing

@Suite("Stopping the server")
struct ShutdownTests {
    /// A connection accepted just as the server stops used to be dropped before it reached a handler,
    /// and swift-nio stops the process when that happens ("Deinited NIOAsyncWriter without calling
    /// finish()"). Each round keeps a client connecting while the server stops; three instances
    /// run side by side so stops overlap with other servers' accepts, as in the whole suite.
    @Test("stopping while clients keep connecting neither crashes nor hangs", arguments: [1, 2, 3])
    func stopUnderConnections(instance: Int) async throws {
        let rounds = 8
        var connected = 0
        for _ in 0..<rounds {
            let harness = try await Harness.start()
            let port = harness.simulator.port
            let stop = Atomic<Bool>(false)
            let (warmedUp, signal) = AsyncStream<Void>.makeStream()
            // Blocking socket calls: on a thread of its own, not the concurrency pool.
            let hammer = Task { await onThread { () -> Int in
                var count = 0
                // Bounded in count; the first connection refused after the stop ends it.
                for _ in 0..<20_000 where !stop.load(ordering: .relaxed) {
                    guard RawConnection.request(port: port) else { break }
                    count += 1
                    if count == 20 { signal.finish() }
                }
                signal.finish()
                return count
            } }
            // Let some connections through first, then stop while more arrive.
            for await _ in warmedUp {}
            await harness.finish()
            stop.store(true, ordering: .relaxed)
            connected += await hammer.value
            // Once stopped, it no longer answers.
            #expect(await hasStopped(harness.simulator))
        }
        #expect(connected >= rounds * 20, "instance \(instance)")
    }

    /// The simulator downloads an `http://` input with URLSession; `stop()` cancels the job while
    /// the answer comes in. Awaiting `URLSession.data(for:)` deadlocked on Linux when the two met
    /// (a whole test run hung in `stop()`): the cancellation held the task's status lock and waited
    /// on the session's queue, which waited on the lock. Each round holds the input's answer until
    /// the simulator is stopping, then lets the two race.
    @Test("stopping while a job's input download is being answered neither hangs nor loses the stop")
    func stopDuringInputDownload() async throws {
        let png = Harness.tinyPNG
        for round in 0..<25 {
            let (arrived, arrival) = AsyncStream<Void>.makeStream()
            let answer = DispatchSemaphore(value: 0)
            try await HostileServer.with({ _, connection in
                arrival.yield()
                // Server threads block; the wait is bounded so a failed round cannot hold one.
                _ = answer.wait(timeout: .now() + 10)
                connection.head(200, [("Content-Type", "image/png")], length: png.count)
                connection.send(png)
            }) { server in
                let harness = try await Harness.start { $0.jobDuration = .milliseconds(1) }
                _ = try await harness.submitID(#"{"image_url":"\#(server.baseURL.absoluteString)/input-\#(round).png"}"#)
                try await within(.seconds(10)) { for await _ in arrived { return } }
                answer.signal()
                try await within(.seconds(15)) { await harness.finish() }
                #expect(await hasStopped(harness.simulator), "round \(round)")
            }
        }
    }

    struct BodyFailed: Error {}

    @Test("whileRunning serves during its body and has stopped when the body returns or throws")
    func whileRunningStopsOnBothPaths() async throws {
        let returned = try QueueSimulator.fluxRedux()
        let port = try await returned.whileRunning { simulator in
            #expect(await onThread { RawConnection.request(port: simulator.port) })
            return simulator.port
        }
        #expect(returned.port == port)
        #expect(await hasStopped(returned))

        let threw = try QueueSimulator.fluxRedux()
        var portWhenThrown = 0
        await #expect(throws: BodyFailed.self) {
            try await threw.whileRunning { simulator in
                portWhenThrown = simulator.port
                throw BodyFailed()
            }
        }
        let thrownPort = portWhenThrown
        #expect(thrownPort != 0)
        #expect(threw.port == thrownPort)
        #expect(await hasStopped(threw))
    }
}

/// Whether `simulator`, stopped, serves nothing on its port any more. The port itself may already
/// belong to another test's server: the suite starts hundreds of servers on ephemeral ports, and
/// Linux hands a freed port out again (CI saw a round of `stopDuringInputDownload` connect to one).
/// So a connection that is accepted must be answered, and by that other server: this simulator's
/// request count does not move. A port that accepts and never answers is a stop that failed.
func hasStopped(_ simulator: QueueSimulator) async -> Bool {
    let port = simulator.port
    let before = simulator.statistics.requests.values.reduce(0, +)
    guard let answered = await onThread({ RawConnection.answered(port: port) }) else { return true }
    return answered && simulator.statistics.requests.values.reduce(0, +) == before
}

/// Runs `body` on a new thread and waits for its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}

/// One HTTP/1.1 request over a plain socket, closed without waiting for the whole answer.
enum RawConnection {
    /// nil when the connection is refused; otherwise whether the first byte of an answer came
    /// within 2 s.
    static func answered(port: Int) -> Bool? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET /fal-ai/flux-1/requests/none/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 1
    }

    /// Returns false when the connection is refused.
    static func request(port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // Bounds connect and send (on Linux SO_SNDTIMEO covers connect too).
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /fal-ai/flux-1/requests/none/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return true
    }
}
