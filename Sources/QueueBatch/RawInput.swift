import Foundation
import QueueRuntime

/// An input line, already decoded and validated as its endpoint's `Input` when it was
/// registered: the runner sends it as it is, so one runner serves every endpoint.
struct RawInput: QueueInput {
    let value: JSONValue

    init(line: String) throws {
        value = try JSONDecoder().decode(RawOutput.self, from: Data(line.utf8)).value
    }

    init(from decoder: any Decoder) throws {
        value = try RawOutput.decodeValue(decoder)
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
struct RawOutput: QueueModel {
    let value: JSONValue

    init(_ value: JSONValue) {
        self.value = value
    }

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
