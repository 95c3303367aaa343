import Foundation

// Redaction is for text that is shown: error descriptions, log lines, a terminal. It is applied
// where such text is made from what a server sent (an error body, a status's message or log
// lines, a transport error's text), never to the URLs, headers and bodies the client goes on to
// use: with a one-letter key, redacting a status body turned `kling-video` in its URLs into
// `%3Credacted%3Eling-video`, and downloads came back altered.

extension Credentials {
    /// `error` with every text that came from elsewhere (bodies, messages, URLs) scrubbed of the
    /// secret. Request ids and status codes are kept: a request id is validated to letters,
    /// digits, `-`, `_` and `.`, and is what a caller resumes or cancels with.
    func redact(_ error: QueueError) -> QueueError {
        switch error {
        case .http(let failure): return .http(redact(failure))
        case .invalidInput: return error  // made from the caller's own input, before anything was sent
        case .jobFailed(var failure):
            failure.error = redact(failure.error)
            failure.errorType = failure.errorType.map(redact)
            failure.response = failure.response.map(redact)
            return .jobFailed(failure)
        case .decoding(var failure):
            failure.fieldPath = redact(failure.fieldPath)
            failure.reason = redact(failure.reason)
            failure.excerpt = redact(failure.excerpt)
            return .decoding(failure)
        case .timeout, .cancelled: return error
        case .deadlineExceeded(var failure):
            failure.lastProblem = failure.lastProblem.map(redact)
            return .deadlineExceeded(failure)
        case .transport(var failure):
            failure.detail = redact(failure.detail)
            return .transport(failure)
        case .insecureURL(let url): return .insecureURL(redact(url))
        case .foreignHost(let url): return .foreignHost(redact(url))
        }
    }

    /// An error response's shown parts: its detail, error type and body excerpt.
    func redact(_ failure: HTTPFailure) -> HTTPFailure {
        var failure = failure
        failure.detail = failure.detail.map(redact)
        failure.errorType = failure.errorType.map(redact)
        failure.bodyExcerpt = redact(failure.bodyExcerpt)
        return failure
    }

    func redact(_ detail: ErrorDetail) -> ErrorDetail {
        switch detail {
        case .message(let message): .message(redact(message))
        case .other(let value): .other(redact(value))
        case .issues(let issues):
            .issues(
                issues.map { issue in
                    var issue = issue
                    issue.location = issue.location.map(redact)
                    issue.message = redact(issue.message)
                    issue.type = issue.type.map(redact)
                    issue.context = issue.context.map(redact)
                    issue.input = issue.input.map(redact)
                    return issue
                })
        }
    }

    /// Every string (and object key) in a JSON value that is only shown, such as a field issue's input.
    func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(redact(text))
        case .array(let items): .array(items.map(redact))
        case .object(let members):
            .object(Dictionary(members.map { (redact($0.key), redact($0.value)) }, uniquingKeysWith: { first, _ in first }))
        case .null, .bool, .int, .double: value
        }
    }

    /// A status with its messages scrubbed: `error`, `error_type` and each log line's message
    /// (text that is printed and logged). Its URLs, state and `raw` JSON are kept as sent.
    func redact(_ status: QueueStatus) -> QueueStatus {
        var status = status
        status.error = status.error.map(redact)
        status.errorType = status.errorType.map(redact)
        status.logs = status.logs?.map { entry in
            var entry = entry
            entry.message = redact(entry.message)
            return entry
        }
        return status
    }
}

extension QueueClient {
    /// `error` as it may be shown: scrubbed of the configured credential.
    func shown(_ error: QueueError) -> QueueError {
        configuration.credentials.map { $0.redact(error) } ?? error
    }
}
