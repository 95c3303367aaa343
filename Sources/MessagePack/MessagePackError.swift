/// Why bytes are not a MessagePack value this codec accepts, or a value does not fit a Swift type.
public enum MessagePackError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes end inside a value that starts at `offset`.
    case truncated(offset: Int)
    /// `0xc1`, the one byte the format never uses, at `offset`.
    case reservedByte(offset: Int)
    /// A str whose bytes are not UTF-8, starting at `offset`.
    case invalidUTF8(offset: Int)
    /// Bytes left after the one top-level value (the frame holds one value).
    case trailingBytes(offset: Int)
    /// A limit was exceeded at `offset`: `limit` names it (depth, string bytes, …).
    case limitExceeded(limit: String, offset: Int)
    /// A map key that is not a string, met while decoding into a Codable type at `path`.
    case nonStringKey(path: String, key: String)
    /// The value at `path` is not what the Swift type expects.
    case typeMismatch(path: String, expected: String, found: String)
    /// The map at `path` has no `key`.
    case missingKey(path: String, key: String)
    /// The number at `path` does not fit `type`.
    case numberOutOfRange(path: String, type: String)
    /// A value the format cannot carry (a collection over 2³² − 1 elements, say) at `path`.
    case unencodable(path: String, reason: String)

    public var description: String {
        switch self {
        case .truncated(let offset): "MessagePack: bytes end inside the value at offset \(offset)"
        case .reservedByte(let offset): "MessagePack: reserved byte 0xc1 at offset \(offset)"
        case .invalidUTF8(let offset): "MessagePack: str at offset \(offset) is not UTF-8"
        case .trailingBytes(let offset): "MessagePack: bytes after the value, from offset \(offset)"
        case .limitExceeded(let limit, let offset): "MessagePack: \(limit) exceeded at offset \(offset)"
        case .nonStringKey(let path, let key):
            "MessagePack: map at \(path) has a non-string key (\(key)); Codable types need string keys"
        case .typeMismatch(let path, let expected, let found): "MessagePack: at \(path), expected \(expected), found \(found)"
        case .missingKey(let path, let key): "MessagePack: map at \(path) has no key \"\(key)\""
        case .numberOutOfRange(let path, let type): "MessagePack: number at \(path) does not fit \(type)"
        case .unencodable(let path, let reason): "MessagePack: cannot encode the value at \(path): \(reason)"
        }
    }
}

/// Bounds the decoder holds to, so that no frame can make it recurse or allocate without limit.
public struct MessagePackLimits: Sendable, Equatable {
    /// Nesting of arrays and maps.
    public var maximumDepth: Int
    /// Bytes of one str, bin or ext payload.
    public var maximumByteLength: Int
    /// Elements of one array or pairs of one map.
    public var maximumContainerCount: Int

    /// Limits for one value: nesting, byte length of a str/bin/ext, and elements per container.
    public init(maximumDepth: Int = 64, maximumByteLength: Int = 64 << 20, maximumContainerCount: Int = 1 << 20) {
        self.maximumDepth = maximumDepth
        self.maximumByteLength = maximumByteLength
        self.maximumContainerCount = maximumContainerCount
    }

    /// The defaults: depth 64, 64 MiB per str/bin/ext, 1,048,576 elements per container.
    public static let `default` = MessagePackLimits()
}
