import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import MessagePack
import NIOCore
import NIOWebSocket
import Synchronization

/// The realtime route: `GET /run/{endpoint id}/realtime?fal_jwt_token=…[&max_buffering=N]`
/// upgraded to a WebSocket (`{run host}/{endpoint id}/realtime`, the run host being `/run`).
/// Each msgpack input is answered with a msgpack output that follows the endpoint's output schema,
/// as its queue answers; inputs that wait while one is answered are kept up to `max_buffering`,
/// the oldest dropped; a session idle for `sessionTimeout` gets `x-fal-error` TIMEOUT.
extension QueueSimulator {
    /// A session the handshake admitted, or refused (it is upgraded all the same and then told
    /// `Unauthorized`, as fal's runners answer a bad token).
    struct RealtimeAdmission: Sendable {
        var entry: EndpointEntry
        var refusal: String?
        var maxBuffering: Int
        var base: String
    }

    /// Whether a WebSocket handshake is for the realtime route, and for which endpoint.
    func realtimeAdmission(_ head: HTTPRequest) -> RealtimeAdmission? {
        guard let target = head.path, let components = URLComponents(string: "http://simulator" + target) else { return nil }
        var segments = components.path.split(separator: "/").map(String.init)
        guard segments.first == "run", segments.last == "realtime", segments.count >= 4 else { return nil }
        segments.removeFirst()
        let withSuffix = segments.joined(separator: "/")
        segments.removeLast()
        guard let entry = endpoints[segments.joined(separator: "/")] ?? endpoints[withSuffix] else { return nil }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
        var refusal: String?
        if let token = query["fal_jwt_token"] {
            refusal = realtime.tokens.refusal(of: token, app: String(entry.appPath.split(separator: "/").last ?? ""))
        } else if configuration.apiKey != nil && !presentsKey(head.headerFields[.authorization]) {
            refusal = "no token and no key"
        }
        var maxBuffering = configuration.realtime.defaultMaxBuffering
        if let text = query["max_buffering"] {
            guard let value = Int(text), (1...60).contains(value) else {
                refusal = refusal ?? "max_buffering must be between 1 and 60"
                return RealtimeAdmission(entry: entry, refusal: refusal, maxBuffering: 1, base: "")
            }
            maxBuffering = value
        }
        let base = "http://\(head.authority ?? "\(hostForURLs):\(port)")"
        return RealtimeAdmission(entry: entry, refusal: refusal, maxBuffering: maxBuffering, base: base)
    }

