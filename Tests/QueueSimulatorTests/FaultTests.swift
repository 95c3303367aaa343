import Foundation
import QueueSimulator
import Testing

@Suite("Fault injection")
struct FaultTests {
    @Test("a probabilistic fault is repeatable from the seed")
    func seededFaults() async throws {
        func run(seed: UInt64) async throws -> [Int] {
            try await Harness.with({
                $0.seed = seed
                $0.faults = [Fault(route: .status, kind: .httpStatus(429, retryAfter: 1), trigger: .probability(0.5))]
            }) { harness in
                var codes: [Int] = []
                for _ in 0..<24 { codes.append(try await harness.status("unknown").status) }
                return codes
            }
        }
        let first = try await run(seed: 42)
        let second = try await run(seed: 42)
        let other = try await run(seed: 43)
        #expect(first == second)
        #expect(first != other)
        #expect(first.contains(429) && first.contains(404))
    }

    @Test("triggers: times(n) hits the first n, nth([..]) the listed ones; ingress errors carry no request id")
    func triggers() async throws {
        try await Harness.with({
            $0.faults = [Fault(route: .submit, kind: .ingress(503), trigger: .nth([2, 4]))]
        }) { harness in
            var codes: [Int] = []
            for _ in 0..<5 {
                let answer = try await harness.submit()
                codes.append(answer.status)
                if answer.status == 503 {
                    #expect(answer.header("x-fal-request-id") == nil)
                    #expect(answer.text.contains("nginx"))
                } else {
                    #expect(answer.header("x-fal-request-id") != nil)
                }
            }
            #expect(codes == [200, 503, 200, 503, 200])
            #expect(harness.simulator.statistics.jobsSubmitted == 3)

            harness.simulator.inject(Fault(route: .result, kind: .httpStatus(429, retryAfter: 2), trigger: .times(2)))
            let limited = try await send("GET", harness.requestsURL("x"))
            #expect(limited.status == 429 && limited.header("Retry-After") == "2")
            #expect(try await send("GET", harness.requestsURL("x")).status == 429)
            #expect(try await send("GET", harness.requestsURL("x")).status == 404)
        }
    }

    @Test("500 internal error, user timeout, delay")
    func errorKinds() async throws {
        try await Harness.with { harness in
            harness.simulator.inject(Fault(route: .status, kind: .internalError))
            let serverError = try await harness.status("some-id")
            #expect(serverError.status == 500)
            #expect(serverError.header("X-Fal-Error-Type") == "internal_error")
            #expect(try serverError.json["error_type"] == .string("internal_error"))

            harness.simulator.inject(Fault(route: .cancel, kind: .userTimeout))
            let timeout = try await send("PUT", harness.requestsURL("some-id") + "/cancel")
            #expect(timeout.status == 504 && timeout.header("X-Fal-Request-Timeout-Type") == "user")

            harness.simulator.inject(Fault(route: .any, kind: .delay(.milliseconds(300))))
            let started = ContinuousClock.now
            #expect(try await harness.status("some-id").status == 404)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
        }
    }

    @Test("truncated and malformed JSON bodies, and dropped connections")
    func brokenBodies() async throws {
        try await Harness.with { harness in
            harness.simulator.holdJobs()
            harness.simulator.inject(Fault(route: .submit, kind: .truncatedJSON))
            let truncated = try await harness.submit()
            #expect(truncated.status == 200)
            #expect(throws: JSONParseError.self) { try truncated.json }
            #expect(truncated.text.hasPrefix("{\"status\":\"IN_QUEUE\""))

            harness.simulator.inject(Fault(route: .submit, kind: .malformedJSON))
            let malformed = try await harness.submit()
            #expect(throws: JSONParseError.self) { try malformed.json }

            harness.simulator.inject(Fault(route: .submit, kind: .dropConnection))
            await #expect(throws: (any Error).self) { try await harness.submit() }
            // the request reached the service before the answer was lost: a job exists for each submit
            #expect(harness.simulator.statistics.jobsSubmitted == 3)
        }
    }

    @Test("a job error: COMPLETED with error and error_type, the result answers 500 (or 422 for validation types)")
    func jobErrors() async throws {
        try await Harness.with({ $0.jobDuration = .milliseconds(5) }) { harness in
            harness.simulator.inject(Fault(route: .submit, kind: .jobError(message: "CUDA out of memory", type: "runner_server_error")))
            let id = try await harness.submitID()
            let status = try await harness.waitForCompletion(id)
            #expect(status["error"] == .string("CUDA out of memory"))
            #expect(status["error_type"] == .string("runner_server_error"))
            let result = try await send("GET", harness.requestsURL(id))
            #expect(result.status == 500)
            #expect(result.header("X-Fal-Error-Type") == "runner_server_error")
            #expect(harness.simulator.jobState(id) == .failed(errorType: "runner_server_error"))

            harness.simulator.inject(Fault(route: .submit, kind: .jobError(message: "Image too small", type: "image_too_small")))
            let second = try await harness.submitID()
            try await harness.waitForCompletion(second)
            #expect(try await send("GET", harness.requestsURL(second)).status == 422)
        }
    }

    @Test("a stalled status stream sends its first event, then nothing for the stall")
    func stalledStream() async throws {
        try await Harness.with({ $0.keepAliveInterval = .milliseconds(10); $0.jobDuration = .milliseconds(20) }) { harness in
            // A stall long enough for the 20 ms job to finish inside it even on a busy machine.
            harness.simulator.inject(Fault(route: .statusStream, kind: .stallStream(.seconds(2))))
            harness.simulator.holdJobs()
            let id = try await harness.submitID()
            let started = ContinuousClock.now
            async let streamed = send("GET", harness.requestsURL(id) + "/status/stream")
            try await harness.eventually("stream connected") { harness.simulator.statistics.requests[.statusStream] == 1 }
            harness.simulator.releaseJobs()
            try await harness.eventually("job done") { harness.simulator.jobState(id) == .completed }
            let answer = try await streamed
            #expect(ContinuousClock.now - started >= .seconds(2))
            let parts = answer.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(parts.first?.contains("IN_QUEUE") == true)
            #expect(parts.dropFirst().first?.contains("COMPLETED") == true, "the stall swallowed the intermediate states and pings")
        }
    }
}
