import Foundation
import Testing

extension FluxReduxCommandTests {
    @Test("--realtime sends each --seed as one input over one session and saves every output")
    func realtimeSavesAnOutputPerSeed() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("flux-redux-rt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let (process, log) = try launch(
            [Self.sampleImage, "--realtime", "--seed", "11", "--seed", "22", "--seed", "33", "--format", "png", "--size", "64x48",
             "--out", output.path],
            simulator: nil)
        let status = try await exitStatus(process, within: 120)
        let text = String(decoding: try Data(contentsOf: log), as: UTF8.self)
        #expect(status == 0, "\(text)")
        for seed in [11, 22, 33] { #expect(text.contains("(seed \(seed))"), "\(text)") }
        let files = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".png") }
        #expect(files.count == 3, "\(files)")
        for file in files {
            let data = try Data(contentsOf: output.appendingPathComponent(file))
            let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 64 && height == 48)
        }
    }

    @Test("--seed twice without --realtime is refused")
    func repeatedSeedNeedsRealtime() async throws {
        let (process, log) = try launch([Self.sampleImage, "--seed", "1", "--seed", "2"], simulator: nil)
        let status = try await exitStatus(process, within: 60)
        #expect(status != 0)
        #expect(String(decoding: try Data(contentsOf: log), as: UTF8.self).contains("--seed can be repeated only with --realtime"))
    }
}
