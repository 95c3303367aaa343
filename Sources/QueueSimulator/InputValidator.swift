import Foundation
import QueueSpec

/// One entry of fal's (pydantic's) 422 `detail` list.
public struct ValidationIssue: Sendable, Hashable {
    /// Where: `["body", "num_inference_steps"]`, indices as integers.
    public var loc: [JSONValue]
    /// The pydantic message, such as "Input should be less than or equal to 12".
    public var msg: String
    /// The pydantic error type, such as `less_than_equal`.
    public var type: String
    /// The bound or expectation, such as `{"le": 12}`.
    public var ctx: JSONValue?
    /// The offending value.
    public var input: JSONValue?

    /// The entry as fal writes it.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("loc", .array(loc)), ("msg", .string(msg)), ("type", .string(type))]
        if let ctx { members.append(("ctx", ctx)) }
        if let input { members.append(("input", input)) }
        return .object(members)
    }
}

/// Checks an input against an endpoint's schema the way fal's pydantic models do.
struct InputValidator {
    let document: SpecDocument

    func validate(_ value: JSONValue, against schema: Schema) -> [ValidationIssue] {
        validate(value, schema, loc: [.string("body")])
    }

    private func validate(_ value: JSONValue, _ raw: Schema, loc: [JSONValue]) -> [ValidationIssue] {
        let schema = document.dereference(raw)
        if !schema.allOf.isEmpty {
            return schema.allOf.flatMap { validate(value, $0, loc: loc) }
        }
        let unions = schema.anyOf.isEmpty ? schema.oneOf : schema.anyOf
        if !unions.isEmpty {
            return validateUnion(value, unions, loc: loc)
        }
        if case .null = value {
            if schema.isNullable || schema.types.isEmpty || schema.types.contains(.null) { return [] }
        }
        if let constValue = schema.constValue, JSONValue(constValue) != value {
            let expected = JSONValue(constValue).literalText
            return [issue(loc, "Input should be \(expected)", "literal_error", ctx: .object([("expected", .string(expected))]), value)]
        }
        if let typeIssue = checkType(value, schema, loc: loc) { return [typeIssue] }
        if let enumValues = schema.enumValues {
            let allowed = enumValues.map(JSONValue.init)
            if !allowed.contains(value) {
                let expected = JSONValue.orList(allowed.map(\.literalText))
                return [issue(loc, "Input should be \(expected)", "literal_error", ctx: .object([("expected", .string(expected))]), value)]
            }
        }
        var issues: [ValidationIssue] = []
        switch value {
        case .integer, .number:
            issues += checkBounds(value, schema, loc: loc)
        case .string(let text):
            let length = text.count
            if let minLength = schema.minLength, length < minLength {
                let unit = minLength == 1 ? "character" : "characters"
                issues.append(issue(loc, "String should have at least \(minLength) \(unit)", "string_too_short",
                                    ctx: .object([("min_length", .integer(Int64(minLength)))]), value))
            }
            if let maxLength = schema.maxLength, length > maxLength {
                let unit = maxLength == 1 ? "character" : "characters"
                issues.append(issue(loc, "String should have at most \(maxLength) \(unit)", "string_too_long",
                                    ctx: .object([("max_length", .integer(Int64(maxLength)))]), value))
            }
            if let pattern = schema.pattern, let regex = try? NSRegularExpression(pattern: pattern),
               regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                issues.append(issue(loc, "String should match pattern '\(pattern)'", "string_pattern_mismatch",
                                    ctx: .object([("pattern", .string(pattern))]), value))
            }
        case .array(let items):
            if let minItems = schema.minItems, items.count < minItems {
                let unit = minItems == 1 ? "item" : "items"
                issues.append(issue(loc, "List should have at least \(minItems) \(unit) after validation, not \(items.count)", "too_short",
                                    ctx: .object([("field_type", .string("List")), ("min_length", .integer(Int64(minItems))),
                                                  ("actual_length", .integer(Int64(items.count)))]), value))
            }
            if let maxItems = schema.maxItems, items.count > maxItems {
                let unit = maxItems == 1 ? "item" : "items"
                issues.append(issue(loc, "List should have at most \(maxItems) \(unit) after validation, not \(items.count)", "too_long",
                                    ctx: .object([("field_type", .string("List")), ("max_length", .integer(Int64(maxItems))),
                                                  ("actual_length", .integer(Int64(items.count)))]), value))
            }
            if let itemSchema = schema.items {
                for (index, item) in items.enumerated() {
                    issues += validate(item, itemSchema, loc: loc + [.integer(Int64(index))])
                }
            }
        case .object(let members):
            for property in schema.orderedProperties {
                if let member = members.first(where: { $0.0 == property.name }) {
                    issues += validate(member.1, property.schema, loc: loc + [.string(property.name)])
                } else if schema.isRequired(property.name) {
                    issues.append(issue(loc + [.string(property.name)], "Field required", "missing", value))
                }
            }
            for name in schema.required where !schema.properties.contains(where: { $0.name == name }) {
                if !members.contains(where: { $0.0 == name }) {
                    issues.append(issue(loc + [.string(name)], "Field required", "missing", value))
                }
            }
            for (name, member) in members where !schema.properties.contains(where: { $0.name == name }) {
                switch schema.additionalProperties {
                case .forbidden:
                    issues.append(issue(loc + [.string(name)], "Extra inputs are not permitted", "extra_forbidden", member))
                case .schema(let extra):
                    issues += validate(member, extra, loc: loc + [.string(name)])
                case .any, .unspecified:
                    break
                }
            }
        default:
            break
        }
        return issues
    }

    /// Passes when one member passes; otherwise reports the members whose type fits the value
    /// (or all of them when none does), each under its own tag, as pydantic does for unions.
    private func validateUnion(_ value: JSONValue, _ members: [Schema], loc: [JSONValue]) -> [ValidationIssue] {
        var results: [(tag: String, issues: [ValidationIssue], typeFits: Bool)] = []
        for member in members {
            let issues = validate(value, member, loc: loc)
            if issues.isEmpty { return [] }
            let resolved = document.dereference(member)
            let typeFits = checkType(value, resolved, loc: loc) == nil
            results.append((tag(for: resolved), issues, typeFits))
        }
        let fitting = results.filter(\.typeFits)
        if fitting.count == 1 { return fitting[0].issues }
        let reported = fitting.isEmpty ? results : fitting
        return reported.flatMap { result in
            result.issues.map { entry in
                var entry = entry
                entry.loc.insert(.string(result.tag), at: loc.count)
                return entry
            }
        }
    }

    private func tag(for schema: Schema) -> String {
        if let enumValues = schema.enumValues {
            return "literal[" + enumValues.map { JSONValue($0).literalText }.joined(separator: ",") + "]"
        }
        if let title = schema.title, schema.types.contains(.object) || !schema.properties.isEmpty { return title }
        switch schema.types.first {
        case .integer: return "int"
        case .number: return "float"
        case .string: return "str"
        case .boolean: return "bool"
        case .array: return "list"
        case .object: return "dict"
        case .null: return "none"
        case nil: return schema.title ?? "any"
        }
    }

    private func checkType(_ value: JSONValue, _ schema: Schema, loc: [JSONValue]) -> ValidationIssue? {
        let types = schema.types.isEmpty && !schema.properties.isEmpty ? [Schema.JSONType.object] : schema.types
        if types.isEmpty { return nil }
        if case .null = value, schema.isNullable || types.contains(.null) { return nil }
        for type in types {
            switch (type, value) {
            case (.integer, .integer), (.number, .integer), (.number, .number), (.string, .string),
                 (.boolean, .bool), (.array, .array), (.object, .object), (.null, .null):
                return nil
            case (.integer, .number(let number)) where number.rounded() == number:
                return nil
            default:
                continue
            }
        }
        switch (types.first!, value) {
        case (.integer, .number):
            return issue(loc, "Input should be a valid integer, got a number with a fractional part", "int_from_float", value)
        case (.integer, _):
            return issue(loc, "Input should be a valid integer", "int_type", value)
        case (.number, _):
            return issue(loc, "Input should be a valid number", "float_type", value)
        case (.string, _):
            return issue(loc, "Input should be a valid string", "string_type", value)
        case (.boolean, _):
            return issue(loc, "Input should be a valid boolean", "bool_type", value)
        case (.array, _):
            return issue(loc, "Input should be a valid list", "list_type", value)
        case (.object, _):
            if let title = schema.title {
                return issue(loc, "Input should be a valid dictionary or instance of \(title)", "model_type",
                             ctx: .object([("class_name", .string(title))]), value)
            }
            return issue(loc, "Input should be a valid dictionary", "dict_type", value)
        case (.null, _):
            return issue(loc, "Input should be None", "none_required", value)
        }
    }

    private func checkBounds(_ value: JSONValue, _ schema: Schema, loc: [JSONValue]) -> [ValidationIssue] {
        guard let number = value.doubleValue else { return [] }
        let isInteger = schema.types.contains(.integer)
        func bound(_ limit: Double) -> JSONValue {
            isInteger && limit.rounded() == limit ? .integer(Int64(limit)) : .number(limit)
        }
        func text(_ limit: Double) -> String { bound(limit).serialized() }
        if let minimum = schema.minimum, number < minimum {
            return [issue(loc, "Input should be greater than or equal to \(text(minimum))", "greater_than_equal",
                          ctx: .object([("ge", bound(minimum))]), value)]
        }
        if let minimum = schema.exclusiveMinimum, number <= minimum {
            return [issue(loc, "Input should be greater than \(text(minimum))", "greater_than",
                          ctx: .object([("gt", bound(minimum))]), value)]
        }
        if let maximum = schema.maximum, number > maximum {
            return [issue(loc, "Input should be less than or equal to \(text(maximum))", "less_than_equal",
                          ctx: .object([("le", bound(maximum))]), value)]
        }
        if let maximum = schema.exclusiveMaximum, number >= maximum {
            return [issue(loc, "Input should be less than \(text(maximum))", "less_than",
                          ctx: .object([("lt", bound(maximum))]), value)]
        }
        return []
    }

    private func issue(_ loc: [JSONValue], _ msg: String, _ type: String, ctx: JSONValue? = nil, _ input: JSONValue) -> ValidationIssue {
        ValidationIssue(loc: loc, msg: msg, type: type, ctx: ctx, input: input)
    }
}

extension JSONValue {
    /// A spec value as JSON.
    init(_ value: SpecValue) {
        switch value {
        case .null: self = .null
        case .bool(let bool): self = .bool(bool)
        case .integer(let integer): self = .integer(integer)
        case .number(let number): self = .number(number)
        case .string(let string): self = .string(string)
        case .array(let values): self = .array(values.map(JSONValue.init))
        case .object(let members): self = .object(members.map { ($0.0, JSONValue($0.1)) })
        }
    }

    /// How pydantic quotes an expected literal: `'jpeg'`, `4`, `True`.
    var literalText: String {
        switch self {
        case .string(let text): "'\(text)'"
        case .bool(let bool): bool ? "True" : "False"
        case .null: "None"
        default: serialized()
        }
    }

    /// "a", "a or b", "a, b or c".
    static func orList(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items.last!
    }
}
