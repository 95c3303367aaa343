import Foundation
import HTTPTypes
import OpenAPIRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How large files are uploaded: above `threshold`, in parts through fal's multipart storage flow.
public struct MultipartUploadOptions: Sendable {
    /// Files larger than this go through the multipart flow (fal-js: 90 MB).
    public var threshold: Int64 = 90 * 1024 * 1024
    /// The size of each part but the last (fal-js: 10 MB).
    public var partSize: Int = 10 * 1024 * 1024
    /// How many parts are in flight at once. Parts are read from the file in 256 KiB chunks as they
    /// are sent; a transport that collects request bodies first (`URLSessionTransport` on Linux)
    /// holds about this many parts in memory.
    public var parallelParts: Int = 3
    /// How many times a part is sent before the upload fails (fal-js: 3).
    public var partAttempts: Int = 3
    /// Called after each part is stored, with the bytes stored so far and the total.
    public var progress: (@Sendable (UploadProgress) -> Void)?

    /// The defaults.
    public init() {}
}

/// How far an upload got.
public struct UploadProgress: Sendable, Hashable {
    /// Bytes the storage has confirmed.
    public var bytesSent: Int64
    /// The file's size.
    public var totalBytes: Int64
    /// Parts confirmed so far.
    public var partsDone: Int
    /// How many parts the file has.
    public var partCount: Int
}

extension QueueClient {
    /// Uploads a local file and returns its URL: in one request up to
    /// `configuration.multipartUpload.threshold`, above it through the multipart flow, reading the
    /// file a part at a time (it is never read whole).
    public func uploadFile(at fileURL: URL, contentType: String? = nil) async throws -> URL {
        let type = contentType ?? FileInput.contentType(forPathExtension: fileURL.pathExtension)
        let size = try Self.fileSize(fileURL)
        if size > configuration.multipartUpload.threshold {
            return try await uploadMultipart(fileAt: fileURL, size: size, contentType: type, options: configuration.multipartUpload)
        }
        let data: Data
        do { data = try Data(contentsOf: fileURL) } catch {
            throw QueueError.invalidInput([ValidationIssue(path: ["file", fileURL.path], constraint: .pattern("readable file"), found: "\(error)")])
        }
        return try await upload(data, contentType: type, fileName: fileURL.lastPathComponent)
    }

    /// The multipart flow: `POST {storage}/storage/upload/initiate-multipart?storage_type=fal-cdn-v3`
    /// → `{upload_url, file_url}`; each part `PUT {upload_url path}/{n}{query}` answering
    /// `{"partNumber", "etag"}`, up to `parallelParts` at once, each retried up to `partAttempts`
    /// times; then `POST {upload_url path}/complete{query}` with the part list.
    public func uploadMultipart(
        fileAt fileURL: URL, size: Int64? = nil, contentType: String, options: MultipartUploadOptions
    ) async throws -> URL {
        let total = try size ?? Self.fileSize(fileURL)
        let partSize = Int64(max(1, options.partSize))
        let partCount = Int(max(1, (total + partSize - 1) / partSize))
        guard partCount <= 10_000 else {
            throw QueueError.invalidInput([
                ValidationIssue(path: ["file", fileURL.path], constraint: .pattern("at most 10000 parts"), found: "\(partCount) parts")
            ])
        }

        var initiate = Self.url(configuration.storageBaseURL, "storage/upload/initiate-multipart")
        initiate = Self.withQuery(initiate, "storage_type", "fal-cdn-v3")
        let request = try JSONEncoder().encode(["file_name": fileURL.lastPathComponent, "content_type": contentType])
        let collected = try await exchange(.post, initiate, body: request, operation: "upload", retry: .idempotent)
        guard (200..<300).contains(collected.response.status.code) else {
            throw httpFailure(collected, operation: "upload", requestID: nil)
        }
        struct Initiated: Decodable {
            var upload_url: String
            var file_url: String
        }
        let initiated = try decode(Initiated.self, collected.body, requestID: nil)
        guard let uploadURL = URLComponents(string: initiated.upload_url), uploadURL.scheme != nil, uploadURL.host != nil,
            let fileURLOut = URL(string: initiated.file_url)
        else {
            throw shown(.decoding(
                DecodingFailure(what: "upload response", fieldPath: "upload_url", reason: "not a URL", excerpt: excerptOf(collected.body))))
        }
        func partURL(_ suffix: String) -> URL {
            var components = uploadURL
            var path = components.percentEncodedPath
            while path.hasSuffix("/") { path.removeLast() }
            components.percentEncodedPath = path + "/" + suffix
            return components.url!
        }

        let progress = ProgressTally(total: total, partCount: partCount, report: options.progress)
        let parallel = max(1, options.parallelParts)
        var etags = [String?](repeating: nil, count: partCount)
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 1
            func startNext() {
                guard next <= partCount else { return }
                let number = next
                next += 1
                let offset = Int64(number - 1) * partSize
                let length = Int(min(partSize, total - offset))
                group.addTask {
                    let etag = try await uploadPart(
                        number: number, url: partURL(String(number)), file: fileURL, offset: offset, length: length, contentType: contentType,
                        attempts: max(1, options.partAttempts))
                    progress.add(Int64(length))
                    return (number, etag)
                }
            }
            for _ in 0..<parallel { startNext() }
            while let (number, etag) = try await group.next() {
                etags[number - 1] = etag
                startNext()
            }
        }

