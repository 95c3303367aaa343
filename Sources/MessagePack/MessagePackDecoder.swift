import Foundation

/// Decodes `Decodable` values from MessagePack: maps through keyed containers (string keys only;
/// a map with any other key is refused with an error naming the path and the key), bin into
/// `Data`, timestamps into `Date`, and any value into `MessagePackValue` as it is. Integers
/// convert to any integer type that holds them exactly, numbers of any format to floating point.
public struct MessagePackDecoder: Sendable {
    /// The bounds the byte reader holds to.
    public var limits: MessagePackLimits

    /// A decoder with the given bounds.
    public init(limits: MessagePackLimits = .default) {
        self.limits = limits
    }

    /// The value of type `type` that `data` (one MessagePack value) holds.
    public func decode<T: Decodable>(_ type: T.Type, from data: some Collection<UInt8>) throws -> T {
        try decode(type, from: MessagePackReader.value(from: data, limits: limits))
    }

    /// The value of type `type` that `value` holds.
    public func decode<T: Decodable>(_ type: T.Type, from value: MessagePackValue) throws -> T {
        try ValueDecoder(value: value, codingPath: []).decodeValue(type)
    }
}

extension MessagePackValue {
    /// A short name of the value's kind, for errors.
    var kindName: String {
        switch self {
        case .nil: "nil"
        case .bool: "a bool"
        case .int, .uint: "an integer"
        case .float32, .float64: "a float"
        case .string: "a str"
        case .binary: "a bin"
        case .array: "an array"
        case .map: "a map"
        case .ext(let type, _): "an ext of type \(type)"
        }
    }
}

private func pathText(_ path: [any CodingKey]) -> String {
    path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
}

private struct ValueDecoder: Decoder {
    let value: MessagePackValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: Any.Type) -> DecodingError {
        .typeMismatch(
            expected,
            .init(codingPath: codingPath, debugDescription: "MessagePack: expected \(expected) at \(pathText(codingPath)), found \(value.kindName)")
        )
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .map(let pairs) = value else { throw mismatch([String: Any].self) }
        var entries: [String: MessagePackValue] = [:]
        var order: [String] = []
        for pair in pairs {
            guard case .string(let key) = pair.key else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: codingPath, debugDescription: "MessagePack: the map at \(pathText(codingPath)) has a key that is \(pair.key.kindName), not a str; Codable types need string keys")
                )
            }
            if entries.updateValue(pair.value, forKey: key) == nil { order.append(key) }
        }
        return KeyedDecodingContainer(KeyedValueContainer<Key>(entries: entries, order: order, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch([Any].self) }
        return UnkeyedValueContainer(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if type == Data.self {
            guard case .binary(let data) = value, let result = data as? T else { throw mismatch(Data.self) }
            return result
        }
        if type == MessagePackValue.self, let result = value as? T { return result }
        if type == Date.self {
            guard let (seconds, nanoseconds) = value.timestamp else { throw mismatch(Date.self) }
            let date = Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9)
            guard let result = date as? T else { throw mismatch(Date.self) }
            return result
        }
        if type == URL.self {
            guard case .string(let text) = value, let url = URL(string: text), let result = url as? T else { throw mismatch(URL.self) }
            return result
        }
        return try T(from: self)
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let result: T?
        switch value {
        case .int(let number): result = T(exactly: number)
        case .uint(let number): result = T(exactly: number)
        case .float64(let number): result = T(exactly: number)
        case .float32(let number): result = T(exactly: number)
        default: throw mismatch(type)
        }
        guard let result else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "MessagePack: the number at \(pathText(codingPath)) does not fit \(type)")
            )
        }
        return result
    }

    func double() throws -> Double {
        switch value {
        case .float64(let number): number
        case .float32(let number): Double(number)
        case .int(let number): Double(number)
        case .uint(let number): Double(number)
        default: throw mismatch(Double.self)
        }
    }
}

extension ValueDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value == .nil }
    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(type) }
        return flag
    }
    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw mismatch(type) }
        return text
    }
    func decode(_ type: Double.Type) throws -> Double { try double() }
    func decode(_ type: Float.Type) throws -> Float {
        if case .float32(let number) = value { return number }
        let number = try double()
        guard !number.isFinite || abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "MessagePack: the number at \(pathText(codingPath)) does not fit Float")
            )
        }
        return Float(number)
    }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }
}

private struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    init(intValue: Int) { stringValue = "\(intValue)"; self.intValue = intValue }
}

private struct KeyedValueContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [String: MessagePackValue]
    let order: [String]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { order.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { entries[key.stringValue] != nil }

    func child(_ key: Key) throws -> ValueDecoder {
        guard let value = entries[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "MessagePack: the map at \(pathText(codingPath)) has no key \"\(key.stringValue)\"")
            )
        }
        return ValueDecoder(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try child(key).decodeNil() }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decodeValue(type) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    { try child(key).container(keyedBy: type) }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: entries["super"] ?? .nil, codingPath: codingPath + [AnyKey(stringValue: "super")])
    }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: entries[key.stringValue] ?? .nil, codingPath: codingPath + [key])
    }
}

private struct UnkeyedValueContainer: UnkeyedDecodingContainer {
    let elements: [MessagePackValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(elements: [MessagePackValue], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func next() throws -> ValueDecoder {
        let path = codingPath + [AnyKey(intValue: currentIndex)]
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: path, debugDescription: "MessagePack: the array at \(pathText(codingPath)) has only \(elements.count) elements")
            )
        }
        defer { currentIndex += 1 }
        return ValueDecoder(value: elements[currentIndex], codingPath: path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .nil else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}
