import Foundation
import QueueGen
import QueueSpec
import Testing

/// The names users write depend only on their endpoint's document and id.
@Suite("Namespaces and stable names")
struct NamespaceTests {
    static let fixtures = GeneratorConfiguration.expand(repositoryRoot + "/Tests/Fixtures/fal-openapi")

    /// Every name a user can write for `namespace`'s endpoint: its types (through aliases too),
    /// their properties with their types, enum cases, union cases and the descriptor.
    static func publicSpellings(_ model: ModuleModel, namespace name: String) throws -> Set<String> {
        var declared: [TypeName: Declaration] = [:]
        var pending = model.namespaces.flatMap(\.declarations)
        while let declaration = pending.popLast() {
            declared[declaration.name] = declaration
            pending += declaration.nested
        }
        let namespace = try #require(model.namespaces.first { $0.name == name })
        // Types are spelled from the user's side: whichever namespace declares a shared type, the
        // user reaches it through their own.
        func local(_ type: TypeName) -> String { ([name] + type.path.dropFirst()).joined(separator: ".") }
        func spell(_ type: TypeRef) -> String {
            switch type {
            case .named(let type): local(type)
            case .array(let element): "[\(spell(element))]"
            case .map(let value): "[String: \(spell(value))]"
            default: "\(type)"
            }
        }
        var spellings: Set<String> = ["QueueEndpoint.\(namespace.endpoint.memberName) → \(namespace.endpoint.id)"]
        func add(_ declaration: Declaration) {
            let type = local(declaration.name)
            spellings.insert(type)
            switch declaration {
            case .structure(let decl):
                for property in decl.properties {
                    spellings.insert("\(type).\(property.swiftName): \(spell(property.type))\(property.isOptional ? "?" : "") ← \(property.wireName)")
                }
            case .openEnum(let decl):
                for enumCase in decl.cases { spellings.insert("\(type).\(enumCase.name) ← \(enumCase.rawValue)") }
            case .union(let decl):
                for unionCase in decl.cases { spellings.insert("\(type).\(unionCase.name)(\(spell(unionCase.type)))") }
                decl.nested.forEach(add)
            }
        }
        namespace.declarations.forEach(add)
        for alias in namespace.aliases {
            add(try #require(declared[alias.target], "alias \(alias.name) names \(alias.target), which nothing declares"))
        }
        return spellings
    }

    @Test("each fixture endpoint has the same public spellings generated alone and with the other ten")
    func spellingsDoNotDependOnOtherDocuments() throws {
        let documents = try Self.fixtures.map { try SpecLoader.load(file: $0).get() }
        #expect(documents.count == 11)
        let together = QueueGenerator.translate(documents)
        let reversed = QueueGenerator.translate(documents.reversed())
        #expect(together == reversed)
        var sharedSomething = false
        for document in documents {
            let alone = QueueGenerator.translate([document])
            let name = try #require(alone.namespaces.first?.name)
            let aloneSpellings = try Self.publicSpellings(alone, namespace: name)
            let togetherSpellings = try Self.publicSpellings(together, namespace: name)
            #expect(aloneSpellings == togetherSpellings, "\(name): \(aloneSpellings.symmetricDifference(togetherSpellings).sorted())")
            #expect(aloneSpellings.count > 10)
            sharedSomething = sharedSomething || !(together.namespaces.first { $0.name == name }?.aliases.isEmpty ?? true)
        }
        // The test means something only if some types really are shared between the eleven.
        #expect(sharedSomething)
    }

    @Test("two real endpoints whose schemas share titles but not content generate and compile (shared/fixtures/repro)")
    func sameTitleUnions() throws {
        let document = try SpecLoader.load(file: repositoryRoot + "/Tests/Fixtures/repro/same-title-unions.json").get()
        #expect(document.endpoints.count == 2)
        let files = QueueGenerator.generate([document])
        #expect(files.map(\.name) == ["B.swift"])
        #expect(files[0].contents.contains("public enum BriaFiboBbqPreviewGenerate {") && files[0].contents.contains("public enum BriaFiboGenerate {"))
        let check = try TypeChecker.check(files.map(\.contents))
        #expect(check.status == 0, "\(check.output)")
    }

    @Test("no top-level name can be one that Swift, Foundation, SwiftUI, Combine, Observation or QueueRuntime declares")
    func platformNames() {
        for name in ["Duration", "Image", "Color", "Text", "Data", "URL", "Date", "Error", "Result", "Task", "Type", "Model",
                     "View", "Published", "Observable", "QueueClient", "FileInput", "String", "Video", "Audio"] {
            #expect(SwiftNamer.platformTypeNames.contains(name), "\(name)")
        }
        #expect(SwiftNamer.endpointTypeName("acme/duration") == "AcmeDuration")
        #expect(SwiftNamer.endpointTypeName("text") == "TextEndpoint")
        #expect(SwiftNamer.endpointTypeName("fal-ai/color") == "ColorEndpoint")
    }

    @Test("name rules: numbers, ratios, acronyms, LoRA, non-ASCII, none and case-only duplicates")
    func nameRules() {
        #expect(SwiftNamer.caseName("16:9", enumName: "AspectRatio") == "_16x9")
        #expect(SwiftNamer.caseName("landscape_4_3", enumName: "Preset") == "landscape4x3")
        #expect(SwiftNamer.caseName("anthropic/claude-3.5-sonnet", enumName: "Model") == "anthropicClaude35Sonnet")
        #expect(SwiftNamer.caseName("google/gemini-2.0-flash-001", enumName: "Model") == "googleGemini20Flash001")
        #expect(SwiftNamer.caseName("none", enumName: "Acceleration") == "noAcceleration")
        #expect(SwiftNamer.caseName("GIF", enumName: "Format", preservingCase: true) == "GIF")
        #expect(SwiftNamer.caseName("unknown", enumName: "Format") == "unknownValue")
        #expect(SwiftNamer.typeName("Camera LoRA") == "CameraLoRA")
        #expect(SwiftNamer.propertyName("lora_scale") == "loraScale")
        #expect(SwiftNamer.propertyName("größe") == "groesse")
        #expect(SwiftNamer.propertyName("café_crème") == "cafeCreme")
        #expect(SwiftNamer.propertyName("żółw") == "zolw")
        #expect(SwiftNamer.propertyName("名前") == "u540dU524d")
        #expect(SwiftNamer.propertyName("sdxl_model") == "sdxlModel")
        #expect(SwiftNamer.typeName("fast sdxl") == "FastSDXL")
        #expect(SwiftNamer.typeName("String") == "StringModel")
        #expect(SwiftNamer.typeName("Image") == "Image")  // inside a namespace, the natural name
        // Every Latin Extended-A letter has a plain spelling.
        for value in UInt32(0x100)...0x17F {
            let scalar = Unicode.Scalar(value)!
            let name = SwiftNamer.propertyName(String(Character(scalar)))
            #expect(name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic && $0.isASCII }, "U+\(String(value, radix: 16)) → \(name)")
        }
    }
}

@Suite("Deprecation")
struct DeprecationTests {
    @Test("a property or endpoint the document marks deprecated warns where users touch it, and nowhere in the generated code")
    func deprecatedProperties() throws {
        // HygieneClient (compiled with warnings as errors) has `old_value` and `old_file` marked deprecated.
        let user = """
            import HygieneClient
            import QueueRuntime
            let endpoint: QueueEndpoint<AcmeHygiene.Input, AcmeHygiene.Output> = .acmeHygiene
            func use() -> Int? {
                let input = AcmeHygiene.Input(value: 3, path: 1, oldValue: 2)
                let first = input.oldValue
                return first ?? input.oldValue
            }
            """
        let check = try TypeChecker.check([user], warningsAsErrors: false)
        #expect(check.status == 0, "\(check.output)")
        let warnings = check.output.split(separator: "\n").filter { $0.contains(".swift:") && $0.contains(": warning:") }
        #expect(warnings.count == 3, "\(check.output)")
        // Both reads warn; the initializer's `oldValue:` parameter is how a value is set.
        #expect(warnings.filter { $0.contains("'oldValue' is deprecated: 'old_value' is marked deprecated in the API document") }.count == 2)
        #expect(warnings.filter { $0.contains("'acmeHygiene' is deprecated: 'acme/hygiene' is marked deprecated in the API document") }.count == 1)
        let source = try String(contentsOfFile: repositoryRoot + "/Tests/HygieneClient/A.swift", encoding: .utf8)
        #expect(source.contains("wire.intIfPresent(\"old_value\", self._oldValue, [.maximum(1)])"))
    }
}

@Suite("Endpoint names across fal's catalog")
struct CatalogNameTests {
    @Test("the 1,223 endpoint ids of fal's catalog give 1,223 distinct namespaces and descriptors, even ignoring case")
    func noCollisions() throws {
        let text = try String(contentsOfFile: repositoryRoot + "/Tests/Fixtures/fal-catalog-ids.txt", encoding: .utf8)
        let ids = text.split(separator: "\n").map(String.init)
        #expect(ids.count == 1223)
        let types = Set(ids.map { SwiftNamer.endpointTypeName($0).lowercased() })
        let members = Set(ids.map { SwiftNamer.endpointMemberName($0).lowercased() })
        #expect(types.count == ids.count)
        #expect(members.count == ids.count)
        for id in ids {
            #expect(!SwiftNamer.platformTypeNames.contains(SwiftNamer.endpointTypeName(id)), "\(id)")
        }
    }
}