        struct Part: Encodable {
            var partNumber: Int
            var etag: String
        }
        let parts = etags.enumerated().map { Part(partNumber: $0.offset + 1, etag: $0.element ?? "") }
        let completeBody = try JSONEncoder().encode(["parts": parts])
        let complete = try await exchange(.post, partURL("complete"), body: completeBody, operation: "upload", retry: .idempotent)
        guard (200..<300).contains(complete.response.status.code) else {
            throw httpFailure(complete, operation: "upload", requestID: nil)
        }
        configuration.logger.debug("uploaded in parts", metadata: ["bytes": "\(total)", "parts": "\(partCount)"])
        return fileURLOut
    }

    /// Sends one part, streaming it from the file, retrying transport failures and retryable
    /// statuses; returns its etag (from the body, else the `ETag` header).
    func uploadPart(
        number: Int, url: URL, file: URL, offset: Int64, length: Int, contentType: String, attempts: Int
    ) async throws -> String {
        var attempt = 1
        while true {
            try Task.checkCancellation()
            var failure: QueueError
            do {
                var headers = HTTPFields()
                headers[.contentType] = contentType
                let (response, body) = try await sendStreamed(
                    .put, url, headers: headers, operation: "upload part",
                    body: { HTTPBody(FileRegion(url: file, offset: offset, length: length), length: .known(Int64(length)), iterationBehavior: .single) })
                var data = Data()
                if let body { data = try await Data(collecting: body, upTo: 1 << 20) }
                let collected = CollectedResponse(response: response, body: data)
                if (200..<300).contains(response.status.code) {
                    struct Stored: Decodable { var etag: String? }
                    let etag = (try? JSONDecoder().decode(Stored.self, from: data))?.etag
                        ?? response.headerFields[.eTag]?.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    guard let etag, !etag.isEmpty else {
                        throw shown(.decoding(
                            DecodingFailure(what: "upload part \(number) response", fieldPath: "etag", reason: "missing", excerpt: excerptOf(data))))
                    }
                    return etag
                }
                failure = httpFailure(collected, operation: "upload part \(number)", requestID: nil)
                let code = response.status.code
                guard code >= 500 || code == 408 || code == 429 else { throw failure }
            } catch let error as QueueError {
                guard case .transport = error else { throw error }
                failure = error
            } catch let error as FileRegionError {
                throw QueueError.invalidInput([
                    ValidationIssue(path: ["file", file.path], constraint: .pattern("readable file"), found: error.description)
                ])
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failure = .transport(transportFailure(error, operation: "upload part \(number)"))
            }
            guard attempt < attempts else { throw failure }
            configuration.logger.info("retrying upload part", metadata: ["part": "\(number)", "attempt": "\(attempt + 1)"])
            try await configuration.retryPolicy.sleep(configuration.retryPolicy.delay(beforeRetry: attempt))
            attempt += 1
        }
    }

    /// Like `sendOnce`, with a body made afresh for each attempt and streamed, so a part is never
    /// held in memory whole. The same destination checks, credential rule, proxy routing and
    /// middlewares apply.
    func sendStreamed(
        _ method: HTTPRequest.Method, _ url: URL, headers: HTTPFields, operation: String, body: () -> HTTPBody
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let destination = try destination(for: url)
        var request = HTTPRequest(method: method, scheme: destination.scheme, authority: destination.authority, path: destination.path)
        request.headerFields = headers
        request.headerFields[.userAgent] = configuration.userAgent
        if destination.trusted, let credentials = configuration.credentials {
            request.headerFields[.authorization] = credentials.authorization
        } else {
            request.headerFields[.authorization] = nil
        }
        var baseURL = destination.baseURL
        try routeThroughProxy(&request, baseURL: &baseURL, destination: destination)
        let transport = configuration.transport
        var next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?) = {
            try await transport.send($0, body: $1, baseURL: $2, operationID: operation)
        }
        for middleware in configuration.middlewares.reversed() {
            let inner = next
            next = { try await middleware.intercept($0, body: $1, baseURL: $2, operationID: operation, next: inner) }
        }
        return try await next(request, body(), baseURL)
    }

    static func fileSize(_ url: URL) throws -> Int64 {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            return (attributes[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw QueueError.invalidInput([ValidationIssue(path: ["file", url.path], constraint: .pattern("readable file"), found: "\(error)")])
        }
    }
}

