import Foundation
import QueueSimulator
import QueueTestSupport
import Testing

/// Bodies that stalled or fooled the local queue server: many keys, invalid UTF-8, a host that
/// only looks like loopback.
@Suite struct LargeAndHostileBodyTests {
    /// `{"k0":0,"k1":1,…}` with `count` keys.
    static func manyKeys(_ count: Int) -> [UInt8] {
        var text = "{"
        for index in 0..<count {
            if index > 0 { text += "," }
            text += "\"k\(index)\":\(index)"
        }
        return Array((text + "}").utf8)
    }

    @Test("a 40k-key object parses in linear time, the last of a repeated key winning")
    func manyKeysParseLinearly() throws {
        let clock = ContinuousClock()
        var small: JSONValue = .null
        var large: JSONValue = .null
        let smallBytes = Self.manyKeys(10_000), largeBytes = Self.manyKeys(40_000)
        // The best of three runs of each, so that one preemption on a loaded machine does not decide.
        let smallTime = (0..<3).map { _ in clock.measure { small = (try? JSONValue.parse(smallBytes)) ?? .null } }.min()!
        let largeTime = (0..<3).map { _ in clock.measure { large = (try? JSONValue.parse(largeBytes)) ?? .null } }.min()!
        guard case .object(let members) = large, case .object(let smallMembers) = small else {
            Issue.record("not objects")
            return
        }
        #expect(members.count == 40_000 && smallMembers.count == 10_000)
        #expect(large["k39999"] == .integer(39_999))
        // Four times the keys: about four times the time when linear, sixteen when quadratic (the
        // old parser took 2.8 s and 43.9 s). A loose bound, as the machine is shared.
        #expect(largeTime < smallTime * 10 + .milliseconds(200), "10k keys: \(smallTime), 40k keys: \(largeTime)")
        #expect(try JSONValue.parse(Array(#"{"a":1,"b":2,"a":3}"#.utf8)) == .object([("a", .integer(3)), ("b", .integer(2))]))
    }

    @Test("invalid UTF-8 inside a string is refused, with its offset")
    func invalidUTF8IsRefused() throws {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0x61, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
        }
        #expect(try JSONValue.parse(Array("\"é😀\"".utf8)) == .string("é😀"))
    }

    @Test("a body that is not UTF-8 gets 400 and no job")
    func invalidUTF8SubmitGets400() async throws {
        try await Harness.with { harness in
            let answer = try await send(
                "POST", harness.submitURL, body: Array(#"{"image_url":"\#(Harness.pixel)","prompt":"a"#.utf8) + [0xFF, 0xFE] + Array("\"}".utf8),
                headers: ["Content-Type": "application/json"])
            #expect(answer.status == 400, "\(answer.text)")
            #expect(answer.text.contains("UTF-8"))
        }
    }

    @Test("only real loopback addresses are taken for webhooks", arguments: [
        ("127.evil.example", 400), ("localhost.evil.example", 400), ("127.0.0.1.nip.io", 400), ("0x7f.0.0.1", 400),
    ])
    func lookalikeLoopbackHostsAreRefused(host: String, status: Int) async throws {
        try await Harness.with { harness in
            let hook = "http://\(host):9/hook".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let answer = try await harness.submit(query: "?fal_webhook=" + hook)
            #expect(answer.status == status, "\(host): \(answer.text)")
        }
    }

    @Test("real loopback addresses are still taken for webhooks", arguments: ["127.0.0.1", "127.1.2.3", "localhost", "[::1]"])
    func loopbackHostsAreTaken(host: String) async throws {
        try await Harness.with { harness in
            let hook = "http://\(host):9/hook".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let answer = try await harness.submit(query: "?fal_webhook=" + hook)
            #expect(answer.status == 200, "\(host): \(answer.text)")
        }
    }

    @Test("two 20k-key submits leave other requests answered, and a 40k-key job completes")
    func largeBodiesDoNotStallTheServer() async throws {
        try await Harness.with({ $0.workers = 2 }) { harness in
            var body = Self.manyKeys(20_000)
            // A valid input besides the keys: the endpoint's image plus 20k unknown properties.
            body.removeFirst()
            let input = Array(#"{"image_url":"\#(Harness.pixel)","#.utf8) + body
            let first = try await harness.submitID(String(decoding: input, as: UTF8.self))
            let second = try await harness.submitID(String(decoding: input, as: UTF8.self))
            // While both are parsed and validated, an unrelated request is answered promptly.
            let statistics = try await within(.seconds(5)) {
                try await send("GET", "\(harness.base)/_simulator/statistics")
            }
            #expect(statistics.status == 200)
            var large = Self.manyKeys(40_000)
            large.removeFirst()
            let third = try await harness.submitID(String(decoding: Array(#"{"image_url":"\#(Harness.pixel)","#.utf8) + large, as: UTF8.self))
            for id in [first, second, third] {
                let status = try await within(.seconds(20)) { try await harness.waitForCompletion(id, logs: false) }
                #expect(status["status"]?.stringValue == "COMPLETED")
            }
        }
    }
}
