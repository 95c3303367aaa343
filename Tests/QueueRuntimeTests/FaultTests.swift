import Foundation
import Testing
import FluxRedux
import QueueSimulator
@testable import QueueRuntime
import QueueTestSupport

/// Each injected fault is either recovered from or reported as the right error.
@Suite(.serialized) struct FaultTests {
    /// Runs one job with `faults` active; returns the output or the error, and the simulator's counts.
    func runJob(
        _ faults: [Fault], polling: Bool = false, jobDuration: Duration = .milliseconds(100),
        configure: @escaping (inout QueueClient.Configuration) -> Void = { _ in }
    ) async throws -> (Result<Flux1SchnellRedux.Output, any Error>, [Fault.Route: Int]) {
        try await withSimulator(jobDuration: jobDuration, faults: faults, configureClient: { configuration, _ in
            if polling { configuration.statusUpdates = .polling }
            configuration.statusUpdates.streamIdleTimeout = .milliseconds(400)
            configure(&configuration)
        }) { client, simulator in
            let result: Result<Flux1SchnellRedux.Output, any Error>
            do {
                result = .success(try await within(.seconds(15)) { try await client.run(.flux1SchnellRedux, reduxInput()) })
            } catch {
                result = .failure(error)
            }
            return (result, simulator.statistics.requests)
        }
    }

    func recovered(_ faults: [Fault], polling: Bool = false, jobDuration: Duration = .milliseconds(100)) async throws -> [Fault.Route: Int] {
        let (result, requests) = try await runJob(faults, polling: polling, jobDuration: jobDuration)
        if case .failure(let error) = result { Issue.record("not recovered from \(faults.map(\.kind)): \(error)") }
        return requests
    }

    @Test func rateLimitedSubmitIsRetried() async throws {
        let requests = try await recovered([Fault(route: .submit, kind: .httpStatus(429, retryAfter: 0), trigger: .times(2))])
        #expect(requests[.submit] == 3)
    }

    @Test func ingress503OnSubmitIsRetried() async throws {
        #expect(try await recovered([Fault(route: .submit, kind: .ingress(503))])[.submit] == 2)
    }

    @Test(arguments: [502, 504])
    func ambiguousIngressErrorOnSubmitIsReported(status: Int) async throws {
        let (result, requests) = try await runJob([Fault(route: .submit, kind: .ingress(status))])
        guard case .failure(QueueError.http(let failure)) = result else { Issue.record("got \(result)"); return }
        #expect(failure.status == status && requests[.submit] == 1)
    }

    @Test func droppedSubmitIsReportedNotRepeated() async throws {
        let (result, requests) = try await runJob([Fault(route: .submit, kind: .dropConnection)])
        guard case .failure(QueueError.transport) = result else { Issue.record("got \(result)"); return }
        #expect(requests[.submit] == 1)
    }

    @Test func userTimeoutIsReportedNotRetried() async throws {
        let (result, requests) = try await runJob([Fault(route: .submit, kind: .userTimeout)])
        guard case .failure(QueueError.http(let failure)) = result else { Issue.record("got \(result)"); return }
        #expect(failure.status == 504 && requests[.submit] == 1)
    }

    @Test(arguments: [Fault.Kind.ingress(502), .ingress(503), .ingress(504), .httpStatus(429, retryAfter: 0), .dropConnection, .delay(.milliseconds(50))])
    func statusAndResultFaultsAreRecovered(kind: Fault.Kind) async throws {
        _ = try await recovered([Fault(route: .status, kind: kind, trigger: .times(2)), Fault(route: .result, kind: kind, trigger: .times(2))], polling: true)
        _ = try await recovered([Fault(route: .statusStream, kind: kind, trigger: .times(1)), Fault(route: .result, kind: kind)])
    }

    @Test func cancelFaultsAreRecovered() async throws {
        try await withSimulator(faults: [Fault(route: .cancel, kind: .ingress(503)), Fault(route: .cancel, kind: .dropConnection)]) { client, simulator in
            simulator.holdJobs()
            let job = try await client.submit(.flux1SchnellRedux, reduxInput())
            #expect(try await within(.seconds(5)) { try await client.cancel(job) } == .cancellationRequested)
            #expect((simulator.statistics.requests[.cancel] ?? 0) >= 2)
        }
    }

    @Test func stalledStreamIsAbandoned() async throws {
        // Counts, not wall-clock time: the stalled streams were given up (a bounded number of
        // them) and the job finished by polling.
        // A 2 s job, so the first event is never the last one even when the stream opens late on a
        // loaded machine: the stream then stalls, however slow the machine.
        let requests = try await recovered([Fault(route: .statusStream, kind: .stallStream(.seconds(20)), trigger: .always)], jobDuration: .seconds(2))
        // At least one stalled stream was given up (a new stream, or a poll, followed it), and
        // no more than the stream attempts were made.
        #expect((1...3).contains(requests[.statusStream] ?? 0), "\(requests)")
        #expect((requests[.statusStream] ?? 0) + (requests[.status] ?? 0) >= 2, "\(requests)")
    }

    @Test func internalErrorOnResultIsReported() async throws {
        let (result, _) = try await runJob([Fault(route: .result, kind: .internalError)])
        guard case .failure(QueueError.http(let failure)) = result else { Issue.record("got \(result)"); return }
        #expect(failure.status == 500 && failure.errorType == "internal_error")
    }

    @Test func truncatedAndMalformedJSONAreDecodingErrors() async throws {
        for fault in [Fault(route: .result, kind: .truncatedJSON), Fault(route: .submit, kind: .malformedJSON)] {
            let (result, _) = try await runJob([fault])
            guard case .failure(QueueError.decoding(let failure)) = result else { Issue.record("got \(result)"); continue }
            #expect(!failure.excerpt.isEmpty)
        }
    }

    @Test func jobErrorIsJobFailed() async throws {
        let (result, _) = try await runJob([Fault(route: .submit, kind: .jobError(message: "runner crashed", type: "runner_server_error"))])
        guard case .failure(QueueError.jobFailed(let failure)) = result else { Issue.record("got \(result)"); return }
        #expect(failure.errorType == "runner_server_error" && failure.error.contains("runner crashed"))
        #expect(failure.response?.status == 500)
    }

    @Test func seededRandomFaultsAreRecovered() async throws {
        let requests = try await recovered(
            [Fault(route: .status, kind: .ingress(503), trigger: .probability(0.3)), Fault(route: .result, kind: .httpStatus(429, retryAfter: 0), trigger: .probability(0.3))],
            polling: true)
        #expect((requests[.status] ?? 0) >= 1)
    }
}
