import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

extension QueueClient {
    /// The job's status changes until it completes, from the event stream or by polling as
    /// `configuration.statusUpdates` says. The sequence ends after the `COMPLETED` status;
    /// ending the iteration early stops the requests (it does not cancel the job).
    public func updates<Output>(_ job: QueueJob<Output>) -> AsyncThrowingStream<QueueStatus, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await follow(job) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: Task.isCancelled ? QueueError.cancelled(requestID: nil) : error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Follows the job to its `COMPLETED` status, reporting every status to `onUpdate`.
    public func waitForCompletion<Output>(
        _ job: QueueJob<Output>, onUpdate: (@Sendable (QueueStatus) -> Void)? = nil
    ) async throws -> QueueStatus {
        try await follow(job) { onUpdate?($0) }
    }

    /// Streams where it can, polls where it must; returns the completed status.
    func follow<Output>(_ job: QueueJob<Output>, onStatus: @escaping @Sendable (QueueStatus) -> Void) async throws -> QueueStatus {
        let policy = configuration.statusUpdates
        var logger = configuration.logger
        logger[metadataKey: "request_id"] = "\(job.requestID)"
        let tracker = TransitionLog(logger: logger)
        let report: @Sendable (QueueStatus) -> Void = { status in
            tracker.record(status)
            onStatus(status)
        }
        if policy.mode == .streaming {
            var failures = 0
            while failures < policy.maxStreamAttempts {
                try Task.checkCancellation()
                do {
                    if let completed = try await streamOnce(job, policy: policy, onStatus: report) { return completed }
                    failures += 1
                    logger.info("status stream ended before completion", metadata: ["attempt": "\(failures)"])
                } catch QueueError.http(let failure) where failure.status != 401 && failure.status != 403 {
                    // No stream here (404, 405, 501…): polling will say whether the job exists.
                    logger.info("status stream unavailable, polling", metadata: ["status": "\(failure.status)"])
                    break
                } catch let error as StreamStalled {
                    failures += 1
                    logger.warning("status stream silent, reconnecting", metadata: ["after_ms": "\(error.milliseconds)"])
                } catch QueueError.transport(let failure) {
                    failures += 1
                    logger.warning("status stream broke", metadata: ["error": "\(failure.description)"])
                } catch QueueError.decoding(let failure) {
                    failures += 1
                    logger.warning("status stream sent an unreadable event", metadata: ["error": "\(failure.description)"])
                } catch let error as ServerSentEventTooLarge {
                    // Another connection would get the same oversized event: poll instead.
                    logger.warning("status stream ended, polling", metadata: ["error": "\(error.description)"])
                    break
                }
                if failures < policy.maxStreamAttempts {
                    try await configuration.retryPolicy.sleep(configuration.retryPolicy.delay(beforeRetry: failures))
                }
            }
        }
        return try await poll(job, policy: policy, onStatus: report)
    }

    /// Polls with backoff, back to the first interval whenever the status changes.
    func poll<Output>(_ job: QueueJob<Output>, policy: StatusUpdatePolicy, onStatus: @Sendable (QueueStatus) -> Void) async throws
        -> QueueStatus
    {
        var interval = policy.pollInitialInterval
        var previous: QueueStatus?
        while true {
            try Task.checkCancellation()
            let status = try await status(job, logs: policy.includeLogs)
            onStatus(status)
            if status.isCompleted { return status }
            if let previous, previous.state == status.state, previous.queuePosition == status.queuePosition,
                previous.logs?.count == status.logs?.count
            {
                interval = min(.seconds(interval.seconds * policy.pollMultiplier), policy.pollMaxInterval)
            } else {
                interval = policy.pollInitialInterval
            }
            previous = status
            try await Task.sleep(for: interval)
        }
    }

    /// One connection to the status stream; the completed status, or `nil` when the stream ended
    /// without one.
    func streamOnce<Output>(_ job: QueueJob<Output>, policy: StatusUpdatePolicy, onStatus: @escaping @Sendable (QueueStatus) -> Void)
        async throws -> QueueStatus?
    {
        var url = job.statusURL.appendingPathComponent("stream")
        url = Self.withQuery(url, "logs", policy.includeLogs ? "1" : "0")
        var headers = HTTPFields()
        headers[.accept] = "text/event-stream"
        // One attempt: `follow` counts failed connections and moves to polling after a few, so a
        // stream that drops every connection costs `maxStreamAttempts` requests, not that many
        // times the retry policy's attempts.
        let (response, body, _) = try await perform(
            .get, url, headers: headers, operation: "status stream", retry: .idempotent, requestID: job.requestID,
            idleTimeout: policy.streamIdleTimeout, bodyIdleTimeout: false, maxAttempts: 1)
        guard (200..<300).contains(response.status.code), let body else {
            var data = Data()
            if let body { data = (try? await Data(collecting: body, upTo: 1 << 20)) ?? Data() }
            throw httpFailure(CollectedResponse(response: response, body: data), operation: "status stream", requestID: job.requestID)
        }
        let activity = Activity()
        let idle = policy.streamIdleTimeout
        let requestID = job.requestID
        // Every chunk, pings included, counts as a sign of life.
        let chunks = HTTPBody(body.map { chunk in activity.touch(); return chunk }, length: .unknown, iterationBehavior: .single)
        return try await withThrowingTaskGroup(of: QueueStatus?.self) { group in
            group.addTask {
                do {
                    var parser = ServerSentEventParser(maximumSize: configuration.maximumEventSize)
                    for try await chunk in chunks {
                        for event in try parser.consume(chunk) where !event.isBlank {
                            // Decoded from the bytes as sent: the URLs in a status are used, not shown.
                            let status = try decodeStatus(Data(event.data.utf8), requestID: requestID)
                            onStatus(status)
                            if status.isCompleted { return status }
                        }
                    }
                    return nil
                } catch let error as QueueError {
                    throw error
                } catch let error as ServerSentEventTooLarge {
                    throw error
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    throw QueueError.transport(transportFailure(error, operation: "status stream"))
                }
            }
            group.addTask {
                while true {
                    let silent = activity.silence()
                    if silent >= idle { throw StreamStalled(milliseconds: Int(silent.seconds * 1000)) }
                    try await Task.sleep(for: idle - silent)
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return nil }
            return first
        }
    }
}

/// The status stream sent nothing for longer than `streamIdleTimeout`.
struct StreamStalled: Error {
    var milliseconds: Int
}

/// When the stream last showed a sign of life.
final class Activity: @unchecked Sendable {
    private let lock = NSLock()
    private var last = ContinuousClock.now

    func touch() {
        lock.lock()
        last = .now
        lock.unlock()
    }

    func silence() -> Duration {
        lock.lock()
        defer { lock.unlock() }
        return .now - last
    }
}

/// Logs each change of state once.
final class TransitionLog: @unchecked Sendable {
    private let lock = NSLock()
    private var state: QueueStatus.State?
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func record(_ status: QueueStatus) {
        lock.lock()
        let changed = state != status.state
        state = status.state
        lock.unlock()
        guard changed else { return }
        var metadata: Logger.Metadata = ["status": "\(status.state)"]
        if let position = status.queuePosition { metadata["queue_position"] = "\(position)" }
        if let error = status.errorType ?? status.error { metadata["error"] = "\(error)" }
        logger.debug("status", metadata: metadata)
    }
}
