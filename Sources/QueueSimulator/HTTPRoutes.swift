import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A complete JSON (or bytes) answer, before faults bend it.
struct Reply: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8]
    var contentType = "application/json"

    static func json(_ status: Int, _ body: JSONValue, headers: [(String, String)] = []) -> Reply {
        Reply(status: status, headers: headers, body: body.bytes)
    }

    static func detail(_ status: Int, _ message: String, headers: [(String, String)] = []) -> Reply {
        .json(status, .object([("detail", .string(message))]), headers: headers)
    }

    var response: Response {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Thrown from a response body to cut the connection mid-answer.
struct DroppedConnection: Error {}

/// Where a request goes.
enum RouteTarget {
    case submit(QueueSimulator.EndpointEntry)
    case sync(QueueSimulator.EndpointEntry)
    case stream(QueueSimulator.EndpointEntry)
    case status(app: String, id: String)
    case statusStream(app: String, id: String)
    case result(app: String, id: String)
    case cancel(app: String, id: String)
    case file(String)
    case cdnUpload
    case storageToken
    case storageInitiate
    case storagePut(String)
    case multipartInitiate
    case multipartPart(token: String, part: String)
    case multipartComplete(token: String)
    case statistics
    case webhookSink(String)
    case jwks
    case notFound
    case methodNotAllowed

    var faultRoute: Fault.Route? {
        switch self {
        case .submit: .submit
        case .sync, .stream: .sync
        case .status: .status
        case .statusStream: .statusStream
        case .result: .result
        case .cancel: .cancel
        case .file: .files
        case .cdnUpload, .storageToken, .storageInitiate, .storagePut, .multipartInitiate, .multipartPart, .multipartComplete: .upload
        case .statistics, .webhookSink, .jwks, .notFound, .methodNotAllowed: nil
        }
    }

    var needsKey: Bool {
        switch self {
        case .file, .storagePut, .multipartPart, .multipartComplete, .statistics, .webhookSink, .jwks, .notFound, .methodNotAllowed: false
        default: true
        }
    }

    var requestID: String? {
        switch self {
        case .status(_, let id), .statusStream(_, let id), .result(_, let id), .cancel(_, let id): id
        default: nil
        }
    }
}

extension QueueSimulator {
    static let cdnToken = "simulated-cdn-token"

    func route(method: HTTPRequest.Method, path: String) -> RouteTarget {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        guard let first = segments.first else { return .notFound }
        func expect(_ allowed: HTTPRequest.Method, _ target: RouteTarget) -> RouteTarget {
            allowed == method || (method == .head && allowed == .get) ? target : .methodNotAllowed
        }
        switch first {
        case "files":
            if segments == ["files", "upload"] && method == .post { return .cdnUpload }
            guard segments.count > 1 else { return .notFound }
            return expect(.get, .file(segments.dropFirst().joined(separator: "/")))
        case "storage":
            if segments == ["storage", "auth", "token"] { return expect(.post, .storageToken) }
            if segments == ["storage", "upload", "initiate"] { return expect(.post, .storageInitiate) }
            if segments == ["storage", "upload", "initiate-multipart"] { return expect(.post, .multipartInitiate) }
            if segments.count == 4, segments[1] == "multipart" {
                if segments[3] == "complete" { return expect(.post, .multipartComplete(token: segments[2])) }
                return expect(.put, .multipartPart(token: segments[2], part: segments[3]))
            }
            if segments.count == 3, segments[1] == "upload" { return expect(.put, .storagePut(segments[2])) }
            return .notFound
        case ".well-known" where segments == [".well-known", "jwks.json"]:
            return expect(.get, .jwks)
        case "_simulator":
            if segments == ["_simulator", "statistics"] { return expect(.get, .statistics) }
            if segments.count == 3, segments[1] == "webhooks" { return .webhookSink(segments[2]) }
            return .notFound
        case "run" where segments.last == "stream" && endpoints[segments.dropFirst().dropLast().joined(separator: "/")] != nil:
            return expect(.post, .stream(endpoints[segments.dropFirst().dropLast().joined(separator: "/")]!))
        case "run" where endpoints[segments.dropFirst().joined(separator: "/")] != nil:
            return expect(.post, .sync(endpoints[segments.dropFirst().joined(separator: "/")]!))
        default:
            break
        }
        if let index = segments.lastIndex(of: "requests"), index + 1 < segments.count {
            let app = segments[..<index].joined(separator: "/")
            guard appPaths.contains(app) || endpoints[app] != nil else { return .notFound }
            let id = segments[index + 1]
            switch Array(segments[(index + 2)...]) {
            case []: return expect(.get, .result(app: app, id: id))
            case ["status"]: return expect(.get, .status(app: app, id: id))
            case ["status", "stream"]: return expect(.get, .statusStream(app: app, id: id))
            case ["cancel"]: return expect(.put, .cancel(app: app, id: id))
            default: return .notFound
            }
        }
        if let entry = endpoints[segments.joined(separator: "/")] {
            return expect(.post, .submit(entry))
        }
        if segments.last == "stream", let entry = endpoints[segments.dropLast().joined(separator: "/")] {
            return expect(.post, .stream(entry))
        }
        return .notFound
    }

    /// Answers one HTTP request.
    func respond(to request: Request) async -> Response {
        var request = request
        if let reply = openAPIDocumentReply(to: request) { return reply.response }  // OpenAPIDocumentRoute.swift
        if let reply = await realtimeTokenReply(to: &request) { return reply.response }  // RealtimeTokens.swift
        let target = route(method: request.method, path: request.uri.path)
        let faultRoute = target.faultRoute
        if let faultRoute {
            state.withLock { $0.statistics.requests[faultRoute, default: 0] += 1 }
        }
        if target.needsKey, let key = configuration.apiKey {
            let presented = request.headers[.authorization] ?? ""
            var accepted = presented == "Key \(key)" || presented == "Bearer \(key)"
            if case .cdnUpload = target, presented == "Bearer \(Self.cdnToken)" { accepted = true }
            if !accepted {
                state.withLock { $0.statistics.unauthorized += 1 }
                return Reply.detail(401, "No user found for Key ID and Secret").response
            }
        }
        let fault = faultRoute.flatMap(drawFault(for:))
        let requestIDHeader: [(String, String)] = target.requestID.map { [("x-fal-request-id", $0)] } ?? []
        switch fault {
        case .httpStatus(let code, let retryAfter)?:
            var headers = requestIDHeader
            if let retryAfter { headers.append(("Retry-After", String(retryAfter))) }
            let message = code == 429 ? "Rate limit exceeded" : "Simulated error \(code)"
            return Reply.detail(code, message, headers: headers).response
        case .ingress(let code)?:
            let title = [502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out"][code]
                ?? "\(code) Error"
            let html = "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            return Reply(status: code, body: Array(html.utf8), contentType: "text/html").response
        case .internalError?:
            return Reply.json(500, .object([("detail", .string("Internal server error")), ("error_type", .string("internal_error"))]),
                              headers: requestIDHeader + [("X-Fal-Error-Type", "internal_error")]).response
        case .userTimeout?:
            return Reply.json(504, .object([("detail", .string("Request timed out")), ("error_type", .string("request_timeout"))]),
                              headers: requestIDHeader + [("X-Fal-Request-Timeout-Type", "user"), ("X-Fal-Error-Type", "request_timeout")]).response
        case .delay(let duration)?:
            try? await Task.sleep(for: duration)
        default:
            break
        }
        let authority = request.head.authority ?? "\(hostForURLs):\(port)"
        let base = "http://\(authority)"
        let reply: Reply
        switch target {
        case .statusStream(let app, let id):
            var stall: Duration?
            if case .stallStream(let duration)? = fault { stall = duration }
            if let response = statusStream(app: app, id: id, base: base, logs: wantsLogs(request), stall: stall) {
                return mangle(response: response, fault: fault)
            }
            reply = Reply.detail(404, "Request not found", headers: requestIDHeader)
        case .submit(let entry):
            reply = await submit(&request, entry: entry, base: base, fault: fault, waitForResult: false)
        case .sync(let entry):
            reply = await submit(&request, entry: entry, base: base, fault: fault, waitForResult: true)
        case .stream(let entry):
            return mangle(response: await streamEndpoint(&request, entry: entry, base: base, fault: fault), fault: fault)
        case .status(let app, let id):
            reply = status(app: app, id: id, base: base, logs: wantsLogs(request))
        case .result(let app, let id):
            reply = result(app: app, id: id)
        case .cancel(let app, let id):
            reply = cancel(app: app, id: id)
        case .file(let name):
            reply = file(name)
        case .cdnUpload:
            reply = await cdnUpload(&request, base: base)
        case .storageToken:
            let expiry = falTimestamp(Date().addingTimeInterval(3600)).replacingOccurrences(of: "Z", with: "+00:00")
            reply = .json(200, .object([("token", .string(Self.cdnToken)), ("token_type", .string("Bearer")),
                                        ("base_url", .string(base)), ("expires_at", .string(expiry))]))
        case .storageInitiate:
            reply = await storageInitiate(&request, base: base)
        case .storagePut(let token):
            reply = await storagePut(&request, token: token)
        case .multipartInitiate:
            reply = await multipartInitiate(&request, base: base)
        case .multipartPart(let token, let part):
            reply = await multipartPart(request, token: token, part: part)
        case .multipartComplete(let token):
            reply = await multipartComplete(&request, token: token)
        case .statistics:
            reply = .json(200, statisticsJSON())
        case .webhookSink(let name):
            reply = await webhookSink(&request, name: name)
        case .jwks:
            reply = .json(200, webhookSigner.jwks)
        case .notFound:
            reply = .detail(404, "Not Found")
        case .methodNotAllowed:
            reply = .detail(405, "Method Not Allowed")
        }
        return mangle(reply: reply, fault: fault)
    }

    func wantsLogs(_ request: Request) -> Bool {
        let value = request.uri.queryParameters["logs"].map(String.init) ?? "0"
        return value == "1" || value.lowercased() == "true"
    }

    /// Decides which fault, if any, hits this request; every matching fault counts the request.
    func drawFault(for route: Fault.Route) -> Fault.Kind? {
        state.withLock { state in
            var chosen: Fault.Kind?
            for index in state.faults.indices where state.faults[index].fault.route == route || state.faults[index].fault.route == .any {
                state.faults[index].matched += 1
                let matched = state.faults[index].matched
                let fires: Bool
                switch state.faults[index].fault.trigger {
                case .times(let n): fires = matched <= n
                case .nth(let list): fires = list.contains(matched)
                case .always: fires = true
                case .probability(let p):
                    let draw = Double(state.generator.next() >> 11) / Double(1 << 53)
                    fires = draw < p
                }
                if fires && chosen == nil { chosen = state.faults[index].fault.kind }
            }
            if chosen != nil { state.statistics.faultsApplied += 1 }
            return chosen
        }
    }

    func mangle(reply: Reply, fault: Fault.Kind?) -> Response {
        var reply = reply
        switch fault {
        case .truncatedJSON?:
            reply.body = Array(reply.body.prefix(max(1, reply.body.count / 2)))
        case .malformedJSON?:
            reply.body = Array("{\"status\": \"IN_QUEUE\", \"request_id\": <<not json>>,".utf8)
        case .dropConnection?:
            var fields = HTTPFields()
            fields[.contentType] = reply.contentType
            let head = Array(reply.body.prefix(max(1, reply.body.count / 3)))
            return Response(status: .init(code: reply.status), headers: fields, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(bytes: head))
                throw DroppedConnection()
            })
        default:
            break
        }
        return reply.response
    }

    func mangle(response: Response, fault: Fault.Kind?) -> Response {
        switch fault {
        case .dropConnection?, .truncatedJSON?, .malformedJSON?:
            var fields = HTTPFields()
            fields[.contentType] = "text/event-stream"
            let broken = fault == .malformedJSON ? "data: {\"status\": <<not json>>\n\n" : "data: {\"status\":\"IN_Q"
            return Response(status: .ok, headers: fields, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(bytes: Array(broken.utf8)))
                if fault != .malformedJSON { throw DroppedConnection() }
                try await writer.finish(nil)
            })
        default:
            return response
        }
    }

    // MARK: Queue routes

    func submit(_ request: inout Request, entry: EndpointEntry, base: String, fault: Fault.Kind?, waitForResult: Bool) async -> Reply {
        guard let body = try? await request.collectBody(upTo: 64 << 20) else {
            return .detail(413, "Request body too large")
        }
        // fal refuses a body that is not UTF-8 before queueing it (checked in one linear pass).
        guard String(validating: body.readableBytesView, as: UTF8.self) != nil else {
            return .detail(400, "Request body is not valid UTF-8")
        }
        var timeout: Double?
        if let text = request.headers[HTTPField.Name("X-Fal-Request-Timeout")!] {
            // Finite and at most a year: `1e400` reads as infinity, which trapped the whole server
            // when turned into a sleep (found by the HTTP mutation run).
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0, value <= 31_536_000 else {
                return .detail(400, "X-Fal-Request-Timeout must be a number of seconds, more than 0 and at most 31536000")
            }
            timeout = value
        }
        var webhook: URL?
        if let text = request.uri.queryParameters["fal_webhook"].map(String.init) {
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", let host = url.host,
                  Self.isLoopback(host)
            else {
                return .detail(400, "fal_webhook must be an http URL on loopback: the simulator delivers webhooks only on this machine")
            }
            webhook = url
        }
        if let text = request.uri.queryParameters["fal_max_queue_length"].map(String.init), let limit = Int(text),
           state.withLock({ $0.queuedCount }) >= limit {
            return .detail(429, "Queue is full: \(limit) requests are already waiting")
        }
        let priority = QueuePriority(rawValue: request.headers[HTTPField.Name("X-Fal-Queue-Priority")!]?.lowercased() ?? "normal")
            ?? .normal
        let id = UUID().uuidString.lowercased()
        var job = JobRecord(id: id, endpointID: entry.endpoint.id, appPath: entry.appPath,
                            input: Array(buffer: body), baseURL: base, priority: priority)
        job.webhook = webhook
        if case .jobError(let message, let type)? = fault { job.forcedError = (message, type) }
        let position = state.withLock { state in
            priority == .normal ? state.normalQueue.count : state.queuedCount
        }
        enqueue(job, timeout: timeout)
        let requestIDHeader = [("x-fal-request-id", id), ("X-Fal-Billable-Units", "1")]
        if waitForResult {
            await waitUntilFinished(id)
            guard let outcome = state.withLock({ $0.jobs[id]?.outcome }) else { return .detail(500, "Internal server error") }
            return .json(outcome.httpStatus, outcome.body, headers: outcome.headers + requestIDHeader)
        }
        let urls = urls(base: base, app: entry.appPath, id: id)
        return .json(200, .object([
            ("status", .string("IN_QUEUE")), ("request_id", .string(id)),
            ("response_url", .string(urls.response)), ("status_url", .string(urls.status)), ("cancel_url", .string(urls.cancel)),
            ("logs", .null), ("metrics", .object([])), ("queue_position", .integer(Int64(position))),
        ]), headers: requestIDHeader)
    }

    /// `SimulatorConfiguration.publicBaseURL` when set, else `base` (from the request's `Host`).
    func queueBase(_ base: String) -> String {
        guard let advertised = configuration.publicBaseURL?.absoluteString else { return base }
        return advertised.hasSuffix("/") ? String(advertised.dropLast()) : advertised
    }

    func urls(base: String, app: String, id: String) -> (response: String, status: String, cancel: String) {
        let response = "\(queueBase(base))/\(app)/requests/\(id)"
        return (response, response + "/status", response + "/cancel")
    }

    /// The job, if `app` (owner/alias or full id) is where it lives.
    func job(_ id: String, app: String) -> JobRecord? {
        state.withLock { state in
            guard let job = state.jobs[id], job.appPath == app || job.endpointID == app else { return nil }
            return job
        }
    }

    func statusJSON(id: String, base: String, logs: Bool) -> (JSONValue, finished: Bool)? {
        state.withLock { state in
            guard let job = state.jobs[id] else { return nil }
            let urls = urls(base: base, app: job.appPath, id: id)
            var members: [(String, JSONValue)] = [("status", .string("IN_QUEUE")), ("request_id", .string(id)),
                                                  ("response_url", .string(urls.response)), ("status_url", .string(urls.status)),
                                                  ("cancel_url", .string(urls.cancel))]
            let logValue: JSONValue = logs
                ? .array(job.logs.map { .object([("message", .string($0.message)), ("level", .string("INFO")),
                                                  ("source", .string("USER")), ("timestamp", .string($0.timestamp))]) })
                : .null
            switch job.phase {
            case .queued:
                members += [("logs", .null), ("metrics", .object([])),
                            ("queue_position", .integer(Int64(state.position(of: id) ?? 0)))]
                return (.object(members), false)
            case .inProgress:
                members[0].1 = .string("IN_PROGRESS")
                members += [("logs", logValue), ("metrics", .object([]))]
                return (.object(members), false)
            case .finished(let outcome):
                members[0].1 = .string("COMPLETED")
                let metrics: JSONValue = job.inferenceTime.map { .object([("inference_time", .number($0))]) } ?? .object([])
                members += [("logs", logValue), ("metrics", metrics)]
                if let error = outcome.error { members.append(("error", .string(error))) }
                if let type = outcome.errorType { members.append(("error_type", .string(type))) }
                return (.object(members), true)
            }
        }
    }

    func status(app: String, id: String, base: String, logs: Bool) -> Reply {
        guard job(id, app: app) != nil, let (json, _) = statusJSON(id: id, base: base, logs: logs) else {
            return .detail(404, "Request not found", headers: [("x-fal-request-id", id)])
        }
        return .json(200, json, headers: [("x-fal-request-id", id)])
    }

    func result(app: String, id: String) -> Reply {
        guard let job = job(id, app: app) else { return .detail(404, "Request not found", headers: [("x-fal-request-id", id)]) }
        guard let outcome = job.outcome else {
            return .detail(400, "Request is still in progress", headers: [("x-fal-request-id", id)])
        }
        return .json(outcome.httpStatus, outcome.body, headers: outcome.headers + [("x-fal-request-id", id)])
    }

    func cancel(app: String, id: String) -> Reply {
        guard job(id, app: app) != nil else {
            return .json(404, .object([("status", .string("NOT_FOUND"))]), headers: [("x-fal-request-id", id)])
        }
        switch requestCancel(id) {
        case 202: return .json(202, .object([("status", .string("CANCELLATION_REQUESTED"))]), headers: [("x-fal-request-id", id)])
        case 400: return .json(400, .object([("status", .string("ALREADY_COMPLETED"))]), headers: [("x-fal-request-id", id)])
        default: return .json(404, .object([("status", .string("NOT_FOUND"))]), headers: [("x-fal-request-id", id)])
        }
    }

    /// `text/event-stream`: one `data:` event per change, `: ping` while idle, closed after COMPLETED.
    func statusStream(app: String, id: String, base: String, logs: Bool, stall: Duration?) -> Response? {
        guard job(id, app: app) != nil else { return nil }
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream"
        fields[.cacheControl] = "no-cache"
        fields[HTTPField.Name("x-fal-request-id")!] = id
        let keepAlive = configuration.keepAliveInterval
        return Response(status: .ok, headers: fields, body: ResponseBody { [self] writer in
            let (signals, continuation) = AsyncStream<StreamSignal>.makeStream(bufferingPolicy: .bufferingNewest(8))
            let token = UUID()
            state.withLock { $0.jobs[id]?.subscribers[token] = continuation }
            var pinger: Task<Void, Never>?
            defer {
                pinger?.cancel()
                continuation.finish()
                _ = state.withLock { $0.jobs[id]?.subscribers.removeValue(forKey: token) }
            }
            var last = ""
            func emit(_ writer: inout any ResponseBodyWriter) async throws -> Bool {
                guard let (json, finished) = statusJSON(id: id, base: base, logs: logs) else { return true }
                let text = json.serialized()
                if text != last {
                    last = text
                    try await writer.write(ByteBuffer(string: "data: \(text)\n\n"))
                }
                return finished
            }
            if try await emit(&writer) {
                try await writer.finish(nil)
                return
            }
            if let stall { try await Task.sleep(for: stall) }
            pinger = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: keepAlive)
                    if Task.isCancelled { break }
                    continuation.yield(.ping)
                }
            }
            for await signal in signals {
                switch signal {
                case .ping:
                    try await writer.write(ByteBuffer(string: ": ping\n\n"))
                case .changed:
                    if try await emit(&writer) {
                        try await writer.finish(nil)
                        return
                    }
                }
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Files and uploads

    func file(_ name: String) -> Reply {
        let (stored, rendered) = state.withLock { state in
            (state.files[name], state.recentlyRendered.last(where: { $0.name == name })?.bytes)
        }
        guard let stored else {
            return reassembledFileReply(name) ?? .detail(404, "File not found")
        }
        if let rendered { return Reply(status: 200, body: rendered, contentType: stored.contentType) }
        let (bytes, contentType) = stored.contents
        return Reply(status: 200, body: bytes, contentType: contentType)
    }

    func storageInitiate(_ request: inout Request, base: String) async -> Reply {
        guard let body = try? await request.collectBody(upTo: 1 << 20), let json = try? JSONValue.parse(Array(buffer: body)) else {
            return .detail(422, "Body must be JSON with content_type and file_name")
        }
        let contentType = json["content_type"]?.stringValue ?? "application/octet-stream"
        let fileName = Self.safeFileName(json["file_name"]?.stringValue ?? "upload.bin")
        let token = UUID().uuidString.lowercased()
        let name = "\(token)/\(fileName)"
        state.withLock { $0.uploads[token] = (name, contentType) }
        return .json(200, .object([("upload_url", .string("\(queueBase(base))/storage/upload/\(token)")),
                                   ("file_url", .string("\(base)/files/\(name)"))]))
    }

    func storagePut(_ request: inout Request, token: String) async -> Reply {
        guard let upload = state.withLock({ $0.uploads[token] }) else { return .detail(404, "Unknown upload URL") }
        guard let body = try? await request.collectBody(upTo: 256 << 20) else { return .detail(413, "Upload too large") }
        let contentType = request.headers[.contentType] ?? upload.contentType
        state.withLock { $0.files[upload.name] = .bytes(Array(buffer: body), contentType: contentType) }
        return Reply(status: 200, body: [])
    }

    func cdnUpload(_ request: inout Request, base: String) async -> Reply {
        guard let body = try? await request.collectBody(upTo: 256 << 20) else { return .detail(413, "Upload too large") }
        let contentType = request.headers[.contentType] ?? "application/octet-stream"
        let fileName = Self.safeFileName(request.headers[HTTPField.Name("X-Fal-File-Name")!] ?? "upload.bin")
        let name = "\(UUID().uuidString.lowercased())/\(fileName)"
        state.withLock { $0.files[name] = .bytes(Array(buffer: body), contentType: contentType) }
        return .json(200, .object([("access_url", .string("\(base)/files/\(name)")), ("content_type", .string(contentType))]))
    }

    static func safeFileName(_ name: String) -> String {
        let cleaned = name.split(separator: "/").last.map(String.init) ?? "upload.bin"
        let allowed = cleaned.filter { $0.isLetter || $0.isNumber || "._-".contains($0) }
        return allowed.isEmpty ? "upload.bin" : allowed
    }

    /// `POST /_simulator/webhooks/{name}[?fail=n]` records a delivery (answering 500 to the first
    /// `n`); `GET` lists what arrived, as a JSON array. A loopback target for webhook tests and demos.
    func webhookSink(_ request: inout Request, name: String) async -> Reply {
        if request.method == .get {
            let bodies = state.withLock { $0.webhookSinks[name] ?? [] }
            return .json(200, .array(bodies.map { (try? JSONValue.parse($0)) ?? .string(String(decoding: $0, as: UTF8.self)) }))
        }
        guard request.method == .post else { return .detail(405, "Method Not Allowed") }
        let body = (try? await request.collectBody(upTo: 64 << 20)).map { Array(buffer: $0) } ?? []
        let failFirst = request.uri.queryParameters["fail"].flatMap { Int(String($0)) } ?? 0
        let accepted = state.withLock { state -> Bool in
            state.webhookSinkAttempts[name, default: 0] += 1
            guard state.webhookSinkAttempts[name]! > failFirst else { return false }
            state.webhookSinks[name, default: []].append(body)
            return true
        }
        return accepted ? .json(200, .object([("ok", .bool(true))])) : .detail(500, "Simulated webhook receiver failure")
    }

    func statisticsJSON() -> JSONValue {
        let statistics = self.statistics
        let requests = Fault.Route.allCases.compactMap { route in
            statistics.requests[route].map { (route.rawValue, JSONValue.integer(Int64($0))) }
        }
        return .object([
            ("requests", .object(requests)),
            ("unauthorized", .integer(Int64(statistics.unauthorized))),
            ("jobs_submitted", .integer(Int64(statistics.jobsSubmitted))),
            ("jobs_completed", .integer(Int64(statistics.jobsCompleted))),
            ("jobs_cancelled", .integer(Int64(statistics.jobsCancelled))),
            ("jobs_failed", .integer(Int64(statistics.jobsFailed))),
            ("distinct_request_ids", .integer(Int64(state.withLock { $0.jobs.count }))),
            ("webhooks_delivered", .integer(Int64(statistics.webhooksDelivered))),
            ("faults_applied", .integer(Int64(statistics.faultsApplied))),
            ("peak_queue_length", .integer(Int64(statistics.peakQueueLength))),
            ("rss_kb", .integer(Int64(statistics.residentKilobytes))),
            ("peak_rss_kb", .integer(Int64(statistics.peakResidentKilobytes))),
        ])
    }
}
