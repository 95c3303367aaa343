import Foundation
import Testing
@testable import QueueRuntime
import QueueTestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// No transport follows a redirect: the client checks every URL it requests (plain `http` only
/// to loopback, the key only to configured hosts), and a followed redirect would skip the checks.
@Suite("Redirects are refused", .serialized)
struct RedirectTests {
    /// `/start` answers 302 to `/target`; `/target` answers 200 `followed`.
    static let redirecting: HostileServer.Handler = { request, connection in
        if request.path == "/start" {
            connection.head(302, [("Location", "/target")], length: 0)
        } else {
            connection.reply(200, "followed", contentType: "text/plain")
        }
    }

    @Test("a URLSession with RedirectRefusingDelegate gets the 302 itself; without it the redirect is followed")
    func urlSessionDelegate() async throws {
        try await HostileServer.with(Self.redirecting) { server in
            let request = URLRequest(url: server.baseURL.appendingPathComponent("start"), timeoutInterval: 10)
            // The control: a plain session follows the redirect, so the check below can fail.
            let plain = URLSession(configuration: .ephemeral)
            let (followedBody, followed) = try await within(.seconds(20)) { try await plain.data(for: request) }
            #expect((followed as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: followedBody, as: UTF8.self) == "followed")
            #expect(server.count("/target") == 1)

            let session = QueueURLSession.makeSession(.ephemeral)
            let (body, response) = try await within(.seconds(20)) { try await session.data(for: request) }
            #expect((response as? HTTPURLResponse)?.statusCode == 302)
            #expect(body.isEmpty)
            #expect(server.count("/start") == 2)
            #expect(server.count("/target") == 1, "the refusing session did not request the redirect's target")
            session.finishTasksAndInvalidate()
            plain.finishTasksAndInvalidate()
        }
    }

    @Test("the default transport does not follow a redirect: a download of a 302 is an HTTP 302 error")
    func defaultTransport() async throws {
        try await HostileServer.with(Self.redirecting) { server in
            // The default transport: AsyncHTTPClient on Linux, URLSession with the refusing delegate on Apple platforms.
            let client = QueueClient(configuration: .init(queueBaseURL: server.baseURL, credentials: Credentials(key: hostileKey)))
            let error = await #expect(throws: QueueError.self) {
                try await within(.seconds(20)) { try await client.download(server.baseURL.appendingPathComponent("start")) }
            }
            guard case .http(let failure)? = error else { Issue.record("got \(String(describing: error))"); return }
            #expect(failure.status == 302)
            #expect(server.count("/target") == 0)
        }
    }
}
