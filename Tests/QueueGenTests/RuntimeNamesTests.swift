import Foundation
import QueueGen
import QueueSpec
import Testing

/// The namer keeps generated top-level names off QueueRuntime's public types; its list of them
/// must follow the runtime as it grows.
@Suite("Runtime names")
struct RuntimeNamesTests {
    /// Every top-level public type declared in `Sources/QueueRuntime`.
    static func runtimePublicTypes() throws -> Set<String> {
        let declaration = try Regex(#"^public (?:final )?(?:struct|enum|protocol|class|actor|typealias) (\w+)"#)
        var names: Set<String> = []
        let root = repositoryRoot + "/Sources/QueueRuntime"
        let walker = try #require(FileManager.default.enumerator(atPath: root))
        while let path = walker.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            let text = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
            for line in text.split(separator: "\n") {
                if let match = try declaration.prefixMatch(in: line) { names.insert(String(match.output[1].substring!)) }
            }
        }
        return names
    }

    @Test("every top-level public type of QueueRuntime is one the namer keeps generated names off")
    func listFollowsRuntime() throws {
        let declared = try Self.runtimePublicTypes()
        // A scan that found nothing would pass vacuously.
        #expect(declared.count > 30 && declared.contains("QueueClient") && declared.contains("_WireModel"))
        let missing = declared.subtracting(SwiftNamer.runtimeTypeNames).sorted()
        #expect(missing.isEmpty, "add to SwiftNamer.runtimeTypeNames: \(missing)")
    }

    /// `WebhookVerifier` → `webhook-verifier`, `HTTPFailure` → `http-failure`.
    static func kebab(_ name: String) -> String {
        var words: [String] = []
        var current = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            let startsWord = character.isUppercase && !current.isEmpty
                && (current.last!.isLowercase || current.last!.isNumber || (next?.isLowercase ?? false))
            if startsWord {
                words.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        return words.map { $0.lowercased() }.joined(separator: "-")
    }

    @Test("endpoints named after every public runtime type compile in a module that a file imports beside QueueRuntime, using both")
    func endpointsNamedAfterRuntimeTypes() throws {
        let names = SwiftNamer.runtimeTypeNames.filter { !$0.hasPrefix("_") }.sorted()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("runtime-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        var specs: [SpecDocument] = []
        var uses: [String] = []
        for name in names {
            let id = "fal-ai/" + Self.kebab(name)
            // Without the namer's list, the namespace would take the runtime type's own name.
            #expect(SwiftNamer.endpointTypeName(id) == name + "Endpoint", "\(id) → \(SwiftNamer.endpointTypeName(id))")
            let yaml = document(input: "type: object\nproperties:\n  prompt: {type: string}")
                .replacingOccurrences(of: "/acme/app", with: "/" + id)
            specs.append(try SpecLoader.load(bytes: Array(yaml.utf8), file: Self.kebab(name) + ".yaml").get())
            let namespace = SwiftNamer.endpointTypeName(id)
            uses.append("extension \(name) {}")
            uses.append(
                "let use\(name) = QueueEndpoint<\(namespace).Input, \(namespace).Output>.\(SwiftNamer.endpointMemberName(id)).id")
        }
        var files: [String] = []
        for (index, file) in QueueGenerator.generate(specs).enumerated() {
            let path = folder.appendingPathComponent("Generated\(index).swift").path
            try file.contents.write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        #expect(files.count >= names.count / 8)
        let module = try TypeChecker.run(
            ["swiftc", "-emit-module", "-module-name", "RuntimeNamed", "-parse-as-library", "-warnings-as-errors",
             "-emit-module-path", folder.appendingPathComponent("RuntimeNamed.swiftmodule").path] + TypeChecker.flags + files)
        #expect(module.status == 0, "the generated module does not compile:\n\(module.output)")
        let user = "import QueueRuntime\nimport RuntimeNamed\n\n" + uses.joined(separator: "\n") + "\n"
        let check = try TypeChecker.check([user], extra: ["-I", folder.path])
        #expect(check.status == 0, "a file importing both modules does not compile:\n\(check.output)")
    }
}
