import Foundation
import Testing
import QueueGen
import QueueSpec

/// Layer 2: the checked-in output for specs/ and the fixtures equals what the generator writes now.
/// Refresh with `swift run queuegen generate` (reads specs/queuegen.yaml).
@Suite("Golden files")
struct GoldenTests {
    @Test("Generated/ (the catalog included) and the test clients match their specs byte for byte")
    func goldenFilesAreFresh() throws {
        let configuration = try GeneratorConfiguration.load(file: repositoryRoot + "/specs/queuegen.yaml")
        #expect(configuration.modules.map(\.name) == [
            "FluxRedux", "FalFixtureClients", "NoReflectionClient", "HygieneClient",
            "FalImage", "FalVideo", "FalAudio", "FalSpeech", "FalText", "Fal3D", "FalVision", "FalTraining", "FalCatalog",
        ])
        var catalogEndpoints = 0
        var models: [String: ModuleModel] = [:]
        for module in configuration.modules {
            if let registry = module.registry {
                // The registry of the catalog modules, from the models translated above.
                let members = try registry.modules.map { CatalogRegistry.Member(module: $0, model: try #require(models[$0])) }
                let file = try CatalogRegistry.render(name: module.name, members: members, access: module.access)
                #expect(GeneratedFileWriter.differences([file], in: try #require(module.output)) == [], "run `swift run queuegen generate`")
                #expect(file.contents.components(separatedBy: "\n        CatalogEntry(id: ").count - 1 == 1_223)
                continue
            }
            // Name the specs relative to the repository, as `queuegen` does when run from it.
            let options = LoadOptions(allowUnresolvedReferences: module.allowUnresolvedReferences)
            let documents = try module.specs.map { path in
                let relative = String(path.dropFirst(repositoryRoot.count + 1))
                return try SpecLoader.load(bytes: Array(FileManager.default.contents(atPath: path)!), file: relative, options: options).get()
            }
            let files = QueueGenerator.generate(documents, access: module.access)
            let output = try #require(module.output)
            #expect(GeneratedFileWriter.differences(files, in: output) == [], "run `swift run queuegen generate`")
            // Every endpoint's namespace is in exactly one file, the one its initial names.
            let model = QueueGenerator.translate(documents)
            models[module.name] = model
            #expect(model.namespaces.count == documents.flatMap(\.endpoints).count)
            for namespace in model.namespaces {
                let holders = files.filter { $0.contents.contains("\npublic enum \(namespace.name) {") }
                #expect(holders.count == 1, "\(namespace.name) in \(holders.map(\.name))")
                #expect(holders.first?.name.hasPrefix(String(namespace.name.prefix(1))) == true)
            }
            #expect(files.allSatisfy { $0.contents.components(separatedBy: "\npublic enum ").count - 1 <= QueueGenerator.endpointsPerFile })
            if module.name.hasPrefix("Fal"), module.name != "FalFixtureClients" { catalogEndpoints += model.namespaces.count }
        }
        // The catalog modules hold every document of specs/fal, each once.
        #expect(catalogEndpoints == 1_223)
    }

    @Test("output is the same bytes whatever the order the documents are given in")
    func deterministic() throws {
        let directory = repositoryRoot + "/Tests/Fixtures/fal-openapi"
        let documents = try GeneratorConfiguration.expand(directory).map { try SpecLoader.load(file: $0).get() }
        let forward = QueueGenerator.generate(documents)
        let backward = QueueGenerator.generate(documents.reversed())
        #expect(forward == backward)
        #expect(forward == QueueGenerator.generate(documents))
        // Shared schemas are emitted once per module.
        let all = forward.map(\.contents).joined()
        #expect(all.components(separatedBy: "public enum ImageSize: QueueModel").count - 1 == 1)
        #expect(all.components(separatedBy: "public struct OutputFormat: OpenStringEnum").count - 1 == 1)
        #expect(all.contains("public typealias ImageSize = FluxDev.ImageSize"))
        // Titles that collide across endpoints stay each endpoint's own name.
        #expect(all.components(separatedBy: "public struct File: _WireModel").count - 1 == 2)
        #expect(all.contains("public typealias File = LumaDreamMachineImageToVideo.File"))
        #expect(all.contains("public typealias File = IdeogramV2.File"))
    }

    @Test("access levels: package and internal")
    func accessLevels() throws {
        let spec = try SpecLoader.load(file: repositoryRoot + "/specs/flux-1-schnell-redux.yaml").get()
        let package = QueueGenerator.generate([spec], access: .package)[0].contents
        #expect(package.contains("package struct Input: QueueInput"))
        #expect(!package.contains("public struct") && !package.contains("public var") && !package.contains("public init"))
        let internalText = QueueGenerator.generate([spec], access: .internal)[0].contents
        #expect(internalText.contains("\n    struct Input: QueueInput"))
        #expect(!internalText.contains("public var") && !internalText.contains("package var"))
    }
}
