import Foundation
import Testing

@testable import QueueRuntime

/// `WireModel`: what generated structs get from their `wireFields` table. The models here are
/// written by hand the way `queuegen` writes them.
@Suite("Wire models")
struct WireModelTests {
    /// An input-like model: `var`s, a nested model, an array, an open enum and a deprecated field
    /// whose storage has another name.
    struct Request: QueueInput, WireModel {
        var prompt: String
        var steps: Int?
        var size: Size?
        var tags: [String]?
        var format: Format?
        var _legacy: String?
        var weights: [String: Double]?

        static var wireFields: [WireField<Self>] {
            [
                .required("prompt", \.prompt),
                .optional("num_steps", \.steps),
                .optional("image_size", \.size),
                .optional("tags", \.tags),
                .optional("output_format", \.format),
                .optional("legacy", \._legacy),
                .optional("weights", \.weights),
            ]
        }
    }

    struct Size: WireModel {
        var width: Int
        var height: Int

        static var wireFields: [WireField<Self>] {
            [.required("width", \.width), .required("height", \.height)]
        }
    }

    struct Format: OpenStringEnum {
        let rawValue: String
        init(rawValue: String) { self.rawValue = rawValue }
        static var png: Self { .init(rawValue: "png") }
        static var allCases: [Self] { [.png] }
    }

    /// An output-like model: `let`s only, as output-only generated types have.
    struct Result: WireModel {
        let images: [Size]
        let seed: Int64
        let note: String?

        static var wireFields: [WireField<Self>] {
            [.required("images", \.images), .required("seed", \.seed), .optional("note", \.note)]
        }
    }

    struct Empty: WireModel {
        static var wireFields: [WireField<Self>] { [] }
    }

