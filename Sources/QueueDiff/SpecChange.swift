import QueueSpec

/// How a change between two versions of a spec affects the people using the generated client.
public enum ChangeClass: String, Sendable, Hashable, Codable, CaseIterable {
    /// Code written against the old generated client stops compiling after regeneration.
    case breakingForSwift = "breaking-swift"
    /// The generated Swift still compiles, but requests or results mean something else on the wire.
    case breakingOnWire = "breaking-wire"
    /// Something the document now marks `deprecated`: still there, going away.
    case deprecated
    /// Nothing existing breaks: new endpoints, new optional fields, looser bounds, doc text.
    case additive

    /// Whether `--fail-on breaking` fails on it.
    public var isBreaking: Bool { self == .breakingForSwift || self == .breakingOnWire }

    /// Words for the report.
    public var title: String {
        switch self {
        case .breakingForSwift: "breaking for Swift callers"
        case .breakingOnWire: "breaking on the wire"
        case .deprecated: "newly deprecated"
        case .additive: "additive"
        }
    }

    /// Report order: the worst first.
    var rank: Int { Self.allCases.firstIndex(of: self)! }
}

/// What changed. Each kind has one `ChangeClass`, so a report and a test agree on what it means.
public enum ChangeKind: String, Sendable, Hashable, Codable, CaseIterable {
    case endpointRemoved = "endpoint-removed"
    case endpointAdded = "endpoint-added"
    case endpointDeprecated = "endpoint-deprecated"
    /// An input field is gone: code that sets it stops compiling.
    case fieldRemoved = "field-removed"
    /// A field's JSON name and its Swift name both changed.
    case fieldRenamed = "field-renamed"
    /// A field's JSON name changed but the generator gives it the same Swift name: the code
    /// compiles and sends a key the service no longer reads.
    case fieldRenamedOnWire = "field-renamed-on-wire"
    /// An existing input field is now in `required`.
    case fieldBecameRequired = "field-became-required"
    /// A new input field in `required`: every call site must now pass it.
    case requiredFieldAdded = "required-field-added"
    case optionalFieldAdded = "optional-field-added"
    /// An input field left `required`.
    case fieldBecameOptional = "field-became-optional"
    case typeChanged = "type-changed"
    case enumValueRemoved = "enum-value-removed"
    case enumValueAdded = "enum-value-added"
    case unionBranchRemoved = "union-branch-removed"
    case unionBranchAdded = "union-branch-added"
    /// `maximum` 12 → 8, a new `pattern`, …: values that were accepted are now rejected.
    case boundTightened = "bound-tightened"
    case boundLoosened = "bound-loosened"
    /// An input's default changed or went away: omitting the field now means something else.
    case defaultChanged = "default-changed"
    case defaultAdded = "default-added"
    case outputFieldRemoved = "output-field-removed"
    /// A result field may now be missing or null.
    case outputFieldMadeOptional = "output-field-made-optional"
    case outputFieldAdded = "output-field-added"
    /// A result field is now always present.
    case outputFieldMadeRequired = "output-field-made-required"
    /// `description` or `title`.
    case docChanged = "doc-changed"
    /// A field or type now marked `deprecated`.
    case fieldDeprecated = "field-deprecated"
    case deprecationRemoved = "deprecation-removed"

    /// The class every change of this kind has.
    public var changeClass: ChangeClass {
        switch self {
        case .endpointRemoved, .fieldRemoved, .fieldRenamed, .fieldBecameRequired, .requiredFieldAdded, .typeChanged,
            .enumValueRemoved, .unionBranchRemoved:
            .breakingForSwift
        case .fieldRenamedOnWire, .boundTightened, .defaultChanged, .outputFieldRemoved, .outputFieldMadeOptional:
            .breakingOnWire
        case .endpointDeprecated, .fieldDeprecated:
            .deprecated
        case .endpointAdded, .optionalFieldAdded, .fieldBecameOptional, .enumValueAdded, .unionBranchAdded, .boundLoosened,
            .defaultAdded, .outputFieldAdded, .outputFieldMadeRequired, .docChanged, .deprecationRemoved:
            .additive
        }
    }
}

/// One change between two versions of an endpoint's spec, with where it is in each.
public struct SpecChange: Sendable, Hashable, Codable {
    /// A place in one version: the JSON pointer and the file:line:column of the node.
    public struct Site: Sendable, Hashable, Codable, CustomStringConvertible {
        public var pointer: String
        public var file: String
        public var line: Int
        public var column: Int

        public init(pointer: JSONPointer, location: SourceLocation) {
            self.pointer = pointer.description
            self.file = location.file
            self.line = location.line
            self.column = location.column
        }

        /// `file:line:column`, as compilers and editors read it.
        public var location: String { "\(file):\(line):\(column)" }

        public var description: String { "\(location) \(pointer)" }
    }

    /// The endpoint id.
    public var endpoint: String
    public var kind: ChangeKind
    public var changeClass: ChangeClass
    /// The JSON path of the field, such as `input.image_size.width` or `output.images[].url`;
    /// empty for the endpoint itself.
    public var subject: String
    /// One sentence for people.
    public var message: String
    /// Where it is in the old version; `nil` for something new.
    public var old: Site?
    /// Where it is in the new version; for something removed, the place it was removed from.
    public var new: Site?

    public init(endpoint: String, kind: ChangeKind, subject: String, message: String, old: Site?, new: Site?) {
        self.endpoint = endpoint
        self.kind = kind
        self.changeClass = kind.changeClass
        self.subject = subject
        self.message = message
        self.old = old
        self.new = new
    }
}

/// What `queuegen diff --fail-on` fails on.
public enum FailurePolicy: String, Sendable, CaseIterable {
    /// Anything breaking for Swift callers or on the wire (the default).
    case breaking
    /// Any change at all.
    case any
    /// Never: report only.
    case none

    /// Whether `changes` should fail the command.
    public func fails(_ changes: [SpecChange]) -> Bool {
        switch self {
        case .breaking: changes.contains { $0.changeClass.isBreaking }
        case .any: !changes.isEmpty
        case .none: false
        }
    }
}
