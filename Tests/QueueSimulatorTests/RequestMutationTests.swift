#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import QueueSimulator
import Testing

@Suite("Hostile requests to the simulator")
struct RequestMutationTests {
    /// The body that once killed the whole process: the job runner's parser trapped on the lone
    /// surrogate. Now the submit is accepted (as fal's is) and the result is fal's 422.
    @Test("a lone surrogate escape gives a 422 json_invalid result, an infinite X-Fal-Request-Timeout a 400, and the server lives on")
    func loneSurrogateBody() async throws {
        try await Harness.with({ $0.jobDuration = .milliseconds(5) }) { harness in
            for body in [#"["\uD800\u0041"]"#, "01", #"{"image_url":"\u+fff"}"#] {
                let id = try await harness.submitID(body)
                try await harness.waitForCompletion(id)
                let result = try await send("GET", harness.requestsURL(id))
                #expect(result.status == 422, "\(body): \(result.text)")
                #expect(try result.json["detail"]?.serialized().contains("json_invalid") == true, "\(result.text)")
            }
            // Found by a 10,000-request run: an infinite start timeout trapped the server.
            for value in ["1e400", String(repeating: "9", count: 400), "nan", "inf"] {
                let answer = try await harness.submit(headers: ["X-Fal-Request-Timeout": value])
                #expect(answer.status == 400, "\(value): \(answer.text)")
            }
            let alive = try await harness.status("unknown-id")
            #expect(alive.status == 404)
        }
    }

    /// A seeded mutation run over real loopback HTTP: mutated bodies, header values and paths,
    /// sent as raw bytes. No answer may be a 5xx, every connection gets an answer, and every job a
    /// mutated body created ends with a 200 or 422 result. Longer runs:
    /// `SIMULATOR_HTTP_FUZZ_REQUESTS=20000 swift test --filter RequestMutationTests`.
    @Test("mutated bodies, headers and paths never get a 5xx, a hang or a crash")
    func mutatedRequests() async throws {
        let count = ProcessInfo.processInfo.environment["SIMULATOR_HTTP_FUZZ_REQUESTS"].flatMap(Int.init) ?? 300
        try await Harness.with({ $0.jobDuration = .milliseconds(1); $0.workers = 4 }) { harness in
            let port = harness.simulator.port
            let summary = await onThread { () -> MutationSummary in
                var random = SplitMix(seed: 0x4854_5450)
                var summary = MutationSummary()
                for _ in 0..<count {
                    let request = HTTPMutation.request(&random)
                    guard let answer = RawHTTP.exchange(port: port, request) else {
                        summary.unanswered.append(String(decoding: request.prefix(200), as: UTF8.self))
                        continue
                    }
                    summary.statuses[answer.status, default: 0] += 1
                    if answer.status >= 500 { summary.serverErrors.append(String(decoding: request.prefix(300), as: UTF8.self)) }
                    if answer.status == 200, let id = answer.requestID { summary.jobs.append(id) }
                }
                return summary
            }
            #expect(summary.unanswered.isEmpty, "no answer to: \(summary.unanswered.prefix(3))")
            #expect(summary.serverErrors.isEmpty, "5xx for: \(summary.serverErrors.prefix(3))")
            // The run reaches the submit route and the rejecting paths both.
            #expect(summary.jobs.count > count / 20, "\(summary.statuses)")
            #expect(summary.statuses.keys.contains { (400..<500).contains($0) }, "\(summary.statuses)")
            for id in summary.jobs.prefix(100) {
                try await harness.waitForCompletion(id, logs: false)
                let result = try await send("GET", harness.requestsURL(id))
                #expect(result.status == 200 || result.status == 422, "\(id): \(result.status) \(result.text.prefix(200))")
            }
            print("HTTP mutation run: \(count) requests, statuses \(summary.statuses.sorted { $0.key < $1.key }), 0 crashes")
        }
    }
}

struct MutationSummary: Sendable {
    var statuses: [Int: Int] = [:]
    var unanswered: [String] = []
    var serverErrors: [String] = []
    var jobs: [String] = []
}

/// Builds raw HTTP/1.1 requests from seeds, mutating the body, a header value or the path.
enum HTTPMutation {
    static let paths = [
        "/fal-ai/flux-1/schnell/redux", "/fal-ai/flux-1/requests/ID/status", "/fal-ai/flux-1/requests/ID",
        "/fal-ai/flux-1/requests/ID/cancel", "/storage/upload/initiate", "/run/fal-ai/flux-1/schnell/redux",
        "/files/x/y.png", "/_simulator/statistics",
    ]
    static let pathTokens = ["..", "%", "%2F", "%00", "//", "?", "#", "\u{7F}", "é", String(repeating: "a", count: 3000), "/status/stream", ";"]
    static let headerValues = ["nan", "-1", "1e400", "0", "", "Key ", "Bearer", "\u{1}", "application/json; charset=utf-16", String(repeating: "9", count: 400)]

    static func request(_ random: inout SplitMix) -> [UInt8] {
        var path = paths[random.below(paths.count)]
        let method = path.hasSuffix("cancel") ? "PUT" : (path.hasSuffix("redux") || path.contains("initiate") ? "POST" : "GET")
        var body = Array(MutationCorpus.bodies[random.below(3)].utf8)
        var headers: [(String, String)] = [
            ("Host", "127.0.0.1"), ("Content-Type", "application/json"), ("Connection", "close"),
            ("X-Fal-Request-Timeout", "30"), ("X-Fal-Queue-Priority", "normal"), ("Authorization", "Key k"),
        ]
        switch random.below(4) {
        case 0:
            path += pathTokens[random.below(pathTokens.count)]
        case 1:
            let index = random.below(headers.count - 2) + 1
            headers[index].1 = headerValues[random.below(headerValues.count)]
        default:
            body = MutationCorpus.mutate(body, &random)
        }
        path = path.replacingOccurrences(of: "ID", with: random.below(2) == 0 ? "unknown" : String(repeating: "x", count: random.below(40)))
        var text = "\(method) \(path) HTTP/1.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(body.count)\r\n\r\n"
        return Array(text.utf8) + body
    }
}

/// One request over a plain socket, reading the answer's head (bounded in time by socket timeouts).
enum RawHTTP {
    struct Answer {
        var status: Int
        var requestID: String?
    }

    static func exchange(port: Int, _ request: [UInt8]) -> Answer? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return nil }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // The head and a little of the body (the request id of a submit is near its start).
        while received.count < 16_384 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
            if let text = String(bytes: received, encoding: .utf8), let end = text.range(of: "\r\n\r\n"),
               text[end.upperBound...].contains("}") || !text.lowercased().contains("content-type: application/json") {
                break
            }
        }
        let text = String(decoding: received, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return nil }
        var requestID: String?
        if let range = text.range(of: "\"request_id\":\"") {
            requestID = String(text[range.upperBound...].prefix { $0 != "\"" })
        }
        return Answer(status: status, requestID: requestID)
    }
}
