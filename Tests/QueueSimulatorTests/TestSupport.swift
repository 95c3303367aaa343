import Foundation
import QueueSimulator
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An HTTP answer as a test sees it.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    var json: JSONValue {
        get throws { try JSONValue.parse(body) }
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

let session: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = 20
    configuration.httpMaximumConnectionsPerHost = 64
    return URLSession(configuration: configuration)
}()

/// Sends one request over real HTTP.
func send(_ method: String, _ url: String, json: String? = nil, body: [UInt8]? = nil, headers: [String: String] = [:]) async throws -> HTTPAnswer {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    if let json {
        request.httpBody = Data(json.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    if let body { request.httpBody = Data(body) }
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await session.data(for: request)
    let http = response as! HTTPURLResponse
    var fields: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
        if let name = name as? String, let value = value as? String { fields[name] = value }
    }
    return HTTPAnswer(status: http.statusCode, headers: fields, body: Array(data))
}

/// A running simulator for one test; stopped by `finish()`.
struct Harness {
    let simulator: QueueSimulator
    var base: String { simulator.queueBaseURL.absoluteString }
    static let endpoint = "fal-ai/flux-1/schnell/redux"
    var submitURL: String { "\(base)/\(Self.endpoint)" }
    static let pixel = "data:image/png;base64," + Data(tinyPNG).base64EncodedString()
    static let tinyPNG: [UInt8] = PNGEncoder.encode(width: 3, height: 2) { x, y in (UInt8(x * 80), UInt8(y * 120), 7) }

    static func start(_ adjust: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> Harness {
        var configuration = SimulatorConfiguration()
        configuration.jobDuration = .milliseconds(60)
        configuration.logCount = 2
        adjust(&configuration)
        let simulator = try QueueSimulator.fluxRedux(configuration: configuration)
        try await simulator.start()
        return Harness(simulator: simulator)
    }

    func finish() async { await simulator.stop() }

    /// Runs `body` with a started simulator and stops it afterwards, awaited, whether `body`
    /// returns or throws (a `defer { Task { … } }` would leave the stop unawaited).
    static func with<T>(_ body: (Harness) async throws -> T) async throws -> T {
        try await with({ _ in }, body)
    }

    /// `with(_:)` on a simulator configured by `adjust`.
    static func with<T>(
        _ adjust: (inout SimulatorConfiguration) -> Void, _ body: (Harness) async throws -> T
    ) async throws -> T {
        let harness = try await start(adjust)
        do {
            let result = try await body(harness)
            await harness.finish()
            return result
        } catch {
            await harness.finish()
            throw error
        }
    }

    func submit(_ input: String = #"{"image_url":"\#(Harness.pixel)"}"#, query: String = "", headers: [String: String] = [:]) async throws -> HTTPAnswer {
        try await send("POST", submitURL + query, json: input, headers: headers)
    }

    func submitID(_ input: String = #"{"image_url":"\#(Harness.pixel)"}"#, headers: [String: String] = [:]) async throws -> String {
        let answer = try await submit(input, headers: headers)
        #expect(answer.status == 200, "\(answer.text)")
        return try #require(try answer.json["request_id"]?.stringValue)
    }

    func requestsURL(_ id: String, app: String = "fal-ai/flux-1") -> String { "\(base)/\(app)/requests/\(id)" }

    func status(_ id: String, logs: Bool = false, app: String = "fal-ai/flux-1") async throws -> HTTPAnswer {
        try await send("GET", requestsURL(id, app: app) + "/status?logs=\(logs ? 1 : 0)")
    }

    /// Polls status (bounded in count and time) until COMPLETED; returns the last status body.
    @discardableResult
    func waitForCompletion(_ id: String, logs: Bool = true) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(20)
        for _ in 0..<2000 {
            let answer = try await status(id, logs: logs)
            let json = try answer.json
            if json["status"]?.stringValue == "COMPLETED" { return json }
            if ContinuousClock.now > deadline { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("job \(id) did not complete")
        return .null
    }

    /// Waits (bounded) until `condition` holds.
    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        for _ in 0..<4000 {
            if try await condition() { return }
            if ContinuousClock.now > deadline { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("timed out waiting for \(what)")
    }
}
