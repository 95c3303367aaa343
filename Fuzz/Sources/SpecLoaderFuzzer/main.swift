// libFuzzer target for the spec reader and loader (see Fuzz/Package.swift for the commands).
// SwiftPM supplies `main` for an executable target, so this calls libFuzzer's driver itself.
import Glibc
import QueueSpec

/// One input: read and load it; a crash, a hang (libFuzzer's -timeout) or a sanitizer report is a
/// failure. Diagnostics must stay inside the document.
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = count == 0 ? [] : Array(UnsafeBufferPointer(start: start, count: count))
    let result = SpecLoader.load(bytes: bytes, file: "fuzz")
    let lines = YAMLReader.lineCount(bytes)
    for diagnostic in result.diagnostics {
        precondition(diagnostic.location.line >= 1 && diagnostic.location.line <= lines, "line out of range: \(diagnostic)")
        precondition(diagnostic.location.column >= 1, "column out of range: \(diagnostic)")
    }
    if let document = try? result.get() {
        for endpoint in document.endpoints { _ = document.dereference(endpoint.input) }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv) { fuzzOne($0, $1) })
