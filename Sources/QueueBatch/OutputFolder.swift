import Foundation
import QueueRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The batch's output folder: `<line>.json` per output, `<line>-<n>.<ext>` per downloaded file,
/// and `manifest.jsonl`. Every name is made here from numbers and a fixed list of extensions, and
/// checked to be one plain file name inside the folder; every file is written atomically.
public struct OutputFolder: Sendable {
    /// The folder, standardized.
    public let url: URL
    /// The largest file downloaded for an output.
    public let maximumFileSize: Int

    /// The folder at `path`, created if needed.
    public init(path: String, maximumFileSize: Int = 256 << 20) throws {
        url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL
        self.maximumFileSize = maximumFileSize
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw BatchError("cannot create the output folder \(path): \(error.localizedDescription)")
        }
    }

    /// Writes `DIR/<line>.json`.
    func writeOutput(_ text: String, line: Int) throws {
        try write(Data(text.utf8), named: "\(line).json")
    }

    /// Saves every file `output` references (objects with an http(s) or data `url`), as
    /// `<line>-<n>.<ext>`; returns the names. Downloads go through the client's `download`:
    /// plain http only to loopback, no credential to foreign hosts, the size cap.
    func download(_ output: JSONValue, line: Int, client: QueueClient) async throws -> [String] {
        var names: [String] = []
        for (index, file) in Self.fileReferences(in: output).enumerated() {
            try Task.checkCancellation()
            let (data, served) = try await fetch(file.url, client: client)
            let name = "\(line)-\(index + 1).\(Self.fileExtension(served ?? file.contentType))"
            try write(data, named: name)
            names.append(name)
        }
        return names
    }

    /// The bytes of a `data:` URI or an http(s) URL, with the media type when known.
    private func fetch(_ location: String, client: QueueClient) async throws -> (Data, String?) {
        if location.hasPrefix("data:") {
            guard let comma = location.firstIndex(of: ",") else { throw BatchError("an output file is a data URI without data") }
            let header = location[location.index(location.startIndex, offsetBy: 5)..<comma]
            let payload = String(location[location.index(after: comma)...])
            guard payload.utf8.count / 4 * 3 <= maximumFileSize else {
                throw BatchError("an output file is larger than \(maximumFileSize >> 20) MiB")
            }
            let data = header.hasSuffix(";base64") ? Data(base64Encoded: payload) : payload.removingPercentEncoding.map { Data($0.utf8) }
            guard let data else { throw BatchError("an output file is a data URI that does not decode") }
            return (data, header.split(separator: ";").first.map(String.init))
        }
        guard let url = URL(string: location), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw BatchError("an output file is not an http(s) URL: \(String(location.prefix(80)))")
        }
        return try await client.download(url, maximumSize: maximumFileSize)
    }

    /// Writes `data` as `name` inside the folder, atomically (a temporary file renamed over it:
    /// a reader never sees half a file); refuses a name that is not one plain file name.
    ///
    /// Not synced: like the SQLite journal's commits, a file is safe against a killed process (it
    /// is in the kernel's cache), not against a power cut. The journal holds every output too, and
    /// the manifest is written from it. An fsync per output would block one of the few threads
    /// the runner's jobs share for as long as the disk takes.
    func write(_ data: Data, named name: String) throws {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw BatchError("refusing to write outside \(url.path): \(name)")
        }
        let path = url.path + "/" + name
        let temporary = url.path + "/." + name + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BatchError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        // FileHandle writes without syncing (Data.write's `.atomic` syncs) and retries short writes.
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: data)
            try handle.close()
        } catch {
            unlink(temporary)
            throw BatchError("cannot write \(path): \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw BatchError("cannot write \(path): \(String(cString: strerror(code)))")
        }
    }

    /// The files an output references, keys in sorted order so the numbering is stable.
    static func fileReferences(in value: JSONValue) -> [(url: String, contentType: String?)] {
        var found: [(String, String?)] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if let url = value["url"]?.stringValue,
                    url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("data:")
                {
                    found.append((url, value["content_type"]?.stringValue))
                    return
                }
                for key in members.keys.sorted() { walk(members[key] ?? .null) }
            case .array(let elements): elements.forEach(walk)
            default: break
            }
        }
        walk(value)
        return found
    }

    /// An extension from a fixed list, so no server text reaches a file name.
    static func fileExtension(_ contentType: String?) -> String {
        let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let known: [String: String] = [
            "image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/webp": "webp", "image/gif": "gif",
            "video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov", "audio/mpeg": "mp3", "audio/wav": "wav",
            "audio/x-wav": "wav", "audio/ogg": "ogg", "audio/flac": "flac", "model/gltf-binary": "glb", "application/zip": "zip",
            "application/json": "json", "text/plain": "txt",
        ]
        return known[type] ?? "bin"
    }
}
