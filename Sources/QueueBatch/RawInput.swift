import Foundation
import QueueRuntime

/// An input line, already decoded and validated as its endpoint's `Input` when it was
/// registered: the runner sends it as it is, so one runner serves every endpoint.
struct RawInput: QueueInput {
    let value: JSONValue

    init(line: String) throws {
        value = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
    }

    init(from decoder: any Decoder) throws {
        value = try JSONValue(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}
