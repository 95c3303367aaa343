import FluxRedux
import Foundation
import Observation
import QueueSimulator
import QueueTestSupport
import Testing

@testable import QueueRuntime

/// `QueueJobModel` as a SwiftUI view would use it, observed through `withObservationTracking`
/// (which is what SwiftUI does), against the local queue server.
@Suite("Job model")
struct JobModelTests {
    typealias Model = QueueJobModel<Flux1SchnellRedux.Input, Flux1SchnellRedux.Output>

    /// Every value of `phase` an observer sees, in order, and a way to wait for one.
    @MainActor
    final class PhaseRecorder {
        private(set) var phases: [Model.Phase] = []
        private var waiters: [(predicate: @Sendable (Model.Phase) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

        init(_ model: Model) { observe(model) }

        private func observe(_ model: Model) {
            let phase = withObservationTracking { model.phase } onChange: { [weak self] in
                // Called before the change; read the new value once it is made.
                Task { @MainActor in self?.observe(model) }
            }
            if phases.last != phase { phases.append(phase) }
            let ready = waiters.filter { $0.predicate(phase) }
            waiters.removeAll { $0.predicate(phase) }
            for waiter in ready { waiter.continuation.resume() }
        }

        /// Returns once an observed phase satisfies `predicate`.
        func wait(for predicate: @escaping @Sendable (Model.Phase) -> Bool) async {
            if let last = phases.last, predicate(last) { return }
            await withCheckedContinuation { waiters.append((predicate, $0)) }
        }
    }

    @Test("a job's phases are observed in order, with the request id, logs, elapsed time and the typed output")
    func observedInOrder() async throws {
        try await withSimulator(jobDuration: .milliseconds(300), logCount: 3) { client, simulator in try await Self.observedInOrder(client, simulator) }
    }

    @MainActor
    private static func observedInOrder(_ client: QueueClient, _ simulator: QueueSimulator) async throws {
        simulator.holdJobs()
        let model = Model(client: client, endpoint: .flux1SchnellRedux)
        let recorder = PhaseRecorder(model)
        model.start(reduxInput(numImages: 2))
        try await within(.seconds(20)) { await recorder.wait { if case .queued = $0 { true } else { false } } }
        #expect(model.requestID != nil)
        simulator.releaseJobs()
        try await within(.seconds(30)) { await model.finished() }
        try await within(.seconds(5)) { await recorder.wait { $0 == .completed } }

        #expect(model.phase == .completed && model.error == nil)
        #expect(model.output?.images.count == 2)
        #expect(model.logs.count == 3, "\(model.logs)")
        #expect(model.elapsed > .zero && model.finishedAt != nil)
        // Each phase at most once, in the order a job goes through them.
        let rank: (Model.Phase) -> Int = {
            switch $0 {
            case .idle: 0
            case .submitting: 1
            case .queued: 2
            case .running: 3
            default: 4
            }
        }
        let ranks = recorder.phases.map(rank)
        #expect(ranks == ranks.sorted(), "\(recorder.phases)")
        #expect(recorder.phases.contains { if case .queued = $0 { true } else { false } })
        #expect(recorder.phases.contains(.running) && recorder.phases.last == .completed, "\(recorder.phases)")
    }

    @Test("cancel() reaches the server and leaves the model cancelled")
    func cancelReachesServer() async throws {
        try await withSimulator(jobDuration: .seconds(30)) { client, simulator in try await Self.cancelReachesServer(client, simulator) }
    }

    @MainActor
    private static func cancelReachesServer(_ client: QueueClient, _ simulator: QueueSimulator) async throws {
        // A queued job: the service cancels it outright (a running one may still finish there).
        simulator.holdJobs()
        let model = Model(client: client, endpoint: .flux1SchnellRedux)
        let recorder = PhaseRecorder(model)
        model.start(reduxInput())
        try await within(.seconds(20)) { await recorder.wait { if case .queued = $0 { true } else { false } } }
        let requestID = try #require(model.requestID)
        model.cancel()
        #expect(model.phase == .cancelled)
        try await within(.seconds(20)) { await model.finished() }
        #expect(simulator.statistics.requests[.cancel] == 1)
        #expect(simulator.jobState(requestID) == .cancelled)
        #expect(simulator.statistics.jobsCancelled == 1)
        guard case .cancelled(let id)? = model.error else {
            Issue.record("expected .cancelled, got \(String(describing: model.error))")
            return
        }
        #expect(id == requestID)
        simulator.releaseJobs()
    }

    @Test("a failed job exposes the typed error; invalid input fails at once and sends nothing")
    func failedJob() async throws {
        let fault = Fault(route: .submit, kind: .jobError(message: "the model crashed", type: "runner_server_error"), trigger: .times(1))
        try await withSimulator(faults: [fault]) { client, simulator in try await Self.failedJob(client, simulator) }
    }

    @MainActor
    private static func failedJob(_ client: QueueClient, _ simulator: QueueSimulator) async throws {
        let model = Model(client: client, endpoint: .flux1SchnellRedux)
        model.start(reduxInput())
        try await within(.seconds(30)) { await model.finished() }
        #expect(model.phase == .failed && model.output == nil)
        guard case .jobFailed(let failure)? = model.error else {
            Issue.record("expected .jobFailed, got \(String(describing: model.error))")
            return
        }
        #expect(failure.error.contains("the model crashed") && failure.requestID == model.requestID)

        let submitted = simulator.statistics.jobsSubmitted
        model.start(Flux1SchnellRedux.Input(imageURL: "https://example.com/a.png", numInferenceSteps: 13))
        #expect(model.phase == .failed)
        guard case .invalidInput(let issues)? = model.error else {
            Issue.record("expected .invalidInput, got \(String(describing: model.error))")
            return
        }
        #expect(issues.map(\.dottedPath) == ["num_inference_steps"])
        #expect(simulator.statistics.jobsSubmitted == submitted)
    }

    @Test("resume(requestID:) follows a job submitted earlier to its output")
    func resumeByRequestID() async throws {
        try await withSimulator(jobDuration: .milliseconds(200)) { client, simulator in try await Self.resumeByRequestID(client, simulator) }
    }

    @MainActor
    private static func resumeByRequestID(_ client: QueueClient, _ simulator: QueueSimulator) async throws {
        let job = try await client.submit(.flux1SchnellRedux, reduxInput(numImages: 3))
        let model = Model(client: client, endpoint: .flux1SchnellRedux)
        model.resume(requestID: job.requestID)
        #expect(model.requestID == job.requestID)
        try await within(.seconds(30)) { await model.finished() }
        #expect(model.phase == .completed)
        #expect(model.output?.images.count == 3)
    }
}
