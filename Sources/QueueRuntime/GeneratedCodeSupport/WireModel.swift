/// Generated-code support, not API: the contract between `queuegen`'s output and this runtime.
///
/// A generated struct conforms to `_WireModel` and writes two members of its own: an
/// `init(from:)` that reads every field through a `_WireReader` and builds the value through the
/// struct's memberwise initializer, and `_fields(_:)`, which hands every stored property, in
/// declaration order, with its wire name and bounds, to a `_WireFields`. From that one walk this
/// extension derives encoding, equality and validation, so a struct carries no per-purpose code
/// and the compiler checks every step: no raw memory, no key-path casts, no reflection.
///
/// The names are underscored because only generated code should use them; they change whenever
/// `QueueGeneratedCodeVersion` does. Users see the conformances' results: `Codable`, `Equatable`,
/// `validate()`.
public protocol _WireModel: QueueModel {
    /// Hands every stored property to `fields`, in declaration order: `fields.string("url", self.url)`.
    ///
    /// Not `throws`: an encoding error is kept by `fields` and thrown once the walk is over, so each
    /// call is a plain call, without the error branch a `try` adds to every field of every model.
    func _fields(_ fields: inout _WireFields)
}

extension _WireModel {
    /// Encodes every field through `_fields(_:)`, leaving out `nil` optionals.
    public func encode(to encoder: any Encoder) throws {
        var fields = _WireFields(encodingInto: encoder.container(keyedBy: WireKey.self))
        _fields(&fields)
        if let error = fields.encodingError { throw error }
    }

    /// Equal when every stored property is: `lhs`'s values are collected, then `rhs`'s compared
    /// to them one by one, each as its own `Equatable` type.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        var left = _WireFields(purpose: .collect)
        lhs._fields(&left)
        var right = _WireFields(purpose: .compare)
        right.values = left.values
        rhs._fields(&right)
        return right.isEqual && right.index == left.values.count
    }

    /// Every bound a field breaks (`nil` fields pass), then the issues of the field's own value
    /// (nested models, arrays and maps of them), field by field, with paths in wire names below `path`.
    public func validate(at path: [String]) -> [ValidationIssue] {
        var fields = _WireFields(purpose: .validate)
        fields.path = path
        _fields(&fields)
        return fields.issues
    }
}

/// Generated-code support, not API: reads a generated struct's fields from its JSON object.
///
/// Required fields must be present and not `null`; optional ones read as `nil` when missing or
/// `null`. Errors are the `DecodingError`s a synthesized `Decodable` throws, with the same coding
/// paths. Strings, integers, doubles and booleans have methods of their own so that decoders
/// take their fast, non-generic paths, as synthesized code does.
public struct _WireReader {
    private let container: KeyedDecodingContainer<WireKey>

    /// The reader of `decoder`'s JSON object; fails when the value is not an object.
    public init(_ decoder: any Decoder) throws {
        container = try decoder.container(keyedBy: WireKey.self)
    }

    /// A required string field.
    public func string(_ name: String) throws -> String { try container.decode(String.self, forKey: WireKey(name)) }
    /// A required integer field.
    public func int(_ name: String) throws -> Int { try container.decode(Int.self, forKey: WireKey(name)) }
    /// A required 64-bit integer field.
    public func int64(_ name: String) throws -> Int64 { try container.decode(Int64.self, forKey: WireKey(name)) }
    /// A required number field.
    public func double(_ name: String) throws -> Double { try container.decode(Double.self, forKey: WireKey(name)) }
    /// A required boolean field.
    public func bool(_ name: String) throws -> Bool { try container.decode(Bool.self, forKey: WireKey(name)) }
    /// A required field of any other decodable type.
    public func value<Value: Decodable>(_ name: String) throws -> Value { try container.decode(Value.self, forKey: WireKey(name)) }

    /// An optional string field.
    public func stringIfPresent(_ name: String) throws -> String? { try container.decodeIfPresent(String.self, forKey: WireKey(name)) }
    /// An optional integer field.
    public func intIfPresent(_ name: String) throws -> Int? { try container.decodeIfPresent(Int.self, forKey: WireKey(name)) }
    /// An optional 64-bit integer field.
    public func int64IfPresent(_ name: String) throws -> Int64? { try container.decodeIfPresent(Int64.self, forKey: WireKey(name)) }
    /// An optional number field.
    public func doubleIfPresent(_ name: String) throws -> Double? { try container.decodeIfPresent(Double.self, forKey: WireKey(name)) }
    /// An optional boolean field.
    public func boolIfPresent(_ name: String) throws -> Bool? { try container.decodeIfPresent(Bool.self, forKey: WireKey(name)) }
    /// An optional field of any other decodable type.
    public func valueIfPresent<Value: Decodable>(_ name: String) throws -> Value? {
        try container.decodeIfPresent(Value.self, forKey: WireKey(name))
    }
}

