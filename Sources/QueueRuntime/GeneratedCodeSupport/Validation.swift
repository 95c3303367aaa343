/// One bound an input breaks, found before anything is sent.
public struct ValidationIssue: Hashable, Sendable, CustomStringConvertible {
    /// The field path in wire names, array indexes as decimal strings: `["image_size", "width"]`.
    public var path: [String]
    /// The rule that failed.
    public var constraint: Constraint
    /// What was found, for the message (`13`, `a string of 0 characters`).
    public var found: String

    /// A rule from the schema.
    public enum Constraint: Hashable, Sendable, CustomStringConvertible {
        /// `minimum`: at least this value.
        case minimum(Double)
        /// `exclusiveMinimum`: greater than this value.
        case exclusiveMinimum(Double)
        /// `maximum`: at most this value.
        case maximum(Double)
        /// `exclusiveMaximum`: less than this value.
        case exclusiveMaximum(Double)
        /// `minLength`: at least this many characters.
        case minLength(Int)
        /// `maxLength`: at most this many characters.
        case maxLength(Int)
        /// `pattern`: a regular expression the string must contain a match of.
        case pattern(String)
        /// `minItems`: at least this many items.
        case minItems(Int)
        /// `maxItems`: at most this many items.
        case maxItems(Int)
        /// One of the values an integer enum lists.
        case oneOf([Int])

        /// The rule as a message reads it: `must be at most 12`.
        public var description: String {
            switch self {
            case .minimum(let bound): "must be at least \(format(bound))"
            case .exclusiveMinimum(let bound): "must be greater than \(format(bound))"
            case .maximum(let bound): "must be at most \(format(bound))"
            case .exclusiveMaximum(let bound): "must be less than \(format(bound))"
            case .minLength(let count): "must have at least \(count) characters"
            case .maxLength(let count): "must have at most \(count) characters"
            case .pattern(let pattern): "must match the pattern \(pattern)"
            case .minItems(let count): "must have at least \(count) items"
            case .maxItems(let count): "must have at most \(count) items"
            case .oneOf(let values): "must be one of \(values.map(String.init).joined(separator: ", "))"
            }
        }
    }

    /// An issue at `path` (wire names) breaking `constraint`, with what was found.
    public init(path: [String], constraint: Constraint, found: String) {
        self.path = path
        self.constraint = constraint
        self.found = found
    }

    /// The path in the dotted form fal's messages use: `image_size.width`, `loras[0].scale`.
    public var dottedPath: String {
        var text = ""
        for component in path {
            if let _ = Int(component) { text += "[\(component)]" } else { text += text.isEmpty ? component : ".\(component)" }
        }
        return text
    }

    /// `num_inference_steps must be at most 12 (found 13)`.
    public var description: String { "\(dottedPath) \(constraint) (found \(found))" }
}

private func format(_ value: Double) -> String {
    if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}

/// Whether a value keeps one bound of its schema; what `_WireModel.validate(at:)` asks of each field.
enum Bounds {
    /// What `value` was found to be when it breaks `constraint` (`13`, `a string of 0 characters`
    /// is written `0 characters`); `nil` when it keeps it, or when the bound is not about values of
    /// its kind (a length on a number).
    static func broken(_ constraint: ValidationIssue.Constraint, by value: any QueueModel) -> String? {
        switch constraint {
        case .minimum(let bound): return number(value).flatMap { $0.value >= bound ? nil : $0.text }
        case .exclusiveMinimum(let bound): return number(value).flatMap { $0.value > bound ? nil : $0.text }
        case .maximum(let bound): return number(value).flatMap { $0.value <= bound ? nil : $0.text }
        case .exclusiveMaximum(let bound): return number(value).flatMap { $0.value < bound ? nil : $0.text }
        case .minLength(let bound):
            // Characters as JSON Schema counts them: Unicode scalars.
            guard let count = (value as? String)?.unicodeScalars.count else { return nil }
            return count < bound ? "\(count) characters" : nil
        case .maxLength(let bound):
            guard let count = (value as? String)?.unicodeScalars.count else { return nil }
            return count > bound ? "\(count) characters" : nil
        case .pattern(let pattern):
            guard let text = value as? String else { return nil }
            return matches(text, pattern) ? nil : quoted(text)
        case .minItems(let bound):
            guard let count = items(value) else { return nil }
            return count < bound ? "\(count) items" : nil
        case .maxItems(let bound):
            guard let count = items(value) else { return nil }
            return count > bound ? "\(count) items" : nil
        case .oneOf(let values):
            guard let integer = value as? any BinaryInteger else { return nil }
            return values.contains(where: { Int64($0) == Int64(integer) }) ? nil : "\(integer)"
        }
    }

    /// A number's value, and its text as the issue shows it (`13`, `2.5`); `nil` for other values.
    /// A comparison with NaN fails, so NaN breaks every bound.
    private static func number(_ value: any QueueModel) -> (value: Double, text: String)? {
        if let integer = value as? any BinaryInteger { return (Double(integer), "\(integer)") }
        if let real = value as? Double { return (real, String(real)) }
        return nil
    }

    private static func items(_ value: any QueueModel) -> Int? {
        guard !(value is String) else { return nil }
        return (value as? any Collection)?.count
    }

    private static func matches(_ value: String, _ pattern: String) -> Bool {
        // JSON Schema patterns are unanchored ECMA-262 expressions; a pattern this platform cannot
        // compile is left for the service to judge rather than rejecting every input.
        guard let regex = try? Regex(pattern) else { return true }
        return value.contains(regex)
    }

    private static func quoted(_ value: String) -> String {
        let short = value.count > 40 ? String(value.prefix(40)) + "…" : value
        return "\"\(short)\""
    }
}

extension Array: QueueModel where Element: QueueModel {
    /// The issues of every element, each path ending with the element's index.
    public func validate(at path: [String]) -> [ValidationIssue] {
        enumerated().flatMap { index, element in element.validate(at: path + [String(index)]) }
    }
}

extension Dictionary: QueueModel where Key == String, Value: QueueModel {
    /// The issues of every value, each path ending with its key, keys in sorted order.
    public func validate(at path: [String]) -> [ValidationIssue] {
        keys.sorted().flatMap { key in self[key]!.validate(at: path + [key]) }
    }
}

extension Bool: QueueModel {}
extension String: QueueModel {}
extension Int: QueueModel {}
extension Int64: QueueModel {}
extension Double: QueueModel {}
