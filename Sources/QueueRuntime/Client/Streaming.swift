import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Limits for a streaming call.
public struct StreamOptions: Sendable {
    /// How long the stream may send nothing before it is given up (fal-js: 15 s).
    public var idleTimeout: Duration = .seconds(15)
    /// The largest line, and the largest single event, accepted on this call; `nil` (the default)
    /// takes `QueueClient.Configuration.maximumEventSize`, the limit of every stream the client reads.
    public var maximumEventBytes: Int?
    /// The most bytes read over the whole stream; 256 MiB by default.
    public var maximumStreamBytes: Int = 256 << 20
    /// Headers such as `X-Fal-Request-Timeout`, sent as with a submit.
    public var submit: SubmitOptions = SubmitOptions()

    /// The defaults.
    public init() {}
}

/// The events of a streaming endpoint (`POST {run host}/{endpoint id}/stream`), each decoded as
/// `Event`; the last one is the final output.
///
/// Iterate it for the partial outputs, or call `finalOutput()` for the last one only. Ending
/// the iteration early, or cancelling the task, closes the connection.
public struct QueueEventStream<Event: Decodable & Sendable>: AsyncSequence, Sendable {
    /// Each event, decoded as `Event`.
    public typealias Element = Event
    let events: AsyncThrowingStream<Event, any Error>

    /// An iterator over the events; iterate one stream once.
    public func makeAsyncIterator() -> AsyncThrowingStream<Event, any Error>.AsyncIterator {
        events.makeAsyncIterator()
    }

    /// Reads the stream to its end and returns the last event, the final output. Throws
    /// `QueueError.decoding` when the stream ended without any event.
    public func finalOutput() async throws -> Event {
        var last: Event?
        for try await event in events { last = event }
        guard let last else {
            throw QueueError.decoding(DecodingFailure(what: "stream", fieldPath: "", reason: "the stream ended without an event", excerpt: ""))
        }
        return last
    }
}

extension QueueClient {
    /// Calls a streaming endpoint; the events are the endpoint's partial outputs, decoded as its
    /// output type, the last being the final output.
    ///
    /// ```swift
    /// for try await partial in client.stream(.anyLLM, input) { print(partial.output) }
    /// ```
    public func stream<Input, Output>(
        _ endpoint: QueueEndpoint<Input, Output>, _ input: Input, options: StreamOptions = StreamOptions()
    ) -> QueueEventStream<Output> {
        stream(endpoint, input, events: Output.self, options: options)
    }

    /// `stream(_:_:options:)` with events decoded as `Event`, such as `JSONValue` where the partial
    /// outputs do not have the final output's shape.
    public func stream<Input, Output, Event: Decodable & Sendable>(
        _ endpoint: QueueEndpoint<Input, Output>, _ input: Input, events: Event.Type, options: StreamOptions = StreamOptions()
    ) -> QueueEventStream<Event> {
        let (stream, continuation) = AsyncThrowingStream<Event, any Error>.makeStream()
        let task = Task {
            do {
                try await streamEvents(endpoint.id, input, options: options) { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: Task.isCancelled ? QueueError.cancelled(requestID: nil) : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return QueueEventStream(events: stream)
    }

    /// One streaming call: the request, the answer's checks, then every event to `onEvent`.
    func streamEvents<Input: QueueInput, Event: Decodable & Sendable>(
        _ endpoint: EndpointID, _ input: Input, options: StreamOptions, onEvent: @escaping @Sendable (Event) -> Void
    ) async throws {
        let body = try await prepare(input)
        let url = Self.url(configuration.syncBaseURL, endpoint.rawValue + "/stream")
        var headers = try Self.headers(for: options.submit)
        headers[.accept] = "text/event-stream"
        // The stream's own idle timeout (`options.idleTimeout`) watches the body, not the request's.
        let (response, responseBody, _) = try await perform(
            .post, url, headers: headers, body: body, operation: "stream", retry: .submit, bodyIdleTimeout: false)
        let requestID = response.headerFields[.falRequestID]
        let contentType = response.headerFields[.contentType]?.lowercased() ?? ""
        guard (200..<300).contains(response.status.code), contentType.hasPrefix("text/event-stream"), let responseBody else {
            var data = Data()
            if let responseBody { data = (try? await Data(collecting: responseBody, upTo: 1 << 20)) ?? Data() }
            let collected = CollectedResponse(response: response, body: data)
            if (200..<300).contains(response.status.code) {
                throw shown(.decoding(
                    DecodingFailure(
                        what: "stream", fieldPath: "", reason: "the answer is \(contentType.isEmpty ? "untyped" : contentType), not text/event-stream",
                        excerpt: excerptOf(data), requestID: requestID)))
            }
            throw httpFailure(collected, operation: "stream", requestID: requestID)
        }
        let activity = Activity()
        let counter = ByteCounter(limit: options.maximumStreamBytes)
        let chunks = HTTPBody(
            responseBody.map { chunk in
                activity.touch()
                try counter.add(chunk.count)
                return chunk
            }, length: .unknown, iterationBehavior: .single)
        let idle = options.idleTimeout
        // The status stream's parser: linear, and its limits hold while the bytes arrive.
        let maximumEvent = options.maximumEventBytes ?? configuration.maximumEventSize
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    var parser = ServerSentEventParser(maximumSize: maximumEvent)
                    for try await chunk in chunks {
                        for event in try parser.consume(chunk) {
                            guard !event.isBlank else { continue }
                            let bytes = Data(event.data.utf8)
                            if event.name == "error" {
                                throw httpFailure(
                                    CollectedResponse(response: HTTPResponse(status: .internalServerError), body: bytes), operation: "stream",
                                    requestID: requestID)
                            }
                            onEvent(try decode(Event.self, bytes, requestID: requestID))
                        }
                    }
                } catch let error as QueueError {
                    throw error
                } catch let error as ServerSentEventTooLarge {
                    throw QueueError.decoding(
                        DecodingFailure(
                            what: "stream", fieldPath: "", reason: "\(error.description); the stream was closed", excerpt: "",
                            requestID: requestID))
                } catch let error as StreamTooLarge {
                    throw QueueError.decoding(
                        DecodingFailure(
                            what: "stream", fieldPath: "", reason: "stream over \(error.limit) bytes (StreamOptions.maximumStreamBytes)", excerpt: "",
                            requestID: requestID))
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    throw QueueError.transport(transportFailure(error, operation: "stream"))
                }
            }
            group.addTask {
                while true {
                    let silent = activity.silence()
                    if silent >= idle {
                        throw QueueError.transport(
                            TransportFailure(
                                operation: "stream", underlying: StreamStalled(milliseconds: Int(silent.seconds * 1000)), notSent: false,
                                description: "stream sent nothing for \(Int(silent.seconds * 1000)) ms"))
                    }
                    try await Task.sleep(for: idle - silent)
                }
            }
            defer { group.cancelAll() }
            // The reader finishing (or either task failing) ends the call.
            try await group.next()
        }
    }
}

/// The stream went over `StreamOptions.maximumStreamBytes`.
struct StreamTooLarge: Error {
    var limit: Int
}

/// Counts the bytes of a stream against a limit.
final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func add(_ count: Int) throws {
        lock.lock()
        total += count
        let over = total > limit
        lock.unlock()
        if over { throw StreamTooLarge(limit: limit) }
    }
}