/// Adds up confirmed parts and reports them.
final class ProgressTally: @unchecked Sendable {
    private let lock = NSLock()
    private var sent: Int64 = 0
    private var parts = 0
    let total: Int64
    let partCount: Int
    let report: (@Sendable (UploadProgress) -> Void)?

    init(total: Int64, partCount: Int, report: (@Sendable (UploadProgress) -> Void)?) {
        self.total = total
        self.partCount = partCount
        self.report = report
    }

    func add(_ bytes: Int64) {
        lock.lock()
        sent += bytes
        parts += 1
        let snapshot = UploadProgress(bytesSent: sent, totalBytes: total, partsDone: parts, partCount: partCount)
        lock.unlock()
        report?(snapshot)
    }
}

/// A file could not be read.
struct FileRegionError: Error, CustomStringConvertible {
    var description: String
}

/// `length` bytes of a file from `offset`, read in 256 KiB chunks with `pread` as the body is sent.
struct FileRegion: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let url: URL
    let offset: Int64
    let length: Int

    static let chunkSize = 256 * 1024

    final class AsyncIterator: AsyncIteratorProtocol {
        let url: URL
        var descriptor: Int32 = -1
        var position: Int64
        var remaining: Int

        init(url: URL, offset: Int64, length: Int) {
            self.url = url
            self.position = offset
            self.remaining = length
        }

        deinit {
            if descriptor >= 0 { close(descriptor) }
        }

        func next() async throws -> ArraySlice<UInt8>? {
            guard remaining > 0 else {
                if descriptor >= 0 {
                    close(descriptor)
                    descriptor = -1
                }
                return nil
            }
            if descriptor < 0 {
                descriptor = open(url.path, O_RDONLY)
                guard descriptor >= 0 else { throw FileRegionError(description: "cannot open \(url.path) (errno \(errno))") }
            }
            let count = Swift.min(remaining, FileRegion.chunkSize)
            var buffer = [UInt8](repeating: 0, count: count)
            let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(position)) }
            guard read > 0 else { throw FileRegionError(description: "\(url.path) ended early or failed to read (errno \(errno))") }
            position += Int64(read)
            remaining -= read
            return buffer[0..<read]
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(url: url, offset: offset, length: length)
    }
}