    /// Runs one admitted session until either side closes it or it times out.
    func runRealtimeSession(_ admission: RealtimeAdmission, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        if let refusal = admission.refusal {
            realtime.update { $0.sessionsRefused += 1 }
            try? await outbound.writeTextMessage(#"{"status":"error","error":"Unauthorized","reason":"\#(refusal)"}"#)
            try? await outbound.close(.policyViolation, reason: "Unauthorized")
            return
        }
        realtime.update {
            $0.sessionsOpened += 1
            $0.lastMaxBuffering = admission.maxBuffering
        }
        let session = RealtimeServerSession(maxBuffering: admission.maxBuffering)
        let closeCode = await withTaskGroup(of: UInt16?.self) { group -> UInt16? in
            group.addTask {
                // Reads inputs into the buffer; ends when the client closes or the connection breaks.
                do {
                    for try await message in inbound.messages(maxSize: self.configuration.realtime.maximumFrameSize) {
                        guard case .binary(let buffer) = message else { continue }
                        let bytes = Array(buffer.readableBytesView)
                        let dropped = session.push(bytes)
                        self.realtime.update {
                            $0.inputsReceived += 1
                            $0.inputsDropped += dropped
                            $0.recentInputs.append(bytes)
                            if $0.recentInputs.count > 256 { $0.recentInputs.removeFirst() }
                        }
                    }
                    return 1000
                } catch {
                    return 1009
                }
            }
            group.addTask {
                await self.answerRealtimeInputs(session, admission: admission, outbound: outbound)
            }
            let first = await group.next() ?? nil
            session.finish()
            group.cancelAll()
            return first
        }
        realtime.update {
            $0.sessionsClosed += 1
            $0.closeCodes.append(closeCode ?? 1000)
        }
    }

    /// Takes inputs from the buffer one at a time and answers each; returns the close code it
    /// ended the session with (TIMEOUT, or a fault), or nil when the reader ended first.
    private func answerRealtimeInputs(_ session: RealtimeServerSession, admission: RealtimeAdmission, outbound: WebSocketOutboundWriter)
        async -> UInt16?
    {
        let timeout = configuration.realtime.sessionTimeout
        while let input = await session.next(idleTimeout: timeout) {
            guard let bytes = input else {
                realtime.update { $0.timeouts += 1 }
                try? await outbound.writeTextMessage(#"{"type":"x-fal-error","error":"TIMEOUT","reason":"no inputs, reconnect when needed!"}"#)
                try? await outbound.close(.normalClosure, reason: nil)
                return 1000
            }
            var fault = realtime.nextFault()
            if case .delay(let extra)? = fault {
                try? await Task.sleep(for: extra)
                fault = nil
            }
            if configuration.realtime.inferenceTime > .zero { try? await Task.sleep(for: configuration.realtime.inferenceTime) }
            switch fault {
            case .drop?:
                continue
            case .errorFrame(let error)?:
                try? await outbound.writeTextMessage(#"{"type":"x-fal-error","error":"\#(error)","reason":"injected fault"}"#)
                continue
            case .close(let code)?:
                try? await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: "injected fault")
                return code
            case .oversizedFrame(let count)?:
                try? await outbound.write(.binary(ByteBuffer(repeating: 0xc0, count: count)))
                continue
            default:
                break
            }
            let answer = await realtimeAnswer(to: bytes, admission: admission)
            switch answer {
            case .output(let output):
                guard (try? await outbound.write(.binary(ByteBuffer(bytes: output)))) != nil else { return nil }
                realtime.update { $0.outputsSent += 1 }
            case .error(let error, let reason):
                let text = JSONValue.object([("type", .string("x-fal-error")), ("error", .string(error)), ("reason", .string(reason))])
                try? await outbound.writeTextMessage(text.serialized())
            }
        }
        return nil
    }

    enum RealtimeAnswer {
        case output([UInt8])
        case error(String, String)
    }

    /// The output for one msgpack input, or why there is none.
    func realtimeAnswer(to bytes: [UInt8], admission: RealtimeAdmission) async -> RealtimeAnswer {
        let decoded: MessagePackValue
        do {
            decoded = try MessagePackReader.value(from: bytes)
        } catch {
            return .error("INVALID_INPUT", "\(error)")
        }
        guard case .map = decoded, let input = Self.jsonValue(decoded) else {
            return .error("INVALID_INPUT", "an input must be a msgpack map with string keys")
        }
        let issues = InputValidator(document: admission.entry.document).validate(input, against: admission.entry.endpoint.input)
        if !issues.isEmpty {
            return .error("VALIDATION_ERROR", issues.map { "\($0.loc.map { $0.stringValue ?? $0.serialized() }.joined(separator: ".")): \($0.msg)" }
                .joined(separator: "; "))
        }
        let job = JobRecord(id: UUID().uuidString.lowercased(), endpointID: admission.entry.endpoint.id, appPath: admission.entry.appPath,
                            input: input.bytes, baseURL: admission.base, priority: .normal)
        let outcome = await synthesizedOutcome(job: job, entry: admission.entry, input: input, inferenceTime: 0.01)
        guard outcome.httpStatus == 200 else { return .error("VALIDATION_ERROR", outcome.error ?? "the input was refused") }
        var output = outcome.body
        if let requestID = input["request_id"] { output = output.setting("request_id", requestID) }
        guard let written = try? MessagePackWriter.bytes(of: Self.messagePackValue(output)) else {
            return .error("INTERNAL_ERROR", "the output does not encode")
        }
        return .output(Array(written))
    }

    /// A msgpack value as JSON: bin becomes a base64 data URI (the form fal's file inputs take);
    /// nil for non-string keys or ext values.
    static func jsonValue(_ value: MessagePackValue) -> JSONValue? {
        switch value {
        case .nil: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .integer(number)
        case .uint(let number): return Int64(exactly: number).map { .integer($0) } ?? .number(Double(number))
        case .float32(let number): return .number(Double(number))
        case .float64(let number): return .number(number)
        case .string(let text): return .string(text)
        case .binary(let data): return .string("data:application/octet-stream;base64," + data.base64EncodedString())
        case .array(let elements):
            var converted: [JSONValue] = []
            for element in elements {
                guard let value = jsonValue(element) else { return nil }
                converted.append(value)
            }
            return .array(converted)
        case .map(let pairs):
            var members: [(String, JSONValue)] = []
            for pair in pairs {
                guard case .string(let key) = pair.key, let value = jsonValue(pair.value) else { return nil }
                members.append((key, value))
            }
            return .object(members)
        case .ext: return nil
        }
    }

    static func messagePackValue(_ value: JSONValue) -> MessagePackValue {
        switch value {
        case .null: .nil
        case .bool(let flag): .bool(flag)
        case .integer(let number): number < 0 ? .int(number) : .uint(UInt64(number))
        case .number(let number): .float64(number)
        case .string(let text): .string(text)
        case .array(let elements): .array(elements.map(messagePackValue))
        case .object(let members): .map(members.map { (.string($0.0), messagePackValue($0.1)) })
        }
    }
}

/// One session's input buffer: at most `maxBuffering` inputs wait, the oldest dropped.
final class RealtimeServerSession: Sendable {
    struct State {
        var buffer: [[UInt8]] = []
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
        var activity = 0
    }

    let maxBuffering: Int
    let state = Mutex(State())

    init(maxBuffering: Int) {
        self.maxBuffering = maxBuffering
    }

    /// Adds an input; returns how many were dropped to make room.
    func push(_ input: [UInt8]) -> Int {
        let (dropped, waiter) = state.withLock { state -> (Int, CheckedContinuation<Void, Never>?) in
            state.buffer.append(input)
            state.activity += 1
            var dropped = 0
            while state.buffer.count > maxBuffering {
                state.buffer.removeFirst()
                dropped += 1
            }
            defer { state.waiter = nil }
            return (dropped, state.waiter)
        }
        waiter?.resume()
        return dropped
    }

    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The next input; `.some(nil)` when none came for `idleTimeout`; nil when the session ended.
    func next(idleTimeout: Duration) async -> [UInt8]?? {
        while true {
            let (input, finished, activity) = state.withLock { state in
                (state.buffer.isEmpty ? nil : state.buffer.removeFirst(), state.finished, state.activity)
            }
            if finished { return nil }
            if let input { return .some(input) }
            let started = ContinuousClock.now
            let timer = Task { [weak self] in
                try? await Task.sleep(for: idleTimeout)
                guard !Task.isCancelled else { return }
                let waiter = self?.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.buffer.isEmpty || state.finished || state.activity != activity { return true }
                    if ContinuousClock.now - started >= idleTimeout { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
            timer.cancel()
            let idle = state.withLock { $0.buffer.isEmpty && !$0.finished && $0.activity == activity }
            if idle && ContinuousClock.now - started >= idleTimeout { return .some(nil) }
        }
    }
}
