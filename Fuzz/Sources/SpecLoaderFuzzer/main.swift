import QueueSpec

/// One input: read and load it; a crash, a hang (libFuzzer's -timeout) or a sanitizer report is a
/// failure. Diagnostics must stay inside the document.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let result = SpecLoader.load(bytes: bytes, file: "fuzz")
    let lines = bytes.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    for diagnostic in result.diagnostics {
        precondition(diagnostic.location.line >= 1 && diagnostic.location.line <= lines + 1, "line out of range: \(diagnostic)")
        precondition(diagnostic.location.column >= 1, "column out of range: \(diagnostic)")
    }
    if let document = try? result.get() {
        for endpoint in document.endpoints { _ = document.dereference(endpoint.input) }
    }
    return 0
}
