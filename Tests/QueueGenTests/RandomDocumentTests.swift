import Foundation
import QueueGen
import QueueSpec
import Testing

/// Seeded random documents: unions, `$ref` chains and cycles, shared titles with different
/// content, keywords and hostile names, nested arrays and maps. Every document that loads must
/// generate without crashing, and what it generates must type-check against QueueRuntime.
///
/// The suite runs 200 documents; a longer run:
/// `QUEUEGEN_RANDOM_DOCUMENTS=5000 QUEUEGEN_RANDOM_SEED=7 swift test --filter RandomDocumentTests`.
@Suite("Random documents")
struct RandomDocumentTests {
    static let count = ProcessInfo.processInfo.environment["QUEUEGEN_RANDOM_DOCUMENTS"].flatMap(Int.init) ?? 200
    static let seed = ProcessInfo.processInfo.environment["QUEUEGEN_RANDOM_SEED"].flatMap(UInt64.init) ?? 20_261_125
    static let batch = 100

    @Test("random documents generate, alone and together, and type-check without warnings")
    func randomDocuments() throws {
        var random = SeededGenerator(seed: Self.seed)
        var loaded: [SpecDocument] = []
        var rejected = 0
        for index in 0..<Self.count {
            var maker = RandomDocument(index: index, random: &random)
            let text = maker.json()
            let result = SpecLoader.load(bytes: Array(text.utf8), file: "random-\(index).json")
            if let document = result.document, result.diagnostics.allSatisfy({ $0.severity != Diagnostic.Severity.error }) {
                loaded.append(document)
            } else {
                rejected += 1  // by-value cycles are reported, as they must be
            }
        }
        // Most documents must be valid, or the test would prove little.
        #expect(loaded.count >= Self.count * 3 / 4, "only \(loaded.count) of \(Self.count) documents loaded")
        var start = 0
        var failures = 0
        var lines = 0
        let clock = ContinuousClock()
        var generating = Duration.zero
        var checking = Duration.zero
        while start < loaded.count {
            let slice = Array(loaded[start..<min(start + Self.batch, loaded.count)])
            // Each document alone, and the batch as one module (where identical types are shared).
            let began = clock.now
            let alone = slice.flatMap { QueueGenerator.generate([$0]) }.map(\.contents)
            // The first batch also as one module, where identical types are shared (generating
            // every batch together is checked for crashes; type-checking it too doubles the time).
            let together = QueueGenerator.generate(slice).map(\.contents)
            generating += clock.now - began
            lines += together.reduce(0) { $0 + $1.utf8.count(where: { $0 == 10 }) }
            for (label, sources) in [("alone", alone)] + (start == 0 ? [("together", together)] : []) {
                let checkBegan = clock.now
                let check = try TypeChecker.check(sources)
                checking += clock.now - checkBegan
                if check.status != 0 {
                    failures += 1
                    Issue.record("documents \(start)..<\(start + slice.count) (\(label)) do not type-check:\n\(check.output.prefix(4000))")
                }
            }
            start += Self.batch
        }
        #expect(failures == 0)
        print("random documents: \(Self.count) made (seed \(Self.seed)), \(loaded.count) loaded, \(rejected) rejected by the loader; \(lines) lines generated together; generating \(generating), type-checking \(checking)")
    }
}

/// One random fal-shaped document: an input and an output schema over a pool of components.
struct RandomDocument {
    static let names = [
        "path", "validator", "transform", "decoder", "encoder", "container", "value", "issues", "self", "Self", "Type",
        "Protocol", "init", "class", "default", "none", "some", "unknown", "rawValue", "allCases", "description",
        "image_url", "imageUrl", "ImageURL", "größe", "名前", "", "2fa", "16:9", "v1.1", "LoRA", "gif", "GIF", "Image",
        "Duration", "Input", "Output", "Custom", "Preset", "Defaults", "CodingKeys", "String", "seed", "prompt",
        "num_images", "style", "mode", "x", "X", "_", "hash", "hashValue", "transformFiles", "validate", "encode",
    ]
    static let titles = ["Image", "File", "Style", "Output", "Input", "Custom", "Preset", "Mode", "Image Size", "Duration", "Model", "Node", "Validator", "String", "Data"]

    var index: Int
    var random: SeededGenerator
    var components: [String: Any] = [:]
    var componentNames: [String] = []

    init(index: Int, random: inout SeededGenerator) {
        self.index = index
        self.random = SeededGenerator(seed: random.next())
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }

