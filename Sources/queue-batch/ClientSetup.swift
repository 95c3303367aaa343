import ArgumentParser
import Foundation
import QueueRuntime

/// The client from the environment, as every command of the project makes it.
enum ClientSetup {
    /// `--proxy` wins; else `FAL_KEY` (with `FAL_QUEUE_RUN_HOST`); else a keyless queue server
    /// at `FAL_QUEUE_RUN_HOST` (such as `queue-simulator`).
    static func client(proxy: String?) throws -> QueueClient {
        let environment = ProcessInfo.processInfo.environment
        var configuration: QueueClient.Configuration
        if let proxy {
            guard let url = URL(string: proxy), url.scheme != nil, url.host != nil else {
                throw ValidationError("--proxy must be an absolute URL, got \(proxy)")
            }
            configuration = .proxy(url)
        } else if Credentials.fromEnvironment(environment) != nil {
            configuration = QueueClient.Configuration()
        } else if let host = environment["FAL_QUEUE_RUN_HOST"], !host.isEmpty,
            let url = URL(string: host.contains("://") ? host : "https://\(host)")
        {
            configuration = QueueClient.Configuration(queueBaseURL: url, credentials: nil)
        } else {
            throw ValidationError("no FAL_KEY (or FAL_KEY_ID and FAL_KEY_SECRET) and no FAL_QUEUE_RUN_HOST in the environment")
        }
        configuration.logger.logLevel = .critical
        return QueueClient(configuration: configuration)
    }
}

/// Writes to standard error.
enum Console {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
