import Foundation

extension QueueClient {
    /// Downloads a file the service pointed to (an output image), with the client's rules: plain
    /// `http` only to loopback, the credential only to configured hosts, no redirects, the idle
    /// timeout, retries as for any idempotent request, and at most `maximumSize` bytes
    /// (`configuration.maximumResponseSize` unless given; a larger file is a final error).
    public func download(_ url: URL, maximumSize: Int? = nil) async throws -> (data: Data, contentType: String?) {
        var configuration = configuration
        if let maximumSize { configuration.maximumResponseSize = maximumSize }
        let client = QueueClient(configuration: configuration)
        let collected = try await client.exchange(.get, url, operation: "download", retry: .idempotent)
        guard (200..<300).contains(collected.response.status.code) else {
            throw httpFailure(collected, operation: "download", requestID: nil)
        }
        let contentType = collected.response.headerFields[.contentType]?.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return (collected.body, contentType)
    }
}
