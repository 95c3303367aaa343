// Uploads a large file through the multipart flow and prints time and peak memory.
//
//   swift run -c release multipart-upload-benchmark            # 300 MB
//   BENCH_UPLOAD_MB=1024 swift run -c release multipart-upload-benchmark
//
// The local queue server runs in this process; the client runs in a child process
// (`multipart-upload-client`, built beside this executable, linking QueueRuntime alone), so its
// peak memory (`VmHWM`) is the client's alone. The file is
// written and hashed in 1 MiB chunks; the server writes parts to disk and checks that the
// reassembled bytes have the file's SHA-256.
import Crypto
import Foundation
import QueueRuntime
import QueueSimulator

func peakResidentKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
    }
    return 0
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("multipart-upload-benchmark: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
let megabytes = Int(ProcessInfo.processInfo.environment["BENCH_UPLOAD_MB"] ?? "") ?? 300
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("multipart-benchmark-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let file = folder.appendingPathComponent("upload.bin")
_ = FileManager.default.createFile(atPath: file.path, contents: nil)
guard let writer = FileHandle(forWritingAtPath: file.path) else { fail("cannot write \(file.path)") }
var hasher = SHA256()
var state: UInt64 = 0x5EED
var chunk = [UInt8](repeating: 0, count: 1 << 20)
for _ in 0..<megabytes {
    for index in stride(from: 0, to: chunk.count, by: 8) {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        withUnsafeBytes(of: state.littleEndian) { bytes in
            for offset in 0..<8 { chunk[index + offset] = bytes[offset] }
        }
    }
    hasher.update(data: chunk)
    try writer.write(contentsOf: chunk)
}
try writer.close()
let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()

var serverConfiguration = SimulatorConfiguration()
serverConfiguration.apiKey = "bench-key"
let simulator = try QueueSimulator.fluxRedux(configuration: serverConfiguration)
try await simulator.start()

let child = Process()
child.executableURL = URL(fileURLWithPath: arguments[0]).deletingLastPathComponent().appendingPathComponent("multipart-upload-client")
child.arguments = [simulator.queueBaseURL.absoluteString, file.path]
let output = Pipe()
child.standardOutput = output
try child.run()
let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
child.waitUntilExit()
guard child.terminationStatus == 0 else { fail("the client exited with \(child.terminationStatus)") }
let fields = answer.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
guard fields.count == 4, let seconds = Double(fields[1]), let clientPeak = Int(fields[2]), let clientStart = Int(fields[3]) else {
    fail("unexpected client output: \(answer)")
}
guard let stored = simulator.reassembledFile(fields[0]) else { fail("the server has no reassembled file for \(fields[0])") }
let verified = stored.sha256 == digest && stored.size == megabytes << 20
let serverPeak = peakResidentKiB()
await simulator.stop()

print("| file MB | parts | time s | MB/s  | client peak RSS MiB | of it, before upload | server process peak MiB | bytes verified |")
print("|---------|-------|--------|-------|---------------------|----------------------|-------------------------|----------------|")
let row = String(
    format: "| %7d | %5d | %6.2f | %5.0f | %19.1f | %20.1f | %23.1f |", megabytes, stored.partCount, seconds, Double(megabytes) / seconds,
    Double(clientPeak) / 1024, Double(clientStart) / 1024, Double(serverPeak) / 1024)
print(row + (verified ? "            yes |" : "             NO |"))
if !verified { exit(1) }