    private func decode<Model: Decodable>(_ type: Model.Type, _ json: String) throws -> Model {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    private func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("decodes every kind of field and re-encodes the same JSON; unset optionals are left out")
    func roundTrip() throws {
        let json = #"{"image_size":{"height":768,"width":1024},"legacy":"old","num_steps":4,"output_format":"avif","prompt":"a cat","tags":["a","b"],"weights":{"x":0.5}}"#
        let request = try decode(Request.self, json)
        #expect(request.prompt == "a cat")
        #expect(request.steps == 4)
        #expect(request.size == Size(width: 1024, height: 768))
        #expect(request.tags == ["a", "b"])
        #expect(request.format?.rawValue == "avif" && request.format?.isKnown == false)
        #expect(request._legacy == "old")
        #expect(request.weights == ["x": 0.5])
        #expect(try encode(request) == json)

        let minimal = try decode(Request.self, #"{"prompt":"p","num_steps":null}"#)
        #expect(minimal.steps == nil && minimal.size == nil && minimal.tags == nil)
        #expect(try encode(minimal) == #"{"prompt":"p"}"#)
    }

    @Test("let-only models decode, and compare by every field")
    func immutableModels() throws {
        let result = try decode(Result.self, #"{"images":[{"width":1,"height":2}],"seed":8589934592}"#)
        #expect(result.images == [Size(width: 1, height: 2)])
        #expect(result.seed == 8_589_934_592)
        #expect(result.note == nil)
        #expect(result == Result(images: [Size(width: 1, height: 2)], seed: 8_589_934_592, note: nil))
        #expect(result != Result(images: [Size(width: 1, height: 2)], seed: 8_589_934_592, note: ""))
        #expect(result != Result(images: [], seed: 8_589_934_592, note: nil))
        #expect(try decode(Empty.self, "{}") == Empty())
        #expect(try encode(Empty()) == "{}")
    }

    @Test("errors are the DecodingErrors a synthesized Decodable throws, with the same coding paths")
    func errors() throws {
        func failure(_ json: String) -> DecodingError? {
            do {
                _ = try decode(Request.self, json)
                return nil
            } catch {
                return error as? DecodingError
            }
        }
        guard case .keyNotFound(let key, _) = failure(#"{"num_steps":1}"#) else {
            Issue.record("a missing required field is keyNotFound")
            return
        }
        #expect(key.stringValue == "prompt")
        guard case .valueNotFound(_, let nullContext) = failure(#"{"prompt":null}"#) else {
            Issue.record("a null required field is valueNotFound")
            return
        }
        #expect(nullContext.codingPath.map(\.stringValue) == ["prompt"])
        guard case .typeMismatch(_, let context) = failure(#"{"prompt":"p","image_size":{"width":"wide","height":1}}"#) else {
            Issue.record("a string where a number belongs is typeMismatch")
            return
        }
        #expect(context.codingPath.map(\.stringValue) == ["image_size", "width"])
        guard case .typeMismatch = failure(#"[1, 2]"#) else {
            Issue.record("an array where an object belongs is typeMismatch")
            return
        }
    }

    /// Holds an object that counts how many of its kind are alive, so a test can see that a
    /// decode that fails partway releases every field it had already decoded.
    struct Tracked: WireModel {
        final class Token: Sendable {
            static let alive = Counter()
            init() { Self.alive.add(1) }
            deinit { Self.alive.add(-1) }
        }

        final class Counter: @unchecked Sendable {
            private let lock = NSLock()
            private var count = 0
            func add(_ delta: Int) { lock.withLock { count += delta } }
            var value: Int { lock.withLock { count } }
        }
        let name: String
        let token: Token

        init(name: String) {
            self.name = name
            self.token = Token()
        }

        init(from decoder: any Decoder) throws {
            self.init(name: try decoder.singleValueContainer().decode(String.self))
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }

        static var wireFields: [WireField<Self>] { [] }
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.name == rhs.name }
    }

    struct Holder: WireModel {
        let first: Tracked
        let list: [Tracked]
        let maybe: Tracked?
        let count: Int

        static var wireFields: [WireField<Self>] {
            [.required("first", \.first), .required("list", \.list), .optional("maybe", \.maybe), .required("count", \.count)]
        }
    }

    @Test("a decode that fails after some fields releases exactly those fields; a complete one keeps them")
    func failedDecodeReleasesDecodedFields() throws {
        let before = Tracked.Token.alive.value
        #expect(throws: DecodingError.self) {
            // Three fields hold tokens (4 tokens) before `count` turns out to be missing.
            try decode(Holder.self, #"{"first":"a","list":["b","c"],"maybe":"d"}"#)
        }
        #expect(Tracked.Token.alive.value == before)
        do {
            let holder = try decode(Holder.self, #"{"first":"a","list":["b","c"],"maybe":"d","count":4}"#)
            #expect(Tracked.Token.alive.value == before + 4)
            #expect(holder.first.name == "a" && holder.list.map(\.name) == ["b", "c"] && holder.maybe?.name == "d" && holder.count == 4)
        }
        #expect(Tracked.Token.alive.value == before)
    }

    /// A model whose table carries every kind of bound, and a nested model and an array of them.
    struct Bounded: QueueInput, WireModel {
        let steps: Int?
        let seed: Int64?
        let strength: Double?
        let prompt: String?
        let tags: [String]?
        let size: Size?
        let sizes: [Size]?

        static var wireFields: [WireField<Self>] {
            [
                .optional("steps", \.steps, [.minimum(1), .maximum(12)]),
                .optional("seed", \.seed, [.exclusiveMinimum(0)]),
                .optional("strength", \.strength, [.minimum(0), .exclusiveMaximum(1)]),
                .optional("prompt", \.prompt, [.minLength(2), .maxLength(5), .pattern("^[a-z]+$")]),
                .optional("tags", \.tags, [.minItems(1), .maxItems(2)]),
                .optional("size", \.size),
                .optional("sizes", \.sizes),
            ]
        }
    }

    /// `Size` with bounds on its fields, for the nested paths.
    struct CheckedSize: WireModel {
        let width: Int

        static var wireFields: [WireField<Self>] { [.required("width", \.width, [.exclusiveMinimum(0), .maximum(100)])] }
    }

    struct Holding: QueueInput, WireModel {
        let size: CheckedSize
        let sizes: [CheckedSize]?

        static var wireFields: [WireField<Self>] { [.required("size", \.size), .optional("sizes", \.sizes)] }
    }

    @Test("validation from the table: each kind of bound, nil passes, NaN breaks, issues in field order")
    func validation() throws {
        let empty = Bounded(steps: nil, seed: nil, strength: nil, prompt: nil, tags: nil, size: nil, sizes: nil)
        #expect(empty.validate().isEmpty)
        let good = Bounded(steps: 12, seed: 1, strength: 0, prompt: "ab", tags: ["a"], size: nil, sizes: nil)
        #expect(good.validate().isEmpty)
        let bad = Bounded(steps: 13, seed: 0, strength: 1, prompt: "ABCDEFé", tags: [], size: nil, sizes: nil)
        #expect(bad.validate().map(\.description) == [
            "steps must be at most 12 (found 13)",
            "seed must be greater than 0 (found 0)",
            "strength must be less than 1 (found 1.0)",
            "prompt must have at most 5 characters (found 7 characters)",
            "prompt must match the pattern ^[a-z]+$ (found \"ABCDEFé\")",
            "tags must have at least 1 items (found 0 items)",
        ])
        let nan = Bounded(steps: 0, seed: nil, strength: .nan, prompt: "a", tags: ["a", "b", "c"], size: nil, sizes: nil)
        #expect(nan.validate().map(\.description) == [
            "steps must be at least 1 (found 0)",
            "strength must be at least 0 (found nan)",
            "strength must be less than 1 (found nan)",
            "prompt must have at least 2 characters (found 1 characters)",
            "tags must have at most 2 items (found 3 items)",
        ])
    }

    @Test("nested models and arrays of them are validated with their paths")
    func nestedValidation() throws {
        let holding = Holding(size: CheckedSize(width: 0), sizes: [CheckedSize(width: 5), CheckedSize(width: 101)])
        #expect(holding.validate().map(\.dottedPath) == ["size.width", "sizes[1].width"])
        #expect(holding.validate(at: ["body"]).first?.path == ["body", "size", "width"])
        #expect(Holding(size: CheckedSize(width: 1), sizes: nil).validate().isEmpty)
    }
}
