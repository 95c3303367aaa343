import Foundation

extension CodingUserInfoKey {
    /// Where a `FileSubstitution` travels in an encoder's `userInfo`.
    static let queueFileSubstitution = CodingUserInfoKey(rawValue: "QueueRuntime.FileSubstitution")!
}

/// Finds and replaces the in-memory and local files of a value while it is encoded.
///
/// The client encodes an input twice: once collecting, in the order the encoder meets them, every
/// `FileInput` that is bytes or a local file (each written as an empty string), and once more with
/// the URL each was uploaded to. Encoding one value twice meets its fields in the same order, so
/// the n-th file of the second pass is the n-th of the first. Walking files this way needs no code
/// in generated models, which keeps generated modules quick to compile.
final class FileSubstitution: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [FileInput] = []
    private var replacements: [String]?
    private var next = 0

    /// The files met by the collecting pass, in order.
    var collected: [FileInput] { lock.withLock { files } }

    /// Switches to replacing: the n-th file met from now on is written as `urls[n]`.
    func replace(with urls: [String]) {
        lock.withLock {
            replacements = urls
            next = 0
        }
    }

    /// What `file` is written as: an empty placeholder while collecting, its URL while replacing.
    func substitute(_ file: FileInput) throws -> String {
        try lock.withLock {
            guard let replacements else {
                files.append(file)
                return ""
            }
            guard next < replacements.count else {
                throw EncodingError.invalidValue(
                    file, .init(codingPath: [], debugDescription: "the input changed between its two encodings (more files)"))
            }
            defer { next += 1 }
            return replacements[next]
        }
    }

    /// Whether the replacing pass used every URL.
    var usedEveryReplacement: Bool { lock.withLock { next == (replacements?.count ?? 0) } }
}
