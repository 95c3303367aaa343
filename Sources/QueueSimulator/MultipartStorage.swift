import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A multipart upload in progress: the parts arrive as files in a temporary folder, never in memory.
struct MultipartUpload: Sendable {
    var name: String
    var contentType: String
    var folder: URL
    /// Part number → (bytes, etag).
    var parts: [Int: (size: Int, etag: String)] = [:]
}

/// A completed multipart upload: the reassembled file on disk and what it holds.
public struct ReassembledFile: Sendable, Hashable {
    /// Where the reassembled bytes are (in the simulator's temporary folder).
    public var path: String
    /// How many bytes it has.
    public var size: Int
    /// The SHA-256 of its bytes, lower-case hex.
    public var sha256: String
    /// How many parts it was made of.
    public var partCount: Int
}

extension QueueSimulator {
    /// `POST /storage/upload/initiate-multipart`: `{"content_type", "file_name"}` →
    /// `{"upload_url", "file_url"}`, the upload URL carrying a query as a signed URL does.
    func multipartInitiate(_ request: inout Request, base: String) async -> Reply {
        guard let body = try? await request.collectBody(upTo: 1 << 20), let json = try? JSONValue.parse(Array(buffer: body)) else {
            return .detail(422, "Body must be JSON with content_type and file_name")
        }
        let contentType = json["content_type"]?.stringValue ?? "application/octet-stream"
        let fileName = Self.safeFileName(json["file_name"]?.stringValue ?? "upload.bin")
        let token = UUID().uuidString.lowercased()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("queue-simulator-multipart-\(token)")
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            return .detail(500, "Could not create the upload folder")
        }
        state.withLock { $0.multipartUploads[token] = MultipartUpload(name: "\(token)/\(fileName)", contentType: contentType, folder: folder) }
        return .json(200, .object([
            ("upload_url", .string("\(queueBase(base))/storage/multipart/\(token)?signature=simulated")),
            ("file_url", .string("\(base)/files/\(token)/\(fileName)")),
        ]))
    }

    /// `PUT /storage/multipart/{token}/{part}`: writes the part to disk as it arrives and answers
    /// `{"partNumber", "etag"}` (the etag is the part's SHA-256). A part sent again replaces the
    /// earlier one, so a retried part is harmless.
    func multipartPart(_ request: Request, token: String, part: String) async -> Reply {
        guard let number = Int(part), number >= 1, number <= 10_000 else { return .detail(400, "Part numbers go from 1 to 10000") }
        guard let upload = state.withLock({ $0.multipartUploads[token] }) else { return .detail(404, "Unknown upload URL") }
        let path = upload.folder.appendingPathComponent("part-\(number)").path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            return .detail(500, "Could not store the part")
        }
        var hasher = SHA256()
        var size = 0
        do {
            defer { try? handle.close() }
            for try await chunk in request.body {
                size += chunk.readableBytes
                guard size <= 64 << 20 else { return .detail(413, "Part over 64 MiB") }
                let bytes = Data(buffer: chunk)
                hasher.update(data: bytes)
                try handle.write(contentsOf: bytes)
            }
        } catch {
            return .detail(400, "The part's body broke off")
        }
        let etag = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        state.withLock { $0.multipartUploads[token]?.parts[number] = (size, etag) }
        return .json(200, .object([("partNumber", .integer(Int64(number))), ("etag", .string(etag))]), headers: [("ETag", "\"\(etag)\"")])
    }

    /// `POST /storage/multipart/{token}/complete` with `{"parts": [{"partNumber", "etag"}…]}`:
    /// checks the list (numbers 1…n, each etag the one its part got), concatenates the parts on
    /// disk and records the reassembled file's size and SHA-256.
    func multipartComplete(_ request: inout Request, token: String) async -> Reply {
        guard let upload = state.withLock({ $0.multipartUploads[token] }) else { return .detail(404, "Unknown upload URL") }
        guard let body = try? await request.collectBody(upTo: 4 << 20), let json = try? JSONValue.parse(Array(buffer: body)),
            case .array(let listed)? = json["parts"], !listed.isEmpty
        else { return .detail(422, "Body must be JSON with a non-empty parts list") }
        var numbers: [Int] = []
        for (index, entry) in listed.enumerated() {
            guard case .integer(let number)? = entry["partNumber"], let etag = entry["etag"]?.stringValue else {
                return .detail(422, "parts[\(index)] needs partNumber and etag")
            }
            guard Int(number) == index + 1 else { return .detail(422, "parts[\(index)] is part \(number); parts must be listed 1…n in order") }
            guard let stored = upload.parts[Int(number)] else { return .detail(422, "part \(number) was never uploaded") }
            guard stored.etag == etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) else {
                return .detail(422, "part \(number): etag does not match the uploaded part")
            }
            numbers.append(Int(number))
        }
        guard numbers.count == upload.parts.count else { return .detail(422, "\(upload.parts.count) parts were uploaded but \(numbers.count) listed") }
        let output = upload.folder.appendingPathComponent("reassembled")
        guard FileManager.default.createFile(atPath: output.path, contents: nil), let writer = FileHandle(forWritingAtPath: output.path) else {
            return .detail(500, "Could not reassemble the file")
        }
        var hasher = SHA256()
        var size = 0
        do {
            defer { try? writer.close() }
            for number in numbers {
                let partPath = upload.folder.appendingPathComponent("part-\(number)").path
                guard let reader = FileHandle(forReadingAtPath: partPath) else { return .detail(500, "Part \(number) is gone") }
                defer { try? reader.close() }
                while let chunk = try reader.read(upToCount: 1 << 20), !chunk.isEmpty {
                    hasher.update(data: chunk)
                    size += chunk.count
                    try writer.write(contentsOf: chunk)
                }
                try? FileManager.default.removeItem(atPath: partPath)
            }
        } catch {
            return .detail(500, "Could not reassemble the file")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let file = ReassembledFile(path: output.path, size: size, sha256: digest, partCount: numbers.count)
        state.withLock { state in
            state.multipartUploads[token] = nil
            state.reassembledFiles[upload.name] = (file, upload.contentType)
        }
        return .json(200, .object([("file_url", .string(upload.name))]))
    }

    /// The file a multipart upload reassembled, by its `file_url`'s name (`{token}/{file name}`)
    /// or the whole URL; `nil` when none completed under that name.
    public func reassembledFile(_ fileURLOrName: String) -> ReassembledFile? {
        let name = fileURLOrName.range(of: "/files/").map { String(fileURLOrName[$0.upperBound...]) } ?? fileURLOrName
        return state.withLock { $0.reassembledFiles[name]?.file }
    }

    /// Deletes the simulator's multipart folders (reassembled files included).
    public func removeMultipartFiles() {
        let folders = state.withLock { state -> [URL] in
            let folders = state.reassembledFiles.values.map { URL(fileURLWithPath: $0.file.path).deletingLastPathComponent() }
                + state.multipartUploads.values.map(\.folder)
            state.reassembledFiles = [:]
            state.multipartUploads = [:]
            return folders
        }
        for folder in folders { try? FileManager.default.removeItem(at: folder) }
    }

    /// `GET /files/{name}` for a reassembled file (read from disk).
    func reassembledFileReply(_ name: String) -> Reply? {
        guard let (file, contentType) = state.withLock({ $0.reassembledFiles[name] }),
            let data = FileManager.default.contents(atPath: file.path)
        else { return nil }
        return Reply(status: 200, body: Array(data), contentType: contentType)
    }
}
