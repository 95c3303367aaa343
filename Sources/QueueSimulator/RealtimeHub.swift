import Foundation
import Synchronization

/// The realtime route's shared state: the token issuer, pending faults, counters and the tests
/// waiting on them.
final class RealtimeHub: Sendable {
    struct State: Sendable {
        var statistics = RealtimeStatistics()
        var faults: [RealtimeFault] = []
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let issuer: Mutex<(current: RealtimeTokenIssuer, revocations: UInt64)>
    private let configuration: SimulatorConfiguration
    let state = Mutex(State())

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        issuer = Mutex((RealtimeTokenIssuer(seed: configuration.seed, apiKey: configuration.apiKey), 0))
    }

    /// Signs and checks tokens.
    var tokens: RealtimeTokenIssuer { issuer.withLock { $0.current } }

    /// Changes the signing key, so every token issued so far is refused.
    func revokeTokens() {
        issuer.withLock { issuer in
            issuer.revocations += 1
            issuer.current = RealtimeTokenIssuer(seed: configuration.seed &+ issuer.revocations &* 0x9E37_79B9, apiKey: configuration.apiKey)
        }
    }

    /// Changes the counters and wakes every waiter to look again.
    func update(_ change: (inout RealtimeStatistics) -> Void) {
        let waiters = state.withLock { state in
            change(&state.statistics)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The next input's fault, if any.
    func nextFault() -> RealtimeFault? {
        state.withLock { $0.faults.isEmpty ? nil : $0.faults.removeFirst() }
    }

    /// Waits until a change; returns at once when `condition` already holds.
    func waitForChange(id: UUID, deadline: ContinuousClock.Instant, unless condition: (RealtimeStatistics) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if condition(state.statistics) || ContinuousClock.now >= deadline { return true }
                state.waiters[id] = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Wakes a waiter that gave up (its deadline passed).
    func cancelWait(id: UUID) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.resume()
    }
}

extension QueueSimulator {
    /// Realtime counters: tokens, sessions, inputs, outputs, close codes.
    public var realtimeStatistics: RealtimeStatistics { realtime.state.withLock { $0.statistics } }

    /// Refuses every realtime token issued so far (sessions that reconnect with one are told
    /// `Unauthorized`); new tokens work.
    public func revokeRealtimeTokens() {
        realtime.revokeTokens()
    }

    /// Queues faults for the next realtime inputs, one per input, in order.
    public func injectRealtime(_ faults: RealtimeFault...) {
        realtime.state.withLock { $0.faults += faults }
    }

    /// Waits until `condition` holds for the realtime counters, at most `timeout`; returns whether it held.
    public func waitForRealtime(
        timeout: Duration = .seconds(10), _ condition: @escaping @Sendable (RealtimeStatistics) -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        let hub = realtime
        while !condition(hub.state.withLock { $0.statistics }) {
            guard ContinuousClock.now < deadline else { return false }
            let id = UUID()
            let timer = Task {
                try? await Task.sleep(until: deadline)
                hub.cancelWait(id: id)
            }
            await hub.waitForChange(id: id, deadline: deadline, unless: condition)
            timer.cancel()
        }
        return true
    }
}
