import Foundation

/// A log line a job emitted.
struct LogLine: Sendable {
    var message: String
    var timestamp: String
}

/// How a finished job ended, and what its result route answers.
struct JobOutcome: Sendable {
    /// The result route's HTTP status.
    var httpStatus: Int
    /// The result route's body.
    var body: JSONValue
    /// Extra headers on the result route.
    var headers: [(String, String)] = []
    /// `error` on the COMPLETED status, when the job failed.
    var error: String?
    /// `error_type` on the COMPLETED status.
    var errorType: String?
    /// Whether it ended by cancellation.
    var cancelled = false
}

/// Queue priority (`X-Fal-Queue-Priority`).
enum QueuePriority: String, Sendable {
    case normal, low
}

/// A job as the simulator keeps it.
struct JobRecord: Sendable {
    enum Phase: Sendable {
        case queued
        case inProgress
        case finished(JobOutcome)
    }

    var id: String
    var endpointID: String
    /// `owner/alias`, with the namespace if any: where status, result and cancel live.
    var appPath: String
    var input: [UInt8]
    /// `http://host:port` as the submitting client addressed the server; file URLs use it too.
    var baseURL: String
    var priority: QueuePriority
    var phase: Phase = .queued
    var logs: [LogLine] = []
    var cancelRequested = false
    var webhook: URL?
    var forcedError: (message: String, type: String)?
    var inferenceTime: Double?
    var startedAt: ContinuousClock.Instant?
    var subscribers: [UUID: AsyncStream<StreamSignal>.Continuation] = [:]
    var finishWaiters: [CheckedContinuation<Void, Never>] = []

    var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }

    var outcome: JobOutcome? {
        if case .finished(let outcome) = phase { return outcome }
        return nil
    }
}

/// What wakes a status stream.
enum StreamSignal: Sendable {
    case changed
    case ping
}

/// A file the files route serves: uploaded bytes, or an output kept as a recipe and rendered
/// when asked for (so that many jobs cost little memory).
enum StoredFile: Sendable, Hashable {
    case bytes([UInt8], contentType: String)
    case image(ImageRecipe)
    case audio(AudioRecipe)
    case video(VideoRecipe)
    case asset(AssetRecipe)

    /// The served bytes and their content type.
    var contents: (bytes: [UInt8], contentType: String) {
        switch self {
        case .bytes(let bytes, let contentType): (bytes, contentType)
        case .image(let recipe): (recipe.render(), recipe.contentType)
        case .audio(let recipe): (recipe.render(), recipe.contentType)
        case .video(let recipe): (recipe.render(), recipe.contentType)
        case .asset(let recipe): (recipe.render(), recipe.contentType)
        }
    }

    /// The served content type, without rendering.
    var contentType: String {
        switch self {
        case .bytes(_, let contentType): contentType
        case .image(let recipe): recipe.contentType
        case .audio(let recipe): recipe.contentType
        case .video(let recipe): recipe.contentType
        case .asset(let recipe): recipe.contentType
        }
    }

    /// The name it is served under (`/files/<name>`); `nil` for uploads, which are named when stored.
    var fileName: String? {
        switch self {
        case .bytes: nil
        case .image(let recipe): recipe.fileName
        case .audio(let recipe): recipe.fileName
        case .video(let recipe): recipe.fileName
        case .asset(let recipe): recipe.fileName
        }
    }

    /// The served size when it is known without rendering (uploads, PNG images, WAV audio).
    var knownByteCount: Int? {
        switch self {
        case .bytes(let bytes, _): bytes.count
        case .image(let recipe): recipe.format == .png ? recipe.pngByteCount : nil
        case .audio(let recipe): recipe.byteCount
        case .video, .asset: nil
        }
    }
}

/// SplitMix64: small, fast, and the same sequence for the same seed everywhere.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Timestamps the way fal writes them: ISO 8601 with milliseconds and `Z`.
func falTimestamp(_ date: Date = Date()) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
}

/// The process's resident set figures from /proc/self/status, in KiB: (current, peak).
func residentMemoryKilobytes() -> (current: Int, peak: Int) {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    var current = 0
    var peak = 0
    for line in text.split(separator: "\n") {
        let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 2, let value = Int(parts[1]) else { continue }
        if parts[0] == "VmRSS:" { current = value }
        if parts[0] == "VmHWM:" { peak = value }
    }
    return (current, peak)
}
