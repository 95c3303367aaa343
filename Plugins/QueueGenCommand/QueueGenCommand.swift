import Foundation
import PackagePlugin

/// `swift package generate-queue-client [--target NAME]...`: writes the generated client of each
/// target that holds spec files or lists endpoint ids into the target's own folder, for packages
/// that check the generated code in (instead of using the `QueueGenPlugin` build plugin).
///
/// The specs are the target's `*.yaml`, `*.yml` and `*.json` files other than `queuegen.yaml`;
/// an optional `queuegen.yaml` in the folder chooses the access level and may list `endpoints:`
/// of the catalog that ships with swift-queue-client. Without `--target`, every target with
/// specs or endpoints is generated. Files are written only when their contents change.
@main
struct QueueGenCommand: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        var extractor = ArgumentExtractor(arguments)
        let names = extractor.extractOption(named: "target")
        let targets = names.isEmpty
            ? context.package.targets
            : try context.package.targets(named: names)
        let tool = try context.tool(named: "queuegen").url
        var generated = 0
        for target in targets {
            guard let module = target.sourceModule else { continue }
            let directory = target.directoryURL.path
            let inputs = QueueGenTargetInputs(target: target.name, files: module.sourceFiles.map(\.url))
            guard !inputs.isEmpty else {
                if !names.isEmpty { Diagnostics.warning("\(target.name): no spec files and no endpoints in \(directory)") }
                continue
            }
            var arguments = ["generate"] + inputs.specs.map(\.path) + ["--output", directory, "--module", target.name]
            if let config = inputs.config { arguments += ["--config", config.path] }
            arguments += try inputs.catalogArguments(in: context.package).arguments

            let process = Process()
            process.executableURL = tool
            process.arguments = arguments
            // Diagnostics and the generated headers name specs relative to the package.
            process.currentDirectoryURL = context.package.directoryURL
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                let message = "queuegen failed for target \(target.name) (exit status \(process.terminationStatus))"
                Diagnostics.error(message)
                throw QueueGenPluginError(description: message)
            }
            generated += 1
        }
        if generated == 0 && names.isEmpty {
            Diagnostics.warning("no target holds spec files (*.yaml, *.yml, *.json) or a queuegen.yaml that lists endpoints")
        }
    }
}
