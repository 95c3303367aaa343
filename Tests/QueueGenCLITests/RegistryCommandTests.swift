import Foundation
import Testing

/// `registry-of:` through the built `queuegen`: `generate` writes the registry beside its modules,
/// `check` finds it stale like any generated file, and a misplaced module is an error at file:line.
@Suite("Registry modules from the command line")
struct RegistryCommandTests {
    /// A fresh folder holding `queuegen.yaml` with `text`.
    static func configuration(_ text: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try text.write(toFile: folder + "/queuegen.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    @Test("generate writes the registry of the listed modules; check is up to date, then stale when the registry is edited")
    func generateAndCheck() async throws {
        let catalog = repositoryFile("specs/fal").path
        let folder = try Self.configuration("""
            modules:
              - name: Images
                endpoints: [fal-ai/flux-1/schnell, fal-ai/flux-1/schnell/redux]
                output: Images
              - name: Speech
                endpoints: [fal-ai/minimax/speech-02-hd]
                output: Speech
              - name: Registry
                registry-of: [Speech, Images]
                output: Registry
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = folder + "/queuegen.yaml"
        let generated = try await queuegen(["generate", "--config", config, "--catalog", catalog])
        #expect(generated.status == 0, "\(generated.errors)")
        #expect(generated.output.contains("Registry: 1 written, 0 unchanged, 0 removed"), "\(generated.output)")
        let registry = try String(contentsOfFile: folder + "/Registry/Registry.swift", encoding: .utf8)
        let ids = registry.split(separator: "\n").compactMap { line -> String? in
            guard let start = line.range(of: "CatalogEntry(id: \"") else { return nil }
            return String(line[start.upperBound...].prefix { $0 != "\"" })
        }
        #expect(ids == ["fal-ai/flux-1/schnell", "fal-ai/flux-1/schnell/redux", "fal-ai/minimax/speech-02-hd"])
        #expect(registry.contains("import Images\nimport QueueRuntime\nimport Speech\n"))

        let fresh = try await queuegen(["check", "--config", config, "--catalog", catalog])
        #expect(fresh.status == 0, "\(fresh.output)\(fresh.errors)")
        #expect(fresh.output.contains("Registry: up to date (1 files)"))

        try registry.replacingOccurrences(of: "fal-ai/minimax/speech-02-hd", with: "fal-ai/minimax/speech-02").write(
            toFile: folder + "/Registry/Registry.swift", atomically: true, encoding: .utf8)
        let stale = try await queuegen(["check", "--config", config, "--catalog", catalog])
        #expect(stale.status != 0)
        #expect(stale.output.contains("Registry: stale"), "\(stale.output)")
        #expect(stale.output.contains("Registry/Registry.swift:"), "\(stale.output)")
    }

    @Test("a registry listed before a module it names fails at the name's file:line:column")
    func moduleAfterRegistry() async throws {
        let folder = try Self.configuration("""
            modules:
              - name: Registry
                registry-of: [Images]
                output: Registry
              - name: Images
                endpoints: [fal-ai/flux-1/schnell]
                output: Images
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let result = try await queuegen(["generate", "--config", folder + "/queuegen.yaml", "--catalog", repositoryFile("specs/fal").path])
        #expect(result.status != 0)
        #expect(result.errors.contains(
            "queuegen.yaml:3:19: error: 'registry-of' names 'Images', which comes after 'Registry'; a registry must come after the modules it lists (at #/modules/0/registry-of/0)"),
            "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/Registry"))
    }
}
