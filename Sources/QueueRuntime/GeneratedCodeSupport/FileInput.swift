import Foundation

/// A field marked `x-fal-file-input`: a URL the service fetches, in-memory bytes, or a local file.
///
/// On the wire it is always a string. Before a submit the client turns bytes and local files into a
/// data URI or uploads them to storage and sends the URL, as `QueueClient.Configuration.fileUpload`
/// says; encoding one directly writes a data URI.
///
/// The client finds the files of an input while encoding it (`FileSubstitution`), so generated
/// models need no code of their own to walk their files.
public enum FileInput: QueueModel, ExpressibleByStringLiteral, CustomStringConvertible {
    /// A public URL or a `data:` URI, sent as it is.
    case url(String)
    /// Bytes in memory with their media type (`image/png`).
    case bytes(Data, contentType: String)
    /// A file on this machine, read when the input is sent.
    case localFile(URL)

    /// A string literal is a URL (or a data URI).
    public init(stringLiteral value: String) {
        self = .url(value)
    }

    /// The URL if this is one.
    public var url: String? {
        if case .url(let value) = self { return value }
        return nil
    }

    /// Decodes the string as `.url`.
    public init(from decoder: any Decoder) throws {
        self = .url(try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes a URL as it is, and bytes or a local file as the URL the client uploaded them to (a data URI outside the client).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if case .url(let value) = self {
            try container.encode(value)
            return
        }
        // The client's upload pass: the file is written as the URL it was uploaded to.
        if let substitution = encoder.userInfo[.queueFileSubstitution] as? FileSubstitution {
            try container.encode(try substitution.substitute(self))
            return
        }
        switch self {
        case .url(let value):
            try container.encode(value)
        case .bytes(let data, let contentType):
            try container.encode(Self.dataURI(data, contentType: contentType))
        case .localFile(let url):
            let (data, contentType) = try loadLocalFile(url)
            try container.encode(Self.dataURI(data, contentType: contentType))
        }
    }

    /// Reads a `.localFile` (or returns the bytes of `.bytes`) with its media type; `nil` for a URL.
    public func loadBytes() throws -> (data: Data, contentType: String)? {
        switch self {
        case .url: nil
        case .bytes(let data, let contentType): (data, contentType)
        case .localFile(let url): try loadLocalFile(url)
        }
    }

    /// `data:<type>;base64,<bytes>`.
    public static func dataURI(_ data: Data, contentType: String) -> String {
        "data:\(contentType);base64,\(data.base64EncodedString())"
    }

    /// The media type for a file name's extension, `application/octet-stream` when unknown.
    public static func contentType(forPathExtension pathExtension: String) -> String {
        switch pathExtension.lowercased() {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        case "gif": "image/gif"
        case "bmp": "image/bmp"
        case "tif", "tiff": "image/tiff"
        case "heic": "image/heic"
        case "mp4": "video/mp4"
        case "mov": "video/quicktime"
        case "webm": "video/webm"
        case "mp3": "audio/mpeg"
        case "wav": "audio/wav"
        case "json": "application/json"
        case "txt": "text/plain"
        default: "application/octet-stream"
        }
    }

    /// The URL, or a short description of bytes or a file (never a whole data URI).
    public var description: String {
        switch self {
        case .url(let value) where value.hasPrefix("data:"):
            "data URI (\(value.utf8.count) bytes)"
        case .url(let value): value
        case .bytes(let data, let contentType): "\(data.count) bytes of \(contentType)"
        case .localFile(let url): url.path
        }
    }

    private func loadLocalFile(_ url: URL) throws -> (Data, String) {
        (try Data(contentsOf: url), Self.contentType(forPathExtension: url.pathExtension))
    }
}
