import Foundation
import Testing

@testable import QueueRuntime

/// `_WireModel`: what generated structs get from their `init(from:)` and `_fields(_:)`. The models
/// here are written by hand the way `queuegen` writes them.
@Suite("Wire models")
struct WireModelTests {
    /// An input-like model: a nested model, an array, an open enum and a deprecated field whose
    /// storage has another name.
    struct Request: QueueInput, _WireModel {
        let prompt: String
        let steps: Int?
        let size: Size?
        let tags: [String]?
        let format: Format?
        let _legacy: String?
        let weights: [String: Double]?

        init(
            prompt: String, steps: Int? = nil, size: Size? = nil, tags: [String]? = nil, format: Format? = nil,
            legacy: String? = nil, weights: [String: Double]? = nil
        ) {
            self.prompt = prompt
            self.steps = steps
            self.size = size
            self.tags = tags
            self.format = format
            self._legacy = legacy
            self.weights = weights
        }

        init(from decoder: any Decoder) throws {
            let wire = try _WireReader(decoder)
            try self.init(
                prompt: wire.string("prompt"), steps: wire.intIfPresent("num_steps"), size: wire.valueIfPresent("image_size"),
                tags: wire.valueIfPresent("tags"), format: wire.valueIfPresent("output_format"),
                legacy: wire.stringIfPresent("legacy"), weights: wire.valueIfPresent("weights"))
        }

        func _fields(_ wire: inout _WireFields) {
            wire.string("prompt", self.prompt)
            wire.intIfPresent("num_steps", self.steps)
            wire.valueIfPresent("image_size", self.size)
            wire.valueIfPresent("tags", self.tags)
            wire.valueIfPresent("output_format", self.format)
            wire.stringIfPresent("legacy", self._legacy)
            wire.valueIfPresent("weights", self.weights)
        }
    }

    struct Size: _WireModel {
        let width: Int
        let height: Int

        init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }

        init(from decoder: any Decoder) throws {
            let wire = try _WireReader(decoder)
            try self.init(width: wire.int("width"), height: wire.int("height"))
        }

