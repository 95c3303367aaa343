import Foundation
internal import MessagePack

/// A realtime session with one endpoint: `send` inputs, read `results` (one per input, in order).
///
/// As fal's own clients do: it connects on the first `send`; keeps one queued input, the newest;
/// sends at most one input per `throttleInterval` (the first at once, the newest of the rest when
/// the interval ends); goes idle when the server ends an idle session (`x-fal-error` TIMEOUT) or
/// closes, and reconnects on the next `send`. Errors arrive in `results` and do not end it;
/// `close()`, or cancelling the task that reads `results`, closes the WebSocket.
public actor RealtimeSession<Input: QueueInput, Output: QueueModel> {
    /// Outputs, and the errors that cost an input its output, in the order they happened. Ends
    /// when the session is closed.
    public nonisolated let results: AsyncStream<Result<Output, RealtimeError>>

    private let resultSink: AsyncStream<Result<Output, RealtimeError>>.Continuation
    private let wakeSink: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    private let target: RealtimeTarget
    private let options: RealtimeOptions
    private let connector: any RealtimeSocketConnector
    private let tokens: RealtimeTokenSource?
    private let encode: @Sendable (Input) throws -> Data
    private let decode: @Sendable (Data) throws -> Output
    /// The input that goes at once (the throttle's leading edge), already timed.
    private var leading: Input?
    /// The input that waits for the interval to end (the trailing send); a newer one replaces it.
    private var pending: Input?
    private var sending = false
    private var lastSent: ContinuousClock.Instant?
    private var sender: Task<Void, Never>?
    private var socket: (any RealtimeSocket)?
    private var generation = 0
    private var closed = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// The task reading the open connection's events.
    private var reader: Task<Void, Never>?
    /// Connections opened so far (each lazy connect, each reconnect).
    public private(set) var connectionCount = 0
    /// Inputs written to a WebSocket so far.
    public private(set) var framesSent = 0

    init(
        target: RealtimeTarget, options: RealtimeOptions, connector: any RealtimeSocketConnector, tokens: RealtimeTokenSource?,
        encode: @escaping @Sendable (Input) throws -> Data, decode: @escaping @Sendable (Data) throws -> Output
    ) {
        self.target = target
        self.options = options
        self.connector = connector
        self.tokens = tokens
        self.encode = encode
        self.decode = decode
        (results, resultSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(max(1, options.resultBufferSize)))
        (wakes, wakeSink) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        // Reading the results is what keeps a session alive: a reader that stops (or is cancelled) closes it.
        resultSink.onTermination = { [weak self] _ in
            Task { await self?.close() }
        }
    }

    /// Queues `input` (replacing one not yet sent) to go out as soon as the throttle allows.
    /// Throws only when the session is closed or the input breaks the endpoint's bounds.
    public func send(_ input: Input) throws(RealtimeError) {
        guard !closed else { throw .sessionClosed }
        let issues = input.validate()
        guard issues.isEmpty else { throw .invalidInput(issues.map { "\($0)" }.joined(separator: "; ")) }
        if leading == nil, !sending, lastSent.map({ ContinuousClock.now >= $0 + options.throttleInterval }) ?? true {
            leading = input
            lastSent = .now
        } else {
            pending = input
        }
        if sender == nil {
            // One loop sends, so frames leave in order and the throttle has one clock.
            let wakes = self.wakes
            sender = Task { [weak self] in
                for await _ in wakes {
                    guard let self else { return }
                    await self.sendPending()
                }
            }
        }
        wakeSink.yield()
    }

    /// Closes the WebSocket (code 1000), stops refreshing the token and ends `results`.
    public func close() async {
        guard !closed else { return }
        closed = true
        leading = nil
        pending = nil
        wakeSink.finish()
        sender?.cancel()
        let open = goIdle()
        await tokens?.close()
        await open?.close(code: 1000)
        resultSink.finish()
    }

    // MARK: Sending

    /// Sends the leading input, then the trailing one when the interval since the last send ends.
    private func sendPending() async {
        sending = true
        defer { sending = false }
        if let input = leading {
            leading = nil
            await deliver(input)
        }
        guard pending != nil else { return }
        if let lastSent, options.throttleInterval > .zero {
            let due = lastSent + options.throttleInterval
            if ContinuousClock.now < due { try? await Task.sleep(until: due) }
        }
        guard !closed, let input = pending else { return }
        pending = nil
        lastSent = .now
        await deliver(input)
    }

    private func deliver(_ input: Input) async {
        guard !closed else { return }
        let frame: Data
        do {
            frame = try encode(input)
        } catch {
            resultSink.yield(.failure(.invalidInput("\(error)")))
            return
        }
        guard frame.count <= options.maximumMessageSize else {
            resultSink.yield(.failure(.invalidInput("the input is \(frame.count) bytes, over maximumMessageSize (\(options.maximumMessageSize))")))
            return
        }
        do {
            let socket = try await connectedSocket()
            try await socket.send(frame)
            framesSent += 1
        } catch {
            await sendFailed(error)
        }
    }

    /// A frame that could not be written. The server may have closed the connection as the frame
    /// went out, saying why first (`Unauthorized`, an `x-fal-error`, a close code): its events are
    /// read before anything is reported, so that the caller gets the server's reason rather than
    /// the write's. When the server ended the connection quietly (a close with 1000) the session is
    /// idle and the next send reconnects, as in fal-js.
    private func sendFailed(_ error: any Error) async {
        let failedGeneration = generation
        if let reader {
            _ = try? await race(.seconds(1), onTimeout: { CancellationError() }) { await reader.value }
        }
        guard generation == failedGeneration else { return }
        _ = goIdle()
        report(.failure(error as? RealtimeError ?? .connectionFailed(reason: "\(error)")))
    }

    /// Hands a result to the reader.
    private func report(_ result: Result<Output, RealtimeError>) {
        resultSink.yield(result)
    }

    private func connectedSocket() async throws -> any RealtimeSocket {
        if let socket { return socket }
        var token: String?
        if let tokens { token = try await tokens.current() }
        let url = try target.url(token: token, maxBuffering: options.maxBuffering)
        let opened = try await connector.connect(
            url: url, headers: target.handshakeHeaders, maximumMessageSize: options.maximumMessageSize,
            openTimeout: options.openTimeout)
        guard !closed else {
            await opened.close(code: 1000)
            throw RealtimeError.sessionClosed
        }
        generation += 1
        connectionCount += 1
        socket = opened
        let current = generation
        reader = Task { [weak self] in
            do {
                for try await event in opened.events {
                    guard let self else { return }
                    await self.receive(event, generation: current)
                }
            } catch {
                await self?.connectionBroke(error, generation: current)
            }
        }
        return opened
    }

    /// Forgets the open connection (events from it are ignored from now on) and returns it to be closed.
    private func goIdle() -> (any RealtimeSocket)? {
        generation += 1
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter.resume() }
        defer { socket = nil }
        return socket
    }

    /// Returns once no connection is open (for tests that make the server end one).
    func waitUntilIdle() async {
        guard socket != nil else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private func idleAndClose() {
        guard let open = goIdle() else { return }
        Task { await open.close(code: 1000) }
    }

    // MARK: Receiving

    private func receive(_ event: RealtimeSocketEvent, generation current: Int) async {
        guard current == generation else { return }
        switch event {
        case .binary(let data):
            do {
                report(.success(try decode(data)))
            } catch {
                report(.failure(.undecodableOutput("\(error)")))
            }
        case .text(let text):
            await receiveText(text)
        case .closed(let code, let reason):
            _ = goIdle()
            if let code {
                if code != 1000 { report(.failure(.closed(code: code, reason: reason))) }
            } else {
                // No close frame from the server: this side refused a frame over the size limit
                // (and closed with 1009), or the peer went away.
                report(.failure(.connectionFailed(
                    reason: "the connection ended without a close frame from the server (a frame over maximumMessageSize, or the server went away)")))
            }
        }
    }

    private func receiveText(_ text: String) async {
        let data = Data(text.utf8)
        guard let message = try? JSONValue(parsing: data) else {
            report(.failure(.undecodableOutput("a text frame that is not JSON")))
            return
        }
        if message["type"]?.stringValue == "x-fal-message" { return }
        if message["type"]?.stringValue == "x-fal-error" {
            let error = message["error"]?.stringValue ?? "UNKNOWN_ERROR"
            if error == "TIMEOUT" {
                idleAndClose()  // the server ended an idle session: not a failure; the next send reconnects
            } else {
                report(.failure(.server(error: error, reason: message["reason"]?.stringValue)))
            }
            return
        }
        if message["status"]?.stringValue == "error", message["error"]?.stringValue == "Unauthorized" {
            await tokens?.drop()
            idleAndClose()
            report(.failure(.unauthorized))
            return
        }
        // Some apps answer in JSON text: an output all the same.
        do {
            report(.success(try JSONDecoder().decode(Output.self, from: data)))
        } catch {
            report(.failure(.undecodableOutput("\(error)")))
        }
    }

    private func connectionBroke(_ error: any Error, generation current: Int) {
        guard current == generation else { return }
        _ = goIdle()
        report(.failure(error as? RealtimeError ?? .connectionFailed(reason: "\(error)")))
    }
}

