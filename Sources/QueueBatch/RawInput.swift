import Foundation
import QueueRuntime

/// An input line, already decoded and validated as its endpoint's `Input` when it was
/// registered: the runner sends its bytes as they are (`RawJSONModel`), so one runner serves every
/// endpoint and no input is decoded and encoded again per job.
struct RawInput: QueueInput, RawJSONModel {
    /// The JSON text, as journaled.
    let json: Data

    /// The journaled line; throws when it is not JSON.
    init(line: String) throws {
        try self.init(rawJSON: Data(line.utf8))
    }

    init(rawJSON: Data) throws {
        _ = try JSONValue(parsing: rawJSON)
        json = rawJSON
    }

    func rawJSON() -> Data { json }

    /// The value the line holds.
    var value: JSONValue {
        get throws { try JSONValue(parsing: json) }
    }

    init(from decoder: any Decoder) throws {
        json = Data(OutputText.json(try RawOutput.decodeValue(decoder)).utf8)
    }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}

/// Any output, as a `JSONValue`, decoded with fewer failed attempts than `JSONValue`'s own
/// decoder: the runner decodes one output (and one input) per job.
///
/// A `Decoder` cannot say what kind of value comes next, so each kind is tried in turn and a
/// wrong guess throws (and builds an error message). `JSONValue` tries `Bool`, `Int64`,
/// `Double`, `String`, array and object in that order, five wrong guesses per object; outputs
/// are mostly objects and strings, so they are tried first here. Integers are still tried
/// before doubles, so every value decodes to what `JSONValue` gives (a test compares them).
///
/// The runner's client reads outputs with `init(rawJSON:)` (`JSONValue(parsing:)`), which gives the
/// same values in one pass; this decoder serves other decoders.
struct RawOutput: QueueModel, RawJSONModel {
    let value: JSONValue

    init(_ value: JSONValue) {
        self.value = value
    }

    init(rawJSON: Data) throws {
        value = try JSONValue(parsing: rawJSON)
    }

    func rawJSON() -> Data { Data(OutputText.json(value).utf8) }

    init(from decoder: any Decoder) throws {
        value = try Self.decodeValue(decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }

    static func decodeValue(_ decoder: any Decoder) throws -> JSONValue {
        if let object = try? decoder.container(keyedBy: MemberKey.self) {
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(object.allKeys.count)
            for key in object.allKeys { members[key.stringValue] = try object.decode(RawOutput.self, forKey: key).value }
            return .object(members)
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() { return .null }
        if let string = try? single.decode(String.self) { return .string(string) }
        if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            if let count = array.count { elements.reserveCapacity(count) }
            while !array.isAtEnd { elements.append(try array.decode(RawOutput.self).value) }
            return .array(elements)
        }
        if let integer = try? single.decode(Int64.self) { return .int(integer) }
        if let number = try? single.decode(Double.self) { return .double(number) }
        return .bool(try single.decode(Bool.self))
    }

    /// Any member name.
    struct MemberKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
