import Foundation
import Testing

/// How `queuegen fetch` reads answers that the queue server does not send: chunked bodies,
/// bodies cut short, answers that are not HTTP. Each over a real loopback connection.
@Suite("queuegen fetch: reading HTTP answers")
struct HTTPAnswerTests {
    static let document = "Tests/Fixtures/fal-catalog-july/fal-ai__flux-lora.json"

    @Test("a chunked answer is put back together byte for byte")
    func chunked() async throws {
        let document = try bytes(repositoryFile(Self.document))
        var answer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        var offset = 0
        var size = 1
        while offset < document.count {
            let piece = document[offset..<min(document.count, offset + size)]
            answer += Array("\(String(piece.count, radix: 16));ext=1\r\n".utf8) + piece + [13, 10]
            offset += piece.count
            size = size * 3 + 7
        }
        answer += Array("0\r\n\r\n".utf8)
        try await withScriptedServer(answer: answer) { port in
            try await withTemporaryFolder { folder in
                let result = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", "http://127.0.0.1:\(port)"])
                #expect(result.status == 0, "\(result.errors)")
                #expect(try bytes(folder.appendingPathComponent("fal-ai__flux-lora.json")) == document)
            }
        }
    }

    @Test("a body shorter than its Content-Length: an error, nothing written")
    func cutShort() async throws {
        let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{\"openapi\": ".utf8)
        try await withScriptedServer(answer: answer) { port in
            try await withTemporaryFolder { folder in
                let result = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", "http://127.0.0.1:\(port)"])
                #expect(result.status == 1)
                #expect(result.errors.contains("the server closed the connection after 12 of 5000 bytes"))
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
            }
        }
    }

    @Test("an answer that is not HTTP: an error naming what came back")
    func notHTTP() async throws {
        try await withScriptedServer(answer: Array("SSH-2.0-OpenSSH_9.6\r\n\r\n".utf8)) { port in
            try await withTemporaryFolder { folder in
                let result = try await queuegen(["fetch", "fal-ai/flux-lora", "--into", folder.path, "--base-url", "http://127.0.0.1:\(port)"])
                #expect(result.status == 1)
                #expect(result.errors.contains("the server's answer is not HTTP/1.1: 'SSH-2.0-OpenSSH_9.6'"))
            }
        }
    }
}
