import Foundation
import QueueSimulator
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The repository's root, from this file's path.
let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
}()

/// A file under the repository.
func repositoryFile(_ relative: String) -> URL { repositoryRoot.appendingPathComponent(relative) }

func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

/// What a run of the command did.
struct CommandResult {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs the built `queuegen` in the repository's root (so paths print relative to it), its
/// output collected in files; the wait is bounded and fails the test when it expires.
func queuegen(_ arguments: [String], environment extra: [String: String] = [:], within seconds: Double = 60) async throws -> CommandResult {
    var directory = Bundle.main.bundleURL
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("queuegen").path), directory.path != "/" {
        directory.deleteLastPathComponent()
    }
    let executable = directory.appendingPathComponent("queuegen")
    let temporary = FileManager.default.temporaryDirectory
    let outputFile = temporary.appendingPathComponent("queuegen-out-\(UUID().uuidString)")
    let errorFile = temporary.appendingPathComponent("queuegen-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outputFile)
        try? FileManager.default.removeItem(at: errorFile)
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    var environment = ProcessInfo.processInfo.environment
    environment["QUEUEGEN_FETCH_BASE_URL"] = nil
    for (name, value) in extra { environment[name] = value }
    process.environment = environment
    process.standardOutput = try FileHandle(forWritingTo: outputFile)
    process.standardError = try FileHandle(forWritingTo: errorFile)
    // Wait on the exit event, bounded in time.
    let (exits, exited) = AsyncStream<Void>.makeStream()
    process.terminationHandler = { _ in
        exited.yield()
        exited.finish()
    }
    try process.run()
    let exitedInTime = await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            for await _ in exits { break }
            return true
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(seconds))
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    if !exitedInTime {
        process.terminate()
        Issue.record("queuegen \(arguments.joined(separator: " ")) did not exit within \(seconds) s")
    }
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        output: String(decoding: try Data(contentsOf: outputFile), as: UTF8.self),
        errors: String(decoding: try Data(contentsOf: errorFile), as: UTF8.self))
}

/// A fresh folder for one test, removed afterwards.
func withTemporaryFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("queuegen-fetch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
}

/// A queue server on an ephemeral loopback port serving `files` (and their bytes at the
/// OpenAPI document route), stopped — and the stop awaited — when `body` returns or throws.
func withSimulator<T>(serving files: [String], _ body: (QueueSimulator) async throws -> T) async throws -> T {
    let simulator = try QueueSimulator(documentFiles: files.map { repositoryFile($0).path })
    return try await simulator.whileRunning(body)
}

/// A loopback port that accepts connections (the kernel completes the handshake) and never
/// answers: a server that hangs. Closed when `body` returns or throws.
func withSilentServer<T>(_ body: (Int) async throws -> T) async throws -> T {
    #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    try #require(bound == 0)
    try #require(listen(descriptor, 8) == 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}

/// A loopback server that answers one connection with `answer` (raw bytes: status line, headers,
/// body) once the request's head has arrived, then closes it. Every wait is bounded; the
/// serving task is awaited when `body` returns or throws.
func withScriptedServer<T>(answer: [UInt8], _ body: (Int) async throws -> T) async throws -> T {
    #if canImport(Glibc)
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let listener = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    try #require(listener >= 0)
    defer { close(listener) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    try #require(bound == 0)
    try #require(listen(listener, 8) == 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    // A thread of its own: blocking calls on the concurrency pool (two threads here) would wait
    // behind long synchronous tests running in parallel.
    let server = onOwnThread { () -> Bool in
        var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 30_000) == 1 else { return false }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return false }
        defer { close(connection) }
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !request.suffix(4).elementsEqual([13, 10, 13, 10]) {
            var reading = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&reading, 1, 30_000) == 1 else { return false }
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            request += chunk[0..<count]
        }
        var offset = 0
        while offset < answer.count {
            let count = answer.withUnsafeBytes { send(connection, $0.baseAddress! + offset, $0.count - offset, 0) }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }
    do {
        let result = try await body(Int(UInt16(bigEndian: address.sin_port)))
        #expect(await server.value, "the scripted server did not serve its answer")
        return result
    } catch {
        shutdown(listener, Int32(SHUT_RDWR))
        _ = await server.value
        throw error
    }
}

/// Runs `work` on a new thread, started before this returns; its result is awaited through `value`.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) -> ThreadResult<T> {
    let result = ThreadResult<T>()
    Thread { result.finish(work()) }.start()
    return result
}

/// The result of `onOwnThread`, set once by the thread.
final class ThreadResult<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: T?
    private var waiter: CheckedContinuation<T, Never>?

    fileprivate func finish(_ value: T) {
        let waiting: CheckedContinuation<T, Never>? = lock.withLock {
            result = value
            defer { waiter = nil }
            return waiter
        }
        waiting?.resume(returning: value)
    }

    var value: T {
        get async {
            await withCheckedContinuation { continuation in
                let ready: T? = lock.withLock {
                    if let result { return result }
                    waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
