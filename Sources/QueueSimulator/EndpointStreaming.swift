import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension QueueSimulator {
    /// `POST /{endpoint id}/stream` (and `/run/{endpoint id}/stream`): runs the job like the
    /// synchronous route, then answers `text/event-stream` with `streamPartialEvents` partial
    /// outputs (the final output with its top-level strings cut short, as a text model's output
    /// grows) and the final output as the last event, then closes. A job that fails answers its
    /// error status and JSON body instead, as fal does.
    func streamEndpoint(_ request: inout Request, entry: EndpointEntry, base: String, fault: Fault.Kind?) async -> Response {
        let reply = await submit(&request, entry: entry, base: base, fault: fault, waitForResult: true)
        guard reply.status == 200, let final = try? JSONValue.parse(reply.body) else { return reply.response }
        let count = max(0, configuration.streamPartialEvents)
        let events = (1...(count + 1)).map { index in index > count ? final : Self.partial(final, step: index, of: count + 1) }
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream"
        fields[.cacheControl] = "no-cache"
        for (name, value) in reply.headers where name.lowercased() == "x-fal-request-id" {
            fields[HTTPField.Name("x-fal-request-id")!] = value
        }
        let interval = configuration.streamEventInterval
        return Response(status: .ok, headers: fields, body: ResponseBody { [self] writer in
            var finished = false
            defer { recordStreamEnd(completed: finished) }
            for (index, event) in events.enumerated() {
                if index > 0 { try await Task.sleep(for: interval) }
                try await writer.write(ByteBuffer(string: "data: \(event.serialized())\n\n"))
            }
            try await writer.finish(nil)
            finished = true
        })
    }

    /// The output at `step` of `steps`: every top-level string cut to that share of its length,
    /// and a boolean `partial` set.
    static func partial(_ value: JSONValue, step: Int, of steps: Int) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.map { name, member in
            // Text models mark their partial events (`"partial": true`).
            if name == "partial", case .bool = member { return (name, .bool(true)) }
            guard case .string(let text) = member else { return (name, member) }
            return (name, .string(String(text.prefix(text.count * step / steps))))
        })
    }

    /// Counts a finished stream and wakes those waiting for it.
    func recordStreamEnd(completed: Bool) {
        let waiters = state.withLock { state in
            if completed { state.statistics.streamsCompleted += 1 } else { state.statistics.streamsAbandoned += 1 }
            let ended = state.statistics.streamsCompleted + state.statistics.streamsAbandoned
            let ready = state.streamEndWaiters.filter { $0.count <= ended }
            state.streamEndWaiters.removeAll { $0.count <= ended }
            return ready.map(\.continuation)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until `count` endpoint streams (`POST …/stream`) have ended, completed or abandoned
    /// by the client; see `statistics.streamsAbandoned`.
    public func waitForEndpointStreams(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.statistics.streamsCompleted + state.statistics.streamsAbandoned >= count { return true }
                state.streamEndWaiters.append((count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}
