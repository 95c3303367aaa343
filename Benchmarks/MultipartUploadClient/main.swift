// The client side of multipart-upload-benchmark: uploads one file through the multipart flow and
// prints "<file url> <seconds> <peak KiB> <peak KiB before the upload>". It links QueueRuntime
// and nothing else, so its peak memory is what an app's upload would add to a small process.
//
//   multipart-upload-client BASE_URL FILE        # BENCH_PARALLEL=N: parts in flight (default 3)
import Foundation
import QueueRuntime

func peakResidentKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
    }
    return 0
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("multipart-upload-client: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let base = URL(string: arguments[1]) else { fail("usage: multipart-upload-client BASE_URL FILE") }
let file = URL(fileURLWithPath: arguments[2])
var configuration = QueueClient.Configuration(queueBaseURL: base, storageBaseURL: base, credentials: Credentials(key: "bench-key"))
configuration.multipartUpload.parallelParts = Int(ProcessInfo.processInfo.environment["BENCH_PARALLEL"] ?? "") ?? 3
let client = QueueClient(configuration: configuration)
let before = peakResidentKiB()
let started = ContinuousClock.now
do {
    let url = try await client.uploadFile(at: file, contentType: "application/octet-stream")
    let elapsed = ContinuousClock.now - started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("\(url.absoluteString) \(seconds) \(peakResidentKiB()) \(before)")
} catch {
    fail("upload failed: \(error)")
}
