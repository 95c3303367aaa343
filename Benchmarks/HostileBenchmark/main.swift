// Figures for hostile servers (issue 11), over real loopback HTTP with the default transport:
//  1. one long status-stream line of 10 MB and 100 MB: the time until the run ends, with the
//     default 1 MiB cap (the stream is cut and the job polled) and with the cap raised above the
//     line (the line is parsed and decoded: linear time);
//  2. HTTP requests per job when every status-stream connection drops;
//  3. the client's resident memory (VmHWM) for a 200 MB result, in a fresh child process.
//
//   swift build -c release --product hostile-benchmark && .build/release/hostile-benchmark
//   .build/release/hostile-benchmark memory 200    # part 3 alone

import Foundation
import Logging
import QueueRuntime
import QueueTestSupport

struct EchoInput: QueueInput {
    var prompt: String
}

let endpoint = QueueEndpoint<EchoInput, JSONValue>(id: "acme/echo")
let base = "/acme/echo/requests/req-1"

func client(_ server: HostileServer, _ adjust: (inout QueueClient.Configuration) -> Void = { _ in }) -> QueueClient {
    var configuration = QueueClient.Configuration(queueBaseURL: server.baseURL, credentials: Credentials(key: "bench-id:bench-secret"))
    var logger = Logger(label: "hostile-benchmark")
    logger.logLevel = .critical
    configuration.logger = logger
    configuration.retryPolicy.random = RandomSource(seed: 1)
    adjust(&configuration)
    return QueueClient(configuration: configuration)
}

/// Submit, status and result as fal answers them; `stream` answers the status stream.
func queue(result: @escaping @Sendable (HostileServer.Connection) -> Void = { $0.reply(200, #"{"ok":true}"#) },
           stream: @escaping @Sendable (HostileServer.Connection) -> Void) -> HostileServer.Handler {
    { request, connection in
        switch (request.method, request.path) {
        case ("POST", "/acme/echo"): connection.reply(200, #"{"request_id":"req-1","status":"IN_QUEUE"}"#)
        case ("GET", "\(base)/status/stream"): stream(connection)
        case ("GET", "\(base)/status"): connection.reply(200, #"{"status":"COMPLETED"}"#)
        case ("GET", base): result(connection)
        default: connection.reply(404, #"{"detail":"Not Found"}"#)
        }
    }
}

/// A stream whose first event is one `megabytes` MB line, then COMPLETED.
func longLine(_ megabytes: Int) -> @Sendable (HostileServer.Connection) -> Void {
    { connection in
        connection.head(200, [("Content-Type", "text/event-stream")])
        connection.send("data: {\"status\":\"IN_PROGRESS\",\"logs\":[{\"message\":\"")
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<megabytes where connection.send(block) {}
        connection.send("\"}]}\n\ndata: {\"status\":\"COMPLETED\"}\n\n")
    }
}

func seconds(_ duration: Duration) -> String { String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) }

func residentPeakMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return -1 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1) / 1024
}

let arguments = CommandLine.arguments
if arguments.count >= 2, arguments[1] == "memory" {
    // Part 3, in its own process: the peak is this result's alone.
    let megabytes = arguments.count >= 3 ? Int(arguments[2]) ?? 200 : 200
    let before = residentPeakMiB()
    let peak = try await HostileServer.with(queue(result: { connection in
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        connection.head(200, [("Content-Type", "application/json")], length: (megabytes << 20) + 11)  // {"data":" + the string + "}
        connection.send("{\"data\":\"")
        for _ in 0..<megabytes where connection.send(block) {}
        connection.send("\"}")
    }, stream: { $0.reply(404, "{}") })) { server in
        let client = client(server)
        let output = try await client.run(endpoint, EchoInput(prompt: "x"))
        precondition(output["data"]?.stringValue?.utf8.count == megabytes << 20)
        return residentPeakMiB()
    }
    print("\(megabytes) MB result: client peak resident memory (VmHWM) \(peak) MiB (\(before) MiB before the run)")
    exit(0)
}

print("| case | requests (stream / status / all) | time s | outcome |")
print("|------|----------------------------------|--------|---------|")
for megabytes in [10, 100] {
    for raised in [false, true] {
        let started = ContinuousClock.now
        let (outcome, counts) = try await HostileServer.with(queue(stream: longLine(megabytes))) { server in
            let client = client(server) { if raised { $0.maximumEventSize = 128 << 20 } }
            let outcome: String
            do {
                outcome = "\(try await client.run(endpoint, EchoInput(prompt: "x")))"
            } catch {
                outcome = "error: \(error)"
            }
            return (outcome, (server.count("\(base)/status/stream"), server.count("\(base)/status"), server.requests.count))
        }
        let cap = raised ? "cap 128 MiB: line parsed" : "default 1 MiB cap: stream cut, polled"
        print("| \(megabytes) MB SSE line, \(cap) | \(counts.0) / \(counts.1) / \(counts.2) | \(seconds(ContinuousClock.now - started)) | \(outcome.prefix(60)) |")
    }
}
do {
    let jobs = 5
    let started = ContinuousClock.now
    let counts = try await HostileServer.with(queue(stream: { _ in
        // Closed without an answer: a transport error on every stream connection.
    })) { server in
        let client = client(server)
        for _ in 0..<jobs { _ = try await client.run(endpoint, EchoInput(prompt: "x")) }
        return (server.count("\(base)/status/stream"), server.count("\(base)/status"), server.requests.count)
    }
    print("| every stream connection dropped, \(jobs) jobs | \(Double(counts.0) / Double(jobs)) / \(Double(counts.1) / Double(jobs)) / \(Double(counts.2) / Double(jobs)) per job | \(seconds((ContinuousClock.now - started) / jobs)) per job | completed |")
}
// Part 3 in a child process.
let child = Process()
child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
child.arguments = ["memory", "200"]
try child.run()
child.waitUntilExit()
