/// Decides every Swift name the generator writes, so that no other file invents one.
///
/// How names are formed (docs/generated-code.md, "How generated names are formed", repeats this with examples):
/// - Text is split into words on anything that is not an ASCII letter or digit, and on case
///   changes (`imageURL`, `HTTPRequest`). Latin letters with accents are written without them
///   (`größe` → `groesse`); any other letter becomes `u` and its code point (`名` → `u540d`).
/// - Numbers read as people say them. Numbers separated by `.`, `-`, `/` or a space join
///   (`v1.1` → `V11`, `claude-3-5` → `Claude35`, `ltx-2-19b` → `Ltx219b`); numbers separated by
///   `:` or `_` are a ratio and join with `x` (`16:9` → `16x9`, `landscape_4_3` → `landscape4x3`).
/// - Known acronyms are capitals (`image_url` → `imageURL`, `sdxl` → `SDXL`), except as the
///   first word of a lower-camel name (`url`); `LoRA` keeps its spelling.
/// - Endpoint ids: the owner `fal-ai` is dropped, every other word kept, so the name reads as the
///   id does and two ids never meet (`fal-ai/flux-1/schnell/redux` → `Flux1SchnellRedux`,
///   `bria/video/background-removal` → `BriaVideoBackgroundRemoval`).
/// - Names that Swift, Foundation, SwiftUI, Combine, Observation or QueueRuntime declare are never
///   emitted at the top level; inside a namespace only the names the generated code itself
///   spells are avoided. Keywords are written in backticks by the renderer.
/// - An enum value `none` is `.no<TypeName>` (`.none` would be read as `Optional.none`); values
///   that differ only in case keep their case (`gif`, `GIF` → `.gif`, `.GIF`).
public enum SwiftNamer {
    /// Words written in capitals inside a name.
    static let acronyms: Set<String> = [
        "url", "uri", "id", "nsfw", "http", "https", "json", "api", "rgb", "html", "sdk", "hd", "cfg",
        "uuid", "ip", "sql", "xml", "css", "gpu", "cpu", "fps", "ttl", "ai", "tts", "sdxl", "llm", "ocr", "vae",
        "3d", "2d",
    ]

    /// Words with a spelling of their own.
    static let spellings: [String: String] = [
        // Plural acronyms keep their `s` small, as Swift writes them (`imageURLs`, `voiceIDs`).
        "lora": "LoRA", "loras": "LoRAs", "urls": "URLs", "uris": "URIs", "ids": "IDs",
    ]

