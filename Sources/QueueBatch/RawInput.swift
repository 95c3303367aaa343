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
        json = Data(OutputText.json(try JSONValue(from: decoder)).utf8)
    }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}

/// Any output, as a `JSONValue`. The runner's client reads outputs with `init(rawJSON:)`
/// (`JSONValue(parsing:)`, one pass); `Decodable` serves other decoders.
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
        value = try JSONValue(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}
