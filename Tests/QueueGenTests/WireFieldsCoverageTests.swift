import Foundation
import QueueGen
import Testing

/// `WireModel` decoding initializes a struct's storage field by field from its `wireFields`, so a
/// table that left out a stored property, or named one twice, would hand back memory that was never
/// initialized. The compiler cannot see that; this checks every checked-in generated struct.
@Suite("Field tables")
struct WireFieldsCoverageTests {
    @Test("every generated WireModel lists each stored property once, in declaration order")
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
            public struct Size: WireModel {
                /// Width.
                public let width: Int
                public let `default`: Int?
                @available(*, deprecated, message: "Gone.")
                public var old: Int? { self.oldStorage }
                let oldStorage: Int?

                public static var wireFields: [WireField<Self>] {
                    [
                        .required("width", \\.width, [.minimum(1)]),
                        .optional("say \\"default\\"", \\.`default`),
                    ]
                }
            }

            public struct Empty: WireModel {
                public static var wireFields: [WireField<Self>] { [] }
            }

            public struct Twice: QueueInput, WireModel {
                public let prompt: String

                public static var wireFields: [WireField<Self>] {
                    [
                        .required("prompt", \\.prompt),
                        .required("prompt", \\.prompt),
                    ]
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
        let header = try Regex(#"^( *)(?:public |package )?struct (\w+): [^{]*\bWireModel\b[^{]*\{$"#)
        let storedProperty = try Regex(#"^(?:public |package )?let (`?\w+`?): "#)
        let entry = try Regex(#"^\.(?:required|optional)\(".*", \\\.(`?\w+`?)[,)]"#)
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
                if member.contains("static var wireFields: [WireField<Self>]") {
                    inTable = !member.hasSuffix("{ [] }")
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
