import Foundation
import QueueSimulator
import Testing

@Suite("Status stream, validation, uploads and webhooks")
struct StreamAndValidationTests {
    /// Splits an SSE body into its blocks (events and comments).
    func blocks(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
    }

    @Test("SSE: data events per change in the polling shape, : ping keep-alives, closed after COMPLETED")
    func statusStreamFraming() async throws {
        try await Harness.with({ $0.keepAliveInterval = .milliseconds(20); $0.jobDuration = .milliseconds(150); $0.logCount = 3 }) { harness in
            harness.simulator.holdJobs()
            let id = try await harness.submitID()
            async let streamed = send("GET", harness.requestsURL(id) + "/status/stream?logs=1", headers: ["Accept": "text/event-stream"])
            try await harness.eventually("stream connected") { harness.simulator.statistics.requests[.statusStream] == 1 }
            harness.simulator.releaseJobs()
            let answer = try await streamed
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type") == "text/event-stream")
            #expect(answer.header("x-fal-request-id") == id)
            let parts = blocks(answer.text)
            #expect(parts.contains(": ping"))
            let events = try parts.filter { $0.hasPrefix("data: ") }.map { try JSONValue.parse(Array($0.dropFirst(6).utf8)) }
            #expect(parts.allSatisfy { $0 == ": ping" || $0.hasPrefix("data: ") })
            let statuses = events.compactMap { $0["status"]?.stringValue }
            #expect(statuses.first == "IN_QUEUE")
            #expect(statuses.last == "COMPLETED")
            #expect(statuses.contains("IN_PROGRESS"))
            #expect(statuses.filter { $0 == "COMPLETED" }.count == 1)
            #expect(events.first?["queue_position"] == .integer(0))
            #expect(events.last?["metrics"]?["inference_time"] != nil)
            #expect(events.last?["logs"]?.arrayValue?.count == 3)
            // an event per change: consecutive events differ
            #expect(zip(events, events.dropFirst()).allSatisfy { $0 != $1 })
            #expect(parts.last?.hasPrefix("data: ") == true, "nothing follows the COMPLETED event")
        }
    }

    @Test("SSE on a finished job: one COMPLETED event, then the stream closes; unknown id → 404")
    func streamAfterCompletion() async throws {
        try await Harness.with { harness in
            let id = try await harness.submitID()
            try await harness.waitForCompletion(id)
            let answer = try await send("GET", harness.requestsURL(id, app: Harness.endpoint) + "/status/stream")
            let parts = blocks(answer.text)
            #expect(parts.count == 1)
            #expect(try JSONValue.parse(Array(parts[0].dropFirst(6).utf8))["status"] == .string("COMPLETED"))
            #expect(try await send("GET", harness.requestsURL("nope") + "/status/stream").status == 404)
        }
    }