/// Generated-code support, not API: what a generated struct's `_fields(_:)` hands its stored
/// properties to, for one purpose at a time (encoding, validation, or either side of `==`).
///
/// Optional fields go through the `…IfPresent` methods: `nil` is left out of the JSON, passes every
/// bound, and equals only `nil`. `checks` are the schema's bounds on the value (`[.minimum(1)]`).
public struct _WireFields {
    enum Purpose { case encode, validate, collect, compare }

    /// One collected value for `==`: an optional field's `nil` is `.none`.
    enum Slot {
        case none
        case some(any QueueModel)
    }

    let purpose: Purpose
    private var container: KeyedEncodingContainer<WireKey>?
    var path: [String] = []
    var issues: [ValidationIssue] = []
    var values: [Slot] = []
    var index = 0
    var isEqual = true
    /// The first error encoding met; the fields after it are not written.
    private(set) var encodingError: (any Error)?

    init(purpose: Purpose) {
        self.purpose = purpose
    }

    init(encodingInto container: KeyedEncodingContainer<WireKey>) {
        self.purpose = .encode
        self.container = container
    }

    /// A required string field with its bounds.
    public mutating func string(_ name: String, _ value: String, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encode(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// A required integer field with its bounds.
    public mutating func int(_ name: String, _ value: Int, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encode(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// A required 64-bit integer field with its bounds.
    public mutating func int64(_ name: String, _ value: Int64, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encode(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// A required number field with its bounds.
    public mutating func double(_ name: String, _ value: Double, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encode(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// A required boolean field.
    public mutating func bool(_ name: String, _ value: Bool, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encode(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// A required field of any other model type, with its bounds.
    public mutating func value<Value: QueueModel>(_ name: String, _ value: Value, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encode(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }

    /// An optional string field with its bounds.
    public mutating func stringIfPresent(_ name: String, _ value: String?, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encodeIfPresent(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// An optional integer field with its bounds.
    public mutating func intIfPresent(_ name: String, _ value: Int?, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encodeIfPresent(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// An optional 64-bit integer field with its bounds.
    public mutating func int64IfPresent(_ name: String, _ value: Int64?, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encodeIfPresent(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// An optional number field with its bounds.
    public mutating func doubleIfPresent(_ name: String, _ value: Double?, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encodeIfPresent(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// An optional boolean field.
    public mutating func boolIfPresent(_ name: String, _ value: Bool?, _ checks: [ValidationIssue.Constraint] = []) {
        if purpose == .encode { encode { try $0.encodeIfPresent(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }
    /// An optional field of any other model type, with its bounds.
    public mutating func valueIfPresent<Value: QueueModel>(
        _ name: String, _ value: Value?, _ checks: [ValidationIssue.Constraint] = []
    ) {
        if purpose == .encode { encode { try $0.encodeIfPresent(value, forKey: WireKey(name)) } } else { visit(name, value, checks) }
    }

    /// One write to the container, unless an earlier one failed.
    private mutating func encode(_ write: (inout KeyedEncodingContainer<WireKey>) throws -> Void) {
        guard encodingError == nil else { return }
        do { try write(&container!) } catch { encodingError = error }
    }

    /// Validation and either side of `==`, for a value that may be `nil`.
    private mutating func visit<Value: QueueModel>(_ name: String, _ value: Value?, _ checks: [ValidationIssue.Constraint]) {
        switch purpose {
        case .encode:
            break
        case .validate:
            guard let value else { return }
            let fieldPath = path + [name]
            for constraint in checks {
                if let found = Bounds.broken(constraint, by: value) {
                    issues.append(ValidationIssue(path: fieldPath, constraint: constraint, found: found))
                }
            }
            issues += value.validate(at: fieldPath)
        case .collect:
            values.append(value.map { .some($0) } ?? .none)
        case .compare:
            guard isEqual else { return }
            guard index < values.count else {
                isEqual = false
                return
            }
            switch (values[index], value) {
            case (.none, nil): break
            case (.some(let other), let value?): isEqual = (other as? Value) == value
            default: isEqual = false
            }
            index += 1
        }
    }
}

/// The coding key of a generated model: the field's name on the wire.
///
/// One key type for every model instead of a `CodingKeys` enum each: a synthesized `CodingKeys`
/// costs about twenty functions per model (switches, `Hashable`, descriptions), which dominated the
/// compile time of large generated modules.
struct WireKey: CodingKey, Sendable {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { self.stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
