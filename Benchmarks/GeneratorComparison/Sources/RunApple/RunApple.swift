// swift-openapi-generator's generation, into memory, for the comparison's in-process timings.
import Foundation
import _OpenAPIGeneratorCore

/// Generates types and client for `path` concurrently, as the command-line tool does; returns the
/// number of lines.
@discardableResult
public func generateWithApple(_ path: String) -> Int {
    let url = URL(fileURLWithPath: path)
    let data = try! Data(contentsOf: url)
    let modes: [GeneratorMode] = [.types, .client]
    let lineCounts = LineCounts()
    DispatchQueue.concurrentPerform(iterations: modes.count) { index in
        let config = Config(mode: modes[index], access: .public, namingStrategy: Config.defaultNamingStrategy)
        let files = try! runGenerator(
            input: InMemoryInputFile(absolutePath: url, contents: data), config: config,
            diagnostics: ErrorThrowingDiagnosticCollector(upstream: QuietDiagnosticCollector()))
        lineCounts.add(files.reduce(0) { $0 + $1.contents.count { $0 == 0x0A } })
    }
    return lineCounts.total
}

private final class LineCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = 0
    func add(_ count: Int) { lock.withLock { sum += count } }
    var total: Int { lock.withLock { sum } }
}

private struct QuietDiagnosticCollector: DiagnosticCollector, Sendable {
    func emit(_ diagnostic: Diagnostic) {}
}
