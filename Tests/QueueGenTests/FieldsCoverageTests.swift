import Foundation
import QueueGen
import Testing

/// A generated struct encodes, compares and validates through its `_fields(_:)`: a stored property
/// it left out would be missing from the JSON and ignored by `==`, one it named twice would be
/// written twice. The compiler checks `init(from:)` (it calls the memberwise initializer) but not
/// this walk; this checks every checked-in generated struct.
@Suite("Field walks")
struct FieldsCoverageTests {
    @Test("every generated _WireModel hands each stored property to _fields once, in declaration order")
    func tablesCoverStoredProperties() throws {
        let configuration = try GeneratorConfiguration.load(file: repositoryRoot + "/specs/queuegen.yaml")
        var checked = 0
        for module in configuration.modules {
            let folder = try #require(module.output)
            let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".swift") }.sorted()
            #expect(!names.isEmpty, "\(folder) holds no generated files")
            for name in names {
                let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
                for model in try FieldTableReader.models(in: text) {
                    #expect(model.table == model.stored, "\(module.name)/\(name): \(model.name) stores \(model.stored), its table lists \(model.table)")
                    checked += 1
                }
            }
        }
        // The catalog alone has over 1,600 structs: a reader that found none would pass vacuously.
        #expect(checked > 1_500, "only \(checked) structs read")
    }

    @Test("the reader sees a property missing from a table, and one listed twice")
    func readerSeesMismatches() throws {
        let source = """
            public struct Size: _WireModel {
                /// Width.
                public let width: Int
                public let `default`: Int?
                @available(*, deprecated, message: "Gone.")
                public var old: Int? { self.oldStorage }
                let oldStorage: Int?

                public func _fields(_ wire: inout _WireFields) {
                    wire.int("width", self.width, [.minimum(1)])
                    wire.intIfPresent("say \\"default\\"", self.`default`)
                }
            }

            public struct Empty: _WireModel {
                public func _fields(_ wire: inout _WireFields) {}
            }

            public struct Twice: QueueInput, _WireModel {
                public let prompt: String

                public func _fields(_ wire: inout _WireFields) {
                    wire.string("prompt", self.prompt)
                    wire.string("prompt", self.prompt)
                }
            }
            """
        let models = try FieldTableReader.models(in: source)
        #expect(models.map(\.name) == ["Size", "Empty", "Twice"])
        #expect(models[0].stored == ["width", "default", "oldStorage"])
        #expect(models[0].table == ["width", "default"])
        #expect(models[1].stored == [] && models[1].table == [])
        #expect(models[2].stored == ["prompt"] && models[2].table == ["prompt", "prompt"])
    }
}

/// Reads generated Swift as `queuegen` writes it (four-space indentation, one declaration a line).
private enum FieldTableReader {
    struct Model {
        let name: String
        var stored: [String] = []
        var table: [String] = []
    }

    static func models(in text: String) throws -> [Model] {
        let header = try Regex(#"^( *)(?:public |package )?struct (\w+): [^{]*\b_WireModel\b[^{]*\{$"#)
        let storedProperty = try Regex(#"^(?:public |package )?let (`?\w+`?): "#)
        let entry = try Regex(#"^wire\.\w+\(".*", self\.(`?\w+`?)[,)]"#)
        var models: [Model] = []
        var current: Model?
        var indent = ""
        var inTable = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard var model = current else {
                if let match = try header.wholeMatch(in: line) {
                    current = Model(name: String(match.output[2].substring!))
                    indent = String(match.output[1].substring!)
                }
                continue
            }
            if line == indent + "}" {
                models.append(model)
                current = nil
                continue
            }
            let member = line.dropFirst(indent.count + 4)
            let trimmed = line.drop { $0 == " " }
            if inTable {
                if line == indent + "    }" {
                    inTable = false
                } else if let match = try entry.prefixMatch(in: trimmed) {
                    model.table.append(unescaped(match.output[1].substring!))
                }
            } else if line.hasPrefix(indent + "    "), !member.hasPrefix(" ") {
                if member.contains("func _fields(_ wire: inout _WireFields)") {
                    inTable = !member.hasSuffix("{}")
                } else if let match = try storedProperty.prefixMatch(in: member) {
                    model.stored.append(unescaped(match.output[1].substring!))
                }
            }
            current = model
        }
        return models
    }

    private static func unescaped(_ name: Substring) -> String { String(name.filter { $0 != "`" }) }
}
