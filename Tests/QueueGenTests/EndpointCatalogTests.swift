import Foundation
import Testing
import QueueGen
import QueueSpec

/// `endpoints:` in queuegen.yaml and their resolution against the catalog in specs/fal.
@Suite("Endpoint catalog")
struct EndpointCatalogTests {
    static let catalog = EndpointCatalog.load(directory: repositoryRoot + "/specs/fal")

    /// A queuegen.yaml with `text` in a fresh folder, loaded; the folder is removed afterwards.
    func configuration(_ text: String) throws -> Result<GeneratorConfiguration, SpecError> {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try text.write(toFile: folder + "/queuegen.yaml", atomically: false, encoding: .utf8)
        do {
            return .success(try GeneratorConfiguration.load(file: folder + "/queuegen.yaml"))
        } catch {
            return .failure(error)
        }
    }

    @Test("the catalog holds every id of fal-catalog-ids.txt, each at <category>/<id with __>.json")
    func everyID() throws {
        let catalog = try #require(Self.catalog)
        let ids = try String(contentsOfFile: repositoryRoot + "/Tests/Fixtures/fal-catalog-ids.txt", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(catalog.documents.count == 1_223)
        #expect(Set(catalog.documents.keys) == Set(ids))
        #expect(catalog.documents["fal-ai/flux-1/schnell/redux"] == repositoryRoot + "/specs/fal/image/fal-ai__flux-1__schnell__redux.json")
        #expect(EndpointCatalog.fileName(forEndpointID: "fal-ai/flux-pro/v1.1") == "fal-ai__flux-pro__v1.1.json")
        #expect(EndpointCatalog.endpointID(forFileName: "README.md") == nil)
    }

    @Test("endpoints: is read with each id's line and column, beside specs: or alone")
    func parsing() throws {
        let loaded = try configuration("""
            modules:
              - name: Images
                endpoints:
                  - fal-ai/flux/schnell
                  - "fal-ai/flux-1/schnell/redux"
                access: internal
              - name: Mixed
                specs: [.]
                endpoints: [fal-ai/any-llm]
            """).get()
        let images = loaded.modules[0]
        #expect(images.specs.isEmpty)
        #expect(images.access == .internal)
        #expect(images.endpoints.map(\.id) == ["fal-ai/flux/schnell", "fal-ai/flux-1/schnell/redux"])
        #expect(images.endpoints.map { $0.location.map { [$0.line, $0.column] } } == [[4, 9], [5, 9]])
        #expect(images.endpoints[1].pointer.description == "#/modules/0/endpoints/1")
        #expect(loaded.modules[1].endpoints.map(\.id) == ["fal-ai/any-llm"])
        #expect(loaded.modules[1].endpoints[0].location.map { [$0.line, $0.column] } == [9, 17])
    }

    @Test("a module without specs or endpoints, and endpoints that are not a list of ids, are errors at the node")
    func malformed() throws {
        guard case .failure(let neither) = try configuration("modules:\n  - name: Empty\n    access: public\n") else {
            Issue.record("a module with nothing to generate loaded")
            return
        }
        #expect(neither.diagnostics.map(\.message) == ["module 'Empty' lists neither 'specs' nor 'endpoints'"])
        guard case .failure(let scalar) = try configuration("modules:\n  - name: One\n    endpoints: fal-ai/flux/schnell\n") else {
            Issue.record("endpoints: as a scalar loaded")
            return
        }
        #expect(scalar.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
            == ["3:16: 'endpoints' must list endpoint ids, such as [fal-ai/flux/schnell]"])
        guard case .failure(let nested) = try configuration("modules:\n  - name: One\n    endpoints: [[fal-ai/flux/schnell]]\n") else {
            Issue.record("a nested list in endpoints: loaded")
            return
        }
        #expect(nested.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
            == ["3:17: 'endpoints' must list endpoint ids, such as fal-ai/flux/schnell"])
    }

    @Test("ids resolve to their documents in the order listed; a repeated id is resolved once, with a warning")
    func resolution() throws {
        let catalog = try #require(Self.catalog)
        let at = { (line: Int) in SourceLocation(file: "queuegen.yaml", line: line, column: 5) }
        let (paths, diagnostics) = catalog.resolve([
            EndpointReference(id: "fal-ai/flux-1/schnell/redux", location: at(3)),
            EndpointReference(id: "fal-ai/flux/schnell", location: at(4)),
            EndpointReference(id: "fal-ai/flux-1/schnell/redux", location: at(5), pointer: JSONPointer(tokens: ["modules", "0", "endpoints", "2"])),
        ])
        #expect(paths == [
            repositoryRoot + "/specs/fal/image/fal-ai__flux-1__schnell__redux.json",
            repositoryRoot + "/specs/fal/image/fal-ai__flux__schnell.json",
        ])
        #expect(diagnostics.map(\.description) == [
            "queuegen.yaml:5:5: warning: endpoint 'fal-ai/flux-1/schnell/redux' is listed twice (first on line 3); it is generated once (at #/modules/0/endpoints/2)",
        ])
    }

    @Test("an unknown id is an error at its line and column naming up to three close matches, closest first")
    func closeMatches() throws {
        let catalog = try #require(Self.catalog)
        let location = SourceLocation(file: "Sources/Clients/queuegen.yaml", line: 4, column: 5)
        let pointer = JSONPointer(tokens: ["modules", "0", "endpoints", "1"])
        let (paths, diagnostics) = catalog.resolve([EndpointReference(id: "fal-ai/flux-1/schnel/redux", location: location, pointer: pointer)])
        #expect(paths.isEmpty)
        #expect(diagnostics.map(\.description) == [
            "Sources/Clients/queuegen.yaml:4:5: error: no endpoint 'fal-ai/flux-1/schnel/redux' in the catalog; did you mean 'fal-ai/flux-1/schnell/redux'? (at #/modules/0/endpoints/1)",
        ])
        // Several candidates: at most three, by distance, then by id.
        #expect(catalog.unknownEndpointMessage("fal-ai/kling-video/v2/pro/image-to-video")
            == "no endpoint 'fal-ai/kling-video/v2/pro/image-to-video' in the catalog; did you mean "
            + "'fal-ai/kling-video/v3/pro/image-to-video', 'fal-ai/kling-video/o3/pro/image-to-video' or 'fal-ai/kling-video/v2.1/pro/image-to-video'?")
        // fal-ai/flux/dev is not in fal's catalog (fal-ai/flux-1/dev is); two edits, then three.
        #expect(catalog.unknownEndpointMessage("fal-ai/flux/dev")
            == "no endpoint 'fal-ai/flux/dev' in the catalog; did you mean 'fal-ai/flux-1/dev' or 'fal-ai/flux/krea'?")
        // The owner left out, and case.
        #expect(catalog.closeMatches(to: "flux-1/schnell/redux") == ["fal-ai/flux-1/schnell/redux"])
        #expect(catalog.closeMatches(to: "FAL-AI/FLUX/SCHNEL") == ["fal-ai/flux/schnell"])
        // Nothing close: the message says how ids are written.
        let small = EndpointCatalog(directory: "specs/fal", documents: ["fal-ai/flux/dev": "specs/fal/image/fal-ai__flux__dev.json"])
        #expect(small.unknownEndpointMessage("stable-diffusion")
            == "no endpoint 'stable-diffusion' in the catalog (specs/fal) and none close to it; ids are written like 'fal-ai/flux-1/schnell/redux'")
    }
}
