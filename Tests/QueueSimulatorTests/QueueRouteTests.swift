import Foundation
import QueueSimulator
import Testing

@Suite("Queue routes over HTTP")
struct QueueRouteTests {
    @Test("the bundled spec is a byte-for-byte copy of specs/flux-1-schnell-redux.yaml")
    func bundledSpecMatchesRepository() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("specs/flux-1-schnell-redux.yaml")
        let original = try Data(contentsOf: repository)
        #expect(try QueueSimulator.bundledFluxReduxSpecBytes() == Array(original))
    }

    @Test("submit, status (logs on and off), result, files: the happy path")
    func happyPath() async throws {
        try await Harness.with { (harness: Harness) async throws in
            let submitted = try await harness.submit(#"{"image_url":"\#(Harness.pixel)","image_size":"square","num_images":2,"seed":5000000000,"output_format":"png"}"#)
            #expect(submitted.status == 200)
            let body = try submitted.json
            let id = try #require(body["request_id"]?.stringValue)
            #expect(submitted.header("x-fal-request-id") == id)
            #expect(body["status"] == .string("IN_QUEUE"))
            #expect(body["response_url"] == .string("\(harness.base)/fal-ai/flux-1/requests/\(id)"))
            #expect(body["status_url"] == .string("\(harness.base)/fal-ai/flux-1/requests/\(id)/status"))
            #expect(body["cancel_url"] == .string("\(harness.base)/fal-ai/flux-1/requests/\(id)/cancel"))
            #expect(body["queue_position"] == .integer(0))
            #expect(body["logs"] == .null)

            let completed = try await harness.waitForCompletion(id)
            #expect(completed["metrics"]?["inference_time"]?.doubleValue ?? 0 > 0)
            guard case .array(let logs)? = completed["logs"] else { Issue.record("logs missing"); return }
            #expect(logs.count == 2)
            #expect(logs.allSatisfy { $0["message"]?.stringValue != nil && $0["timestamp"]?.stringValue != nil })
            let withoutLogs = try await harness.status(id, logs: false).json
            #expect(withoutLogs["logs"] == .null, "the logs key is always sent, null when logs=0")
            #expect(withoutLogs["error"] == nil)

            let result = try await send("GET", harness.requestsURL(id))
            #expect(result.status == 200)
            #expect(result.header("x-fal-request-id") == id)
            let output = try result.json
            #expect(output["seed"] == .integer(5_000_000_000))
            #expect(output["prompt"]?.stringValue?.isEmpty == false, "Redux takes no prompt; the output still says one")
            #expect(output["has_nsfw_concepts"] == .array([.bool(false), .bool(false)]))
            #expect(output["timings"]?["inference"]?.doubleValue != nil)
            guard case .array(let images)? = output["images"] else { Issue.record("no images"); return }
            #expect(images.count == 2)
            for image in images {
                #expect(image["width"] == .integer(512) && image["height"] == .integer(512))
                #expect(image["content_type"] == .string("image/png"))
                let file = try await send("GET", try #require(image["url"]?.stringValue))
                #expect(file.status == 200 && file.header("Content-Type") == "image/png")
                let size = try #require(PNGEncoder.dimensions(of: file.body))
                #expect(size.width == 512 && size.height == 512)
                #expect(file.body.count > 512 * 512 * 3)
            }
            #expect(images[0]["url"] != images[1]["url"])
            #expect(harness.simulator.jobState(id) == .completed)
        }
    }

    @Test("status, result and cancel are served under owner/alias and under the full id; nowhere else")
    func subpathRule() async throws {
        try await Harness.with { (harness: Harness) async throws in
            let id = try await harness.submitID()
            try await harness.waitForCompletion(id)
            for app in ["fal-ai/flux-1", "fal-ai/flux-1/schnell/redux"] {
                #expect(try await harness.status(id, app: app).status == 200)
                #expect(try await send("GET", harness.requestsURL(id, app: app)).status == 200)
                let cancel = try await send("PUT", harness.requestsURL(id, app: app) + "/cancel")
                #expect(cancel.status == 400)
            }
            #expect(try await harness.status(id, app: "fal-ai/other").status == 404)
            #expect(try await send("POST", "\(harness.base)/fal-ai/flux-1", json: "{}").status == 404, "submit needs the full id")
            #expect(try await send("POST", "\(harness.base)/fal-ai/unknown/model", json: "{}").status == 404)
            #expect(try await send("GET", "\(harness.base)/fal-ai/flux-1/schnell/redux").status == 405)
            #expect(try await send("DELETE", harness.requestsURL(id) + "/cancel").status == 405)
            #expect(try await send("GET", "\(harness.base)/nothing/here/at/all").status == 404)
        }
    }

    @Test("result answers 400 while the job is not finished and 404 for an unknown id")
    func resultStatusCodes() async throws {
        try await Harness.with { (harness: Harness) async throws in
            harness.simulator.holdJobs()
            let id = try await harness.submitID()
            let early = try await send("GET", harness.requestsURL(id))
            #expect(early.status == 400)
            #expect(try early.json["detail"]?.stringValue != nil)
            let unknown = try await send("GET", harness.requestsURL("no-such-id"))
            #expect(unknown.status == 404)
            #expect(try await harness.status("no-such-id").status == 404)
            harness.simulator.releaseJobs()
            try await harness.waitForCompletion(id)
            #expect(try await send("GET", harness.requestsURL(id)).status == 200)
        }
    }

    @Test("queue_position counts down; normal priority goes before low")
    func queuePositions() async throws {
        try await Harness.with({ $0.workers = 1 }) { (harness: Harness) async throws in
            harness.simulator.holdJobs()
            let low = try await harness.submitID(headers: ["X-Fal-Queue-Priority": "low"])
            let first = try await harness.submitID()
            let second = try await harness.submitID()
            #expect(harness.simulator.jobState(first) == .queued(position: 0))
            #expect(harness.simulator.jobState(second) == .queued(position: 1))
            #expect(harness.simulator.jobState(low) == .queued(position: 2))
            #expect(try await harness.status(second).json["queue_position"] == .integer(1))
            #expect(try await harness.status(low).json["queue_position"] == .integer(2))

            let cancel = try await send("PUT", harness.requestsURL(first) + "/cancel")
            #expect(cancel.status == 202)
            #expect(try cancel.json == .object([("status", .string("CANCELLATION_REQUESTED"))]))
            #expect(harness.simulator.jobState(first) == .cancelled)
            #expect(try await harness.status(second).json["queue_position"] == .integer(0))
            #expect(try await harness.status(low).json["queue_position"] == .integer(1))
            let cancelled = try await harness.status(first).json
            #expect(cancelled["status"] == .string("COMPLETED"))
            #expect(cancelled["error_type"] == .string("client_cancelled"))

            harness.simulator.releaseJobs()
            try await harness.waitForCompletion(low)
            #expect(harness.simulator.jobState(second) == .completed)
            let statistics = harness.simulator.statistics
            #expect(statistics.jobsSubmitted == 3 && statistics.jobsCancelled == 1 && statistics.jobsCompleted == 3)
        }
    }

    @Test("cancel: in progress → 202 and the job ends cancelled; completed → 400; unknown → 404")
    func cancelStates() async throws {
        try await Harness.with({ $0.jobDuration = .seconds(2); $0.logCount = 20 }) { (harness: Harness) async throws in
            let running = try await harness.submitID()
            try await harness.eventually("job in progress") { harness.simulator.jobState(running) == .inProgress }
            let accepted = try await send("PUT", harness.requestsURL(running) + "/cancel")
            #expect(accepted.status == 202)
            try await harness.eventually("job cancelled") { harness.simulator.jobState(running) == .cancelled }
            let result = try await send("GET", harness.requestsURL(running))
            #expect(result.status == 499)
            #expect(try result.json["error_type"] == .string("client_cancelled"))

            let again = try await send("PUT", harness.requestsURL(running) + "/cancel")
            #expect(again.status == 400)
            #expect(try again.json == .object([("status", .string("ALREADY_COMPLETED"))]))
            let unknown = try await send("PUT", harness.requestsURL("missing") + "/cancel")
            #expect(unknown.status == 404)
            #expect(try unknown.json == .object([("status", .string("NOT_FOUND"))]))
        }
    }

    @Test("X-Fal-Request-Timeout: a job still queued at the deadline ends with a user timeout (504)")
    func requestTimeout() async throws {
        try await Harness.with { (harness: Harness) async throws in
            harness.simulator.holdJobs()
            let id = try await harness.submitID(headers: ["X-Fal-Request-Timeout": "0.2"])
            let status = try await harness.waitForCompletion(id)
            #expect(status["error_type"] == .string("request_timeout"))
            let result = try await send("GET", harness.requestsURL(id))
            #expect(result.status == 504)
            #expect(result.header("X-Fal-Request-Timeout-Type") == "user")
            #expect(harness.simulator.jobState(id) == .failed(errorType: "request_timeout"))
            #expect(try await harness.submit(headers: ["X-Fal-Request-Timeout": "soon"]).status == 400)
        }
    }

    @Test("fal_max_queue_length: 429 once that many are waiting")
    func maxQueueLength() async throws {
        try await Harness.with { (harness: Harness) async throws in
            harness.simulator.holdJobs()
            #expect(try await harness.submit(query: "?fal_max_queue_length=2").status == 200)
            #expect(try await harness.submit(query: "?fal_max_queue_length=2").status == 200)
            #expect(try await harness.submit(query: "?fal_max_queue_length=2").status == 429)
            #expect(harness.simulator.statistics.jobsSubmitted == 2)
        }
    }

    @Test("credentials: Key and Bearer accepted, anything else 401 with fal's body")
    func authentication() async throws {
        try await Harness.with({ $0.apiKey = "id:secret" }) { (harness: Harness) async throws in
            let input = #"{"image_url":"\#(Harness.pixel)"}"#
            for header in [nil, "Key wrong", "Bearer wrong", "id:secret", "Basic id:secret"] as [String?] {
                let answer = try await harness.submit(input, headers: header.map { ["Authorization": $0] } ?? [:])
                #expect(answer.status == 401)
                #expect(try answer.json == .object([("detail", .string("No user found for Key ID and Secret"))]))
            }
            let key = try await harness.submit(input, headers: ["Authorization": "Key id:secret"])
            #expect(key.status == 200)
            let bearer = try await harness.submit(input, headers: ["Authorization": "Bearer id:secret"])
            #expect(bearer.status == 200)
            let id = try #require(try key.json["request_id"]?.stringValue)
            #expect(try await harness.status(id).status == 401)
            #expect(try await send("GET", harness.requestsURL(id) + "/status", headers: ["Authorization": "Key id:secret"]).status == 200)
            #expect(harness.simulator.statistics.unauthorized == 6)
        }
    }

    @Test("sync route: POST /run/{id} blocks and returns the output; sync_mode gives data URIs")
    func syncRoute() async throws {
        try await Harness.with { (harness: Harness) async throws in
            let answer = try await send("POST", "\(harness.simulator.syncBaseURL.absoluteString)/\(Harness.endpoint)",
                                        json: #"{"image_url":"\#(Harness.pixel)","sync_mode":true,"num_images":3,"image_size":{"width":33,"height":17},"output_format":"png"}"#)
            #expect(answer.status == 200)
            #expect(answer.header("x-fal-request-id") != nil)
            guard case .array(let images)? = try answer.json["images"] else { Issue.record("no images"); return }
            #expect(images.count == 3)
            for image in images {
                let url = try #require(image["url"]?.stringValue)
                #expect(url.hasPrefix("data:image/png;base64,"))
                let bytes = try #require(Data(base64Encoded: String(url.dropFirst("data:image/png;base64,".count))))
                let size = try #require(PNGEncoder.dimensions(of: Array(bytes)))
                #expect(size.width == 33 && size.height == 17)
            }
            let invalid = try await send("POST", "\(harness.simulator.syncBaseURL.absoluteString)/\(Harness.endpoint)", json: "{}")
            #expect(invalid.status == 422)
            #expect(harness.simulator.statistics.requests[.sync] == 2)
        }
    }

    @Test("outputs are deterministic in input image, seed and size", arguments: [
        ("square_hd", 1024, 1024), ("portrait_4_3", 768, 1024), ("portrait_16_9", 576, 1024),
        ("landscape_4_3", 1024, 768), ("landscape_16_9", 1024, 576),
    ])
    func presets(preset: String, width: Int, height: Int) async throws {
        try await Harness.with({ $0.jobDuration = .milliseconds(5) }) { (harness: Harness) async throws in
            let run = "\(harness.simulator.syncBaseURL.absoluteString)/\(Harness.endpoint)"
            let first = try await send("POST", run, json: #"{"image_url":"\#(Harness.pixel)","image_size":"\#(preset)","seed":1,"output_format":"png"}"#).json
            let second = try await send("POST", run, json: #"{"image_url":"\#(Harness.pixel)","image_size":"\#(preset)","seed":1,"output_format":"png"}"#).json
            let other = try await send("POST", run, json: #"{"image_url":"\#(Harness.pixel)","image_size":"\#(preset)","seed":2,"output_format":"png"}"#).json
            let url = try #require(first["images"]?.arrayValue?.first?["url"]?.stringValue)
            #expect(second["images"]?.arrayValue?.first?["url"]?.stringValue == url)
            #expect(other["images"]?.arrayValue?.first?["url"]?.stringValue != url)
            let file = try await send("GET", url)
            let size = try #require(PNGEncoder.dimensions(of: file.body))
            #expect(size.width == width && size.height == height)
        }
    }

    @Test("output_format jpeg (the default) gives baseline JPEG files and data URIs labelled image/jpeg")
    func jpegOutputs() async throws {
        try await Harness.with({ $0.jobDuration = .milliseconds(5) }) { (harness: Harness) async throws in
            let run = "\(harness.simulator.syncBaseURL.absoluteString)/\(Harness.endpoint)"
            let output = try await send("POST", run, json: #"{"image_url":"\#(Harness.pixel)","image_size":{"width":70,"height":45}}"#).json
            let image = try #require(output["images"]?.arrayValue?.first)
            #expect(image["content_type"] == .string("image/jpeg"))
            let file = try await send("GET", try #require(image["url"]?.stringValue))
            #expect(file.header("Content-Type") == "image/jpeg")
            #expect(file.body.prefix(2) == [0xFF, 0xD8] && file.body.suffix(2) == [0xFF, 0xD9])
            let size = try #require(JPEGEncoder.dimensions(of: file.body))
            #expect(size.width == 70 && size.height == 45)

            let inline = try await send("POST", run, json: #"{"image_url":"\#(Harness.pixel)","sync_mode":true,"image_size":{"width":9,"height":8}}"#).json
            let uri = try #require(inline["images"]?.arrayValue?.first?["url"]?.stringValue)
            #expect(uri.hasPrefix("data:image/jpeg;base64,"))
            let bytes = try #require(Data(base64Encoded: String(uri.dropFirst("data:image/jpeg;base64,".count))))
            #expect(JPEGEncoder.dimensions(of: Array(bytes))?.width == 9)
        }
    }

    @Test("without a seed one is drawn from the seeded generator: same simulator seed, same image seeds")
    func generatedSeeds() async throws {
        var seeds: [[JSONValue?]] = []
        for _ in 0..<2 {
            let run = try await Harness.with({ $0.seed = 99; $0.jobDuration = .milliseconds(5) }) { (harness: Harness) async throws in
                var run: [JSONValue?] = []
                for _ in 0..<3 {
                    let output = try await send("POST", "\(harness.simulator.syncBaseURL.absoluteString)/\(Harness.endpoint)",
                                                json: #"{"image_url":"\#(Harness.pixel)","image_size":"square"}"#).json
                    run.append(output["seed"])
                }
                return run
            }
            seeds.append(run)
        }
        #expect(seeds[0] == seeds[1])
        #expect(Set(seeds[0].compactMap { $0?.integerValue }).count == 3)
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
