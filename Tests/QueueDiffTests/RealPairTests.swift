import Foundation
import QueueDiff
import QueueSpec
import Testing

/// The repository's root, from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// The eight endpoints in both fal's February documents (Tests/Fixtures/fal-openapi) and the
/// July catalog (Tests/Fixtures/fal-catalog-july), compared as real before/after pairs.
@Suite("queuegen diff on fal's February and July documents")
struct RealPairTests {
    static let february = "Tests/Fixtures/fal-openapi"
    static let july = "Tests/Fixtures/fal-catalog-july"

    static let sharedEndpoints = [
        "fal-ai/flux-lora", "fal-ai/flux-pro/v1.1", "fal-ai/flux-pro/v1.1-ultra", "fal-ai/flux/schnell",
        "fal-ai/ideogram/v2", "fal-ai/ideogram/v2/turbo", "fal-ai/pixverse/v5.6/image-to-video",
        "fal-ai/stable-diffusion-v35-large",
    ]

    /// Loads the pair's documents with paths relative to the repository, as a user in it names them.
    static func load(_ folder: String, _ names: [String]) throws -> [SpecDocument] {
        try names.map { name in
            let relative = folder + "/" + name
            let bytes = try #require(FileBytes.read(repositoryRoot + "/" + relative), "cannot read \(relative)")
            return try SpecLoader.load(bytes: bytes, file: relative).get()
        }
    }

    static func report() throws -> DiffReport {
        let names = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/" + july).filter { $0.hasSuffix(".json") }.sorted()
        return DiffReport(old: try load(february, names), new: try load(july, names))
    }

    @Test("the July copies are the eight endpoints the February fixtures share with the catalog")
    func pairs() throws {
        let report = try Self.report()
        #expect(report.endpoints == Self.sharedEndpoints)
        #expect(!report.changes.contains { $0.kind == .endpointAdded || $0.kind == .endpointRemoved })
    }

    @Test("enable_safety_checker removed from both flux-pro endpoints: breaking for Swift callers, with both locations",
          arguments: [
            ("fal-ai/flux-pro/v1.1", "fal-ai__flux-pro__v1.1.json", "FluxProV11Input", 143, 36, 136, 26),
            ("fal-ai/flux-pro/v1.1-ultra", "fal-ai__flux-pro__v1.1-ultra.json", "FluxProV11UltraInput", 170, 36, 110, 31),
          ])
    func safetyCheckerRemoved(_ endpoint: String, _ file: String, _ schema: String, _ oldLine: Int, _ oldColumn: Int, _ newLine: Int, _ newColumn: Int) throws {
        let report = try Self.report()
        let removed = report.changes.filter { $0.endpoint == endpoint && $0.subject == "input.enable_safety_checker" }
        #expect(removed.count == 1)
        let change = try #require(removed.first)
        #expect(change.kind == .fieldRemoved)
        #expect(change.changeClass == .breakingForSwift)
        #expect(change.old?.pointer == "#/components/schemas/\(schema)/properties/enable_safety_checker")
        #expect(change.old?.location == "\(Self.february)/\(file):\(oldLine):\(oldColumn)")
        #expect(change.new?.pointer == "#/components/schemas/\(schema)")
        #expect(change.new?.location == "\(Self.july)/\(file):\(newLine):\(newColumn)")
        #expect(change.message.contains("enableSafetyChecker"))
    }

    @Test("acceleration added to flux-lora: an additive optional field, with both locations")
    func accelerationAdded() throws {
        let report = try Self.report()
        let added = report.changes.filter { $0.endpoint == "fal-ai/flux-lora" && $0.subject == "input.acceleration" }
        #expect(added.count == 1)
        let change = try #require(added.first)
        #expect(change.kind == .optionalFieldAdded)
        #expect(change.changeClass == .additive)
        #expect(change.old?.pointer == "#/components/schemas/FluxLoraInput")
        #expect(change.old?.location == "\(Self.february)/fal-ai__flux-lora.json:72:24")
        #expect(change.new?.pointer == "#/components/schemas/FluxLoraInput/properties/acceleration")
        #expect(change.new?.location == "\(Self.july)/fal-ai__flux-lora.json:190:27")
    }

    @Test("the breaking changes: the two removals, and pixverse's File losing file_data (on the wire); --fail-on decides the status")
    func breakingChanges() throws {
        let report = try Self.report()
        let breaking = report.changes.filter(\.changeClass.isBreaking).map { "\($0.endpoint) \($0.kind.rawValue) \($0.subject)" }
        #expect(breaking.sorted() == [
            "fal-ai/flux-pro/v1.1 field-removed input.enable_safety_checker",
            "fal-ai/flux-pro/v1.1-ultra field-removed input.enable_safety_checker",
            "fal-ai/pixverse/v5.6/image-to-video output-field-removed output.video.file_data",
        ])
        let fileData = try #require(report.changes.first { $0.subject == "output.video.file_data" })
        #expect(fileData.changeClass == .breakingOnWire)
        #expect(fileData.old?.description == "\(Self.february)/fal-ai__pixverse__v5.6__image-to-video.json:235:24 #/components/schemas/File/properties/file_data")
        #expect(fileData.new?.description == "\(Self.july)/fal-ai__pixverse__v5.6__image-to-video.json:69:15 #/components/schemas/File")
        #expect(FailurePolicy.breaking.fails(report.changes))
        #expect(!FailurePolicy.none.fails(report.changes))
    }

    @Test("`type: integer` becoming `anyOf [integer, null]` on an optional field, and a component renamed Image → ImageType2, are not changes")
    func noiseIsNotReported() throws {
        let report = try Self.report()
        #expect(!report.changes.contains { $0.subject == "input.seed" && $0.kind == .typeChanged })
        #expect(!report.changes.contains { $0.endpoint == "fal-ai/flux-lora" && $0.subject.hasPrefix("output.images") && $0.changeClass != .additive })
    }

    @Test("the text report names each endpoint, the class, and both locations")
    func textReport() throws {
        let text = try Self.report().text
        #expect(text.contains("fal-ai/flux-pro/v1.1:\n  breaking for Swift callers [field-removed] input field 'enable_safety_checker' removed"))
        #expect(text.contains("    old: Tests/Fixtures/fal-openapi/fal-ai__flux-pro__v1.1.json:143:36  #/components/schemas/FluxProV11Input/properties/enable_safety_checker"))
        #expect(text.contains("    new: Tests/Fixtures/fal-catalog-july/fal-ai__flux-pro__v1.1.json:136:26  #/components/schemas/FluxProV11Input"))
        #expect(text.hasSuffix("8 endpoint(s) compared: 2 breaking for Swift callers, 1 breaking on the wire, 0 newly deprecated, 4 additive"))
        #expect(text.contains("fal-ai/flux/schnell: no change\n"))
    }
}
