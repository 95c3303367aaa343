import CYAML

/// Reads a YAML or JSON document into `YAMLNode`s through libyaml's event parser.
///
/// Every node keeps its line and column. Duplicate keys, undefined aliases, collections as keys
/// and malformed syntax become diagnostics; alias expansion and nesting are bounded, so no input
/// can make the reader run out of memory or stack.
public enum YAMLReader {
    /// The deepest nesting accepted; real documents stay far below it.
    public static let maximumDepth = 256
    /// The most nodes a document may expand to once aliases are counted (a "billion laughs" guard).
    public static let maximumWeight = 20_000_000

    /// Reads `bytes`, naming `file` in diagnostics; the root is `nil` when the document is unusable.
    public static func read(_ bytes: [UInt8], file: String) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        let isJSON = bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }).map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") } ?? false
        // JSON allows C1 control characters (U+0080–U+009F) in strings; YAML does not (and reads
        // U+0085 as a line break). They are read as private-use stand-ins of the same length in
        // characters, so every line and column stays right, and put back in the values.
        let substituted = isJSON ? C1Characters.substitute(bytes) : nil
        let input = substituted ?? bytes
        var reader = EventReader(file: file, bytes: input, isJSON: isJSON, restoresC1: substituted != nil)
        let root = input.withUnsafeBufferPointer { reader.run($0) }
        return (root, reader.diagnostics)
    }
}

/// C1 control characters in a JSON document, through libyaml and back.
enum C1Characters {
    /// U+0080–U+009F become U+E080–U+E09F (one character each, as libyaml counts); `nil` when the
    /// text has none, or already holds one of the stand-ins (then nothing can be told apart).
    static func substitute(_ bytes: [UInt8]) -> [UInt8]? {
        var found = false
        for index in bytes.indices.dropLast() {
            if bytes[index] == 0xC2, (0x80...0x9F).contains(bytes[index + 1]) { found = true }
            if bytes[index] == 0xEE, bytes[index + 1] == 0x82, index + 2 < bytes.count, (0x80...0x9F).contains(bytes[index + 2]) { return nil }
        }
        guard found else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 64)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0xC2, index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
                result += [0xEE, 0x82, bytes[index + 1]]
                index += 2
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    /// The stand-ins in `text` back as the C1 characters they replaced.
    static func restore(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0xE080...0xE09F).contains($0.value) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append((0xE080...0xE09F).contains(scalar.value) ? Unicode.Scalar(scalar.value - 0xE000)! : scalar)
        }
        return String(scalars)
    }
}

private struct EventReader {
    let file: String
    let bytes: [UInt8]
    var diagnostics: [Diagnostic] = []

    /// An open collection. Mutated in place through `stack[index]`, so appending never copies.
    private struct Frame {
        var isMapping: Bool
        var start: YAMLNode.Position
        var anchor: String?
        var items: [YAMLNode] = []
        var entries: [YAMLNode.MappingEntry] = []
        var pendingKey: (String, YAMLNode.Position)?
        var keys: [String: YAMLNode.Position] = [:]
        var weight = 1
    }

    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var root: YAMLNode?
    private var documents = 0
    private var totalWeight = 0

    /// The document's lines as YAML counts them; positions libyaml puts past the end are clamped.
    /// (A byte scan, about 1% of a load: libyaml's mark index counts characters, not bytes, so the
    /// end of the text cannot be recognised from a mark alone.)
    let lineTotal: Int

    /// The text is JSON: syntax errors use JSON's words.
    let isJSON: Bool
    /// C1 characters were substituted before parsing and are put back in scalar values.
    let restoresC1: Bool

