import Crypto
import Foundation
import QueueSimulator
import Synchronization
import Testing
import FluxRedux
@testable import QueueRuntime
import QueueTestSupport

/// A file of `size` seeded pseudo-random bytes in a temporary folder, removed after `body`.
func withTemporaryFile<T>(size: Int, seed: UInt64, name: String = "input.bin", _ body: (URL, String) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parity-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent(name)
    var state = seed
    var bytes = [UInt8](repeating: 0, count: size)
    for index in 0..<size {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
    }
    try Data(bytes).write(to: url)
    let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    return try await body(url, digest)
}

@Suite(.serialized) struct MultipartUploadTests {
    /// Small parts so the test exercises many of them quickly; the flow is the same at 10 MB.
    static func options(progress: (@Sendable (UploadProgress) -> Void)? = nil) -> MultipartUploadOptions {
        var options = MultipartUploadOptions()
        options.threshold = 64 * 1024
        options.partSize = 100 * 1024
        options.parallelParts = 3
        options.progress = progress
        return options
    }

    @Test func aLargeFileGoesUpInPartsAndTheServerReassemblesTheSameBytes() async throws {
        try await withTemporaryFile(size: 1_234_567, seed: 11) { file, digest in
            try await withSimulator { simulator in
                let progress = Mutex<[UploadProgress]>([])
                let client = directClient(simulator) { $0.multipartUpload = Self.options { report in progress.withLock { $0.append(report) } } }
                let url = try await within(.seconds(30)) { try await client.uploadFile(at: file, contentType: "application/octet-stream") }
                let stored = try #require(simulator.reassembledFile(url.absoluteString))
                #expect(stored.size == 1_234_567)
                #expect(stored.sha256 == digest)
                #expect(stored.partCount == 13)
                let reports = progress.withLock { $0 }
                #expect(reports.count == 13)
                #expect(reports.map(\.bytesSent).max() == 1_234_567)
                #expect(reports.last?.partsDone == 13 && reports.allSatisfy { $0.totalBytes == 1_234_567 && $0.partCount == 13 })
            }
        }
    }

    @Test func anInterruptedPartIsRetried() async throws {
        try await withTemporaryFile(size: 500_000, seed: 12) { file, digest in
            // Upload requests: 1 initiate, then parts; the 3rd and 4th requests (parts) have their
            // connection cut mid-answer.
            var configuration = simulatorConfiguration()
            configuration.faults = [Fault(route: .upload, kind: .dropConnection, trigger: .nth([3, 4]))]
            try await withSimulator(configuration) { simulator in
                var options = Self.options()
                options.parallelParts = 1
                let client = directClient(simulator) { $0.multipartUpload = options }
                let url = try await within(.seconds(30)) { try await client.uploadFile(at: file) }
                let stored = try #require(simulator.reassembledFile(url.absoluteString))
                #expect(stored.sha256 == digest)
                #expect(stored.partCount == 5)
                #expect(simulator.statistics.faultsApplied == 2)
                // initiate + 5 parts + 2 retries + complete
                #expect(simulator.statistics.requests[.upload] == 9)
            }
        }
    }

    @Test func aPartThatKeepsFailingFailsTheUpload() async throws {
        try await withTemporaryFile(size: 300_000, seed: 13) { file, _ in
            var configuration = simulatorConfiguration()
            configuration.faults = [Fault(route: .upload, kind: .dropConnection, trigger: .nth([2, 3, 4]))]
            try await withSimulator(configuration) { simulator in
                var options = Self.options()
                options.parallelParts = 1
                let client = directClient(simulator) { $0.multipartUpload = options }
                await #expect {
                    _ = try await within(.seconds(30)) { try await client.uploadFile(at: file) }
                } throws: { error in
                    guard case .transport(let failure) = error as? QueueError else { return false }
                    return failure.operation == "upload part 1"
                }
            }
        }
    }

    @Test func aSmallFileUsesTheSingleRequestFlow() async throws {
        try await withTemporaryFile(size: 10_000, seed: 14, name: "small.png") { file, _ in
            try await withSimulator { simulator in
                let client = directClient(simulator) { $0.multipartUpload = Self.options() }
                let url = try await client.uploadFile(at: file)
                #expect(simulator.reassembledFile(url.absoluteString) == nil)
                #expect(url.absoluteString.hasSuffix("/small.png"))
            }
        }
    }

    /// A local file input above the threshold is uploaded in parts before the submit.
    @Test func aLargeLocalFileInputIsUploadedInParts() async throws {
        try await withSimulator { simulator in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parity-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("large.png")
            // A real PNG padded past the threshold with an ancillary chunk is still a valid image.
            let png = TestPNG.make(width: 300, height: 300)
            try png.write(to: file)
            #expect(png.count > 64 * 1024)
            var options = Self.options()
            options.partSize = 64 * 1024
            let client = directClient(simulator) { $0.multipartUpload = options }
            let output = try await within(.seconds(30)) {
                try await client.run(.flux1SchnellRedux, Flux1SchnellRedux.Input(imageURL: .localFile(file), imageSize: .custom(width: 32, height: 32)))
            }
            #expect(output.images.count == 1)
            #expect(simulator.statistics.requests[.upload, default: 0] >= 4)
        }
    }
}
