import Foundation
import QueueSimulator
import Testing

/// `queuegen fetch`, the built executable, over real HTTP against a queue server in this process.
@Suite("queuegen fetch")
struct FetchCommandTests {
    static let loraFebruary = "Tests/Fixtures/fal-openapi/fal-ai__flux-lora.json"
    static let loraJuly = "Tests/Fixtures/fal-catalog-july/fal-ai__flux-lora.json"
    static let proFebruary = "Tests/Fixtures/fal-openapi/fal-ai__flux-pro__v1.1.json"

    @Test("downloads, validates and writes; unchanged on a second run; updated when the service's document changes")
    func downloadThenUnchangedThenUpdated() async throws {
        try await withSimulator(serving: [Self.loraFebruary, Self.proFebruary]) { simulator in
            try await withTemporaryFolder { folder in
                let base = simulator.queueBaseURL.absoluteString
                // A folder that does not exist yet is made.
                let specs = folder.appendingPathComponent("specs/fal")
                let lora = specs.appendingPathComponent("fal-ai__flux-lora.json")
                let pro = specs.appendingPathComponent("fal-ai__flux-pro__v1.1.json")

                let first = try await queuegen(["fetch", "fal-ai/flux-lora", "fal-ai/flux-pro/v1.1", "--into", specs.path, "--base-url", base])
                #expect(first.status == 0, "\(first.errors)")
                #expect(first.output == "fal-ai/flux-lora: new (\(lora.path))\nfal-ai/flux-pro/v1.1: new (\(pro.path))\n")
                #expect(try bytes(lora) == bytes(repositoryFile(Self.loraFebruary)))
                #expect(try bytes(pro) == bytes(repositoryFile(Self.proFebruary)))

                // The base URL from the environment this time.
                let second = try await queuegen(["fetch", "fal-ai/flux-lora", "fal-ai/flux-pro/v1.1", "--into", specs.path],
                                                environment: ["QUEUEGEN_FETCH_BASE_URL": base])
                #expect(second.status == 0, "\(second.errors)")
                #expect(second.output == "fal-ai/flux-lora: unchanged (\(lora.path))\nfal-ai/flux-pro/v1.1: unchanged (\(pro.path))\n")

                simulator.publishDocument(try bytes(repositoryFile(Self.loraJuly)), for: ["fal-ai/flux-lora"])
                let handWritten = folder.appendingPathComponent("my-endpoint.yaml")
                try Data("openapi: 3.1.0\n".utf8).write(to: handWritten)
                let third = try await queuegen(["fetch", "--all-in", folder.path, "--base-url", base])
                #expect(third.status == 0, "\(third.errors)")
                #expect(third.output == "\(handWritten.path): skipped (not named owner__alias[__sub].json, so not a fetched document)\nfal-ai/flux-lora: updated (\(lora.path))\nfal-ai/flux-pro/v1.1: unchanged (\(pro.path))\n")
                #expect(try bytes(handWritten) == Array("openapi: 3.1.0\n".utf8))
                #expect(try bytes(lora) == bytes(repositoryFile(Self.loraJuly)))
                // No temporary file is left beside the documents.
                #expect(try FileManager.default.contentsOfDirectory(atPath: specs.path).sorted() == ["fal-ai__flux-lora.json", "fal-ai__flux-pro__v1.1.json"])
            }
        }
    }

