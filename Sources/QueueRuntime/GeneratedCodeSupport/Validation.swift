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
        case minimum(Double)
        case exclusiveMinimum(Double)
        case maximum(Double)
        case exclusiveMaximum(Double)
        case minLength(Int)
        case maxLength(Int)
        case pattern(String)
        case minItems(Int)
        case maxItems(Int)

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
            }
        }
    }

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

    public var description: String { "\(dottedPath) \(constraint) (found \(found))" }
}

private func format(_ value: Double) -> String {
    if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}

/// Collects the issues of one generated `validate(at:)`; generated code calls it one line a field.
public struct Validator: Sendable {
    /// The issues found so far.
    public private(set) var issues: [ValidationIssue] = []
    private let path: [String]

    /// Starts collecting for a value at `path`.
    public init(_ path: [String]) {
        self.path = path
    }

    /// Checks a number against its bounds; `nil` (not set) always passes.
    public mutating func number<Value: BinaryInteger>(
        _ value: Value?, _ key: String,
        minimum: Double? = nil, exclusiveMinimum: Double? = nil,
        maximum: Double? = nil, exclusiveMaximum: Double? = nil
    ) {
        guard let value else { return }
        check(Double(value), String(value), key, minimum, exclusiveMinimum, maximum, exclusiveMaximum)
    }

    /// Checks a number against its bounds; `nil` (not set) always passes.
    public mutating func number<Value: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: Value?, _ key: String,
        minimum: Double? = nil, exclusiveMinimum: Double? = nil,
        maximum: Double? = nil, exclusiveMaximum: Double? = nil
    ) {
        guard let value else { return }
        check(Double(value), String(value), key, minimum, exclusiveMinimum, maximum, exclusiveMaximum)
    }

    private mutating func check(
        _ value: Double, _ found: String, _ key: String,
        _ minimum: Double?, _ exclusiveMinimum: Double?, _ maximum: Double?, _ exclusiveMaximum: Double?
    ) {
        if let minimum, !(value >= minimum) { add(key, .minimum(minimum), found) }
        if let exclusiveMinimum, !(value > exclusiveMinimum) { add(key, .exclusiveMinimum(exclusiveMinimum), found) }
        if let maximum, !(value <= maximum) { add(key, .maximum(maximum), found) }
        if let exclusiveMaximum, !(value < exclusiveMaximum) { add(key, .exclusiveMaximum(exclusiveMaximum), found) }
    }

    /// Checks a string's length (in characters, as JSON Schema counts them) and pattern.
    public mutating func string(
        _ value: String?, _ key: String, minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil
    ) {
        guard let value else { return }
        let count = value.unicodeScalars.count
        if let minLength, count < minLength { add(key, .minLength(minLength), "\(count) characters") }
        if let maxLength, count > maxLength { add(key, .maxLength(maxLength), "\(count) characters") }
        if let pattern, !matches(value, pattern) { add(key, .pattern(pattern), quoted(value)) }
    }

    /// Checks an array's item count.
    public mutating func count<Element>(_ value: [Element]?, _ key: String, minItems: Int? = nil, maxItems: Int? = nil) {
        guard let value else { return }
        if let minItems, value.count < minItems { add(key, .minItems(minItems), "\(value.count) items") }
        if let maxItems, value.count > maxItems { add(key, .maxItems(maxItems), "\(value.count) items") }
    }

    /// Checks a nested model (an object, a union, an array or map of them).
    public mutating func nested<Value: QueueModel>(_ value: Value?, _ key: String) {
        guard let value else { return }
        issues += value.validate(at: path + [key])
    }

    private mutating func add(_ key: String, _ constraint: ValidationIssue.Constraint, _ found: String) {
        issues.append(ValidationIssue(path: path + [key], constraint: constraint, found: found))
    }

    private func matches(_ value: String, _ pattern: String) -> Bool {
        // JSON Schema patterns are unanchored ECMA-262 expressions; a pattern this platform cannot
        // compile is left for the service to judge rather than rejecting every input.
        guard let regex = try? Regex(pattern) else { return true }
        return value.contains(regex)
    }

    private func quoted(_ value: String) -> String {
        let short = value.count > 40 ? String(value.prefix(40)) + "…" : value
        return "\"\(short)\""
    }
}

extension Array: QueueModel where Element: QueueModel {
    public func validate(at path: [String]) -> [ValidationIssue] {
        enumerated().flatMap { index, element in element.validate(at: path + [String(index)]) }
    }
}

extension Dictionary: QueueModel where Key == String, Value: QueueModel {
    public func validate(at path: [String]) -> [ValidationIssue] {
        keys.sorted().flatMap { key in self[key]!.validate(at: path + [key]) }
    }
}

extension Bool: QueueModel {}
extension String: QueueModel {}
extension Int: QueueModel {}
extension Int64: QueueModel {}
extension Double: QueueModel {}
