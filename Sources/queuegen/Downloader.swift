#if canImport(Darwin)
import Darwin
import Foundation
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QueueSpec

/// Downloads for `queuegen fetch`: `http://` over `PlainHTTPClient`; `https://` with URLSession
/// on Apple platforms and with the `curl` command on Linux.
///
/// Why not URLSession everywhere: on Linux it lives in FoundationNetworking, which links full
/// Foundation, ICU and libcurl into `queuegen`. Measured on this project's Linux machine
/// (`queuegen lint specs/flux-1-schnell-redux.yaml`, 60 interleaved runs, medians): 41 ms wall /
/// 19 ms CPU both before `fetch` existed and with it as written here, 81 ms wall / 40 ms CPU with
/// FoundationNetworking linked — and the build plugin runs `queuegen generate` on every build,
/// which never downloads anything. Nor
/// AsyncHTTPClient: every package using the plugin would compile SwiftNIO and BoringSSL to build
/// the generator. TLS is not something to write by hand, so on Linux `https://` is handed to
/// `curl` (on every CI image, and the tool libcurl users already trust), bounded by its
/// `--max-time` and by a deadline of our own. On Apple platforms Foundation is linked anyway.
enum Downloader {
    static func get(_ url: String, timeout: Double) throws(DownloadError) -> HTTPAnswer {
        if url.hasPrefix("http://") { return try PlainHTTPClient.get(url, timeout: timeout) }
        guard url.hasPrefix("https://") else {
            throw DownloadError(description: "only http:// and https:// URLs can be fetched, not '\(url)'")
        }
        #if canImport(Darwin)
        return try URLSessionDownload.get(url, timeout: timeout)
        #else
        return try CurlDownload.get(url, timeout: timeout)
        #endif
    }
}

#if canImport(Darwin)
/// An `https://` GET with URLSession, bounded by `timeout` for the whole download.
enum URLSessionDownload {
    static func get(_ url: String, timeout: Double) throws(DownloadError) -> HTTPAnswer {
        guard let address = URL(string: url) else { throw DownloadError(description: "not a valid URL: \(url)") }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.invalidateAndCancel() }
        final class Box: @unchecked Sendable {
            var result: Result<HTTPAnswer, DownloadError> = .failure(DownloadError(description: "no answer"))
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: address)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("queuegen", forHTTPHeaderField: "User-Agent")
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(DownloadError(description: error.localizedDescription))
            } else if let http = response as? HTTPURLResponse {
                box.result = .success(HTTPAnswer(status: http.statusCode, body: Array(data ?? Data())))
            } else {
                box.result = .failure(DownloadError(description: "no HTTP answer"))
            }
            done.signal()
        }
        task.resume()
        // URLSession's own timeouts should fire first; this bound holds even if they do not.
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            throw DownloadError(description: "timed out after \(SpecValueText.seconds(timeout)) s")
        }
        return try box.result.get()
    }
}
#else
/// An `https://` GET by the `curl` command: the body into a private temporary folder, the
/// status on standard output, curl's message on standard error.
enum CurlDownload {
    static func get(_ url: String, timeout: Double) throws(DownloadError) -> HTTPAnswer {
        var template = Array((FileTemporaryFolder.root + "/queuegen-fetch-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw DownloadError(description: "cannot make a temporary folder: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        let bodyPath = folder + "/body"
        let statusPath = folder + "/status"
        let messagePath = folder + "/message"
        defer {
            unlink(bodyPath)
            unlink(statusPath)
            unlink(messagePath)
            rmdir(folder)
        }
        let seconds = SpecValueText.seconds(timeout)
        let arguments = [
            "curl", "--silent", "--show-error", "--location", "--max-redirs", "5", "--proto", "=https",
            "--max-time", seconds, "--max-filesize", String(PlainHTTPClient.maximumBodySize),
            "--header", "Accept: application/json", "--user-agent", "queuegen",
            "--output", bodyPath, "--write-out", "%{http_code}", "--", url,
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, statusPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, messagePath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var pid: pid_t = 0
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let spawned = posix_spawnp(&pid, "curl", &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw DownloadError(description: "https:// downloads on Linux need the curl command, which could not be started (\(String(cString: strerror(spawned)))); install curl, or fetch from an http:// mirror with --base-url")
        }
        // curl's --max-time ends it; this deadline holds even if it does not.
        let deadline = PlainHTTPClient.monotonicSeconds() + timeout + 5
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if PlainHTTPClient.monotonicSeconds() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw DownloadError(description: "timed out after \(seconds) s")
            }
            usleep(10_000)
        }
        let exitCode = (status >> 8) & 0xFF
        // curl's first line says what went wrong (`curl: (60) SSL certificate problem: …`); the
        // lines after it are advice.
        let message = String(decoding: (FileBytes.read(messagePath) ?? []), as: UTF8.self)
            .split(separator: "\n").first.map { $0.trimmingSpaces } ?? ""
        guard exitCode == 0 else {
            if exitCode == 28 { throw DownloadError(description: "timed out after \(seconds) s (\(message))") }
            throw DownloadError(description: "\(url): " + (message.isEmpty ? "curl failed with status \(exitCode)" : message))
        }
        let code = Int(String(decoding: (FileBytes.read(statusPath) ?? []), as: UTF8.self).trimmingSpaces) ?? 0
        return HTTPAnswer(status: code, body: (FileBytes.read(bodyPath) ?? []))
    }
}

/// Where temporary files go: `$TMPDIR`, else `/tmp`.
enum FileTemporaryFolder {
    static var root: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }
}
#endif
