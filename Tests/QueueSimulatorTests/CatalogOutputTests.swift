import Foundation
import QueueSpec
import Synchronization
import Testing
@testable import QueueSimulator

/// The local queue server answering for fal's whole catalog (specs/fal, 1,223 documents): outputs
/// that follow each output schema, with real files behind every URL and the input's own values.
@Suite("Outputs for fal's catalog")
struct CatalogOutputTests {
    static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()
    static let catalogFolder = repository.appendingPathComponent("specs/fal").path

    static func document(_ relative: String) -> String { repository.appendingPathComponent("specs/fal/\(relative)").path }

    /// Every document of the catalog, loaded once for the suite.
    static let catalog: [SpecDocument] = {
        let paths = (try? QueueSimulator.documentPaths([catalogFolder])) ?? []
        let documents = Mutex([SpecDocument?](repeating: nil, count: paths.count))
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let document = try? SpecLoader.load(file: paths[index].path, options: LoadOptions(allowUnresolvedReferences: true)).get()
            documents.withLock { $0[index] = document }
        }
        return documents.withLock { $0.compactMap { $0 } }
    }()

    // MARK: The sweep

    @Test("every catalog endpoint: a valid sample input gives an output that validates, with no empty URL and no negative number the schema does not allow")
    func sweep() throws {
        let documents = Self.catalog
        #expect(documents.count == 1223)
        var endpoints = 0
        var failures: [String] = []
        let started = ContinuousClock.now
        for document in documents {
            let validator = InputValidator(document: document)
            for endpoint in document.endpoints {
                endpoints += 1
                let input = sampleInput(endpoint, document)
                let inputIssues = validator.validate(input, against: endpoint.input)
                if !inputIssues.isEmpty {
                    failures.append("\(endpoint.id) input: " + inputIssues.map(\.summary).joined(separator: "; "))
                    continue
                }
                var synthesizer = OutputSynthesizer(
                    document: document, endpointID: endpoint.id, inputSchema: endpoint.input, input: input, configurationSeed: 7,
                    job: .init(fileBase: "http://127.0.0.1:9/files/", seed: 1234, inferenceTime: 0.25),
                    measure: { $0.knownByteCount ?? 1 })
                let output = synthesizer.output(for: endpoint.output)
                if let schema = endpoint.output {
                    for issue in validator.validate(output, against: schema) {
                        failures.append("\(endpoint.id) \(issue.pointer): \(issue.msg)")
                    }
                    for (pointer, number) in negativeNumbers(output) where !allowsNegative(schema, pointer.tokens, document) {
                        failures.append("\(endpoint.id) \(pointer): \(number) is negative and the schema has no negative bound")
                    }
                }
                let served = Dictionary(synthesizer.files.compactMap { file in file.fileName.map { ($0, file) } }) { first, _ in first }
                for (pointer, file) in fileObjects(output) {
                    guard let url = file["url"]?.stringValue, !url.isEmpty else {
                        failures.append("\(endpoint.id) \(pointer)/url: empty")
                        continue
                    }
                    let prefix = "http://127.0.0.1:9/files/"
                    guard url.hasPrefix(prefix), let stored = served[String(url.dropFirst(prefix.count))] else {
                        failures.append("\(endpoint.id) \(pointer)/url: \(url) is not a served file")
                        continue
                    }
                    if let type = file["content_type"]?.stringValue, type != stored.contentType {
                        failures.append("\(endpoint.id) \(pointer)/content_type: \(type), served as \(stored.contentType)")
                    }
                    if let name = file["file_name"]?.stringValue, name != stored.fileName {
                        failures.append("\(endpoint.id) \(pointer)/file_name: \(name), served as \(stored.fileName ?? "")")
                    }
                }
                for pointer in emptyURLs(output) { failures.append("\(endpoint.id) \(pointer): an empty URL") }
            }
        }
        let elapsed = ContinuousClock.now - started
        #expect(endpoints == 1223)
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(60).joined(separator: "\n"))")
        #expect(elapsed < .seconds(60), "the sweep took \(elapsed)")
    }

    @Test("hostile input values (huge, negative, not numbers) never crash the synthesiser, for any catalog endpoint")
    func hostileInputs() throws {
        let input = try JSONValue.parse(Array(#"""
            {"prompt":"x","duration":1e300,"seconds_total":"nan","fps":1e300,"num_frames":-3,"width":9000000000000000000,
             "height":-5,"image_size":{"width":1e300,"height":0},"num_images":1000000000000,"aspect_ratio":"1e308:1",
             "resolution":"1e308p","output_format":"jpeg","seed":-1}
            """#.utf8))
        var files = 0
        for document in Self.catalog {
            for endpoint in document.endpoints {
                var synthesizer = OutputSynthesizer(
                    document: document, endpointID: endpoint.id, inputSchema: endpoint.input, input: input, configurationSeed: 0,
                    job: .init(fileBase: "http://127.0.0.1:9/files/"), measure: { $0.knownByteCount ?? 1 })
                _ = synthesizer.output(for: endpoint.output)
                for file in synthesizer.files {
                    files += 1
                    switch file {
                    case .image(let recipe): #expect(recipe.width <= 2048 && recipe.height <= 2048 && recipe.width > 0 && recipe.height > 0)
                    case .video(let recipe): #expect(recipe.frameCount <= VideoRecipe.mostFrames && recipe.width <= VideoRecipe.longestSide)
                    case .audio(let recipe): #expect(recipe.milliseconds <= AudioRecipe.longestMilliseconds)
                    default: break
                    }
                }
            }
        }
        #expect(files > 1000)
    }

    /// A valid input from the input schema: the synthesiser run on it (examples, defaults, bounds).
    func sampleInput(_ endpoint: Endpoint, _ document: SpecDocument) -> JSONValue {
        var synthesizer = OutputSynthesizer(
            document: document, endpointID: endpoint.id, inputSchema: nil, input: .object([]), configurationSeed: 1,
            job: .init(fileBase: "http://127.0.0.1:9/files/"), measure: { $0.knownByteCount ?? 1 })
        return synthesizer.output(for: endpoint.input)
    }

    @Test("the synthesiser keeps to bounds, merges allOf, picks a file member of a union, echoes, and stops on recursive schemas")
    func tricks() throws {
        let yaml = """
        openapi: 3.1.0
        info: { title: Tricks, version: "1" }
        paths:
          /owner/tricks:
            post:
              requestBody:
                content: { application/json: { schema: { $ref: "#/components/schemas/In" } } }
              responses: { "200": { description: ok } }
          /owner/tricks/requests/{request_id}:
            get:
              responses:
                "200":
                  description: ok
                  content: { application/json: { schema: { $ref: "#/components/schemas/Out" } } }
        components:
          schemas:
            In:
              type: object
              required: [prompt]
              properties:
                prompt: { type: string, minLength: 3 }
                seed: { type: integer }
                num_images: { type: integer, default: 3 }
                steps: { type: integer, default: 12 }
            Node:
              type: object
              required: [name, children]
              properties:
                name: { type: string, maxLength: 4 }
                children: { type: array, items: { $ref: "#/components/schemas/Node" } }
            File:
              type: object
              required: [url]
              properties:
                url: { type: string }
                content_type: { type: string }
                file_name: { type: string }
                file_size: { type: integer }
            Out:
              type: object
              required: [prompt, seed, steps, score, ratio, count, tag, images, tree, mixed, merged, label]
              properties:
                prompt: { type: string }
                seed: { type: integer }
                steps: { type: integer }
                score: { type: number, exclusiveMinimum: 0, exclusiveMaximum: 1 }
                ratio: { type: number, minimum: -5, maximum: -2 }
                count: { type: integer, minimum: 10, maximum: 11 }
                tag: { const: fixed }
                images:
                  type: array
                  maxItems: 2
                  items: { $ref: "#/components/schemas/File", description: "A generated image." }
                tree: { $ref: "#/components/schemas/Node" }
                mixed:
                  anyOf: [{ type: string }, { $ref: "#/components/schemas/File" }, { type: "null" }]
                  description: The generated audio track.
                merged:
                  allOf:
                    - { type: object, required: [a], properties: { a: { type: integer, minimum: 5 } } }
                    - { type: object, required: [b], properties: { b: { type: string, enum: [x, y] } } }
                label: { type: string, pattern: "^\\\\w+$" }
                words: { type: array, minItems: 3, items: { type: string } }
        """
        let document = try SpecLoader.load(bytes: Array(yaml.utf8), file: "tricks.yaml").get()
        let endpoint = try #require(document.endpoints.first)
        let input: JSONValue = .object([("prompt", .string("a heron")), ("seed", .integer(99))])
        var synthesizer = OutputSynthesizer(
            document: document, endpointID: endpoint.id, inputSchema: endpoint.input, input: input, configurationSeed: 3,
            job: .init(fileBase: "http://h/files/"), measure: { $0.knownByteCount ?? $0.contents.bytes.count })
        let output = synthesizer.output(for: endpoint.output)
        #expect(InputValidator(document: document).validate(output, against: try #require(endpoint.output)).isEmpty, "\(output.serialized())")
        #expect(output["prompt"] == .string("a heron"))
        #expect(output["seed"] == .integer(99))
        #expect(output["steps"] == .integer(12), "an input default stands in for an absent input (steps echoes 12)")
        #expect(output["tag"] == .string("fixed"))
        #expect(output["images"]?.arrayValue?.count == 2, "num_images 3, capped by maxItems 2")
        #expect(output["mixed"]?["url"] != nil, "a union with a file member gives a file")
        #expect(output["mixed"]?["content_type"] == .string("audio/wav"), "its kind comes from the union's description")
        #expect(output["merged"]?["a"]?.integerValue.map { $0 >= 5 } == true && output["merged"]?["b"] == .string("x"))
        #expect(output["label"]?.stringValue?.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } == true)
        #expect(output["words"]?.arrayValue?.count == 3)
        for image in output["images"]?.arrayValue ?? [] {
            let name = try #require(image["file_name"]?.stringValue)
            #expect(image["url"] == .string("http://h/files/\(name)"))
            let file = try #require(synthesizer.files.first { $0.fileName == name })
            #expect(image["file_size"]?.integerValue == Int64(file.contents.bytes.count))
            #expect(image["content_type"]?.stringValue == file.contentType && file.contentType.hasPrefix("image/"))
        }
    }

    // MARK: Over HTTP

    @Test("fal-ai/ltx-2-19b/image-to-video end to end: queue routes, then a real AVI at video.url whose size and metadata match")
    func imageToVideo() async throws {
        try await withCatalogSimulator(["video/fal-ai__ltx-2-19b__image-to-video.json"]) { simulator in
            let base = simulator.queueBaseURL.absoluteString
            let input = #"{"prompt":"A heron lifts off the lake","image_url":"\#(Harness.pixel)","seed":4242,"fps":12}"#
            let submitted = try await send("POST", "\(base)/fal-ai/ltx-2-19b/image-to-video", json: input)
            #expect(submitted.status == 200, "\(submitted.text)")
            let id = try #require(try submitted.json["request_id"]?.stringValue)
            let statusURL = try #require(try submitted.json["status_url"]?.stringValue)
            let responseURL = try #require(try submitted.json["response_url"]?.stringValue)
            let queued = try await send("GET", statusURL).json["status"]?.stringValue
            #expect(["IN_QUEUE", "IN_PROGRESS", "COMPLETED"].contains(queued ?? ""))
            try await bounded { await simulator.waitUntilFinished(id) }
            #expect(try await send("GET", statusURL).json["status"] == .string("COMPLETED"))
            let result = try await send("GET", responseURL)
            #expect(result.status == 200, "\(result.text)")
            let output = try result.json
            #expect(output["prompt"] == .string("A heron lifts off the lake"))
            #expect(output["seed"] == .integer(4242))
            for (pointer, number) in negativeNumbers(output) { Issue.record("\(pointer) is negative: \(number)") }
            let video = try #require(output["video"])
            let file = try await send("GET", try #require(video["url"]?.stringValue))
            #expect(file.status == 200)
            #expect(Array(file.body.prefix(4)) == Array("RIFF".utf8) && Array(file.body[8..<12]) == Array("AVI ".utf8))
            #expect(video["file_size"]?.integerValue == Int64(file.body.count))
            #expect(video["content_type"]?.stringValue == file.header("Content-Type"))
            #expect(video["content_type"] == .string("video/x-msvideo"))
            #expect(video["file_name"]?.stringValue?.hasSuffix(".avi") == true)
            let avi = try #require(AVIFacts(file.body))
            #expect(video["width"]?.integerValue == Int64(avi.width) && video["height"]?.integerValue == Int64(avi.height))
            #expect(video["num_frames"]?.integerValue == Int64(avi.frames) && avi.frames == avi.jpegFrames)
            #expect(video["fps"]?.doubleValue == 12)
            #expect(avi.width > 0 && avi.height > 0 && avi.frames >= 1)
        }
    }

    @Test("fal-ai/stable-audio-25/text-to-audio serves a WAV whose RIFF, fmt and data sizes agree with its length")
    func audio() async throws {
        try await withCatalogSimulator(["audio/fal-ai__stable-audio-25__text-to-audio.json"]) { simulator in
            let run = "\(simulator.syncBaseURL.absoluteString)/fal-ai/stable-audio-25/text-to-audio"
            let answer = try await send("POST", run, json: #"{"prompt":"Rain on a tin roof","seconds_total":2}"#)
            #expect(answer.status == 200, "\(answer.text)")
            let audio = try #require(try answer.json["audio"])
            let file = try await send("GET", try #require(audio["url"]?.stringValue))
            let wav = file.body
            #expect(file.header("Content-Type") == "audio/wav" && audio["content_type"] == .string("audio/wav"))
            #expect(audio["file_size"]?.integerValue == Int64(wav.count))
            #expect(audio["file_name"]?.stringValue?.hasSuffix(".wav") == true)
            try #require(wav.count > 44)
            func le32(_ offset: Int) -> Int { (0..<4).reduce(0) { $0 | Int(wav[offset + $1]) << (8 * $1) } }
            func le16(_ offset: Int) -> Int { Int(wav[offset]) | Int(wav[offset + 1]) << 8 }
            #expect(Array(wav[0..<4]) == Array("RIFF".utf8) && Array(wav[8..<12]) == Array("WAVE".utf8))
            #expect(le32(4) == wav.count - 8)
            #expect(Array(wav[12..<16]) == Array("fmt ".utf8) && le32(16) == 16 && le16(20) == 1)
            let channels = le16(22), rate = le32(24), bits = le16(34)
            #expect(channels == 1 && bits == 16 && rate > 0 && le32(28) == rate * channels * bits / 8)
            #expect(Array(wav[36..<40]) == Array("data".utf8) && le32(40) == wav.count - 44)
            #expect(le32(40) / (channels * bits / 8) == rate * 2, "two seconds, as seconds_total asked")
        }
    }

    @Test("3D and training endpoints: every file in the output is served, non-empty, with its content type and size")
    func assets() async throws {
        let documents = ["3d/fal-ai__hunyuan3d-v3__text-to-3d.json", "training/fal-ai__flux-lora-fast-training.json"]
        try await withCatalogSimulator(documents) { simulator in
            let run = simulator.syncBaseURL.absoluteString
            let model = try await send("POST", "\(run)/fal-ai/hunyuan3d-v3/text-to-3d", json: #"{"prompt":"A wooden chair"}"#)
            let training = try await send("POST", "\(run)/fal-ai/flux-lora-fast-training", json: #"{"images_data_url":"\#(Harness.pixel)"}"#)
            #expect(model.status == 200 && training.status == 200, "\(model.text) \(training.text)")
            var types: Set<String> = []
            for output in [try model.json, try training.json] {
                for (pointer, object) in fileObjects(output) {
                    let file = try await send("GET", try #require(object["url"]?.stringValue))
                    #expect(file.status == 200 && !file.body.isEmpty, "\(pointer)")
                    #expect(object["content_type"]?.stringValue == file.header("Content-Type"), "\(pointer)")
                    #expect(object["file_size"]?.integerValue == Int64(file.body.count), "\(pointer)")
                    let type = file.header("Content-Type") ?? ""
                    types.insert(type)
                    switch type {
                    case "model/gltf-binary":
                        #expect(Array(file.body.prefix(4)) == Array("glTF".utf8))
                        #expect(Int(file.body[8]) | Int(file.body[9]) << 8 == file.body.count, "the GLB header gives its length")
                    case "model/vnd.usdz+zip":
                        #expect(Array(file.body.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
                    case "application/json":
                        #expect((try? JSONValue.parse(file.body)) != nil)
                    case "model/obj":
                        #expect(file.text.contains("\nv ") && file.text.contains("\nf "))
                    default:
                        break
                    }
                }
            }
            #expect(types.isSuperset(of: ["model/gltf-binary", "application/json", "application/octet-stream"]), "\(types)")
            let lora = try #require(try training.json["diffusers_lora_file"]?["url"]?.stringValue)
            let weights = try await send("GET", lora).body
            let headerLength = (0..<8).reduce(0) { $0 | Int(weights[$1]) << (8 * $1) }
            #expect(8 + headerLength < weights.count)
            #expect((try? JSONValue.parse(Array(weights[8..<8 + headerLength])))?["__metadata__"] != nil, "a safetensors header")
        }
    }

    @Test("a text endpoint streams a prompt that grows over three partial events to a non-empty final one")
    func streamingText() async throws {
        try await withCatalogSimulator(["llm/fal-ai__video-prompt-generator.json"]) { simulator in
            let answer = try await send("POST", "\(simulator.queueBaseURL.absoluteString)/fal-ai/video-prompt-generator/stream",
                                        json: #"{"input_concept":"A heron at dawn"}"#)
            #expect(answer.status == 200 && answer.header("Content-Type") == "text/event-stream")
            let events = try answer.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
                .map { try JSONValue.parse(Array($0.dropFirst(6).utf8)) }
            #expect(events.count == 4)
            let prompts = events.compactMap { $0["prompt"]?.stringValue }
            #expect(prompts.count == 4 && !(prompts.last ?? "").isEmpty)
            #expect(zip(prompts, prompts.dropFirst()).allSatisfy { $0.count < $1.count && $1.hasPrefix($0) })
        }
    }

    @Test("a folder loads recursively with allowUnresolvedReferences: all 1,223 endpoints are served, and a request works")
    func folder() async throws {
        let started = ContinuousClock.now
        var configuration = SimulatorConfiguration()
        configuration.jobDuration = .milliseconds(5)
        let simulator = try QueueSimulator(
            configuration: configuration, documentFiles: [Self.catalogFolder], options: LoadOptions(allowUnresolvedReferences: true))
        let loading = ContinuousClock.now - started
        print("loaded \(simulator.endpointIDs.count) endpoints from specs/fal in \(loading)")
        #expect(simulator.endpointIDs.count == 1223)
        #expect(simulator.endpointIDs.contains("fal-ai/flux-2/klein/4b/base/lora"), "a document with an unresolved $ref")
        try await simulator.start()
        do {
            let run = "\(simulator.syncBaseURL.absoluteString)/fal-ai/flux-1/schnell"
            let answer = try await send("POST", run, json: #"{"prompt":"A red fox","num_images":3,"image_size":{"width":64,"height":48}}"#)
            #expect(answer.status == 200, "\(answer.text)")
            let images = try answer.json["images"]?.arrayValue ?? []
            #expect(images.count == 3)
            #expect(try answer.json["prompt"] == .string("A red fox"))
            #expect(try answer.json["has_nsfw_concepts"]?.arrayValue?.count == 3)
            let file = try await send("GET", try #require(images.first?["url"]?.stringValue))
            #expect(JPEGEncoder.dimensions(of: file.body).map { $0.width == 64 && $0.height == 48 } == true)
            let document = try await send("GET", simulator.queueBaseURL.absoluteString + QueueSimulator.openAPIDocumentPath
                                          + "?endpoint_id=fal-ai/flux-1/schnell")
            let published = Array(try Data(contentsOf: URL(fileURLWithPath: Self.document("image/fal-ai__flux-1__schnell.json"))))
            #expect(document.status == 200 && document.body == published)
        } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()
    }

    @Test("without allowUnresolvedReferences a document with an undefined $ref is refused, naming it; a duplicate endpoint id names both files")
    func loadingErrors() throws {
        let unresolved = Self.document("image/fal-ai__flux-2__klein__4b__base__lora.json")
        #expect {
            try QueueSimulator(documentFiles: [unresolved])
        } throws: { error in
            guard case .invalidSpec(let message) = error as? SimulatorError else { return false }
            return message.contains("fal-ai__flux-2__klein__4b__base__lora.json") && message.contains("allow-unresolved-refs")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("nested"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = Self.document("llm/fal-ai__video-prompt-generator.json")
        try FileManager.default.copyItem(atPath: original, toPath: folder.appendingPathComponent("nested/copy.json").path)
        try Data("not: a spec\n".utf8).write(to: folder.appendingPathComponent("queuegen.yaml"))
        let fromFolder = try QueueSimulator(documentFiles: [folder.path])
        #expect(fromFolder.endpointIDs == ["fal-ai/video-prompt-generator"], "nested documents are found; other YAML is passed over")
        #expect {
            try QueueSimulator(documentFiles: [folder.path, original])
        } throws: { error in
            guard case .invalidSpec(let message) = error as? SimulatorError else { return false }
            return message.contains("declared by both") && message.contains("copy.json") && message.contains("video-prompt-generator.json")
        }
    }

    @Test("the same simulator seed and input give the same output; another simulator seed gives other files")
    func determinism() async throws {
        let documents = ["video/fal-ai__ltx-2-19b__image-to-video.json", "3d/fal-ai__hunyuan3d-v3__text-to-3d.json"]
        let requests = [
            ("fal-ai/ltx-2-19b/image-to-video", #"{"prompt":"Waves","image_url":"\#(Harness.pixel)"}"#),
            ("fal-ai/hunyuan3d-v3/text-to-3d", #"{"prompt":"A lamp","seed":5}"#),
        ]
        func outputs(seed: UInt64) async throws -> [[UInt8]] {
            try await withCatalogSimulator(documents, seed: seed) { simulator in
                var bodies: [[UInt8]] = []
                for (endpoint, input) in requests + requests {
                    let answer = try await send("POST", "\(simulator.syncBaseURL.absoluteString)/\(endpoint)", json: input)
                    #expect(answer.status == 200, "\(answer.text)")
                    // Files live on this simulator's port; the rest must match byte for byte.
                    bodies.append(Array(answer.text.replacingOccurrences(of: simulator.queueBaseURL.absoluteString, with: "BASE").utf8))
                }
                return bodies
            }
        }
        let first = try await outputs(seed: 11)
        let again = try await outputs(seed: 11)
        let other = try await outputs(seed: 12)
        #expect(first == again, "a new simulator with the same seed answers byte for byte the same")
        #expect(first[1] == first[3], "an input with a seed gives the same output every time")
        #expect(first[0] != first[2], "without a seed in the input each request draws its own")
        #expect(first[1] != other[1], "another simulator seed draws other files")
    }

    @Test("FLUX.1 [schnell] Redux, which takes no prompt, answers a non-empty one and the images it was asked for")
    func reduxPrompt() async throws {
        try await Harness.with({ $0.jobDuration = .milliseconds(5) }) { harness in
            let run = "\(harness.simulator.syncBaseURL.absoluteString)/\(Harness.endpoint)"
            let plain = try await send("POST", run, json: #"{"image_url":"\#(Harness.pixel)"}"#).json
            #expect(plain["prompt"]?.stringValue?.isEmpty == false)
            #expect(plain["images"]?.arrayValue?.count == 1)
        }
    }

    // MARK: Helpers

    /// A started simulator serving `documents` (paths under specs/fal), stopped afterwards.
    func withCatalogSimulator<T>(_ documents: [String], seed: UInt64 = 0, _ body: (QueueSimulator) async throws -> T) async throws -> T {
        var configuration = SimulatorConfiguration()
        configuration.jobDuration = .milliseconds(20)
        configuration.logCount = 1
        configuration.seed = seed
        let simulator = try QueueSimulator(configuration: configuration, documentFiles: documents.map(Self.document),
                                           options: LoadOptions(allowUnresolvedReferences: true))
        return try await simulator.whileRunning(body)
    }

    /// Runs `operation`, failing the test if it takes more than `limit`.
    func bounded(_ limit: Duration = .seconds(20), _ operation: @escaping @Sendable () async -> Void) async throws {
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await operation(); return true }
            group.addTask { try? await Task.sleep(for: limit); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finished, "did not finish within \(limit)")
    }

    /// Every object in `value` that has a `url` and a file's fields, with its pointer.
    func fileObjects(_ value: JSONValue, _ pointer: JSONPointer = .root) -> [(JSONPointer, JSONValue)] {
        switch value {
        case .object(let members):
            if value["url"]?.stringValue != nil, value["content_type"] != nil || value["file_name"] != nil || value["file_size"] != nil {
                return [(pointer, value)]
            }
            return members.flatMap { fileObjects($0.1, pointer.appending($0.0)) }
        case .array(let items):
            return items.enumerated().flatMap { fileObjects($0.element, pointer.appending($0.offset)) }
        default:
            return []
        }
    }

    /// Strings under a `url` or `…_url` key that are empty.
    func emptyURLs(_ value: JSONValue, _ pointer: JSONPointer = .root) -> [JSONPointer] {
        switch value {
        case .object(let members):
            return members.flatMap { name, member -> [JSONPointer] in
                if OutputSynthesizer.isURLName(name), member.stringValue?.isEmpty == true { return [pointer.appending(name)] }
                return emptyURLs(member, pointer.appending(name))
            }
        case .array(let items):
            return items.enumerated().flatMap { emptyURLs($0.element, pointer.appending($0.offset)) }
        default:
            return []
        }
    }

    func negativeNumbers(_ value: JSONValue, _ pointer: JSONPointer = .root) -> [(JSONPointer, Double)] {
        switch value {
        case .integer, .number:
            return (value.doubleValue ?? 0) < 0 ? [(pointer, value.doubleValue ?? 0)] : []
        case .object(let members):
            return members.flatMap { negativeNumbers($0.1, pointer.appending($0.0)) }
        case .array(let items):
            return items.enumerated().flatMap { negativeNumbers($0.element, pointer.appending($0.offset)) }
        default:
            return []
        }
    }

    /// Whether the schema at `tokens` (through unions, `allOf`, arrays and maps) has a negative bound.
    func allowsNegative(_ raw: Schema, _ tokens: [String], _ document: SpecDocument, depth: Int = 0) -> Bool {
        guard depth < 32 else { return true }
        let schema = document.dereference(raw)
        let members = schema.anyOf + schema.oneOf + schema.allOf
        if members.contains(where: { allowsNegative($0, tokens, document, depth: depth + 1) }) { return true }
        guard let token = tokens.first else {
            let bounds = [schema.minimum, schema.exclusiveMinimum, schema.maximum, schema.exclusiveMaximum].compactMap { $0 }
            return bounds.contains { $0 < 0 }
        }
        let rest = Array(tokens.dropFirst())
        if let property = schema.properties.first(where: { $0.name == token }) {
            return allowsNegative(property.schema, rest, document, depth: depth + 1)
        }
        if let items = schema.items, Int(token) != nil { return allowsNegative(items, rest, document, depth: depth + 1) }
        if case .schema(let extra) = schema.additionalProperties { return allowsNegative(extra, rest, document, depth: depth + 1) }
        return false
    }
}

extension ValidationIssue {
    /// `/a/0/b: message`, for failure lists.
    var pointer: JSONPointer {
        loc.dropFirst().reduce(JSONPointer.root) { pointer, part in
            if let index = part.integerValue { return pointer.appending(Int(index)) }
            return pointer.appending(part.stringValue ?? part.serialized())
        }
    }

    var summary: String { "\(pointer): \(msg)" }
}

/// What an AVI's headers say, read back for checking: the main header's size and frame count,
/// and how many `00dc` chunks hold a JPEG.
struct AVIFacts {
    var width = 0
    var height = 0
    var frames = 0
    var jpegFrames = 0

    init?(_ bytes: [UInt8]) {
        func le32(_ offset: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) } }
        func code(_ offset: Int) -> String { String(decoding: bytes[offset..<offset + 4], as: UTF8.self) }
        guard bytes.count > 12, code(0) == "RIFF", le32(4) == bytes.count - 8, code(8) == "AVI " else { return nil }
        var offset = 12
        var stack: [Int] = [bytes.count]
        while offset + 8 <= bytes.count {
            while let end = stack.last, offset >= end, stack.count > 1 { stack.removeLast() }
            let name = code(offset)
            let size = le32(offset + 4)
            if name == "LIST" {
                stack.append(offset + 8 + size)
                offset += 12
                continue
            }
            guard offset + 8 + size <= bytes.count else { return nil }
            if name == "avih" {
                frames = le32(offset + 8 + 16)
                width = le32(offset + 8 + 32)
                height = le32(offset + 8 + 36)
            }
            if name == "00dc", bytes[offset + 8] == 0xFF, bytes[offset + 9] == 0xD8 { jpegFrames += 1 }
            offset += 8 + size + size % 2
        }
    }
}
