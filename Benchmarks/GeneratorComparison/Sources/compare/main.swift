// compare: times queuegen and swift-openapi-generator on the same documents, three ways.
//
//   compare --queuegen BIN --apple BIN --apple-config FILE --docs DIR [--cli-only LABEL] [--floor BIN]
//
// `--floor BIN` adds a row for BIN run as `BIN generate DOC --output DIR`: a program that parses
// queuegen's arguments and does nothing else (parse-only), the floor under queuegen's time.
// 1. The command-line tools, each run as a process (what a build plugin or a user pays):
//    spawned directly with posix_spawn and timed from spawn to exit, output folder emptied
//    before each run, untimed.
// 2. Generation in a fresh process (`cold-queuegen DOC`, `cold-apple DOC`, each linking only its
//    own generator): the first generation after start, timed inside the process, so start-up
//    and argument parsing are left out but every first-use cost of the generator is in.
// 3. Generation warm: the median of repeated generations in one process.
//
// In-process runs generate into memory; Apple's types and client are generated concurrently,
// as its command-line tool does. Prints Markdown table rows.
import Foundation
import RunApple
import RunQueueGen
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

func generate(tool: String, _ path: String) {
    if tool == "queuegen" { generateWithQueueGen(path) } else { generateWithApple(path) }
}

/// Runs a program to completion; returns the wall time from spawn to exit.
func timeProcess(_ arguments: [String]) -> Double {
    var pid: pid_t = 0
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let start = now()
    guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { fatalError("could not run \(arguments[0])") }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let elapsed = now() - start
    precondition(status == 0, "\(arguments.joined(separator: " ")) failed (status \(status))")
    return elapsed
}

/// Reads what a child process prints.
func output(of arguments: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    let pipe = Pipe()
    process.standardOutput = pipe
    try! process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    precondition(process.terminationStatus == 0, "\(arguments.joined(separator: " ")) failed")
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

let arguments = CommandLine.arguments
let binDirectory = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().path

func option(_ name: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
        fatalError("usage: compare --queuegen BIN --apple BIN --apple-config FILE --docs DIR")
    }
    return arguments[index + 1]
}
let queuegen = option("--queuegen")
let apple = option("--apple")
let appleConfig = option("--apple-config")
let docs = option("--docs")
/// With `--cli-only LABEL`, only the command-line rows, labelled (for other builds of the tools).
let cliOnlyLabel = arguments.firstIndex(of: "--cli-only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: scratch) }

func cliRun(tool: String, _ document: String) -> Double {
    try? FileManager.default.removeItem(atPath: scratch)
    try! FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    if tool == "queuegen" {
        return timeProcess([queuegen, "generate", document, "--output", scratch])
    }
    return timeProcess([apple, "generate", "--config", appleConfig, "--output-directory", scratch, document])
}

func row(_ measure: String, _ queuegenTime: Double, _ appleTime: Double) {
    func format(_ seconds: Double) -> String { seconds < 0.1 ? String(format: "%.2f ms", seconds * 1000) : String(format: "%.3f s", seconds) }
    print("| \(measure) | \(format(queuegenTime)) | \(format(appleTime)) | \(String(format: "%.1f", appleTime / queuegenTime))× faster |")
}

if let floorIndex = arguments.firstIndex(of: "--floor"), floorIndex + 1 < arguments.count {
    let document = "\(docs)/synthetic-1.json"
    var times: (floor: [Double], queuegen: [Double], apple: [Double]) = ([], [], [])
    for _ in 0..<31 {
        times.floor.append(timeProcess([arguments[floorIndex + 1], "generate", document, "--output", scratch]))
        times.queuegen.append(cliRun(tool: "queuegen", document))
        times.apple.append(cliRun(tool: "apple", document))
    }
    func ms(_ values: [Double]) -> String { String(format: "%.2f ms", median(values) * 1000) }
    print("| start-up floor\(cliOnlyLabel.map { ", " + $0 } ?? ""): argument parsing only, as queuegen parses (median of 31) | \(ms(times.floor)) (queuegen \(ms(times.queuegen))) | \(ms(times.apple)) | 20× needs ≤ \(String(format: "%.2f", median(times.apple) * 1000 / 20)) ms |")
}

for count in [1, 500] {
    let document = "\(docs)/synthetic-\(count).json"
    let runs = count == 1 ? 31 : 5
    // Alternate the tools run by run, so a change in the machine's load falls on both.
    var cli: [String: [Double]] = [:]
    for _ in 0..<runs {
        for tool in ["queuegen", "apple"] { cli[tool, default: []].append(cliRun(tool: tool, document)) }
    }
    row("generate \(count) endpoint\(count == 1 ? "" : "s"): command-line tool\(cliOnlyLabel.map { ", " + $0 } ?? "") (median of \(runs))", median(cli["queuegen"]!), median(cli["apple"]!))
    if cliOnlyLabel != nil { continue }
    if count == 1 {
        var cold: [String: [Double]] = [:]
        for _ in 0..<15 {
            for tool in ["queuegen", "apple"] {
                cold[tool, default: []].append(Double(output(of: [binDirectory + "/cold-" + tool, document]))!)
            }
        }
        row("generate 1 endpoint: first generation in a fresh process (median of 15)", median(cold["queuegen"]!), median(cold["apple"]!))
    }
    var warm: [String: [Double]] = [:]
    for tool in ["queuegen", "apple"] {
        generate(tool: tool, document)
        for _ in 0..<(count == 1 ? 31 : 3) {
            let start = now()
            generate(tool: tool, document)
            warm[tool, default: []].append(now() - start)
        }
    }
    row("generate \(count) endpoint\(count == 1 ? "" : "s"): in one process, warm (median of \(count == 1 ? 31 : 3))", median(warm["queuegen"]!), median(warm["apple"]!))
}
