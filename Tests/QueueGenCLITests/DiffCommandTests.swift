import Foundation
import Testing

/// `queuegen diff`, the built executable, on the real February and July documents.
@Suite("queuegen diff")
struct DiffCommandTests {
    static let february = "Tests/Fixtures/fal-openapi"
    static let july = "Tests/Fixtures/fal-catalog-july"

    @Test("two documents: the report with both locations, and exit status 1 for a breaking change")
    func files() async throws {
        let result = try await queuegen(["diff", "\(Self.february)/fal-ai__flux-pro__v1.1.json", "\(Self.july)/fal-ai__flux-pro__v1.1.json"])
        #expect(result.status == 1, "\(result.errors)")
        #expect(result.output.hasPrefix("fal-ai/flux-pro/v1.1:\n  breaking for Swift callers [field-removed] input field 'enable_safety_checker' removed"))
        #expect(result.output.contains("    old: Tests/Fixtures/fal-openapi/fal-ai__flux-pro__v1.1.json:143:36  #/components/schemas/FluxProV11Input/properties/enable_safety_checker\n"))
        #expect(result.output.contains("    new: Tests/Fixtures/fal-catalog-july/fal-ai__flux-pro__v1.1.json:136:26  #/components/schemas/FluxProV11Input\n"))
        #expect(result.output.contains("1 endpoint(s) compared: 1 breaking for Swift callers, 0 breaking on the wire, 0 newly deprecated"))
    }

    @Test("an additive change alone passes the default --fail-on breaking and fails --fail-on any")
    func additiveOnly() async throws {
        let arguments = ["diff", "\(Self.february)/fal-ai__flux-lora.json", "\(Self.july)/fal-ai__flux-lora.json"]
        let result = try await queuegen(arguments)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("  additive [optional-field-added] new optional input field 'acceleration' (`acceleration`)\n    old: Tests/Fixtures/fal-openapi/fal-ai__flux-lora.json:72:24  #/components/schemas/FluxLoraInput\n    new: Tests/Fixtures/fal-catalog-july/fal-ai__flux-lora.json:190:27  #/components/schemas/FluxLoraInput/properties/acceleration\n"))
        let strict = try await queuegen(arguments + ["--fail-on", "any"])
        #expect(strict.status == 1)
    }

    @Test("folders pair documents by endpoint id: endpoints only in February are reported removed")
    func folders() async throws {
        let result = try await queuegen(["diff", Self.february, Self.july])
        #expect(result.status == 1, "\(result.errors)")
        for removed in ["fal-ai/flux/dev", "fal-ai/luma-dream-machine/image-to-video", "fal-ai/recraft-v3"] {
            #expect(result.output.contains("\(removed):\n  breaking for Swift callers [endpoint-removed]"))
        }
        #expect(result.output.contains("fal-ai/flux-pro/v1.1-ultra:\n  breaking for Swift callers [field-removed] input field 'enable_safety_checker' removed"))
        #expect(result.output.hasSuffix("11 endpoint(s) compared: 5 breaking for Swift callers, 1 breaking on the wire, 0 newly deprecated, 4 additive\n"))
        let none = try await queuegen(["diff", Self.february, Self.july, "--fail-on", "none"])
        #expect(none.status == 0)
        #expect(none.output == result.output)
    }

    /// The JSON report, decoded as a tool would read it.
    struct Report: Decodable {
        struct Site: Decodable, Equatable {
            var pointer: String
            var file: String
            var line: Int
            var column: Int
        }
        struct Change: Decodable {
            var endpoint: String
            var kind: String
            var changeClass: String
            var subject: String
            var old: Site?
            var new: Site?
        }
        var endpoints: [String]
        var changes: [Change]
    }

    @Test("--format json: every change with its class and both sites, for tools")
    func json() async throws {
        let result = try await queuegen(["diff", Self.february, Self.july, "--format", "json"])
        #expect(result.status == 1, "\(result.errors)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.output.utf8))
        #expect(report.endpoints.count == 11)
        let removal = try #require(report.changes.first { $0.endpoint == "fal-ai/flux-pro/v1.1-ultra" && $0.subject == "input.enable_safety_checker" })
        #expect(removal.kind == "field-removed")
        #expect(removal.changeClass == "breaking-swift")
        #expect(removal.old == Report.Site(pointer: "#/components/schemas/FluxProV11UltraInput/properties/enable_safety_checker",
                                           file: "Tests/Fixtures/fal-openapi/fal-ai__flux-pro__v1.1-ultra.json", line: 170, column: 36))
        #expect(removal.new == Report.Site(pointer: "#/components/schemas/FluxProV11UltraInput",
                                           file: "Tests/Fixtures/fal-catalog-july/fal-ai__flux-pro__v1.1-ultra.json", line: 110, column: 31))
        let added = try #require(report.changes.first { $0.endpoint == "fal-ai/flux-lora" && $0.subject == "input.acceleration" })
        #expect(added.changeClass == "additive")
    }

    @Test("a version that does not load: its errors on standard error, exit status 2")
    func unreadable() async throws {
        let missing = try await queuegen(["diff", "Tests/Fixtures/no-such-folder", Self.july])
        #expect(missing.status == 2)
        #expect(missing.errors.contains("Tests/Fixtures/no-such-folder:1:1: error: no such file or folder"))
        try await withTemporaryFolder { folder in
            let file = folder.appendingPathComponent("broken.yaml")
            try Data("openapi: 3.1.0\npaths: [1\n".utf8).write(to: file)
            let broken = try await queuegen(["diff", file.path, Self.july])
            #expect(broken.status == 2)
            #expect(broken.errors.hasPrefix("\(file.path):"))
            #expect(broken.output.isEmpty)
        }
    }
}
