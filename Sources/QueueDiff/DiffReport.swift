import QueueSpec

/// The result of comparing two versions: every endpoint seen and every change, printable for
/// people (`text`) and encodable for tools (`Codable`, `queuegen diff --format json`).
public struct DiffReport: Sendable, Hashable, Codable {
    /// Every endpoint id in either version, sorted.
    public var endpoints: [String]
    public var changes: [SpecChange]

    public init(endpoints: [String], changes: [SpecChange]) {
        self.endpoints = endpoints
        self.changes = changes
    }

    /// Compares two versions (see `SpecDiff.compare`).
    public init(old: [SpecDocument], new: [SpecDocument]) {
        let ids = Set(old.flatMap(\.endpoints).map(\.id)).union(new.flatMap(\.endpoints).map(\.id))
        self.init(endpoints: ids.sorted(), changes: SpecDiff.compare(old: old, new: new))
    }

    /// How many changes of each class.
    public func count(_ changeClass: ChangeClass) -> Int {
        changes.filter { $0.changeClass == changeClass }.count
    }

    /// The report for a terminal: endpoint by endpoint, the worst changes first, each with the
    /// JSON pointer and file:line:column in both versions; a summary line at the end.
    public var text: String {
        var lines: [String] = []
        for endpoint in endpoints {
            let found = changes.enumerated().filter { $0.element.endpoint == endpoint }
                .sorted { ($0.element.changeClass.rank, $0.offset) < ($1.element.changeClass.rank, $1.offset) }
                .map(\.element)
            guard !found.isEmpty else {
                lines.append("\(endpoint): no change")
                continue
            }
            lines.append("\(endpoint):")
            for change in found {
                lines.append("  \(change.changeClass.title) [\(change.kind.rawValue)] \(change.message)")
                if let old = change.old { lines.append("    old: \(old.location)  \(old.pointer)") }
                if let new = change.new { lines.append("    new: \(new.location)  \(new.pointer)") }
            }
        }
        let summary = ChangeClass.allCases.map { "\(count($0)) \($0.title)" }.joined(separator: ", ")
        lines.append("\(endpoints.count) endpoint(s) compared: \(summary)")
        return lines.joined(separator: "\n")
    }
}
