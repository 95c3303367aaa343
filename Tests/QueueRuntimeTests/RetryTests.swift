import Foundation
import HTTPTypes
import OpenAPIRuntime
import Testing
import FluxRedux
@testable import QueueRuntime

@Suite struct RetryTests {
    let input = Flux1SchnellRedux.Input(imageURL: "https://files.example.test/in.png")

    @Test func statusRetriesHonourRetryAfter() async throws {
        let transport = MockTransport { _, n in
            n == 1 ? reply(429, #"{"detail":"slow down"}"#, headers: ["Retry-After": "2"]) : reply(200, #"{"status":"IN_QUEUE","queue_position":3}"#)
        }
        let recorder = DelayRecorder()
        let client = mockClient(transport, recorder: recorder)
        let status = try await client.status(client.job(resuming: "req-1", endpoint: .flux1SchnellRedux))
        #expect(status.state == .inQueue && status.queuePosition == 3)
        #expect(recorder.delays == [.seconds(2)])
        #expect(transport.requests.count == 2)
    }

    @Test func backoffIsExponentialWithSeededJitter() async throws {
        func delays(seed: UInt64) async throws -> [Duration] {
            let transport = MockTransport { _, n in n <= 4 ? reply(503, "<html>nginx</html>") : reply(200, fluxOutput) }
            let recorder = DelayRecorder()
            let client = mockClient(transport, recorder: recorder, seed: seed)
            _ = try await client.result(client.job(resuming: "req-1", endpoint: .flux1SchnellRedux))
            return recorder.delays
        }
        let first = try await delays(seed: 1)
        #expect(first.count == 4)
        for (index, delay) in first.enumerated() {
            let base = 0.1 * pow(2, Double(index))
            #expect(delay.seconds >= base * 0.5 && delay.seconds <= base * 1.5, "retry \(index + 1): \(delay)")
        }
        #expect(try await delays(seed: 1) == first)
        #expect(try await delays(seed: 2) != first)
    }

    @Test func attemptsAreBounded() async throws {
        let transport = MockTransport { _, _ in reply(502, "bad gateway") }
        let client = mockClient(transport) { $0.retryPolicy.maxAttempts = 4 }
        await #expect {
            try await client.status(client.job(resuming: "req-1", endpoint: .flux1SchnellRedux))
        } throws: { error in
            guard case QueueError.http(let failure) = error else { return false }
            return failure.status == 502
        }
        #expect(transport.requests.count == 4)
    }

    @Test func serviceErrorsWithRequestIDAreNotIngressErrors() async throws {
        let transport = MockTransport { _, _ in
            reply(503, #"{"detail":"no runner","error_type":"runner_scheduling_failure"}"#, headers: ["x-fal-request-id": "req-1"])
        }
        let client = mockClient(transport)
        await #expect(throws: QueueError.self) { try await client.status(client.job(resuming: "req-1", endpoint: .flux1SchnellRedux)) }
        #expect(transport.requests.count == 1)
    }

    @Test func userTimeoutIsNeverRetried() async throws {
        let transport = MockTransport { _, _ in
            reply(504, #"{"detail":"Request timed out","error_type":"request_timeout"}"#, headers: ["X-Fal-Request-Timeout-Type": "user"])
        }
        let client = mockClient(transport)
        do {
            _ = try await client.submit(.flux1SchnellRedux, input, options: SubmitOptions(startTimeout: .seconds(5)))
            Issue.record("expected an error")
        } catch QueueError.http(let failure) {
            #expect(failure.status == 504 && failure.errorType == "request_timeout")
        }
        #expect(transport.requests.count == 1)
        #expect(transport.requests[0].request.headerFields[.falRequestTimeout] == "5.0")
    }

    @Test(arguments: [
        (429, [String: String](), true), (503, [:], true), (503, ["x-fal-request-id": "r"], false),
        (502, [:], false), (504, [:], false), (500, [:], false), (408, [:], false), (409, [:], false),
    ])
    func submitRetriesOnlyWhereNoJobWasCreated(status: Int, headers: [String: String], retried: Bool) async throws {
        let transport = MockTransport { _, n in n == 1 ? reply(status, "{}", headers: headers) : reply(200, submitted) }
        let client = mockClient(transport)
        let job = try? await client.submit(.flux1SchnellRedux, input)
        #expect((job != nil) == retried)
        #expect(transport.requests.count == (retried ? 2 : 1))
    }

    @Test func submitRetriesAmbiguousFailuresWhenOptedIn() async throws {
        let transport = MockTransport { _, n in n == 1 ? reply(502, "bad gateway") : reply(200, submitted) }
        let client = mockClient(transport) { $0.retryPolicy.retryAmbiguousSubmits = true }
        let job = try await client.submit(.flux1SchnellRedux, input)
        #expect(job.requestID == "req-1" && transport.requests.count == 2)
    }

    @Test func submitRetriesConnectionRefusedButNotAResetConnection() async throws {
        let refused = MockTransport { _, n in
            if n == 1 { throw POSIXError(.ECONNREFUSED) }
            return reply(200, submitted)
        }
        let job = try await mockClient(refused).submit(.flux1SchnellRedux, input)
        #expect(job.requestID == "req-1" && refused.requests.count == 2)

        let reset = MockTransport { _, n in
            if n == 1 { throw POSIXError(.ECONNRESET) }
            return reply(200, submitted)
        }
        await #expect {
            try await mockClient(reset).submit(.flux1SchnellRedux, input)
        } throws: { error in
            guard case QueueError.transport(let failure) = error else { return false }
            return !failure.notSent
        }
        #expect(reset.requests.count == 1)
    }

    @Test func transportErrorsAreRetriedForStatusResultAndCancel() async throws {
        let transport = MockTransport { request, n in
            if n % 2 == 1 { throw POSIXError(.ECONNRESET) }
            if request.request.method == .put { return reply(202, #"{"status":"CANCELLATION_REQUESTED"}"#) }
            if request.url.hasSuffix("/status?logs=0") { return reply(200, #"{"status":"IN_PROGRESS"}"#) }
            return reply(200, fluxOutput)
        }
        let client = mockClient(transport)
        let job = client.job(resuming: "req-1", endpoint: .flux1SchnellRedux)
        #expect(try await client.status(job).state == .inProgress)
        #expect(try await client.result(job).images.count == 1)
        #expect(try await client.cancel(job) == .cancellationRequested)
        #expect(transport.requests.count == 6)
    }

    @Test func retryableFalseStopsRetries() async throws {
        let transport = MockTransport { _, _ in reply(429, "{}", headers: ["X-Fal-Retryable": "false"]) }
        let client = mockClient(transport)
        await #expect(throws: QueueError.self) { try await client.result(client.job(resuming: "r", endpoint: .flux1SchnellRedux)) }
        #expect(transport.requests.count == 1)
    }
}