    @Test("invalid input is accepted at submit, the job completes, and the result is fal's 422", arguments: [
        (#"{"image_url":"PIXEL","num_inference_steps":13}"#,
         #"{"detail":[{"loc":["body","num_inference_steps"],"msg":"Input should be less than or equal to 12","type":"less_than_equal","ctx":{"le":12},"input":13}]}"#),
        (#"{"image_url":"PIXEL","num_inference_steps":0}"#,
         #"{"detail":[{"loc":["body","num_inference_steps"],"msg":"Input should be greater than or equal to 1","type":"greater_than_equal","ctx":{"ge":1},"input":0}]}"#),
        (#"{"num_images":2}"#,
         #"{"detail":[{"loc":["body","image_url"],"msg":"Field required","type":"missing","input":{"num_images":2}}]}"#),
        (#"{"image_url":"PIXEL","num_images":"two"}"#,
         #"{"detail":[{"loc":["body","num_images"],"msg":"Input should be a valid integer","type":"int_type","input":"two"}]}"#),
        (#"{"image_url":"PIXEL","sync_mode":"yes"}"#,
         #"{"detail":[{"loc":["body","sync_mode"],"msg":"Input should be a valid boolean","type":"bool_type","input":"yes"}]}"#),
        (#"{"image_url":"PIXEL","output_format":"gif"}"#,
         #"{"detail":[{"loc":["body","output_format"],"msg":"Input should be 'jpeg' or 'png'","type":"literal_error","ctx":{"expected":"'jpeg' or 'png'"},"input":"gif"}]}"#),
        (#"{"image_url":"PIXEL","image_size":{"width":0,"height":20000}}"#,
         #"{"detail":[{"loc":["body","image_size","width"],"msg":"Input should be greater than 0","type":"greater_than","ctx":{"gt":0},"input":0},{"loc":["body","image_size","height"],"msg":"Input should be less than or equal to 14142","type":"less_than_equal","ctx":{"le":14142},"input":20000}]}"#),
        (#"{"image_url":42}"#,
         #"{"detail":[{"loc":["body","image_url"],"msg":"Input should be a valid string","type":"string_type","input":42}]}"#),
        (#"{"image_url":"PIXEL","num_images":2.5}"#,
         #"{"detail":[{"loc":["body","num_images"],"msg":"Input should be a valid integer, got a number with a fractional part","type":"int_from_float","input":2.5}]}"#),
    ])
    func validation(input: String, expected: String) async throws {
        try await Harness.with({ $0.jobDuration = .milliseconds(5) }) { harness in
            let submitted = try await harness.submit(input.replacingOccurrences(of: "PIXEL", with: Harness.pixel))
            #expect(submitted.status == 200, "invalid input is accepted at submit")
            let id = try #require(try submitted.json["request_id"]?.stringValue)
            let status = try await harness.waitForCompletion(id)
            #expect(status["error_type"] == .string("validation_error"))
            let result = try await send("GET", harness.requestsURL(id))
            #expect(result.status == 422)
            #expect(try result.json == (try JSONValue.parse(Array(expected.utf8))))
        }
    }

    @Test("image_url: remote URLs and unknown loopback files give a 422 for image_url")
    func imageURLSources() async throws {
        try await Harness.with({ $0.jobDuration = .milliseconds(5) }) { harness in
            let run = "\(harness.simulator.syncBaseURL.absoluteString)/\(Harness.endpoint)"
            for url in ["https://fal.media/files/kangaroo/image.webp", "\(harness.base)/files/missing.png", "ftp://127.0.0.1/x.png", "data:image/png;base64,"] {
                let answer = try await send("POST", run, json: #"{"image_url":"\#(url)"}"#)
                #expect(answer.status == 422, "\(url)")
                let detail = try answer.json["detail"]?.arrayValue?.first
                #expect(detail?["loc"] == .array([.string("body"), .string("image_url")]))
            }
        }
    }

    @Test("uploads: initiate + PUT, and the CDN token + /files/upload; the file then works as image_url")
    func uploads() async throws {
        try await Harness.with({ $0.apiKey = "k"; $0.jobDuration = .milliseconds(5) }) { harness in
            let auth = ["Authorization": "Key k"]
            let storage = harness.simulator.storageBaseURL.absoluteString
            #expect(try await send("POST", "\(storage)/storage/upload/initiate", json: "{}").status == 401)
            let initiated = try await send("POST", "\(storage)/storage/upload/initiate?storage_type=gcs",
                                           json: #"{"content_type":"image/png","file_name":"in.png"}"#, headers: auth).json
            let uploadURL = try #require(initiated["upload_url"]?.stringValue)
            let fileURL = try #require(initiated["file_url"]?.stringValue)
            #expect(try await send("GET", fileURL).status == 404, "nothing there before the PUT")
            let put = try await send("PUT", uploadURL, body: Harness.tinyPNG, headers: ["Content-Type": "image/png"])
            #expect(put.status == 200)
            let served = try await send("GET", fileURL)
            #expect(served.body == Harness.tinyPNG && served.header("Content-Type") == "image/png")

            let token = try await send("POST", "\(storage)/storage/auth/token?storage_type=fal-cdn-v3", json: "{}", headers: auth).json
            let cdnToken = try #require(token["token"]?.stringValue)
            #expect(token["base_url"]?.stringValue == harness.base)
            let cdn = try await send("POST", "\(storage)/files/upload", body: Harness.tinyPNG,
                                     headers: ["Authorization": "Bearer \(cdnToken)", "Content-Type": "image/png", "X-Fal-File-Name": "a.png"])
            let accessURL = try #require(try cdn.json["access_url"]?.stringValue)
            #expect(try await send("GET", accessURL).body == Harness.tinyPNG)

            let run = "\(harness.simulator.syncBaseURL.absoluteString)/\(Harness.endpoint)"
            let fromFile = try await send("POST", run, json: #"{"image_url":"\#(fileURL)","seed":3}"#, headers: auth).json
            let fromDataURI = try await send("POST", run, json: #"{"image_url":"\#(Harness.pixel)","seed":3}"#, headers: auth).json
            #expect(fromFile["images"] != nil)
            #expect(fromFile["images"] == fromDataURI["images"], "same bytes, same seed: same images")
            #expect(harness.simulator.statistics.requests[.upload] == 5)
        }
    }

    @Test("webhooks: the payload is POSTed to a loopback URL, retried after failures; remote URLs refused")
    func webhooks() async throws {
        try await Harness.with({ $0.jobDuration = .milliseconds(5); $0.webhookRetryDelay = .milliseconds(10) }) { harness in
            let sink = "\(harness.base)/_simulator/webhooks/w1?fail=2"
            let query = "?fal_webhook=" + sink.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let submitted = try await harness.submit(query: query)
            let id = try #require(try submitted.json["request_id"]?.stringValue)
            try await harness.eventually("webhook delivered") { harness.simulator.statistics.webhooksDelivered == 1 }
            #expect(harness.simulator.statistics.webhookAttempts == 3)
            let deliveries = try await send("GET", "\(harness.base)/_simulator/webhooks/w1").json.arrayValue ?? []
            #expect(deliveries.count == 1)
            let payload = try #require(deliveries.first)
            #expect(payload["request_id"] == .string(id))
            #expect(payload["gateway_request_id"] == .string(id))
            #expect(payload["status"] == .string("OK"))
            #expect(payload["payload"]?["images"]?.arrayValue?.count == 1)

            let bad = try await harness.submit(#"{"num_images":9}"#, query: "?fal_webhook=" + "\(harness.base)/_simulator/webhooks/w2"
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(bad.status == 200)
            try await harness.eventually("error webhook") { harness.simulator.statistics.webhooksDelivered == 2 }
            let errorPayload = try await send("GET", "\(harness.base)/_simulator/webhooks/w2").json.arrayValue?.first
            #expect(errorPayload?["status"] == .string("ERROR"))
            #expect(errorPayload?["payload"]?["detail"]?.arrayValue?.isEmpty == false)
            #expect(try await harness.submit(query: "?fal_webhook=https%3A%2F%2Fexample.com%2Fhook").status == 400)
        }
    }
}
