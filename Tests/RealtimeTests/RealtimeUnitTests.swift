import Foundation
import FluxRedux
@testable import QueueRuntime
import Testing

/// The parts of realtime that need no server: token answers, URLs, option checks.
@Suite struct RealtimeUnitTests {
    @Test func tokenAnswersInEachFormFalsProxiesUse() {
        #expect(RealtimeTokenSource.parse(Data(#""abc.def""#.utf8)) == "abc.def")
        #expect(RealtimeTokenSource.parse(Data(#"{"token": "t1"}"#.utf8)) == "t1")
        #expect(RealtimeTokenSource.parse(Data(#"{"detail": "t2"}"#.utf8)) == "t2")
        #expect(RealtimeTokenSource.parse(Data(#"{"detail": 3}"#.utf8)) == nil)
        #expect(RealtimeTokenSource.parse(Data(#""""#.utf8)) == nil)
        #expect(RealtimeTokenSource.parse(Data("not json".utf8)) == nil)
    }

    func client(runHost: String) -> QueueClient {
        var configuration = QueueClient.Configuration(environment: [:])
        configuration.syncBaseURL = URL(string: runHost)!
        return QueueClient(configuration: configuration)
    }

    @Test func realtimeURLIsTheRunHostAsWebSocketWithThePathOnce() throws {
        let fal = client(runHost: "https://fal.run")
        #expect(try fal.realtimeURL("fal-ai/flux-1/schnell/redux", path: "/realtime").absoluteString
            == "wss://fal.run/fal-ai/flux-1/schnell/redux/realtime")
        #expect(try fal.realtimeURL("fal-ai/fast-lcm-diffusion/realtime", path: "/realtime").absoluteString
            == "wss://fal.run/fal-ai/fast-lcm-diffusion/realtime")
        #expect(try fal.realtimeURL("fal-ai/flux-1", path: "").absoluteString == "wss://fal.run/fal-ai/flux-1")
        let local = client(runHost: "http://127.0.0.1:8787/run")
        #expect(try local.realtimeURL("fal-ai/flux-1/schnell/redux", path: "/realtime").absoluteString
            == "ws://127.0.0.1:8787/run/fal-ai/flux-1/schnell/redux/realtime")
        #expect(throws: RealtimeError.self) { try self.client(runHost: "http://example.com").realtimeURL("a/b", path: "/realtime") }
        let target = RealtimeTarget(url: URL(string: "wss://fal.run/a/b/realtime")!, handshakeHeaders: [])
        #expect(try target.url(token: "t/k+n", maxBuffering: 2).absoluteString.hasPrefix("wss://fal.run/a/b/realtime?fal_jwt_token=t/k"))
        #expect(try target.url(token: nil, maxBuffering: nil).absoluteString == "wss://fal.run/a/b/realtime")
    }

    @Test func optionsThatCannotWorkAreRefusedUpFront() throws {
        var options = RealtimeOptions()
        options.maxBuffering = 61
        #expect(throws: RealtimeError.self) { try self.client(runHost: "https://fal.run").realtime(.flux1SchnellRedux, options: options) }
        options.maxBuffering = 0
        #expect(throws: RealtimeError.self) { try self.client(runHost: "https://fal.run").realtime(.flux1SchnellRedux, options: options) }
        options.maxBuffering = 60
        options.useJWT = false
        // No credential: the key cannot go on the handshake.
        #expect(throws: RealtimeError.self) { try self.client(runHost: "https://fal.run").realtime(.flux1SchnellRedux, options: options) }
        // Proxy mode holds no key either.
        let proxied = QueueClient(configuration: .proxy(URL(string: "https://app.example/api/fal/proxy")!))
        #expect(throws: RealtimeError.self) { try proxied.realtime(.flux1SchnellRedux, options: options) }
        options.useJWT = true
        _ = try proxied.realtime(.flux1SchnellRedux, options: options)
    }
}