    init(file: String, bytes: [UInt8], isJSON: Bool = false, restoresC1: Bool = false) {
        self.file = file
        self.bytes = bytes
        self.isJSON = isJSON
        self.restoresC1 = restoresC1
        self.lineTotal = YAMLReader.lineCount(bytes)
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) -> YAMLNode? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else {
            error(at: .init(line: 1, column: 1), "libyaml could not start a parser")
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)

        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) != 0 else {
                reportParserError(parser)
                return nil
            }
            let keepGoing = handle(event)
            let done = event.type == YAML_STREAM_END_EVENT
            yaml_event_delete(&event)
            if !keepGoing { return nil }
            if done { break }
        }
        guard let root, documents > 0 else {
            error(at: .init(line: 1, column: 1), "the document is empty")
            return nil
        }
        if case .scalar(let text, .plain) = root.content, text.isEmpty {
            error(at: root.position, "the document is empty")
            return nil
        }
        return root
    }

    /// Handles one event; `false` stops reading.
    private mutating func handle(_ event: yaml_event_t) -> Bool {
        let position = clamped(YAMLNode.Position(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1))
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                error(at: position, "a second document in the same file; a spec is one document")
                return false
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            var text = string(scalar.value, length: scalar.length)
            if restoresC1 { text = C1Characters.restore(text) }
            let tag = scalar.tag.map { string($0) }
            let isString = scalar.style != YAML_PLAIN_SCALAR_STYLE || tag == "tag:yaml.org,2002:str"
            let node = YAMLNode(content: .scalar(text, isString ? .string : .plain), position: position, weight: 1)
            return add(node, anchor: scalar.anchor.map { string($0) })
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor)
            guard let node = anchors[name] else {
                error(at: position, "the alias *\(name) names no anchor defined before it")
                return false
            }
            var aliased = node
            aliased.position = position
            return add(aliased, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            guard push(at: position) else { return false }
            stack.append(Frame(isMapping: false, start: position, anchor: event.data.sequence_start.anchor.map { string($0) }))
        case YAML_MAPPING_START_EVENT:
            guard push(at: position) else { return false }
            stack.append(Frame(isMapping: true, start: position, anchor: event.data.mapping_start.anchor.map { string($0) }))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return true }
            let content: YAMLNode.Content = frame.isMapping ? .mapping(mergingKeys(frame.entries)) : .sequence(frame.items)
            return add(YAMLNode(content: content, position: frame.start, weight: frame.weight), anchor: frame.anchor)
        default:
            break
        }
        return true
    }

    private mutating func push(at position: YAMLNode.Position) -> Bool {
        guard stack.count < YAMLReader.maximumDepth else {
            error(at: position, "the document nests deeper than \(YAMLReader.maximumDepth) levels")
            return false
        }
        return true
    }

    /// Adds a finished node to its parent (or makes it the root).
    private mutating func add(_ node: YAMLNode, anchor: String?) -> Bool {
        totalWeight += node.weight
        guard totalWeight <= YAMLReader.maximumWeight else {
            error(at: node.position, "aliases expand the document to more than \(YAMLReader.maximumWeight) nodes")
            return false
        }
        if let anchor { anchors[anchor] = node }
        guard !stack.isEmpty else {
            root = node
            return true
        }
        let top = stack.count - 1
        if !stack[top].isMapping {
            stack[top].items.append(node)
            stack[top].weight += node.weight
        } else if let (key, keyPosition) = stack[top].pendingKey {
            stack[top].entries.append(.init(key: key, keyLocation: keyPosition, value: node))
            stack[top].weight += node.weight
            stack[top].pendingKey = nil
        } else {
            var key = "?"
            if case .scalar(let text, _) = node.content {
                key = text
            } else {
                error(at: node.position, "a mapping key must be a string, found \(node.kindDescription)")
            }
            if let first = stack[top].keys[key], key != "<<" {
                stack[top].pendingKey = (key, node.position)
                error(at: node.position, "duplicate key '\(key)' (first at line \(first.line), column \(first.column))")
            } else {
                stack[top].keys[key] = node.position
                stack[top].pendingKey = (key, node.position)
            }
        }
        return true
    }

    /// Applies YAML merge keys (`<<: *base`): entries already present win.
    private func mergingKeys(_ entries: [YAMLNode.MappingEntry]) -> [YAMLNode.MappingEntry] {
        guard entries.contains(where: { $0.key == "<<" }) else { return entries }
        var result = entries.filter { $0.key != "<<" }
        var present = Set(result.map(\.key))
        for entry in entries where entry.key == "<<" {
            let sources = entry.value.sequence ?? [entry.value]
            for source in sources {
                for merged in source.mapping ?? [] where !present.contains(merged.key) {
                    present.insert(merged.key)
                    result.append(merged)
                }
            }
        }
        return result
    }

    /// The pointer of the node being built, from the open frames.
    private func currentPointer() -> JSONPointer {
        var tokens: [String] = []
        for frame in stack {
            if !frame.isMapping {
                tokens.append(String(frame.items.count))
            } else if let (key, _) = frame.pendingKey {
                tokens.append(key)
            }
        }
        return JSONPointer(tokens: tokens)
    }

    private mutating func error(at position: YAMLNode.Position, _ message: String) {
        let pointer = currentPointer()
        diagnostics.append(Diagnostic(
            .error, at: SourceLocation(file: file, line: position.line, column: position.column), pointer: pointer, message))
    }

    private mutating func reportParserError(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { jsonWording(String(cString: $0)) } ?? "malformed document"
        var message = problem
        if let context = parser.context.map({ jsonWording(String(cString: $0)) }) {
            message += " \(context) (which started at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        let position: YAMLNode.Position
        if parser.error == YAML_READER_ERROR {
            position = positionOf(offset: parser.problem_offset)
            message = "not valid UTF-8 text: \(problem)"
        } else {
            position = clamped(.init(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1))
        }
        error(at: position, message)
    }

    /// libyaml's YAML words for what a JSON reader calls objects, arrays and strings.
    private func jsonWording(_ text: String) -> String {
        guard isJSON else { return text }
        var text = text
        for (yaml, json) in [
            ("a flow mapping", "an object"), ("a flow sequence", "an array"), ("a flow node", "a value"),
            ("a quoted scalar", "a string"), ("a block mapping", "an object"), ("a plain scalar", "a value"),
            ("flow mapping", "object"), ("flow sequence", "array"), ("mapping", "object"), ("scalar", "value"),
        ] {
            text = text.replacingAll(yaml, with: json)
        }
        return text
    }

    /// libyaml ends a stream that lacks a final line break with one of its own, so an error at the
    /// end can be reported on a line past the last; report it at the end of the last line instead.
    private func clamped(_ position: YAMLNode.Position) -> YAMLNode.Position {
        guard position.line > lineTotal else { return position }
        return positionOf(offset: bytes.count)
    }

    /// The line and column (in code points, as libyaml counts) of a byte offset.
    private func positionOf(offset: Int) -> YAMLNode.Position {
        let end = min(offset, bytes.count)
        let line = YAMLReader.lineCount(Array(bytes[..<end]))
        var lineStart = end
        while lineStart > 0 {
            let byte = bytes[lineStart - 1]
            if byte == 0x0A || byte == 0x0D { break }
            if lineStart >= 2, bytes[lineStart - 2] == 0xC2, byte == 0x85 { break }
            if lineStart >= 3, bytes[lineStart - 3] == 0xE2, bytes[lineStart - 2] == 0x80, byte == 0xA8 || byte == 0xA9 { break }
            lineStart -= 1
        }
        let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).unicodeScalars.count + 1
        return .init(line: line, column: column)
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>, length: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>) -> String {
        String(cString: pointer)
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation in this module).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
