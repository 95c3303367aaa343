import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSpec

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Downloads the OpenAPI documents fal publishes for endpoints, writing only what changed.",
        discussion: """
            Each document comes from BASE/api/openapi/queue/openapi.json?endpoint_id=ID (BASE: --base-url, else \
            $\(Fetch.baseURLVariable), else \(Fetch.defaultBaseURL)). It is written only when it loads as a queue \
            spec declaring ID and its bytes differ from the file's; a failed download or an invalid document \
            leaves the file as it was. Files are named like fal's catalog: the id with '/' written as '__' \
            (fal-ai/flux/dev → fal-ai__flux__dev.json). Exit status 1 when any endpoint failed.
            """)

    static let baseURLVariable = "QUEUEGEN_FETCH_BASE_URL"
    static let defaultBaseURL = "https://fal.ai"

    @Argument(help: ArgumentHelp("Endpoint ids, such as fal-ai/flux/dev.", valueName: "endpoint-id"))
    var endpointIDs: [String] = []

    @Option(help: ArgumentHelp("The folder to write the documents of ENDPOINT_ID... into (default: the current folder).", valueName: "folder"))
    var into: String?

    @Option(name: .customLong("all-in"), help: ArgumentHelp("Refresh every owner__alias[__sub].json document in this folder and its subfolders.", valueName: "folder"))
    var allIn: String?

    @Option(name: .customLong("base-url"), help: ArgumentHelp("The part of the URL before /api/ (default: $\(Fetch.baseURLVariable), else \(Fetch.defaultBaseURL)).", valueName: "url"))
    var baseURL: String?

    @Option(help: ArgumentHelp("Seconds to wait for each document before giving up.", valueName: "seconds"))
    var timeout: Double = 30

    func validate() throws {
        guard !endpointIDs.isEmpty || allIn != nil else { throw ValidationError("give ENDPOINT_ID... or --all-in FOLDER") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
        for id in endpointIDs where Self.fileName(for: id) == nil {
            throw ValidationError("'\(id)' is not an endpoint id: expected owner/alias[/subpath], letters, digits, '.', '-' and '_'")
        }
    }

    func run() throws {
        var targets: [(id: String, path: String)] = []
        let folder = into ?? "."
        for id in endpointIDs {
            targets.append((id, (folder.hasSuffix("/") ? folder : folder + "/") + Self.fileName(for: id)!))
        }
        if let allIn {
            var isFolder = false
            guard FileManager.default.fileExists(atPath: allIn, isDirectory: &isFolder), isFolder else {
                throw ValidationError("--all-in \(allIn): no such folder")
            }
            let files = specFiles(under: allIn)
            let found = Self.documents(in: files)
            // A document not named after its endpoint is left alone, and said so.
            for path in files where !found.contains(where: { $0.path == path }) {
                print("\(displayPath(path)): skipped (not named owner__alias[__sub].json, so not a fetched document)")
            }
            if found.isEmpty { print("\(displayPath(allIn)): no owner__alias.json document to refresh") }
            targets += found
        }
        let environment = ProcessInfo.processInfo.environment[Self.baseURLVariable].flatMap { $0.isEmpty ? nil : $0 }
        var base = baseURL ?? environment ?? Self.defaultBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        let scheme = base.hasPrefix("https://") ? "https://" : base.hasPrefix("http://") ? "http://" : nil
        let authority = scheme.map { base.dropFirst($0.count).prefix { $0 != "/" } } ?? ""
        guard scheme != nil, !authority.isEmpty, !authority.hasPrefix(":"), !authority.hasSuffix(":") else {
            let source = baseURL != nil ? "--base-url" : environment != nil ? "$\(Self.baseURLVariable)" : "the base URL"
            throw ValidationError("\(source) '\(base)' is not an http:// or https:// URL with a host")
        }

        var failures = 0
        for (id, path) in targets {
            let url = base + "/api/openapi/queue/openapi.json?endpoint_id=" + Self.percentEncoded(id)
            do {
                let outcome = try refresh(id: id, url: url, path: path)
                print("\(id): \(outcome) (\(displayPath(path)))")
            } catch {
                failures += 1
                var line = "\(id): error: \(error)\n  \(displayPath(path)) \(FileBytes.read(path) == nil ? "not written" : "left as it was")\n"
                line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }

    /// Downloads, checks and writes one document; returns `new`, `updated` or `unchanged`.
    func refresh(id: String, url: String, path: String) throws(DownloadError) -> String {
        let answer = try Downloader.get(url, timeout: timeout)
        guard answer.status == 200 else {
            let excerpt = String(decoding: answer.body.prefix(200), as: UTF8.self).filter { $0 != "\n" && $0 != "\r" }
            let reason = answer.status == 404 ? "not found (HTTP 404)" : "HTTP \(answer.status)"
            throw DownloadError(description: "\(reason) from \(url)\(excerpt.isEmpty ? "" : ": \(excerpt)")")
        }
        let result = SpecLoader.load(bytes: answer.body, file: "\(id) (downloaded)")
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let document = result.document else {
            let shown = errors.prefix(5).map { "    \($0)" }.joined(separator: "\n")
            throw DownloadError(description: "the downloaded document is not a valid queue spec:\n\(shown)")
        }
        guard document.endpoints.contains(where: { $0.id == id }) else {
            let declared = document.endpoints.map(\.id).joined(separator: ", ")
            throw DownloadError(description: "the downloaded document declares \(declared), not \(id)")
        }
        let existing = FileBytes.read(path)
        if existing == answer.body { return "unchanged" }
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw DownloadError(description: "could not create \(folder): \(error)")
            }
        }
        do {
            try answer.body.withUnsafeBufferPointer { try FileBytes.replace(path, withBytes: $0) }
        } catch {
            throw DownloadError(description: "\(error)")
        }
        return existing == nil ? "new" : "updated"
    }

    /// `fal-ai/flux/dev` → `fal-ai__flux__dev.json`; `nil` for something that is not an endpoint id
    /// (which also keeps `..` and other path tricks out of file names).
    static func fileName(for id: String) -> String? {
        let segments = id.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return nil }
        for segment in segments {
            guard !segment.isEmpty, segment != ".", segment != "..", !segment.contains("__"),
                segment.utf8.allSatisfy({ byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                })
            else { return nil }
        }
        return segments.joined(separator: "__") + ".json"
    }

    /// The endpoint id a catalog file name stands for: `fal-ai__flux__dev.json` → `fal-ai/flux/dev`.
    static func endpointID(forFileName name: String) -> String? {
        guard name.hasSuffix(".json") else { return nil }
        let id = String(name.dropLast(".json".count)).split(separator: "__", omittingEmptySubsequences: false).joined(separator: "/")
        return fileName(for: id) == name ? id : nil
    }

    /// The catalog-named documents among `files`, with the endpoint id each name stands for.
    static func documents(in files: [String]) -> [(id: String, path: String)] {
        files.compactMap { path in
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return endpointID(forFileName: name).map { ($0, path) }
        }
    }

    /// The id as a query value: `/` is allowed there, anything outside the unreserved set is escaped.
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "-._~/".unicodeScalars.contains(scalar)
            {
                result.unicodeScalars.append(scalar)
            } else {
                let hex = Array("0123456789ABCDEF")
                result += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return result
    }
}
