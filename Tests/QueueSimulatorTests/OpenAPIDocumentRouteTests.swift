import Foundation
import QueueSimulator
import Testing

/// `GET /api/openapi/queue/openapi.json?endpoint_id=<id>`, as `queuegen fetch` uses it.
@Suite("The OpenAPI document route")
struct OpenAPIDocumentRouteTests {
    @Test("serves the bytes it was started with, for each endpoint they declare; 404 JSON for others; 400 without an id")
    func documents() async throws {
        var fixture = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { fixture.deleteLastPathComponent() }
        fixture.appendPathComponent("Tests/Fixtures/fal-openapi/fal-ai__flux-pro__v1.1.json")
        let simulator = try QueueSimulator(configuration: .init(), documentFiles: [fixture.path])
        try await simulator.start()
        do {
            let base = simulator.queueBaseURL.absoluteString + QueueSimulator.openAPIDocumentPath
            let found = try await send("GET", base + "?endpoint_id=fal-ai/flux-pro/v1.1")
            #expect(found.status == 200)
            #expect(found.header("content-type") == "application/json")
            #expect(found.body == Array(try Data(contentsOf: fixture)))

            let escaped = try await send("GET", base + "?endpoint_id=fal-ai%2Fflux-pro%2Fv1.1")
            #expect(escaped.body == found.body)

            let unknown = try await send("GET", base + "?endpoint_id=fal-ai/flux/dev")
            #expect(unknown.status == 404)
            #expect(try unknown.json["detail"]?.stringValue == "No OpenAPI document for endpoint 'fal-ai/flux/dev'")

            let noID = try await send("GET", base)
            #expect(noID.status == 400)

            simulator.withdrawDocument(for: "fal-ai/flux-pro/v1.1")
            #expect(try await send("GET", base + "?endpoint_id=fal-ai/flux-pro/v1.1").status == 404)
        } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()
    }

    @Test("the bundled FLUX.1 [schnell] Redux simulator serves its YAML document")
    func bundled() async throws {
        let harness = try await Harness.start()
        do {
            let answer = try await send("GET", harness.base + QueueSimulator.openAPIDocumentPath + "?endpoint_id=\(Harness.endpoint)")
            #expect(answer.status == 200)
            #expect(answer.body == (try QueueSimulator.bundledFluxReduxSpecBytes()))
            #expect(answer.header("content-type") == "application/yaml")
        } catch {
            await harness.finish()
            throw error
        }
        await harness.finish()
    }
}
