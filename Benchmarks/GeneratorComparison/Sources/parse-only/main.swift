// parse-only: the start-up floor of a swift-argument-parser tool shaped like queuegen.
//
// The same root command, subcommands and `generate` options as queuegen, parsed the same way,
// and then nothing: what any queuegen run pays before it reads a spec. Timed by run.sh --static.
import ArgumentParser

@main
struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parse-only", subcommands: [Generate.self, Check.self, Lint.self])
}

struct Options: ParsableArguments {
    @Option var config: String?
}

struct Generate: ParsableCommand {
    @Argument var specs: [String] = []
    @Option var output: String?
    @Option var module: String?
    @Option var access: String = "public"
    @Option var singleFile: String?
    @Flag var absolutePaths = false
    @OptionGroup var options: Options
    func run() {}
}

struct Check: ParsableCommand {
    @OptionGroup var options: Options
}

struct Lint: ParsableCommand {
    @Argument var specs: [String]
    @Flag var strict = false
}
