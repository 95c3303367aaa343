import Foundation

/// Encodes `Encodable` values as MessagePack: keyed containers become maps with string keys (in
/// the order the keys were first encoded), `Data` becomes bin, `String` str, `Float` float32,
/// `Double` float64, `Date` a timestamp extension, `URL` its absolute string, and a
/// `MessagePackValue` is written as it is.
public struct MessagePackEncoder: Sendable {
    /// An encoder with no options: the format has one natural shape for every Codable value.
    public init() {}

    /// The MessagePack bytes of `value`.
    public func encode(_ value: some Encodable) throws -> Data {
        try MessagePackWriter.bytes(of: encodeValue(value))
    }

    /// The MessagePack value of `value`, before it is written as bytes.
    public func encodeValue(_ value: some Encodable) throws -> MessagePackValue {
        try EncodingBox.encode(value, codingPath: []).resolved()
    }
}

/// One value under construction: containers hold boxes so nested containers can fill them later.
private final class EncodingBox {
    enum Content {
        case empty
        case value(MessagePackValue)
        case array([EncodingBox])
        case map(keys: [String], boxes: [String: EncodingBox])
    }

    var content: Content = .empty

    init() {}
    init(_ value: MessagePackValue) { content = .value(value) }

    func resolved() -> MessagePackValue {
        switch content {
        case .empty: .map([])  // an encode(to:) that encoded nothing, as JSONEncoder writes `{}`
        case .value(let value): value
        case .array(let boxes): .array(boxes.map { $0.resolved() })
        case .map(let keys, let boxes): .map(keys.compactMap { key in boxes[key].map { (.string(key), $0.resolved()) } })
        }
    }

    /// The box for `value`, using the format's own shape for the types it has one for.
    static func encode(_ value: some Encodable, codingPath: [any CodingKey]) throws -> EncodingBox {
        switch value {
        case let data as Data: return EncodingBox(.binary(data))
        case let raw as MessagePackValue: return EncodingBox(raw)
        case let date as Date: return EncodingBox(timestamp(of: date))
        case let url as URL: return EncodingBox(.string(url.absoluteString))
        default:
            let encoder = BoxEncoder(codingPath: codingPath)
            try value.encode(to: encoder)
            return encoder.box
        }
    }

    private static func timestamp(of date: Date) -> MessagePackValue {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        let nanoseconds = UInt32(min(999_999_999, max(0, ((interval - seconds) * 1e9).rounded())))
        return .timestamp(seconds: Int64(seconds), nanoseconds: nanoseconds)
    }
}

private struct BoxEncoder: Encoder {
    let codingPath: [any CodingKey]
    let box: EncodingBox
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(codingPath: [any CodingKey], box: EncodingBox = EncodingBox()) {
        self.codingPath = codingPath
        self.box = box
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .map = box.content {} else { box.content = .map(keys: [], boxes: [:]) }
        return KeyedEncodingContainer(KeyedBoxContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = box.content {} else { box.content = .array([]) }
        return UnkeyedBoxContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleBoxContainer(box: box, codingPath: codingPath) }
}

private func integer(_ value: some BinaryInteger) -> MessagePackValue {
    value < 0 ? .int(Int64(value)) : .uint(UInt64(value))
}

private struct KeyedBoxContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodingBox
    let codingPath: [any CodingKey]

    private func put(_ child: EncodingBox, for key: Key) {
        guard case .map(var keys, var boxes) = box.content else { return }
        box.content = .empty  // keeps the dictionary uniquely referenced while it changes
        if boxes.updateValue(child, forKey: key.stringValue) == nil { keys.append(key.stringValue) }
        box.content = .map(keys: keys, boxes: boxes)
    }

    mutating func encodeNil(forKey key: Key) throws { put(EncodingBox(.nil), for: key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(EncodingBox(.bool(value)), for: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(EncodingBox(.string(value)), for: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(EncodingBox(.float64(value)), for: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(EncodingBox(.float32(value)), for: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(EncodingBox(integer(value)), for: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(EncodingBox(integer(value)), for: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(EncodingBox(integer(value)), for: key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        put(try EncodingBox.encode(value, codingPath: codingPath + [key]), for: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = EncodingBox()
        put(child, for: key)
        return BoxEncoder(codingPath: codingPath + [key], box: child).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = EncodingBox()
        put(child, for: key)
        return BoxEncoder(codingPath: codingPath + [key], box: child).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = EncodingBox()
        put(child, for: key)
        return BoxEncoder(codingPath: codingPath + [key], box: child)
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ index: Int) { intValue = index; stringValue = "\(index)" }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedBoxContainer: UnkeyedEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]

    var count: Int {
        if case .array(let boxes) = box.content { return boxes.count }
        return 0
    }

    private func append(_ child: EncodingBox) {
        guard case .array(var boxes) = box.content else { return }
        box.content = .empty
        boxes.append(child)
        box.content = .array(boxes)
    }

    mutating func encodeNil() throws { append(EncodingBox(.nil)) }
    mutating func encode(_ value: Bool) throws { append(EncodingBox(.bool(value))) }
    mutating func encode(_ value: String) throws { append(EncodingBox(.string(value))) }
    mutating func encode(_ value: Double) throws { append(EncodingBox(.float64(value))) }
    mutating func encode(_ value: Float) throws { append(EncodingBox(.float32(value))) }
    mutating func encode(_ value: Int) throws { append(EncodingBox(integer(value))) }
    mutating func encode(_ value: Int64) throws { append(EncodingBox(integer(value))) }
    mutating func encode(_ value: UInt64) throws { append(EncodingBox(integer(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try EncodingBox.encode(value, codingPath: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingBox()
        let path = codingPath + [IndexKey(count)]
        append(child)
        return BoxEncoder(codingPath: path, box: child).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = EncodingBox()
        let path = codingPath + [IndexKey(count)]
        append(child)
        return BoxEncoder(codingPath: path, box: child).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = EncodingBox()
        let path = codingPath + [IndexKey(count)]
        append(child)
        return BoxEncoder(codingPath: path, box: child)
    }
}

private struct SingleBoxContainer: SingleValueEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { box.content = .value(.nil) }
    mutating func encode(_ value: Bool) throws { box.content = .value(.bool(value)) }
    mutating func encode(_ value: String) throws { box.content = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { box.content = .value(.float64(value)) }
    mutating func encode(_ value: Float) throws { box.content = .value(.float32(value)) }
    mutating func encode(_ value: Int) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: Int8) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: Int16) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: Int32) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: Int64) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: UInt) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: UInt8) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: UInt16) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: UInt32) throws { box.content = .value(integer(value)) }
    mutating func encode(_ value: UInt64) throws { box.content = .value(integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        box.content = try EncodingBox.encode(value, codingPath: codingPath).content
    }
}
