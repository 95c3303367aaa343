/// Ids close to one that was mistyped, for "did you mean" in errors: `queuegen`'s catalog lookup
/// (`EndpointCatalog.closeMatches`) and `queue-batch`'s registry lookup share it. A target of its
/// own, with no dependency, so that queue-batch does not link the generator for a dozen lines.
public enum CloseMatches {
    /// Up to `limit` of `candidates` close to `id`, closest first: those within a few edits (one in
    /// five characters, at least two) and no more than one edit further than the closest, and those
    /// that end with `id` after an owner (`flux-1/schnell` finds `fal-ai/flux-1/schnell`). Case is ignored.
    public static func matches(to id: String, among candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let lowered = id.lowercased()
        let query = Array(lowered.utf8)
        let allowed = max(2, query.count / 5)
        var scored: [(distance: Int, id: String)] = []
        for candidate in candidates {
            let text = candidate.lowercased()
            if !query.isEmpty, text.hasSuffix("/" + lowered) {
                scored.append((0, candidate))
                continue
            }
            let bytes = Array(text.utf8)
            // The length difference alone bounds the distance from below.
            guard abs(bytes.count - query.count) <= allowed else { continue }
            let distance = editDistance(query, bytes, bound: allowed)
            if distance <= allowed { scored.append((distance, candidate)) }
        }
        guard let closest = scored.map(\.distance).min() else { return [] }
        return scored.filter { $0.distance <= closest + 1 }.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }
            .prefix(limit).map(\.id)
    }

    /// Levenshtein distance, or `bound + 1` once it must exceed `bound`.
    static func editDistance(_ a: [UInt8], _ b: [UInt8], bound: Int) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                current[j] = min(previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1), previous[j] + 1, current[j - 1] + 1)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > bound { return bound + 1 }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
