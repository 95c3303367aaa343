/// Decides every Swift name the generator writes, so that no other file invents one.
///
/// Names are made from words split out of the wire name (on punctuation, spaces and case changes),
/// ASCII only, with common acronyms upper-cased (`image_url` → `imageURL`). Keywords are escaped,
/// leading digits prefixed, names the generated code or the runtime reserve are suffixed, and
/// collisions within one scope get a numeric suffix.
public enum SwiftNamer {
    /// Words written in capitals inside a name.
    static let acronyms: Set<String> = [
        "url", "urls", "uri", "id", "ids", "nsfw", "http", "https", "json", "api", "rgb", "html", "sdk", "hd", "cfg",
        "uuid", "ip", "sql", "xml", "css", "gpu", "cpu", "fps", "ttl",
    ]

    /// Swift keywords that need backticks as identifiers.
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "as", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "Any", "Protocol",
        "Type", "await", "async", "package", "consume", "borrowing", "consuming", "discard", "each", "any", "some",
    ]

    /// Type names taken by Swift, Foundation or the runtime; a schema with one of them gets `Model` appended.
    static let reservedTypeNames: Set<String> = [
        "String", "Int", "Int64", "Int32", "Double", "Float", "Bool", "Array", "Dictionary", "Set", "Optional",
        "Data", "URL", "Date", "Error", "Result", "Character", "Void", "Never", "Decimal", "UUID", "Codable",
        "Decoder", "Encoder", "Hashable", "Sendable", "JSONValue", "FileInput", "Validator", "ValidationIssue",
        "QueueModel", "QueueInput", "QueueEndpoint", "EndpointID", "OpenStringEnum", "CodingKeys", "Defaults",
        "QueueRuntime", "Foundation", "Self", "Type", "Protocol", "Any", "AnyObject",
        "GeneratedCodeVersionCheck", "QueueGeneratedCodeVersion1",
    ]

    /// Case names that would clash with `Optional`, the open enum's own members or the union helpers.
    static let reservedCaseNames: Set<String> = [
        "none", "some", "unknown", "allCases", "rawValue", "description", "isKnown", "init", "self", "Type",
        "hashValue", "encode", "validate", "transformFiles",
    ]

    /// Property names that would clash with members every generated struct has.
    static let reservedPropertyNames: Set<String> = [
        "validate", "transformFiles", "encode", "hashValue", "hash", "init", "self", "Type",
    ]

    // ASCII byte tests: names are made of ASCII letters and digits only, so case is arithmetic.
    private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    private static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func upper(_ byte: UInt8) -> UInt8 { isLower(byte) ? byte - 0x20 : byte }
    private static func lower(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte + 0x20 : byte }
    private static func startsWithDigit(_ name: String) -> Bool { name.utf8.first.map(isDigit) ?? false }

    /// Splits text into ASCII words: `image_url` → [image, url], `HTTPRequest` → [http, request],
    /// `16:9` → [16, 9]; anything outside ASCII letters and digits separates words, digits stay
    /// with the letters they touch (`v35`, `4k`).
    public static func words(_ text: String) -> [String] {
        // Bytes, not Characters: only ASCII letters and digits make words, so anything else
        // (every byte of a multi-byte character included) is a separator.
        let bytes = Array(text.utf8)
        var words: [String] = []
        var current: [UInt8] = []
        func flush() {
            if !current.isEmpty { words.append(String(decoding: current.map(lower), as: UTF8.self)) }
            current.removeAll(keepingCapacity: true)
        }
        for (index, byte) in bytes.enumerated() {
            guard isUpper(byte) || isLower(byte) || isDigit(byte) else {
                flush()
                continue
            }
            if let previous = current.last {
                let next = index + 1 < bytes.count ? bytes[index + 1] : 0
                let lowerToUpper = (isLower(previous) || isDigit(previous)) && isUpper(byte)
                let acronymEnd = isUpper(previous) && isUpper(byte) && isLower(next)
                if lowerToUpper || acronymEnd { flush() }
            }
            current.append(byte)
        }
        flush()
        return words
    }

    /// Joins words as UpperCamelCase, acronyms in capitals and `x` between two numbers (`4_3` → `4x3`).
    static func camel(_ words: [String], upperFirst: Bool) -> String {
        var result = ""
        var previousWasNumber = false
        for (index, word) in words.enumerated() {
            let isNumber = word.utf8.first.map(isDigit) ?? false
            if isNumber && previousWasNumber { result += "x" }
            if index == 0 && !upperFirst {
                result += word
            } else if acronyms.contains(word) {
                result += String(decoding: word.utf8.map(upper), as: UTF8.self)
            } else {
                result += String(decoding: word.utf8.prefix(1).map(upper) + word.utf8.dropFirst(), as: UTF8.self)
            }
            previousWasNumber = isNumber && (word.utf8.last.map(isDigit) ?? false)
        }
        return result
    }

    /// A type name: `Image Size` → `ImageSize`; never a keyword, a reserved name or digit-led.
    public static func typeName(_ text: String) -> String {
        var name = camel(words(text), upperFirst: true)
        if name.isEmpty { name = "Value" }
        if startsWithDigit(name) { name = "Type" + name }
        if reservedTypeNames.contains(name) { name += "Model" }
        return name
    }

    /// A property or parameter name: `image_url` → `imageURL`; keywords come back in backticks.
    public static func propertyName(_ text: String) -> String {
        var wordList = words(text)
        if let first = wordList.first, acronyms.contains(first) {
            wordList[0] = first  // `url` stays `url` at the start
        }
        var name = camel(wordList, upperFirst: false)
        if name.isEmpty { name = "value" }
        if startsWithDigit(name) { name = "_" + name }
        if reservedPropertyNames.contains(name) { name += "Value" }
        return name
    }

    /// An enum case name for a raw value: `landscape_4_3` → `landscape4x3`, `16:9` → `_16x9`.
    public static func caseName(_ rawValue: String) -> String {
        var name = camel(words(rawValue), upperFirst: false)
        if name.isEmpty { name = rawValue.isEmpty ? "empty" : "value" }
        if startsWithDigit(name) { name = "_" + name }
        if reservedCaseNames.contains(name) { name += "_" }
        return name
    }

    /// The identifier as it must be written where a keyword would not parse.
    public static func escaped(_ identifier: String) -> String {
        keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    /// The endpoint's Swift name from its id: owner dropped, an alias's trailing version number
    /// dropped when a subpath follows (`fal-ai/flux-1/schnell/redux` → `FluxSchnellRedux`), dots
    /// inside words kept together (`v1.1` → `V11`).
    public static func endpointTypeName(_ id: String) -> String {
        var segments = id.split(separator: "/").map(String.init)
        if let first = segments.first, ["workflows", "comfy"].contains(first) { segments.removeFirst() }
        if segments.count > 1 { segments.removeFirst() }  // the owner
        var wordList: [String] = []
        for (position, segment) in segments.enumerated() {
            let segmentWords = words(String(segment.filter { $0 != "." }))
            for (index, word) in segmentWords.enumerated() {
                // `flux-1/schnell/redux`: a bare version number on an app alias that a subpath
                // follows names the family, not this endpoint (`acme/model-3` keeps its 3).
                if position == 0, segments.count > 1, index == segmentWords.count - 1, index > 0, word.utf8.allSatisfy(isDigit) { continue }
                wordList.append(word)
            }
        }
        return typeName(wordList.joined(separator: " "))
    }

    /// Makes `name` unique among `taken` by appending 2, 3, …; records the result.
    public static func unique(_ name: String, in taken: inout Set<String>) -> String {
        var candidate = name
        var counter = 2
        while taken.contains(candidate) {
            candidate = name + String(counter)
            counter += 1
        }
        taken.insert(candidate)
        return candidate
    }
}