        func _fields(_ wire: inout _WireFields) {
            wire.int("width", self.width)
            wire.int("height", self.height)
        }
    }

    struct Format: OpenStringEnum {
        let rawValue: String
        init(rawValue: String) { self.rawValue = rawValue }
        static var png: Self { .init(rawValue: "png") }
        static var allCases: [Self] { [.png] }
    }

    /// An output-like model.
    struct Result: _WireModel {
        let images: [Size]
        let seed: Int64
        let note: String?
        let ratio: Double
        let flag: Bool?

        init(images: [Size], seed: Int64, note: String? = nil, ratio: Double = 1, flag: Bool? = nil) {
            self.images = images
            self.seed = seed
            self.note = note
            self.ratio = ratio
            self.flag = flag
        }

        init(from decoder: any Decoder) throws {
            let wire = try _WireReader(decoder)
            try self.init(
                images: wire.value("images"), seed: wire.int64("seed"), note: wire.stringIfPresent("note"),
                ratio: wire.double("ratio"), flag: wire.boolIfPresent("flag"))
        }

        func _fields(_ wire: inout _WireFields) {
            wire.value("images", self.images)
            wire.int64("seed", self.seed)
            wire.stringIfPresent("note", self.note)
            wire.double("ratio", self.ratio)
            wire.boolIfPresent("flag", self.flag)
        }
    }

    struct Empty: _WireModel {
        init() {}

        init(from decoder: any Decoder) throws {
            _ = try _WireReader(decoder)
            self.init()
        }

        func _fields(_ wire: inout _WireFields) {}
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
        let result = try decode(Result.self, #"{"images":[{"width":1,"height":2}],"seed":8589934592,"ratio":0.5}"#)
        #expect(result.images == [Size(width: 1, height: 2)])
        #expect(result.seed == 8_589_934_592)
        #expect(result.note == nil && result.flag == nil && result.ratio == 0.5)
        #expect(result == Result(images: [Size(width: 1, height: 2)], seed: 8_589_934_592, ratio: 0.5))
        #expect(result != Result(images: [Size(width: 1, height: 2)], seed: 8_589_934_592, note: "", ratio: 0.5))
        #expect(result != Result(images: [], seed: 8_589_934_592, ratio: 0.5))
        #expect(result != Result(images: [Size(width: 1, height: 3)], seed: 8_589_934_592, ratio: 0.5))
        #expect(result != Result(images: [Size(width: 1, height: 2)], seed: 8_589_934_592, ratio: 0.5, flag: false))
        #expect(Result(images: [], seed: 1, ratio: .nan) != Result(images: [], seed: 1, ratio: .nan), "NaN is not equal to itself, as with ==")
        #expect(try encode(result) == #"{"images":[{"height":2,"width":1}],"ratio":0.5,"seed":8589934592}"#)
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

    /// A model whose fields carry every kind of bound, and a nested model and an array of them.
    struct Bounded: QueueInput, _WireModel {
        let steps: Int?
        let seed: Int64?
        let strength: Double?
        let prompt: String?
        let tags: [String]?
        let size: Size?
        let sizes: [Size]?
        let rank: Rank?

        init(
            steps: Int? = nil, seed: Int64? = nil, strength: Double? = nil, prompt: String? = nil, tags: [String]? = nil,
            size: Size? = nil, sizes: [Size]? = nil, rank: Rank? = nil
        ) {
            self.steps = steps
            self.seed = seed
            self.strength = strength
            self.prompt = prompt
            self.tags = tags
            self.size = size
            self.sizes = sizes
            self.rank = rank
        }

        init(from decoder: any Decoder) throws {
            let wire = try _WireReader(decoder)
            try self.init(
                steps: wire.intIfPresent("steps"), seed: wire.int64IfPresent("seed"), strength: wire.doubleIfPresent("strength"),
                prompt: wire.stringIfPresent("prompt"), tags: wire.valueIfPresent("tags"), size: wire.valueIfPresent("size"),
                sizes: wire.valueIfPresent("sizes"), rank: wire.valueIfPresent("rank"))
        }

        func _fields(_ wire: inout _WireFields) {
            wire.intIfPresent("steps", self.steps, [.minimum(1), .maximum(12)])
            wire.int64IfPresent("seed", self.seed, [.exclusiveMinimum(0)])
            wire.doubleIfPresent("strength", self.strength, [.minimum(0), .exclusiveMaximum(1)])
            wire.stringIfPresent("prompt", self.prompt, [.minLength(2), .maxLength(5), .pattern("^[a-z]+$")])
            wire.valueIfPresent("tags", self.tags, [.minItems(1), .maxItems(2)])
            wire.valueIfPresent("size", self.size)
            wire.valueIfPresent("sizes", self.sizes)
            wire.valueIfPresent("rank", self.rank)
        }
    }

    /// An integer enum as `queuegen` writes one.
    struct Rank: OpenIntegerEnum {
        let rawValue: Int
        init(rawValue: Int) { self.rawValue = rawValue }
        static var rank8: Self { .init(rawValue: 8) }
        static var rank32: Self { .init(rawValue: 32) }
        static var allCases: [Self] { [.rank8, .rank32] }
    }

    /// `Size` with bounds on its fields, for the nested paths.
    struct CheckedSize: _WireModel {
        let width: Int

        init(width: Int) { self.width = width }

        init(from decoder: any Decoder) throws {
            let wire = try _WireReader(decoder)
            try self.init(width: wire.int("width"))
        }

        func _fields(_ wire: inout _WireFields) {
            wire.int("width", self.width, [.exclusiveMinimum(0), .maximum(100)])
        }
    }

    struct Holding: QueueInput, _WireModel {
        let size: CheckedSize
        let sizes: [CheckedSize]?

        init(size: CheckedSize, sizes: [CheckedSize]?) {
            self.size = size
            self.sizes = sizes
        }

        init(from decoder: any Decoder) throws {
            let wire = try _WireReader(decoder)
            try self.init(size: wire.value("size"), sizes: wire.valueIfPresent("sizes"))
        }

        func _fields(_ wire: inout _WireFields) {
            wire.value("size", self.size)
            wire.valueIfPresent("sizes", self.sizes)
        }
    }

    @Test("validation from the table: each kind of bound, nil passes, NaN breaks, issues in field order")
    func validation() throws {
        let empty = Bounded()
        #expect(empty.validate().isEmpty)
        let good = Bounded(steps: 12, seed: 1, strength: 0, prompt: "ab", tags: ["a"], rank: 32)
        #expect(good.validate().isEmpty)
        let bad = Bounded(steps: 13, seed: 0, strength: 1, prompt: "ABCDEFé", tags: [], rank: 10)
        #expect(bad.validate().map(\.description) == [
            "steps must be at most 12 (found 13)",
            "seed must be greater than 0 (found 0)",
            "strength must be less than 1 (found 1.0)",
            "prompt must have at most 5 characters (found 7 characters)",
            "prompt must match the pattern ^[a-z]+$ (found \"ABCDEFé\")",
            "tags must have at least 1 items (found 0 items)",
            "rank must be one of 8, 32 (found 10)",
        ])
        let nan = Bounded(steps: 0, strength: .nan, prompt: "a", tags: ["a", "b", "c"])
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

    @Test("integer enums: literals, named values, unknown values decode and re-encode as read")
    func integerEnums() throws {
        let decoded = try decode(Bounded.self, #"{"rank":64}"#)
        #expect(decoded.rank == Rank(rawValue: 64) && decoded.rank?.isKnown == false)
        #expect(try encode(decoded) == #"{"rank":64}"#)
        let literal: Rank = 32
        #expect(literal == .rank32 && literal.isKnown && literal.description == "32")
        #expect(decoded.validate().first?.constraint == .oneOf([8, 32]))
    }
}
