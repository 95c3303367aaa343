import Foundation
import Testing
import QueueGen
import QueueSpec

/// Layer 2: the checked-in output for specs/ and the fixtures equals what the generator writes now.
/// Refresh with `swift run queuegen generate` (reads specs/queuegen.yaml).
@Suite("Golden files")
struct GoldenTests {
    @Test("Generated/ and Tests/FalFixtureClients match their specs byte for byte")
    func goldenFilesAreFresh() throws {
        let configuration = try GeneratorConfiguration.load(file: repositoryRoot + "/specs/queuegen.yaml")
        #expect(configuration.modules.map(\.name) == ["FluxRedux", "FalFixtureClients", "HygieneClient"])
        for module in configuration.modules {
            // Name the specs relative to the repository, as `queuegen` does when run from it.
            let documents = try module.specs.map { path in
                let relative = String(path.dropFirst(repositoryRoot.count + 1))
                return try SpecLoader.load(bytes: Array(FileManager.default.contents(atPath: path)!), file: relative).get()
            }
            let files = QueueGenerator.generate(documents, access: module.access)
            let output = try #require(module.output)
            #expect(GeneratedFileWriter.differences(files, in: output) == [], "run `swift run queuegen generate`")
            #expect(files.count == documents.flatMap(\.endpoints).count)
        }
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
        #expect(all.components(separatedBy: "public enum OutputFormat: OpenStringEnum").count - 1 == 1)
        #expect(all.contains("public typealias ImageSize = FluxDev.ImageSize"))
        // Titles that collide across endpoints stay each endpoint's own name.
        #expect(all.components(separatedBy: "public struct File: QueueModel").count - 1 == 2)
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
