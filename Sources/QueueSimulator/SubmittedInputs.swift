import Foundation

extension QueueSimulator {
    /// How many accepted jobs were submitted with each input body (the bytes as received), so a
    /// test can tell which inputs a client sent more than once, and which it never sent.
    public var submissionsPerInput: [[UInt8]: Int] {
        state.withLock { state in
            var counts: [[UInt8]: Int] = [:]
            for job in state.jobs.values { counts[job.input, default: 0] += 1 }
            return counts
        }
    }
}
