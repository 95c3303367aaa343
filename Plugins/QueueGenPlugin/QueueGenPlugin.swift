import Foundation
import PackagePlugin

/// Generates a queue client at build time from the spec files in a target's folder.
///
/// Every `*.yaml`, `*.yml` and `*.json` file of the target (other than `queuegen.yaml`) is a spec;
/// an optional `queuegen.yaml` next to them chooses the access level of the generated code:
///
/// ```yaml
/// modules:
///   - name: MyClients        # the target's name
///     specs: [.]
///     access: internal       # public | package | internal
/// ```
///
/// The plugin runs `queuegen generate --single-file` as a build command (not a prebuild command)
/// with the specs and the configuration as declared inputs and one file with a fixed name as the
/// declared output, so a build with nothing changed runs nothing, and an error in a spec fails the
/// build with `file:line:column: error:` lines naming the spec by its absolute path.
@main
struct QueueGenPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let module = target.sourceModule else { return [] }
        let files = module.sourceFiles.map(\.url)
        return try QueueGenInputs(target: module.name, files: files).commands(
            tool: try context.tool(named: "queuegen").url,
            workDirectory: context.pluginWorkDirectoryURL)
    }
}

/// A target's specs and configuration, and the build command that turns them into Swift.
struct QueueGenInputs {
    var target: String
    var specs: [URL]
    var config: URL?

    init(target: String, files: [URL]) {
        self.target = target
        let isConfig: (URL) -> Bool = { ["queuegen.yaml", "queuegen.yml"].contains($0.lastPathComponent) }
        specs = files.filter { ["yaml", "yml", "json"].contains($0.pathExtension) && !isConfig($0) }
            .sorted { $0.path < $1.path }
        config = files.first(where: isConfig)
    }

    func commands(tool: URL, workDirectory: URL) throws -> [Command] {
        guard !specs.isEmpty else { return [] }
        let outputDirectory = workDirectory.appendingPathComponent("GeneratedSources")
        let fileName = "\(target)+QueueGen.swift"
        var arguments = ["generate"] + specs.map(\.path) + [
            "--output", outputDirectory.path, "--module", target, "--single-file", fileName, "--absolute-paths",
        ]
        if let config { arguments += ["--config", config.path] }
        return [
            .buildCommand(
                displayName: "Generating queue client \(fileName) from \(specs.map(\.lastPathComponent).joined(separator: ", "))",
                executable: tool,
                arguments: arguments,
                inputFiles: specs + (config.map { [$0] } ?? []),
                outputFiles: [outputDirectory.appendingPathComponent(fileName)])
        ]
    }
}
