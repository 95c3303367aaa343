/// A JSON Schema as the generator needs it: the subset fal's documents use, with 3.0 and 3.1
/// forms normalised (`nullable` and `type: [T, "null"]` both set `isNullable`; the boolean
/// `exclusiveMinimum` becomes the numeric one).
public struct Schema: Hashable, Sendable {
    /// The primitive JSON types.
    public enum JSONType: String, Hashable, Sendable, CaseIterable, Comparable {
        case string, integer, number, boolean, array, object, null

        public static func < (lhs: JSONType, rhs: JSONType) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// What `additionalProperties` says.
    public indirect enum AdditionalProperties: Hashable, Sendable {
        /// Not given.
        case unspecified
        /// `true` or `{}`: any value.
        case any
        /// `false`: nothing beyond `properties`.
        case forbidden
        /// A schema every other value must match.
        case schema(Schema)
    }

    /// A named property, in document order.
    public struct Property: Hashable, Sendable {
        public var name: String
        public var schema: Schema

        public init(name: String, schema: Schema) {
            self.name = name
            self.schema = schema
        }
    }

    /// Where the schema is written.
    public var location: SourceLocation
    /// Its JSON pointer in the document.
    public var pointer: JSONPointer

    /// A local `$ref`, as the pointer it names in the same document.
    public var ref: JSONPointer?
    /// The declared types; empty when the schema does not say.
    public var types: [JSONType] = []
    /// `nullable: true`, `type: [..., "null"]`.
    public var isNullable = false
    public var enumValues: [SpecValue]?
    public var constValue: SpecValue?
    public var defaultValue: SpecValue?
    public var examples: [SpecValue] = []
    public var title: String?
    public var description: String?
    public var format: String?
    public var minimum: Double?
    public var exclusiveMinimum: Double?
    public var maximum: Double?
    public var exclusiveMaximum: Double?
    public var minLength: Int?
    public var maxLength: Int?
    public var pattern: String?
    public var minItems: Int?
    public var maxItems: Int?
    /// Stored as a list so that `Schema` can contain itself; use `items`.
    var itemStorage: [Schema] = []
    public var properties: [Property] = []
    public var required: [String] = []
    public var additionalProperties: AdditionalProperties = .unspecified
    public var anyOf: [Schema] = []
    public var oneOf: [Schema] = []
    public var allOf: [Schema] = []
    /// `x-fal-order-properties`: the order the service shows (and the generator writes) properties in.
    public var propertyOrder: [String]?
    /// `x-fal-file-input: true`: a URL the service downloads, which a client may also fill from bytes.
    public var isFileInput = false
    /// `x-fal-metadata`, as written.
    public var metadata: SpecValue?
    public var isDeprecated = false

    public init(location: SourceLocation, pointer: JSONPointer) {
        self.location = location
        self.pointer = pointer
    }

    /// The schema of array items.
    public var items: Schema? {
        get { itemStorage.first }
        set { itemStorage = newValue.map { [$0] } ?? [] }
    }

    /// The properties in `x-fal-order-properties` order, then any it leaves out in document order.
    public var orderedProperties: [Property] {
        guard let propertyOrder else { return properties }
        var byName: [String: Property] = [:]
        for property in properties { byName[property.name] = property }
        var result = propertyOrder.compactMap { byName.removeValue(forKey: $0) }
        result += properties.filter { byName[$0.name] != nil }
        return result
    }

    /// Whether `name` is listed in `required`.
    public func isRequired(_ name: String) -> Bool { required.contains(name) }

    /// The same schema with every location and pointer cleared, for comparing shapes across documents.
    public var shape: Schema {
        var copy = self
        copy.location = SourceLocation(file: "", line: 0, column: 0)
        copy.pointer = .root
        copy.itemStorage = itemStorage.map(\.shape)
        copy.properties = properties.map { Property(name: $0.name, schema: $0.schema.shape) }
        if case .schema(let schema) = additionalProperties { copy.additionalProperties = .schema(schema.shape) }
        copy.anyOf = anyOf.map(\.shape)
        copy.oneOf = oneOf.map(\.shape)
        copy.allOf = allOf.map(\.shape)
        return copy
    }
}

/// One OpenAPI document, loaded.
public struct SpecDocument: Hashable, Sendable {
    /// The file as it was named to the loader.
    public var file: String
    /// The `openapi` version string as written (fal writes `3.0.4` and means 3.1).
    public var openapiVersion: String
    public var title: String
    public var version: String
    public var description: String?
    /// `info.x-fal-metadata`, as written.
    public var metadata: SpecValue?
    /// The `servers` URLs.
    public var servers: [String]
    /// `components.schemas`, in document order.
    public var componentSchemas: [(name: String, schema: Schema)]
    /// Every schema a `$ref` can name, by pointer: components, `$defs` and any other target.
    public var definitions: [JSONPointer: Schema]
    /// The endpoints found in `paths`.
    public var endpoints: [Endpoint]

    /// The schema a `$ref` names.
    public func resolve(_ pointer: JSONPointer) -> Schema? { definitions[pointer] }

    /// Follows `$ref` chains to the schema that has content.
    public func dereference(_ schema: Schema) -> Schema {
        var current = schema
        var seen: Set<JSONPointer> = []
        while let ref = current.ref, seen.insert(ref).inserted, let target = definitions[ref] {
            current = target
        }
        return current
    }

    public static func == (lhs: SpecDocument, rhs: SpecDocument) -> Bool {
        lhs.file == rhs.file && lhs.openapiVersion == rhs.openapiVersion && lhs.title == rhs.title
            && lhs.version == rhs.version && lhs.description == rhs.description && lhs.metadata == rhs.metadata
            && lhs.servers == rhs.servers && lhs.componentSchemas.map(\.name) == rhs.componentSchemas.map(\.name)
            && lhs.definitions == rhs.definitions && lhs.endpoints == rhs.endpoints
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(file)
        hasher.combine(endpoints)
    }
}

/// A queue endpoint found in a document: its id, what is submitted and what the result is.
public struct Endpoint: Hashable, Sendable {
    /// The endpoint id, such as `fal-ai/flux-1/schnell/redux`.
    public var id: String
    /// The submit body's schema (usually a `$ref`).
    public var input: Schema
    /// The result's schema; `nil` when the document has no result route for the endpoint.
    public var output: Schema?
    /// The submit operation's `summary`, or the document title.
    public var summary: String?
    /// Where the submit route is declared.
    public var location: SourceLocation
    /// The submit operation says `deprecated: true`: the service is retiring the endpoint.
    public var isDeprecated = false
    /// The JSON pointer of the submit route's path item (`#/paths/~1owner~1alias`).
    public var pointer: JSONPointer = .root
}
