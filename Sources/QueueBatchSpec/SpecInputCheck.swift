import Foundation
import QueueBatch
import QueueRuntime
import QueueSpec

/// `queue-batch run --spec FILE`: input lines checked, untyped, against the endpoint's input
/// schema in an OpenAPI document: types, required fields, enums and every bound
/// (`minimum`…`maxItems`), with the same messages as the generated types' `validate()`.
public enum SpecInputCheck {
    /// The check for `endpointID` as the document at `path` declares it.
    public static func load(spec path: String, endpointID: String) throws -> InputCheck {
        let result = SpecLoader.load(file: path)
        let document: SpecDocument
        do { document = try result.get() } catch {
            throw BatchError("cannot read the spec \(path): " + result.diagnostics.map { "\($0)" }.joined(separator: "; "))
        }
        guard let endpoint = document.endpoints.first(where: { $0.id == endpointID }) else {
            throw BatchError(
                "the spec \(path) has no endpoint \(endpointID) (it has: \(document.endpoints.map(\.id).joined(separator: ", ")))")
        }
        let walker = SchemaWalker(document: document)
        let schema = endpoint.input
        return InputCheck(endpointID: endpointID) { line in
            let value: JSONValue
            do { value = try JSONDecoder().decode(JSONValue.self, from: Data(line)) } catch let error as DecodingError {
                let described = InputCheck.describe(error)
                return [(described.path, described.message, described.column)]
            } catch { return [([], "is not JSON: \(error)", 1)] }
            return walker.problems(value, schema, path: []).map { ($0.path, $0.message, nil) }
        }
    }
}

/// Walks a JSON value beside its schema and lists what breaks it.
struct SchemaWalker: Sendable {
    let document: SpecDocument

    func problems(_ value: JSONValue, _ raw: Schema, path: [String]) -> [(path: [String], message: String)] {
        let schema = document.dereference(raw)
        if !schema.allOf.isEmpty {
            return schema.allOf.flatMap { problems(value, $0, path: path) }
        }
        let members = schema.anyOf.isEmpty ? schema.oneOf : schema.anyOf
        if !members.isEmpty {
            if case .null = value, schema.isNullable { return [] }
            var best: [(path: [String], message: String)]?
            for member in members {
                let found = problems(value, member, path: path)
                if found.isEmpty { return [] }
                if best == nil || found.count < best!.count { best = found }
            }
            return best ?? []
        }
        if case .null = value {
            return schema.isNullable || schema.types.contains(.null) || schema.types.isEmpty ? [] : [(path, "must not be null")]
        }
        if !schema.types.isEmpty, !schema.types.contains(where: { matches(value, $0) }) {
            return [(path, "must be " + schema.types.map(\.rawValue).joined(separator: " or "))]
        }
        if let allowed = schema.enumValues, !allowed.contains(where: { equal(value, $0) }) {
            return [(path, "must be one of " + allowed.map(\.description).joined(separator: ", ") + " (found \(value))")]
        }
        var found: [(path: [String], message: String)] = []
        func bound(_ constraint: ValidationIssue.Constraint, _ broken: Bool, _ shown: String) {
            if broken { found.append((path, "\(constraint) (found \(shown))")) }
        }
        switch value {
        case .int, .double:
            let number = value.doubleValue ?? 0
            let shown = "\(value)"
            if let bound0 = schema.minimum { bound(.minimum(bound0), number < bound0, shown) }
            if let bound0 = schema.exclusiveMinimum { bound(.exclusiveMinimum(bound0), number <= bound0, shown) }
            if let bound0 = schema.maximum { bound(.maximum(bound0), number > bound0, shown) }
            if let bound0 = schema.exclusiveMaximum { bound(.exclusiveMaximum(bound0), number >= bound0, shown) }
        case .string(let text):
            let count = text.unicodeScalars.count
            if let limit = schema.minLength { bound(.minLength(limit), count < limit, "\(count) characters") }
            if let limit = schema.maxLength { bound(.maxLength(limit), count > limit, "\(count) characters") }
            if let pattern = schema.pattern, let regex = try? Regex(pattern), !text.contains(regex) {
                found.append((path, "\(ValidationIssue.Constraint.pattern(pattern)) (found \"\(text.prefix(40))\")"))
            }
        case .array(let elements):
            if let limit = schema.minItems { bound(.minItems(limit), elements.count < limit, "\(elements.count) items") }
            if let limit = schema.maxItems { bound(.maxItems(limit), elements.count > limit, "\(elements.count) items") }
            if let items = schema.items {
                for (index, element) in elements.enumerated() { found += problems(element, items, path: path + [String(index)]) }
            }
        case .object(let members):
            for name in schema.required where members[name] == nil {
                found.append((path, "is missing the required field \"\(name)\""))
            }
            for property in schema.orderedProperties {
                if let member = members[property.name] { found += problems(member, property.schema, path: path + [property.name]) }
            }
        default: break
        }
        return found
    }

    private func matches(_ value: JSONValue, _ type: Schema.JSONType) -> Bool {
        switch (value, type) {
        case (.string, .string), (.bool, .boolean), (.array, .array), (.object, .object), (.null, .null), (.int, .integer),
            (.int, .number), (.double, .number):
            return true
        case (.double(let number), .integer): return number.rounded() == number
        default: return false
        }
    }

    private func equal(_ value: JSONValue, _ allowed: SpecValue) -> Bool {
        switch (value, allowed) {
        case (.string(let a), .string(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.int, _), (.double, _): value.doubleValue != nil && value.doubleValue == allowed.doubleValue
        default: false
        }
    }
}