    mutating func json() -> String {
        let poolSize = 2 + Int(random.next() % 6)
        componentNames = (0..<poolSize).map { "C\($0)" }
        for name in componentNames { components[name] = schema(depth: 0, selfName: name) }
        // A chain of references: R0 → R1 → one of the pool.
        components["R1"] = ["$ref": "#/components/schemas/\(componentNames[componentNames.count - 1])"]
        components["R0"] = ["$ref": "#/components/schemas/R1"]
        components["RandomInput"] = object(depth: 0, selfName: nil, minimum: 2)
        components["RandomOutput"] = object(depth: 1, selfName: nil, minimum: 1)
        let id = "acme/random-\(index)/\(pick(["a", "run", "v1.1", "16:9"]))"
        let document: [String: Any] = [
            "openapi": "3.0.4",
            "info": ["title": "Queue OpenAPI for \(id)", "version": "1"],
            "components": ["schemas": components],
            "paths": [
                "/\(id)": ["post": ["requestBody": ["content": ["application/json": ["schema": ["$ref": "#/components/schemas/RandomInput"]]]]]],
                "/\(id)/requests/{request_id}": ["get": ["responses": ["200": ["description": "Result", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/RandomOutput"]]]]]]],
            ],
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    mutating func object(depth: Int, selfName: String?, minimum: Int = 0) -> [String: Any] {
        var properties: [String: Any] = [:]
        var required: [String] = []
        for _ in 0..<(minimum + Int(random.next() % 5)) {
            let name = pick(Self.names)
            properties[name] = schema(depth: depth + 1, selfName: selfName)
            if chance(30) { required.append(name) }
        }
        var result: [String: Any] = ["type": "object", "properties": properties, "required": Array(Set(required)).sorted()]
        if chance(50) { result["title"] = pick(Self.titles) }
        return result
    }

    mutating func schema(depth: Int, selfName: String?) -> [String: Any] {
        let deep = depth > 3
        switch random.next() % (deep ? 6 : 14) {
        case 0: return ["type": "integer", "minimum": 0, "maximum": Int(random.next() % 100) + 1, "default": 1]
        case 1: return ["type": "number", "exclusiveMinimum": 0, "maximum": 2.5]
        case 2: return ["type": "string", "maxLength": 10, "pattern": "^[a-z]*$", "default": "abc"]
        case 3:
            var values = (0..<(1 + Int(random.next() % 5))).map { _ in pick(Self.names) }
            values = values.enumerated().filter { !values[..<$0.offset].contains($0.element) }.map(\.element)
            return ["type": "string", "enum": values, "title": pick(Self.titles), "default": values[0]]
        case 4: return ["type": "boolean", "default": true]
        case 5: return ["$ref": "#/components/schemas/\(later(than: selfName))"]
        case 6: return ["type": "array", "items": schema(depth: depth + 1, selfName: selfName), "minItems": 1, "maxItems": 3]
        case 7: return ["type": "object", "additionalProperties": schema(depth: depth + 1, selfName: selfName)]
        case 8: return object(depth: depth, selfName: selfName)
        case 9:
            var members: [[String: Any]] = [schema(depth: depth + 1, selfName: selfName), schema(depth: depth + 1, selfName: selfName)]
            if chance(40) { members.append(["type": "null"]) }
            if chance(40) { members.append(["type": "string", "enum": ["square", "landscape_4_3"]]) }
            return ["anyOf": members, "title": pick(Self.titles)]
        case 10:
            // Contains itself through an array (allowed) or, rarely, by value (reported by the loader).
            guard let selfName else { return ["type": "string", "x-fal-file-input": true] }
            if chance(10) { return ["$ref": "#/components/schemas/\(selfName)"] }
            return ["type": "array", "items": ["$ref": "#/components/schemas/\(selfName)"]]
        case 11: return ["allOf": [["$ref": "#/components/schemas/\(later(than: selfName))"]], "description": "Through allOf."]
        case 12: return ["type": ["string", "null"], "x-fal-file-input": chance(50)]
        default:
            // The chain ends at the last component: only that one would contain itself by value.
            return selfName == componentNames.last ? ["type": "string"] : ["$ref": "#/components/schemas/R0"]
        }
    }

    /// A component after `name` in the pool (any, outside the pool), so references by value
    /// rarely make a cycle; the cycles the documents have are mostly the ones made on purpose.
    mutating func later(than name: String?) -> String {
        guard let name, let position = componentNames.firstIndex(of: name), position + 1 < componentNames.count else {
            return pick(componentNames)
        }
        return pick(Array(componentNames[(position + 1)...]))
    }
}
