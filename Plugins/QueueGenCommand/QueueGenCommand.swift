import Foundation
import PackagePlugin

/// `swift package generate-queue-client [--target NAME]...`: writes the generated client of each
/// target that holds spec files into the target's own folder, for packages that check the
/// generated code in (instead of using the `QueueGenPlugin` build plugin).
///
/// The specs are the target's `*.yaml`, `*.yml` and `*.json` files other than `queuegen.yaml`;
/// an optional `queuegen.yaml` in the folder chooses the access level. Without `--target`, every
/// target with specs is generated. Files are written only when their contents change.
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
            // `Target.directoryURL` needs tools 6.1; this package declares 6.0.
            let directory = target.directory.string
            let files = module.sourceFiles.map(\.url)
            let isConfig: (URL) -> Bool = { ["queuegen.yaml", "queuegen.yml"].contains($0.lastPathComponent) }
            let specs = files.filter { ["yaml", "yml", "json"].contains($0.pathExtension) && !isConfig($0) }
                .map(\.path).sorted()
            guard !specs.isEmpty else {
                if !names.isEmpty { Diagnostics.warning("\(target.name): no spec files in \(directory)") }
                continue
            }
            var arguments = ["generate"] + specs + ["--output", directory, "--module", target.name]
            if let config = files.first(where: isConfig) { arguments += ["--config", config.path] }

            let process = Process()
            process.executableURL = tool
            process.arguments = arguments
            // Diagnostics and the generated headers name specs relative to the package.
            process.currentDirectoryURL = context.package.directoryURL
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                Diagnostics.error("queuegen failed for target \(target.name) (exit status \(process.terminationStatus))")
                throw QueueGenCommandError.generationFailed(target.name)
            }
            generated += 1
        }
        if generated == 0 && names.isEmpty {
            Diagnostics.warning("no target holds spec files (*.yaml, *.yml, *.json)")
        }
    }
}

/// Why the command failed.
enum QueueGenCommandError: Error, CustomStringConvertible {
    case generationFailed(String)

    var description: String {
        switch self {
        case .generationFailed(let target): "queuegen failed for target \(target)"
        }
    }
}
