// queuegen's generation, into memory, for the comparison's in-process timings.
import QueueGen
import QueueSpec

/// Loads `path` and generates its Swift; returns the number of lines.
@discardableResult
public func generateWithQueueGen(_ path: String) -> Int {
    let (documents, diagnostics) = SpecLoader.load(files: [path])
    precondition(!diagnostics.contains { $0.severity == .error }, "queuegen could not load \(path)")
    return QueueGenerator.generate(documents).reduce(0) { $0 + $1.contents.utf8.count { $0 == 0x0A } }
}
