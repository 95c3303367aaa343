import Foundation
import QueueRuntime

/// One thing wrong with one input line: where (field path, column) and what (the broken bound).
public struct InputProblem: Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line of the input file.
    public var line: Int
    /// The 1-based column (in characters) of the offending value, or of the syntax error.
    public var column: Int
    /// The field path in wire names (`image_size.width`), empty for the whole line.
    public var field: String
    /// The broken bound or the decoding problem: `must be at most 12 (found 13)`.
    public var message: String

    /// Makes a value from its parts.
    public init(line: Int, column: Int, field: String, message: String) {
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `12:31: num_inference_steps must be at most 12 (found 13)`.
    public var description: String { "\(line):\(column): " + (field.isEmpty ? message : "\(field) \(message)") }
}

/// Decodes and validates one input line as an endpoint's input, without sending anything.
public struct InputCheck: Sendable {
    /// The endpoint the lines are for.
    public let endpointID: String
    private let problems: @Sendable (ArraySlice<UInt8>) -> [(path: [String], message: String, column: Int?)]

    /// Lines are decoded as `Input` (the generated type of the endpoint) and `validate()`d.
    public static func typed<Input: QueueInput>(_ type: Input.Type, endpointID: String) -> InputCheck {
        InputCheck(endpointID: endpointID) { line in
            let value: Input
            do { value = try JSONDecoder().decode(Input.self, from: Data(line)) } catch let error as DecodingError {
                return [describe(error)]
            } catch {
                return [([], "does not decode: \(error)", nil)]
            }
            return value.validate().map { ($0.path, "\($0.constraint) (found \($0.found))", nil) }
        }
    }

    /// Lines need only be JSON objects; the service judges the rest.
    public static func untyped(endpointID: String) -> InputCheck {
        InputCheck(endpointID: endpointID) { line in
            do {
                guard case .object = try JSONDecoder().decode(JSONValue.self, from: Data(line)) else {
                    return [([], "is not a JSON object", 1)]
                }
                return []
            } catch let error as DecodingError { return [describe(error)] } catch { return [([], "is not JSON: \(error)", 1)] }
        }
    }

    /// A check from a function of one line's bytes.
    public init(endpointID: String, problems: @escaping @Sendable (ArraySlice<UInt8>) -> [(path: [String], message: String, column: Int?)]) {
        self.endpointID = endpointID
        self.problems = problems
    }

    /// The problems of line number `number`. A line must first be JSON by the runtime's strict
    /// reader (the runner sends it as it is): `JSONDecoder` also takes a trailing comma.
    public func check(_ line: ArraySlice<UInt8>, number: Int) -> [InputProblem] {
        do { _ = try JSONValue(parsing: Data(line)) } catch {
            let column = String(decoding: line.prefix(error.offset), as: UTF8.self).count + 1
            return [InputProblem(line: number, column: column, field: "", message: "is not valid JSON: \(error.reason)")]
        }
        return problems(line).map { problem in
            let column = problem.column ?? JSONColumn.of(problem.path, in: line)
            return InputProblem(line: number, column: column, field: dotted(problem.path), message: problem.message)
        }
    }

    /// A decoding error as a field path, a message and (for syntax errors) a column.
    public static func describe(_ error: DecodingError) -> (path: [String], message: String, column: Int?) {
        func path(_ context: DecodingError.Context) -> [String] {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        switch error {
        case .keyNotFound(let key, let context): return (path(context), "is missing the required field \"\(key.stringValue)\"", nil)
        case .typeMismatch(let type, let context): return (path(context), "must be \(typeName(type))", nil)
        case .valueNotFound(let type, let context): return (path(context), "must be \(typeName(type)), not null", nil)
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            if context.codingPath.isEmpty { return ([], "is not valid JSON: \(underlying)", syntaxColumn(underlying)) }
            return (path(context), context.debugDescription, nil)
        @unknown default: return ([], "\(error)", nil)
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: "of type \(type)"
        }
    }

    /// The column Foundation's JSON parser names in its message ("around line 1, column 12").
    static func syntaxColumn(_ message: String) -> Int? {
        guard let range = message.range(of: "column ") else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isNumber })
    }

    private func dotted(_ path: [String]) -> String {
        var text = ""
        for component in path {
            if Int(component) != nil { text += "[\(component)]" } else { text += text.isEmpty ? component : ".\(component)" }
        }
        return text
    }
}
