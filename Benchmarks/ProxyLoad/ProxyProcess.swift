import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The built `queue-proxy` executable run as a child process, as a user would run it, so its
/// memory is measured apart from the load generator and the upstream.
final class ProxyProcess {
    let process = Process()
    let output = Pipe()
    private(set) var port = 0

    /// `queue-proxy` beside this benchmark's executable (both are built by one `swift build`).
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("queue-proxy")
    }

    /// Starts the proxy in front of `upstream` with `arguments`, and waits (bounded) for the line
    /// that gives its port.
    init(upstream: URL, key: String, arguments: [String] = []) throws {
        process.executableURL = Self.executable
        process.arguments = ["--host", "127.0.0.1", "--port", "0", "--upstream", upstream.absoluteString] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FAL_KEY"] = key
        environment["QUEUE_PROXY_CLIENT_TOKEN"] = nil
        process.environment = environment
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        var text = ""
        while Date() < deadline, process.isRunning {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                port = Int(text[range].dropFirst("127.0.0.1:".count).dropLast()) ?? 0
                break
            }
        }
        guard port > 0 else {
            process.terminate()
            throw BenchmarkFailure("queue-proxy did not start (\(Self.executable.path)): \(text)")
        }
        // Keep draining its output, so a chatty log never blocks it on a full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)/api/fal/proxy")! }

    /// The proxy's resident memory, from /proc (Linux), in KiB.
    var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// CPU time the proxy used so far, user + system, in seconds (Linux).
    var cpuSeconds: Double {
        let stat = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields 14 and 15 of stat(5) are utime and stime; here they are the 12th and 13th after the name.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Open descriptors of the proxy (Linux).
    var openDescriptors: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count) ?? -1
    }

    /// SIGTERM, then waits (bounded) for it to exit.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Raises this process's open-file limit to its hard limit (children inherit it), so thousands
/// of loopback connections fit on both sides.
func raiseDescriptorLimit() -> Int {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return Int(limit.rlim_cur)
}

/// Percentile of sorted durations, in milliseconds.
func percentile(_ sorted: [Duration], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
    return milliseconds(sorted[max(0, index)])
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
