import Foundation
import Hummingbird
import Logging
import QueueTestSupport

/// Starts a Hummingbird application serving `router` on an ephemeral loopback port, runs `body`
/// with its base URL (`http://127.0.0.1:<port>`), and stops it, awaiting the server task on both
/// paths. One copy for every test target that needs an in-process server of its own (a proxy, a
/// scripted upstream), where each had its own.
package func withServer<T>(
    _ router: Router<BasicRequestContext>, name: String = "test-server", logger: Logger, _ body: (URL) async throws -> T
) async throws -> T {
    let (ports, continuation) = AsyncStream<Int?>.makeStream()
    let app = Application(
        router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: name),
        onServerRunning: { channel in
            continuation.yield(channel.localAddress?.port)
            continuation.finish()
        }, logger: logger)
    let task = Task {
        defer { continuation.finish() }
        try await app.run()
    }
    var port: Int?
    for await value in ports {
        port = value
        break
    }
    guard let port else {
        task.cancel()
        _ = await task.result
        throw TestTimeout(limit: .zero)
    }
    do {
        let result = try await body(URL(string: "http://127.0.0.1:\(port)")!)
        task.cancel()
        _ = await task.result
        return result
    } catch {
        task.cancel()
        _ = await task.result
        throw error
    }
}