    /// Swift keywords that need backticks as identifiers.
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default", "defer",
        "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch", "where",
        "while", "as", "false", "is", "nil", "self", "Self", "super", "throws", "true", "try", "Any", "Protocol",
        "Type", "await", "async", "package", "consume", "borrowing", "consuming", "discard", "each", "any", "some",
        "_",
    ]

    /// Type names that the Swift standard library, Foundation, SwiftUI, Combine, Observation or
    /// QueueRuntime declare: a top-level name the generator emits is never one of them, so a file
    /// that imports a generated module keeps its meaning.
    public static let platformTypeNames: Set<String> = Set([
        // Swift
        "Any", "AnyObject", "Array", "ArraySlice", "AsyncSequence", "AsyncStream", "AsyncThrowingStream", "Bool",
        "Character", "ClosedRange", "Codable", "CodingKey", "Collection", "Comparable", "ContiguousArray",
        "CustomStringConvertible", "Decodable", "Decoder", "Dictionary", "Double", "Duration", "Encodable",
        "Encoder", "Equatable", "Error", "Float", "Float16", "Float80", "Hashable", "Hasher", "Identifiable", "Int",
        "Int8", "Int16", "Int32", "Int64", "Int128", "Iterator", "KeyPath", "Mirror", "Never", "Optional",
        "Protocol", "Range", "RawRepresentable", "Result", "Self", "Sendable", "Sequence", "Set", "String",
        "Substring", "Swift", "Task", "TaskGroup", "TaskPriority", "Type", "UInt", "UInt8", "UInt16", "UInt32",
        "UInt64", "UInt128", "Unicode", "UnsafePointer", "UnsafeRawPointer", "Void", "ContinuousClock",
        "SuspendingClock", "Clock", "InstantProtocol", "MainActor", "Actor", "Span", "Slice", "Repeated",
        "Zip2Sequence", "StaticString", "ObjectIdentifier", "CheckedContinuation", "AsyncIteratorProtocol",
        "Model", "Value", "Element", "Index", "Key",
        // Foundation
        "AffineTransform", "AttributedString", "Bundle", "Calendar", "CharacterSet", "Data", "Date", "DateComponents",
        "DateFormatter", "DateInterval", "Decimal", "FileHandle", "FileManager", "Formatter", "IndexPath", "IndexSet",
        "JSONDecoder", "JSONEncoder", "JSONSerialization", "Locale", "Measurement", "Notification",
        "NotificationCenter", "NSError", "NSObject", "NumberFormatter", "Operation", "OperationQueue",
        "PersonNameComponents", "Process", "ProcessInfo", "PropertyListDecoder", "PropertyListEncoder",
        "RunLoop", "Scanner", "Thread", "Timer", "TimeZone", "URL", "URLComponents", "URLQueryItem",
        "URLRequest", "URLResponse", "URLSession", "URLError", "CocoaError", "UUID", "UserDefaults", "Unit",
        "Progress", "Host", "Stream", "InputStream", "OutputStream", "Predicate", "Expression", "FormatStyle",
        "SortDescriptor", "Morphology", "InflectionRule", "Pipe", "HTTPURLResponse", "Port", "Lock",
        // SwiftUI
        "Alignment", "Angle", "AnyView", "App", "AppStorage", "Binding", "Button", "Canvas", "Capsule", "Circle",
        "Color", "Divider", "Edge", "EdgeInsets", "EmptyView", "Environment", "EnvironmentObject", "Font", "ForEach",
        "Form", "Gradient", "Grid", "GridItem", "Group", "GroupBox", "HStack", "Image", "Label", "LazyHGrid",
        "LazyHStack", "LazyVGrid", "LazyVStack", "Link", "List", "Menu", "NavigationLink", "NavigationStack",
        "NavigationView", "ObservedObject", "Path", "Picker", "ProgressView", "Rectangle", "RoundedRectangle",
        "Scene", "ScrollView", "Section", "SecureField", "Shape", "Slider", "Spacer", "State", "StateObject",
        "Stepper", "TabView", "Text", "TextEditor", "TextField", "Toggle", "Transaction", "VStack", "View",
        "ViewBuilder", "WindowGroup", "ZStack", "Animation", "Material", "ShapeStyle", "Style", "Layout",
        "AsyncImage", "Video", "Audio", "Map", "Chart", "Table", "Window", "Settings", "Toolbar", "Namespace",
        // Combine
        "AnyCancellable", "AnyPublisher", "Cancellable", "CurrentValueSubject", "Future", "Just", "ObservableObject",
        "PassthroughSubject", "Published", "Publisher", "Publishers", "Subject", "Subscriber", "Subscribers",
        "Subscription", "Scheduler", "Empty", "Fail", "Deferred", "Record",
        // Observation
        "Observable", "ObservationRegistrar", "ObservationIgnored", "ObservationTracked", "Observations",
        // QueueRuntime's own names, and those it no longer declares but older generated code spelled.
        "QueueRuntime", "GeneratedCodeVersionCheck", "Validator", "QueueGeneratedCodeVersion1", "QueueGeneratedCodeVersion2",
        "QueueGeneratedCodeVersion3", "StructurallyEquatable", "WireDecoder", "WireEncoder", "WireKey", "WireModel",
        "WireField", "Configuration", "FileUpload",
    ]).union(runtimeTypeNames)

    /// Every top-level public type of QueueRuntime. A generated top-level name that equals one would
    /// make the runtime's type ambiguous in a file that imports both modules; `RuntimeNamesTests`
    /// fails when a public type of `Sources/QueueRuntime` is missing here.
    public static let runtimeTypeNames: Set<String> = [
        "CancelOutcome", "Credentials", "DeadlineFailure", "DecodingFailure", "EndpointID", "ErrorDetail", "FieldIssue",
        "FileInput", "FileUploadMode", "ForeignHostPolicy", "HTTPFailure", "JSONValue", "JobFailure", "LogEntry",
        "MultipartUploadOptions", "OpenIntegerEnum", "OpenStringEnum", "QueueClient", "QueueEndpoint", "QueueError",
        "QueueEventStream", "QueueGeneratedCodeVersion4", "QueueInput", "QueueJob", "QueueModel", "QueueRuntimeVersion",
        "QueueStatus", "RandomSource", "RetryPolicy", "StatusUpdatePolicy", "StreamOptions", "SubmitOptions", "TransportFailure",
        "UploadProgress", "ValidationIssue", "VerifiedWebhook", "WebhookPayload", "WebhookRejection", "WebhookVerifier",
        "_WireFields", "_WireModel", "_WireReader", "InMemoryWebhookReplayStore", "QueueJobModel", "WebhookClaim",
        "WebhookKey", "WebhookReplayStore", "WebhookSignedHead", "QueueURLSession", "RedirectRefusingDelegate",
        "RealtimeError", "RealtimeOptions", "RealtimeSession", "CatalogEntry", "JSONSyntaxError", "RawJSONModel",
    ]

    /// Names the generated code spells inside a namespace: a type there never takes one of them.
    static let generatedCodeTypeNames: Set<String> = [
        "String", "Int", "Int64", "Double", "Bool", "Array", "Dictionary", "Optional", "Swift", "Any", "AnyObject",
        "Self", "Type", "Protocol", "Decoder", "Encoder", "CodingKey", "CodingKeys", "Defaults", "JSONValue",
        "FileInput", "ValidationIssue", "QueueModel", "QueueInput", "QueueEndpoint", "OpenStringEnum", "OpenIntegerEnum",
        "QueueRuntime", "GeneratedCodeVersionCheck", "QueueGeneratedCodeVersion4", "_WireModel", "_WireReader", "_WireFields",
    ]

    /// Case names that would clash with the open enum's own members or `Optional`.
    static let reservedCaseNames: Set<String> = [
        "some", "unknown", "allCases", "rawValue", "description", "isKnown", "init", "self", "Type", "hashValue",
        "encode", "validate", "transformFiles", "hash",
    ]

    /// Property names that would clash with members every generated struct has.
    static let reservedPropertyNames: Set<String> = [
        "validate", "transformFiles", "encode", "hashValue", "init", "self", "Type", "Protocol", "_fields",
    ]

    /// Member names `QueueEndpoint` has of its own.
    static let reservedEndpointMembers: Set<String> = ["id", "init", "self", "Type", "Protocol", "path"]

    /// The two root types of a namespace.
    public static let inputTypeName = "Input"
    public static let outputTypeName = "Output"
    /// The names a union gives the struct and the preset enum it nests.
    public static let unionStructCaseTypeName = "Custom"
    public static let unionPresetTypeName = "Preset"
    /// The union cases that hold them.
    public static let unionStructCaseName = "custom"
    public static let unionPresetCaseName = "preset"

    // ASCII byte tests: names are made of ASCII letters and digits only, so case is arithmetic.
    private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    private static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func upper(_ byte: UInt8) -> UInt8 { isLower(byte) ? byte - 0x20 : byte }
    private static func lower(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte + 0x20 : byte }
    private static func startsWithDigit(_ name: String) -> Bool { name.utf8.first.map(isDigit) ?? false }
    private static func isNumber(_ word: String) -> Bool { word.utf8.first.map(isDigit) ?? false }

    /// A word and how it met the word before it.
    struct Word: Equatable {
        var text: String
        /// The word before it ended in a digit, this one starts with one, and a ratio separator
        /// (`:`, `_`, `x` between numbers) stood between them.
        var ratio = false
        /// The word was written in capitals where it came from (`GIF`).
        var original: String
    }

    /// Splits text into lower-case ASCII words: `image_url` → [image, url], `HTTPRequest` →
    /// [http, request], `16:9` → [16, 9]; digits stay with the letters they touch (`v35`, `4k`).
    public static func words(_ text: String) -> [String] { splitWords(text).map(\.text) }

    static func splitWords(_ text: String) -> [Word] {
        let bytes = ascii(text)
        var words: [Word] = []
        var current: [UInt8] = []
        var separator: UInt8? = nil
        func flush() {
            guard !current.isEmpty else { return }
            let text = String(decoding: current.map(lower), as: UTF8.self)
            let previousIsNumber = words.last.map { $0.text.utf8.last.map(isDigit) ?? false } ?? false
            let ratio = previousIsNumber && isDigit(current[0]) && (separator == UInt8(ascii: ":") || separator == UInt8(ascii: "_"))
            words.append(Word(text: text, ratio: ratio, original: String(decoding: current, as: UTF8.self)))
            current.removeAll(keepingCapacity: true)
            separator = nil
        }
        for (index, byte) in bytes.enumerated() {
            guard isUpper(byte) || isLower(byte) || isDigit(byte) else {
                flush()
                if separator == nil || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") { separator = byte }
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
        // `LoRA` splits as `Lo` `RA`: one word.
        var merged: [Word] = []
        for word in words {
            if word.text == "ra", let last = merged.last, last.text == "lo", last.original == "Lo" {
                merged[merged.count - 1] = Word(text: "lora", ratio: last.ratio, original: "LoRA")
            } else {
                merged.append(word)
            }
        }
        return merged
    }

    /// The text in ASCII: accented Latin letters without their accents, other letters and digits as
    /// `u` and their code point, everything else as it is (a separator).
    static func ascii(_ text: String) -> [UInt8] {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return Array(text.utf8) }
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                bytes.append(UInt8(scalar.value))
            } else if let latin = latinTransliteration[scalar.value] {
                bytes += latin.utf8
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                // A word of its own: `u` and the code point in lower-case hex.
                bytes.append(UInt8(ascii: " "))
                bytes.append(UInt8(ascii: "u"))
                bytes += hex(scalar.value).utf8
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(UInt8(ascii: " "))
            }
        }
        return bytes
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result: [UInt8] = []
        var remaining = value
        repeat {
            result.append(digits[Int(remaining & 0xF)])
            remaining >>= 4
        } while remaining > 0
        while result.count < 4 { result.append(UInt8(ascii: "0")) }
        return String(decoding: result.reversed(), as: UTF8.self)
    }

    /// Latin-1 and Latin Extended-A letters without their accents (German umlauts and ß as they
    /// are written without them: `ä` → `ae`, `ß` → `ss`).
    static let latinTransliteration: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        let latin1 = "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTsaaaaaaaceeeeiiiidnooooo ouuuuyty"
        for (offset, character) in latin1.enumerated() where character != " " {
            table[0xC0 + UInt32(offset)] = String(character)
        }
        table[0xC4] = "Ae"; table[0xD6] = "Oe"; table[0xDC] = "Ue"; table[0xE4] = "ae"; table[0xF6] = "oe"; table[0xFC] = "ue"
        table[0xDF] = "ss"; table[0xC6] = "AE"; table[0xE6] = "ae"; table[0xDE] = "Th"; table[0xFE] = "th"
        table[0xD8] = "O"; table[0xF8] = "o"
        // Latin Extended-A: pairs of capital and small letters.
        let extendedA = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs"
        for (offset, character) in extendedA.enumerated() { table[0x100 + UInt32(offset)] = String(character) }
        table[0x132] = "IJ"; table[0x133] = "ij"; table[0x152] = "OE"; table[0x153] = "oe"
        return table
    }()

    /// Joins words as camel case: acronyms in capitals, numbers joined (`x` between the numbers of a
    /// ratio), the first word lower-case unless `upperFirst`.
    static func camel(_ words: [Word], upperFirst: Bool, preservingCase: Bool = false) -> String {
        var result = ""
        for (index, word) in words.enumerated() {
            if word.ratio { result += "x" }
            if preservingCase {
                result += word.original
            } else if index == 0 && !upperFirst {
                result += word.text
            } else if let spelling = spellings[word.text] {
                result += spelling
            } else if acronyms.contains(word.text) {
                result += String(decoding: word.text.utf8.map(upper), as: UTF8.self)
            } else {
                result += String(decoding: word.text.utf8.prefix(1).map(upper) + word.text.utf8.dropFirst(), as: UTF8.self)
            }
        }
        return result
    }

    /// A type name inside a namespace: `Image Size` → `ImageSize`; never a keyword, a name the
    /// generated code spells, or digit-led.
    public static func typeName(_ text: String) -> String {
        var name = camel(splitWords(text), upperFirst: true)
        if name.isEmpty { name = "Value" }
        if startsWithDigit(name) { name = "Type" + name }
        if generatedCodeTypeNames.contains(name) { name += "Model" }
        return name
    }

    /// A property or parameter name: `image_url` → `imageURL`; a keyword stays a keyword (the
    /// renderer writes it in backticks).
    public static func propertyName(_ text: String) -> String {
        var name = camel(splitWords(text), upperFirst: false)
        if name.isEmpty { name = "value" }
        if startsWithDigit(name) { name = "_" + name }
        if reservedPropertyNames.contains(name) { name += "Value" }
        return name
    }

    /// An enum case name for a raw value: `landscape_4_3` → `landscape4x3`, `16:9` → `_16x9`,
    /// `none` → `no` + the enum's name. With `preservingCase`, the value's own capitals are kept
    /// (the spelling of a value that differs from another only in case).
    public static func caseName(_ rawValue: String, enumName: String, preservingCase: Bool = false) -> String {
        var name = camel(splitWords(rawValue), upperFirst: false, preservingCase: preservingCase)
        if name.isEmpty { name = rawValue.isEmpty ? "empty" : "value" }
        if startsWithDigit(name) { name = "_" + name }
        if name == "none" { name = "no" + enumName }
        if reservedCaseNames.contains(name) { name += "Value" }
        return name
    }

    /// A case of an integer enum: the enum's name and the value (`Rank` 32 → `rank32`,
    /// `Offset` -1 → `offsetMinus1`), which reads as a value where a bare number cannot be a name.
    public static func integerCaseName(_ rawValue: String, enumName: String) -> String {
        var prefix = camel(splitWords(enumName), upperFirst: false)
        if prefix.isEmpty || startsWithDigit(prefix) { prefix = "value" }
        let digits = rawValue.hasPrefix("-") ? "Minus" + rawValue.dropFirst() : rawValue
        return prefix + digits
    }

    /// The identifier as an argument label at a call site, where every keyword but `inout` reads as
    /// a label (and escaping another draws a warning).
    public static func argumentLabel(_ identifier: String) -> String {
        identifier == "inout" ? "`inout`" : identifier
    }

    /// The identifier as it must be written where a keyword would not parse.
    public static func escaped(_ identifier: String) -> String {
        keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    /// The endpoint's namespace name from its id alone: the owner `fal-ai` dropped, every other
    /// word kept, numbers joined (`fal-ai/kling-video/v2.1/pro/image-to-video` →
    /// `KlingVideoV21ProImageToVideo`). A name Swift or a UI framework declares gets `Endpoint`.
    public static func endpointTypeName(_ id: String) -> String {
        var segments = id.split(separator: "/").map(String.init)
        if segments.count > 1, segments[0] == "fal-ai" { segments.removeFirst() }
        var name = camel(splitWords(segments.joined(separator: "/")), upperFirst: true)
        if name.isEmpty { name = "Endpoint" }
        if startsWithDigit(name) { name = "Endpoint" + name }
        if platformTypeNames.contains(name) || keywords.contains(name) { name += "Endpoint" }
        return name
    }

    /// The endpoint's member on `QueueEndpoint`: the namespace name with its first word in lower case.
    public static func endpointMemberName(_ id: String) -> String {
        let typeName = endpointTypeName(id)
        let words = splitWords(typeName)
        var name = camel(words, upperFirst: false)
        if name.isEmpty || startsWithDigit(name) { name = "endpoint" + typeName }
        if reservedEndpointMembers.contains(name) || keywords.contains(name) { name += "Endpoint" }
        return name
    }

    /// The stored property behind a deprecated one (`_oldValue`), which generated code uses.
    public static func deprecatedStorageName(_ propertyName: String) -> String { "_" + propertyName }

    /// A type name taken by another type of the namespace, prefixed with the type that holds it
    /// (`Style` in `Input` → `InputStyle`).
    public static func ownedTypeName(_ proposed: String, owner: String) -> String {
        let name = owner + proposed
        return generatedCodeTypeNames.contains(name) ? name + "Model" : name
    }

    /// A union case named by the JSON shape it holds (`.string`, `.integer`, `.image`).
    static func unionCaseName(for type: TypeRef) -> String {
        switch type {
        case .string: "string"
        case .int, .int64: "integer"
        case .double: "number"
        case .bool: "bool"
        case .json: "json"
        case .file: "file"
        case .array: "array"
        case .map: "object"
        case .named(let name): propertyName(name.simpleName)
        }
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