    @Test("a 404 leaves the old file and exits non-zero with a clear message; the other endpoints are still fetched")
    func notFound() async throws {
        try await withSimulator(serving: [Self.loraFebruary]) { simulator in
            try await withTemporaryFolder { folder in
                let base = simulator.queueBaseURL.absoluteString
                let missing = folder.appendingPathComponent("fal-ai__flux__dev.json")
                let old = Array("old contents\n".utf8)
                try Data(old).write(to: missing)
                let result = try await queuegen(["fetch", "fal-ai/flux/dev", "fal-ai/flux-lora", "--into", folder.path, "--base-url", base])
                #expect(result.status == 1)
                #expect(result.errors.contains(
                    "fal-ai/flux/dev: error: not found (HTTP 404) from \(base)/api/openapi/queue/openapi.json?endpoint_id=fal-ai/flux/dev"))
                #expect(result.errors.contains("\(missing.path) left as it was"))
                #expect(result.output == "fal-ai/flux-lora: new (\(folder.appendingPathComponent("fal-ai__flux-lora.json").path))\n")
                #expect(try bytes(missing) == old)
            }
        }
    }

    @Test("an invalid document leaves the old file and exits non-zero, naming the problem and where it is")
    func invalidDocument() async throws {
        try await withSimulator(serving: [Self.loraFebruary]) { simulator in
            try await withTemporaryFolder { folder in
                let base = simulator.queueBaseURL.absoluteString
                let lora = folder.appendingPathComponent("fal-ai__flux-lora.json")
                let first = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", base])
                #expect(first.status == 0, "\(first.errors)")
                let written = try bytes(lora)

                simulator.publishDocument(Array("{\"openapi\": \"3.1.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {\"/fal-ai/flux-lora\": [1, 2]}}".utf8),
                                          for: ["fal-ai/flux-lora"])
                let second = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", base])
                #expect(second.status == 1)
                #expect(second.errors.contains("fal-ai/flux-lora: error: the downloaded document is not a valid queue spec:"))
                #expect(second.errors.contains("fal-ai/flux-lora (downloaded):1:"))
                #expect(second.errors.contains("left as it was"))
                #expect(second.output.isEmpty)
                #expect(try bytes(lora) == written)

                // Not JSON at all (an HTML error page with status 200).
                simulator.publishDocument(Array("<html><body>Service unavailable</body></html>".utf8), for: ["fal-ai/flux-lora"])
                let third = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", base])
                #expect(third.status == 1)
                #expect(third.errors.contains("not a valid queue spec"))
                #expect(try bytes(lora) == written)

                // A valid document for another endpoint is not this endpoint's document.
                simulator.publishDocument(try bytes(repositoryFile(Self.proFebruary)), for: ["fal-ai/flux-lora"])
                let fourth = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", base])
                #expect(fourth.status == 1)
                #expect(fourth.errors.contains("the downloaded document declares fal-ai/flux-pro/v1.1, not fal-ai/flux-lora"))
                #expect(try bytes(lora) == written)
            }
        }
    }

    @Test("a server that never answers: the wait is bounded by --timeout, the old file stays, the exit is non-zero")
    func timeout() async throws {
        try await withSilentServer { port in
            try await withTemporaryFolder { folder in
                let lora = folder.appendingPathComponent("fal-ai__flux-lora.json")
                let old = try bytes(repositoryFile(Self.loraFebruary))
                try Data(old).write(to: lora)
                let result = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", "http://127.0.0.1:\(port)", "--timeout", "1"])
                #expect(result.status == 1)
                #expect(result.errors.contains("fal-ai/flux-lora: error: timed out after 1 s waiting for the answer"))
                #expect(result.errors.contains("\(lora.path) left as it was"))
                #expect(try bytes(lora) == old)
            }
        }
    }

    @Test("nothing listening: a clear connection error, nothing written")
    func refused() async throws {
        // A port that was free a moment ago: bind, read the port, close.
        let port = try await withSilentServer { $0 }
        try await withTemporaryFolder { folder in
            let result = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", "http://127.0.0.1:\(port)"])
            #expect(result.status == 1)
            #expect(result.errors.contains("fal-ai/flux-lora: error: cannot connect to 127.0.0.1:\(port)"))
            #expect(result.errors.contains("not written"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        }
    }

    @Test("arguments that are not endpoint ids are refused before any download")
    func badArguments() async throws {
        let traversal = try await queuegen(["fetch", "../../etc/passwd"])
        #expect(traversal.status != 0)
        #expect(traversal.errors.contains("is not an endpoint id"))
        let badBase = try await queuegen(["fetch", "fal-ai/flux-lora"], environment: ["QUEUEGEN_FETCH_BASE_URL": "ftp://example"])
        #expect(badBase.status != 0)
        #expect(badBase.errors.contains("$QUEUEGEN_FETCH_BASE_URL 'ftp://example' is not an http:// or https:// URL with a host"))
        let noPort = try await queuegen(["fetch", "fal-ai/flux-lora", "--base-url", "http://127.0.0.1:"])
        #expect(noPort.errors.contains("--base-url 'http://127.0.0.1:' is not an http:// or https:// URL with a host"))
        let nothing = try await queuegen(["fetch"])
        #expect(nothing.status != 0)
        #expect(nothing.errors.contains("give ENDPOINT_ID... or --all-in FOLDER"))
    }
}
