import Foundation
import HTTPTypes

extension QueueClient {
    /// Uploads bytes through fal's storage flow (as fal-js does) and returns their URL.
    ///
    /// `POST {storage}/storage/upload/initiate?storage_type=fal-cdn-v3` (the route fal's server
    /// proxy allows, so uploads work in proxy mode) with `{"file_name","content_type"}`
    /// returns `{"upload_url","file_url"}`; the bytes are then `PUT` to `upload_url` (a signed URL,
    /// so it gets no credential unless it is on a configured host).
    public func upload(_ data: Data, contentType: String, fileName: String? = nil) async throws -> URL {
        var initiate = Self.url(configuration.storageBaseURL, "storage/upload/initiate")
        initiate = Self.withQuery(initiate, "storage_type", "fal-cdn-v3")
        let request = try JSONEncoder().encode(["file_name": fileName ?? "upload.bin", "content_type": contentType])
        let collected = try await exchange(.post, initiate, body: request, operation: "upload", retry: .idempotent)
        guard (200..<300).contains(collected.response.status.code) else {
            throw httpFailure(collected, operation: "upload", requestID: nil)
        }
        struct Initiated: Decodable {
            var upload_url: String
            var file_url: String
        }
        let initiated = try decode(Initiated.self, collected.body, requestID: nil)
        guard let uploadURL = URL(string: initiated.upload_url), let fileURL = URL(string: initiated.file_url) else {
            throw shown(.decoding(
                DecodingFailure(what: "upload response", fieldPath: "upload_url", reason: "not a URL", excerpt: excerptOf(collected.body))))
        }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        let put = try await exchange(.put, uploadURL, headers: headers, body: data, operation: "upload", retry: .idempotent)
        guard (200..<300).contains(put.response.status.code) else {
            throw httpFailure(put, operation: "upload", requestID: nil)
        }
        configuration.logger.debug("uploaded", metadata: ["bytes": "\(data.count)", "content_type": "\(contentType)"])
        return fileURL
    }
}
