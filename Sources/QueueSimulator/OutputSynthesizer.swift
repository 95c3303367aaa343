import Foundation
import QueueSpec

/// Builds an endpoint's result from its output schema and the request's input, for any endpoint
/// of fal's catalog: examples where the schema has them (those written beside a `$ref` first),
/// else values inside the schema's bounds; files as real files the simulator serves (images,
/// WAV audio, AVI video, small 3D models, archives, weights and text); `prompt`, `seed` and other
/// scalars the input also has taken from the input. The same input, simulator seed and drawn
/// seed give the same output.
struct OutputSynthesizer {
    /// What the simulator knows about the job beyond its input.
    struct Job {
        /// Where served files live, such as `http://127.0.0.1:8787/files/`.
        var fileBase: String
        /// The seed the output reports when the input has none (the simulator draws it).
        var seed: Int64?
        /// Seconds the job ran, for `timings`.
        var inferenceTime: Double?
        /// The input image, for endpoints that draw their `images` from it (FLUX.1 Redux and
        /// other image-to-image endpoints).
        var imageSource: [UInt8]?
        /// `sync_mode: true`: files are written into the output as data URIs.
        var syncMode = false
    }

    /// How output values sit: the root, a property of the root (which may echo the input), deeper.
    enum Level {
        case root, top, nested
    }

    /// Recursion stops here (schemas that contain themselves through arrays or maps).
    static let depthLimit = 8

    let document: SpecDocument
    let input: JSONValue
    let job: Job
    let validator: InputValidator
    /// The input schema's properties, for the defaults an input leaves out.
    let inputProperties: [String: Schema]
    /// The byte count of a file as served.
    let measure: (StoredFile) -> Int
    var generator: SeededGenerator
    /// The files the output names, to be registered with the files route.
    private(set) var files: [StoredFile] = []

    /// `configurationSeed`, the endpoint, the input and `job.seed` seed every choice made here.
    init(document: SpecDocument, endpointID: String, inputSchema: Schema?, input: JSONValue, configurationSeed: UInt64,
         job: Job, measure: @escaping (StoredFile) -> Int) {
        self.document = document
        self.input = input
        self.job = job
        self.measure = measure
        validator = InputValidator(document: document)
        var digest = FNV1a()
        digest.combine(configurationSeed)
        digest.combine(Array(endpointID.utf8))
        digest.combine(input.bytes)
        digest.combine(UInt64(bitPattern: job.seed ?? -1))
        generator = SeededGenerator(seed: digest.value)
        var properties: [String: Schema] = [:]
        if let inputSchema {
            var pending = [inputSchema]
            var visited = 0
            while let next = pending.popLast(), visited < 16 {
                visited += 1
                let schema = document.dereference(next)
                for property in schema.properties where properties[property.name] == nil { properties[property.name] = property.schema }
                pending += schema.allOf
            }
        }
        inputProperties = properties
    }

    /// The output for `schema` (an endpoint without a result schema answers `{}`).
    mutating func output(for schema: Schema?) -> JSONValue {
        guard let schema else { return .object([]) }
        return value(schema, name: nil, hint: nil, level: .root, depth: 0)
    }

    /// A value for `raw`, named `name` in its parent, guided by `hint` (the parent example's value).
    mutating func value(_ raw: Schema, name: String?, hint: JSONValue?, level: Level, depth: Int, index: Int = 0) -> JSONValue {
        let schema = flatten(raw)
        guard depth < Self.depthLimit else { return shallow(schema, name: name) }
        if level == .top, let name, let echoed = echo(name, raw) { return echoed }
        if let constValue = schema.constValue { return JSONValue(constValue) }
        if isFileObject(schema) {
            return fileObject(schema, raw: raw, name: name, hint: hint, depth: depth, index: index)
        }
        // Examples (beside a `$ref` first), the parent's example, the target's examples, the
        // default: a scalar that fits is the value; an object or array that fits guides the shape.
        var guide: JSONValue?
        let urlField = isFileURLField(schema, name: name)
        for candidate in candidates(raw, schema, hint: hint) where candidate != .null && fits(candidate, raw) {
            switch candidate {
            case .object, .array:
                if guide == nil { guide = candidate }
            case .string where urlField:
                continue  // a URL the simulator does not serve: replaced by a served file below
            default:
                return candidate
            }
        }
        if let allowed = schema.enumValues?.map(JSONValue.init), !allowed.isEmpty {
            return allowed.first(where: { $0 != .null }) ?? allowed[0]
        }
        let members = schema.anyOf.isEmpty ? schema.oneOf : schema.anyOf
        if !members.isEmpty {
            guard var member = chooseMember(members, hint: guide ?? hint) else { return .null }
            // What is written beside the union describes the member too (a file's kind, say).
            member.description = member.description ?? schema.description
            member.title = member.title ?? schema.title
            return value(member, name: name, hint: guide ?? hint, level: level, depth: depth + 1, index: index)
        }
        switch primaryType(schema) {
        case .null?: return .null
        case .boolean?: return .bool(false)
        case .integer?: return number(schema, name: name, integer: true)
        case .number?: return number(schema, name: name, integer: false)
        case .string?: return urlField ? servedURL(name: name, schema: schema, raw: raw, hint: hint) : string(schema, name: name)
        case .array?: return array(schema, name: name, guide: guide, depth: depth)
        case .object?: return object(schema, name: name, guide: guide, level: level, depth: depth)
        case nil: return guide.map { servedFiles(in: $0, name: name, depth: depth) } ?? .object([])  // anything (an unresolved `$ref`, `{}`): an object
        }
    }

    /// An example taken as it is, with each file in it (an object with a URL) served here instead.
    mutating func servedFiles(in value: JSONValue, name: String?, depth: Int, index: Int = 0) -> JSONValue {
        guard depth < Self.depthLimit else { return value }
        switch value {
        case .array(let items):
            return .array(items.enumerated().map { servedFiles(in: $0.element, name: name, depth: depth + 1, index: $0.offset) })
        case .object(let members):
            guard let url = value["url"]?.stringValue, url.hasPrefix("http") || url.hasPrefix("data:") else {
                return .object(members.map { key, member in
                    if Self.isURLName(key), let text = member.stringValue, text.hasPrefix("http") {
                        return (key, servedFiles(in: .object([("url", .string(text))]), name: key, depth: depth + 1)["url"] ?? member)
                    }
                    return (key, servedFiles(in: member, name: key, depth: depth + 1))
                })
            }
            let file = makeFile(Self.fileKind(name: name, titles: [], description: nil, example: value), example: value, index: index)
            let served = register(file)
            let permissive = Schema(location: SourceLocation(file: "", line: 0, column: 0), pointer: .root)
            return .object(members.map { key, member in
                guard member != .null, let fixed = fileField(key, file: file, url: served, schema: permissive) else { return (key, member) }
                return (key, fixed)
            })
        default:
            return value
        }
    }

    // MARK: Schemas

    /// `raw` with `$ref` followed and `allOf` merged, keeping the examples, default, title and
    /// description written beside the `$ref` (the loader parses them; dereferencing drops them).
    func flatten(_ raw: Schema, depth: Int = 0) -> Schema {
        var schema = document.dereference(raw)
        if raw.ref != nil {
            schema.examples = raw.examples + schema.examples
            schema.defaultValue = raw.defaultValue ?? schema.defaultValue
            schema.title = raw.title ?? schema.title
            schema.description = raw.description ?? schema.description
            schema.isNullable = schema.isNullable || raw.isNullable
        }
        guard !schema.allOf.isEmpty, depth < Self.depthLimit else { return schema }
        let members = schema.allOf.map { flatten($0, depth: depth + 1) }
        schema.allOf = []
        for member in members {
            if schema.types.isEmpty { schema.types = member.types }
            for property in member.properties where !schema.properties.contains(where: { $0.name == property.name }) {
                schema.properties.append(property)
            }
            schema.required += member.required.filter { !schema.required.contains($0) }
            schema.propertyOrder = schema.propertyOrder ?? member.propertyOrder
            schema.examples += member.examples
            schema.defaultValue = schema.defaultValue ?? member.defaultValue
            schema.enumValues = schema.enumValues ?? member.enumValues
            schema.constValue = schema.constValue ?? member.constValue
            schema.format = schema.format ?? member.format
            schema.pattern = schema.pattern ?? member.pattern
            schema.title = schema.title ?? member.title
            schema.description = schema.description ?? member.description
            schema.minimum = Self.larger(schema.minimum, member.minimum)
            schema.exclusiveMinimum = Self.larger(schema.exclusiveMinimum, member.exclusiveMinimum)
            schema.maximum = Self.smaller(schema.maximum, member.maximum)
            schema.exclusiveMaximum = Self.smaller(schema.exclusiveMaximum, member.exclusiveMaximum)
            schema.minLength = Self.larger(schema.minLength, member.minLength)
            schema.maxLength = Self.smaller(schema.maxLength, member.maxLength)
            schema.minItems = Self.larger(schema.minItems, member.minItems)
            schema.maxItems = Self.smaller(schema.maxItems, member.maxItems)
            if schema.items == nil { schema.items = member.items }
            if schema.additionalProperties == .unspecified { schema.additionalProperties = member.additionalProperties }
            if schema.anyOf.isEmpty { schema.anyOf = member.anyOf }
            if schema.oneOf.isEmpty { schema.oneOf = member.oneOf }
        }
        return schema
    }

    static func larger<T: Comparable>(_ a: T?, _ b: T?) -> T? { a.flatMap { a in b.map { max(a, $0) } ?? a } ?? b }
    static func smaller<T: Comparable>(_ a: T?, _ b: T?) -> T? { a.flatMap { a in b.map { min(a, $0) } ?? a } ?? b }

    /// The examples beside the `$ref`, the parent's example, the target's examples, the default.
    func candidates(_ raw: Schema, _ schema: Schema, hint: JSONValue?) -> [JSONValue] {
        var result = raw.examples.map(JSONValue.init)
        if let hint { result.append(hint) }
        result += schema.examples.dropFirst(raw.examples.count).map(JSONValue.init)
        if let value = schema.defaultValue { result.append(JSONValue(value)) }
        return result
    }

    func fits(_ value: JSONValue, _ schema: Schema) -> Bool {
        validator.validate(value, against: schema).isEmpty
    }

    func primaryType(_ schema: Schema) -> Schema.JSONType? {
        if let type = schema.types.first(where: { $0 != .null }) { return type }
        if !schema.properties.isEmpty { return .object }
        if case .schema = schema.additionalProperties { return .object }
        if schema.items != nil { return .array }
        if schema.types.contains(.null) { return .null }
        return nil
    }

    /// The member of a union to fill: the one the hint fits, else a file, else the first that is not null.
    func chooseMember(_ members: [Schema], hint: JSONValue?) -> Schema? {
        let candidates = members.filter { primaryType(flatten($0)) != .null || !flatten($0).anyOf.isEmpty || !flatten($0).oneOf.isEmpty }
        if let hint, hint != .null, let member = candidates.first(where: { fits(hint, $0) }) { return member }
        if let file = candidates.first(where: { isFileObject(flatten($0)) }) { return file }
        return candidates.first ?? members.first
    }

    /// A small valid value where recursion stops.
    mutating func shallow(_ schema: Schema, name: String?) -> JSONValue {
        if let value = schema.examples.first ?? schema.defaultValue ?? schema.enumValues?.first { return JSONValue(value) }
        switch primaryType(schema) {
        case .integer?: return number(schema, name: name, integer: true)
        case .number?: return number(schema, name: name, integer: false)
        case .string?: return string(schema, name: name)
        case .boolean?: return .bool(false)
        case .array?: return .array([])
        case .null?: return .null
        case .object?, nil:
            if schema.isNullable { return .null }
            // Required scalars only: what recursion left out is what made it deep.
            var members: [(String, JSONValue)] = []
            for property in schema.orderedProperties where schema.isRequired(property.name) {
                let inner = flatten(property.schema)
                switch primaryType(inner) {
                case .object?, .array?, nil: members.append((property.name, primaryType(inner) == .array ? .array([]) : .object([])))
                default: members.append((property.name, shallow(inner, name: property.name)))
                }
            }
            return .object(members)
        }
    }

    // MARK: Echoes

    /// The input's value (or the input schema's default) for a top-level output property of the
    /// same name and a fitting scalar type (`prompt`, `seed`, `negative_prompt`, `num_inference_steps`,
    /// …); `seed` falls back to the drawn seed.
    func echo(_ name: String, _ raw: Schema) -> JSONValue? {
        if name == "seed" {
            if let seed = input["seed"], seed.integerValue != nil, fits(seed, raw) { return seed }
            if let seed = job.seed, fits(.integer(seed), raw) { return .integer(seed) }
            return nil
        }
        // The value the model ran with: the input's, else the input's default (an empty text aside).
        guard !Self.isURLName(name), let value = inputValue(name), value != .string("") else { return nil }
        switch value {
        case .string, .integer, .number, .bool: return fits(value, raw) ? value : nil
        default: return nil
        }
    }

    /// The input's value for `name`, or the input schema's default for it.
    func inputValue(_ name: String) -> JSONValue? {
        if let value = input[name], value != .null { return value }
        guard let property = inputProperties[name] else { return nil }
        let schema = flatten(property)
        guard let value = schema.defaultValue.map(JSONValue.init), value != .null else { return nil }
        return value
    }

    /// The first of `names` the input (or its defaults) gives as a number, or as text starting with one ("5s").
    func inputNumber(_ names: String...) -> Double? {
        for name in names {
            guard let value = inputValue(name) else { continue }
            if let number = value.doubleValue { return number }
            if let text = value.stringValue, let number = Double(text.prefix(while: { $0.isNumber || $0 == "." })) { return number }
        }
        return nil
    }

    /// Words of the input to build text from: its prompt or concept, else its first free-text field.
    var inputConcept: String? {
        for name in ["prompt", "text", "input_concept", "concept", "query", "question", "description", "topic", "subject", "lyrics", "caption"] {
            if let text = input[name]?.stringValue, Self.isProse(text) { return Self.clipped(text) }
        }
        guard case .object(let members) = input else { return nil }
        for (name, value) in members {
            guard let text = value.stringValue, Self.isProse(text), !Self.isURLName(name),
                  inputProperties[name].map({ flatten($0).enumValues == nil }) ?? true
            else { continue }
            return Self.clipped(text)
        }
        return nil
    }

    static func isProse(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // Words, not a code such as `landscape_4_3` or `eng`.
        return trimmed.count >= 3 && trimmed.contains(" ") && !trimmed.hasPrefix("http") && !trimmed.hasPrefix("data:")
            && trimmed.contains(where: \.isLetter)
    }

    static func clipped(_ text: String) -> String {
        var text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count > 200 { text = String(text.prefix(200)) }
        while let last = text.last, ".!?,;: ".contains(last) { text.removeLast() }
        return text
    }

    // MARK: Scalars

    mutating func number(_ schema: Schema, name: String?, integer: Bool) -> JSONValue {
        // The allowed range, inclusive for integers; for numbers an exclusive end stays open.
        var low = schema.minimum
        var high = schema.maximum
        var lowOpen = false
        var highOpen = false
        if let bound = schema.exclusiveMinimum, low.map({ bound >= $0 }) ?? true {
            if integer { low = bound.rounded(.down) + 1 } else { low = bound; lowOpen = true }
        }
        if let bound = schema.exclusiveMaximum, high.map({ bound <= $0 }) ?? true {
            if integer { high = bound.rounded(.up) - 1 } else { high = bound; highOpen = true }
        }
        if integer {
            low = low.map { $0.rounded(.up) }
            high = high.map { $0.rounded(.down) }
        }
        func allowed(_ value: Double) -> Bool {
            if let low, lowOpen ? value <= low : value < low { return false }
            if let high, highOpen ? value >= high : value > high { return false }
            return true
        }
        var value = plausibleNumber(name: name?.lowercased() ?? "", integer: integer, high: high)
        if !allowed(value) {
            switch (low, high) {
            case (let low?, let high?): value = low + (high - low) / 2
            case (let low?, nil): value = low + (integer || !lowOpen ? 1 : 0.5)
            case (nil, let high?): value = high > 1 ? (high / 2).rounded(.down) : (high > 0 ? high / 2 : high - 1)
            case (nil, nil): break
            }
        }
        if integer {
            var rounded = value.rounded()
            if !allowed(rounded) { rounded = value.rounded(.down) }
            if !allowed(rounded), let low { rounded = low }
            return .integer(Int64(max(min(rounded, 9.0e18), -9.0e18)))
        }
        let short = (value * 1000).rounded() / 1000
        return .number(allowed(short) ? short : value)
    }

    /// What a field of this name usually holds; positive, so that sizes and counts look real.
    mutating func plausibleNumber(name: String, integer: Bool, high: Double?) -> Double {
        let words = Set(Self.words(name))
        func random(_ range: ClosedRange<Double>) -> Double {
            let unit = Double(generator.next() >> 11) / Double(1 << 53)
            let value = range.lowerBound + (range.upperBound - range.lowerBound) * unit
            return integer ? value.rounded() : (value * 100).rounded() / 100
        }
        switch name {
        case "seed": return Double(generator.next() >> 33)
        case "width": return inputNumber("width") ?? 1024
        case "height": return inputNumber("height") ?? 768
        case "fps", "frame_rate", "framerate", "frames_per_second": return inputNumber("fps", "frames_per_second", "frame_rate") ?? 24
        case "duration", "seconds", "duration_seconds", "length_seconds", "audio_duration", "video_duration":
            return inputNumber("duration", "seconds_total", "seconds", "duration_seconds") ?? 5
        case "num_frames", "frame_count", "frames":
            return inputNumber("num_frames") ?? (inputNumber("fps") ?? 24) * (inputNumber("duration") ?? 5)
        case "sample_rate", "sampling_rate": return 44_100
        case "channels", "num_channels": return 1
        case "bitrate", "bit_rate": return 256_000
        case "file_size", "size_bytes", "bytes", "size": return 1024
        case "start", "start_time", "begin", "start_seconds": return integer ? 0 : random(0...1)
        case "end", "end_time", "stop", "end_seconds": return integer ? 2 : random(1.5...3)
        case "year": return 2026
        case "month", "day": return 1
        case "inference", "inference_time", "latency", "elapsed", "processing_time", "time":
            return job.inferenceTime.map { ($0 * 1000).rounded() / 1000 } ?? 0.5
        default: break
        }
        if words.contains("score") || words.contains("confidence") || words.contains("probability") || words.contains("similarity") {
            return integer ? 1 : min(0.87, high ?? 1)
        }
        if words.contains("time") || words.contains("seconds") || words.contains("duration") { return integer ? 2 : 1.5 }
        if words.contains("index") || words.contains("idx") { return 0 }
        if words.first == "num" || words.contains("count") || words.contains("total") || name.hasPrefix("n_") { return 1 }
        if ["x", "y", "x1", "y1", "x2", "y2", "left", "top", "right", "bottom", "cx", "cy"].contains(name) { return random(8...256) }
        if words.contains("tokens") { return 42 }
        return integer ? random(1...100) : random(0.1...10)
    }

    mutating func string(_ schema: Schema, name: String?) -> JSONValue {
        var text: String
        switch schema.format?.lowercased() {
        case "date-time"?:
            text = falTimestamp(Date(timeIntervalSince1970: 1_767_225_600 + Double(generator.next() % 86_400)))
        case "date"?: text = "2026-01-01"
        case "time"?: text = "12:00:00"
        case "uuid"?, "uuid4"?: text = uuid()
        case "email"?: text = "user@example.com"
        case "binary"?, "byte"?: text = Data("simulated".utf8).base64EncodedString()
        default: text = prose(for: name?.lowercased() ?? "")
        }
        if let minLength = schema.minLength, text.count < minLength {
            while text.count < minLength { text += " simulated" }
        }
        if let maxLength = schema.maxLength, text.count > maxLength {
            text = String(text.prefix(max(maxLength, schema.minLength ?? 1)))
        }
        if schema.pattern != nil, !fits(.string(text), schema) {
            for alternative in ["simulated", "sample", "a", "1", "simulated_value", "A"] where fits(.string(alternative), schema) {
                return .string(alternative)
            }
        }
        return .string(text)
    }

    /// Text for a string field: a sentence for prompts and text outputs, a short value for labels and codes.
    mutating func prose(for name: String) -> String {
        let words = Self.words(name)
        let concept = inputConcept
        let subject = concept ?? Self.pick(Self.subjects, &generator)
        let style = Self.pick(Self.styles, &generator)
        switch name {
        case "content_type", "mime_type", "media_type": return "text/plain"
        case "file_name", "filename": return "output.txt"
        case "language", "lang", "language_code", "detected_language", "locale": return "en"
        case "status", "state": return "completed"
        case "version": return "1.0"
        case "model", "model_name", "model_id": return "queue-simulator"
        case "voice", "speaker", "voice_id": return "default"
        case "bitrate", "bit_rate": return "256k"
        case "format", "output_format", "file_format", "extension": return "png"
        case "emotion", "sentiment", "mood": return "neutral"
        case "id", "uuid", "request_id": return uuid()
        default: break
        }
        if words.last == "id" { return uuid() }
        if words.contains("color") || words.contains("colour") { return String(format: "#%06llx", generator.next() & 0xFF_FFFF) }
        if words.contains("prompt") {
            return Self.sentence(subject) + ", \(style)."
        }
        let long: Set = ["text", "output", "response", "answer", "content", "caption", "description", "transcript",
                         "transcription", "summary", "reasoning", "message", "story", "lyrics", "explanation", "result", "analysis"]
        if words.contains(where: long.contains) {
            if let concept { return "Simulated \(words.joined(separator: " ")) for \u{201C}\(concept)\u{201D}: \(Self.pick(Self.subjects, &generator)), \(style)." }
            return Self.sentence(subject) + ", \(style)."
        }
        if words.isEmpty { return "simulated value" }
        return "simulated " + words.joined(separator: " ")
    }

    static let subjects = [
        "a lighthouse on a rocky coast at sunset", "a red fox in a snowy forest", "a quiet street after the rain",
        "a field of sunflowers under a blue sky", "a mountain lake at dawn", "an old library lit by candles",
        "a city skyline at dusk", "a sailing boat on calm water",
    ]
    static let styles = [
        "soft natural light and rich detail", "cinematic lighting with a gentle camera drift", "warm colours and a shallow depth of field",
        "crisp detail in a calm, balanced composition", "golden-hour light and a slow, steady pan",
    ]

    static func pick(_ options: [String], _ generator: inout SeededGenerator) -> String {
        options[Int(generator.next() % UInt64(options.count))]
    }

    static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    mutating func uuid() -> String {
        let high = generator.next()
        let low = generator.next()
        let hex = String(format: "%016llx%016llx", high, low)
        let characters = Array(hex)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return "\(part(0..<8))-\(part(8..<12))-4\(part(13..<16))-a\(part(17..<20))-\(part(20..<32))"
    }

    /// Lower-case words of a field name: `model_glb` → [model, glb], `imageURL` → [image, url].
    static func words(_ name: String?) -> [String] {
        guard let name else { return [] }
        var words: [String] = []
        var current = ""
        var previousLower = false
        for character in name {
            if character.isLetter || character.isNumber {
                if character.isUppercase, previousLower, !current.isEmpty {
                    words.append(current)
                    current = ""
                }
                current.append(Character(character.lowercased()))
                previousLower = character.isLowercase || character.isNumber
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
                previousLower = false
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func isURLName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return ["url", "uri", "urls"].contains(lowered) || lowered.hasSuffix("_url") || lowered.hasSuffix("_uri") || lowered.hasSuffix("_urls")
    }

    /// A string that holds a file's address: named `url`/`…_url`, `format: uri`, or with URL examples.
    func isFileURLField(_ schema: Schema, name: String?) -> Bool {
        let stringLike = primaryType(schema) == .string
            || (schema.types.isEmpty && (schema.anyOf + schema.oneOf).contains { primaryType(flatten($0)) == .string })
            || (schema.types.isEmpty && schema.anyOf.isEmpty && schema.oneOf.isEmpty && schema.properties.isEmpty && schema.items == nil)
        guard stringLike else { return false }
        if let format = schema.format?.lowercased(), ["uri", "url", "iri", "uri-reference"].contains(format) { return true }
        if let name, Self.isURLName(name) { return true }
        return schema.examples.contains { JSONValue($0).stringValue.map { $0.hasPrefix("http://") || $0.hasPrefix("https://") } ?? false }
    }

    // MARK: Arrays and objects

    mutating func array(_ schema: Schema, name: String?, guide: JSONValue?, depth: Int) -> JSONValue {
        let guideItems: [JSONValue]? = if case .array(let items) = guide { items } else { nil }
        let lowest = max(schema.minItems ?? 0, schema.maxItems == 0 ? 0 : 1)
        func bounded(_ count: Int) -> Int {
            var count = max(count, lowest)
            if let maxItems = schema.maxItems { count = min(count, maxItems) }
            return count
        }
        guard let items = schema.items else {
            if let guideItems { return servedFiles(in: .array(guideItems), name: name, depth: depth) }
            return .array(Array(repeating: .string("simulated"), count: bounded(1)))
        }
        let itemSchema = flatten(items)
        let holdsFiles = isFileObject(itemSchema) || isFileURLField(itemSchema, name: name)
            || (itemSchema.anyOf + itemSchema.oneOf).contains { isFileObject(flatten($0)) }
        var count = guideItems.map { min($0.count, 4) } ?? 1
        if holdsFiles, let name {
            let keys = ["num_\(name)"] + (Self.words(name).contains("images") ? ["num_images"] : [])
            for key in keys {
                if let requested = inputValue(key)?.integerValue {
                    count = Int(min(max(requested, 1), 8))
                    break
                }
            }
        }
        count = min(bounded(count), max(lowest, 16))
        // Near the depth limit a list holds no more than it must, so recursive schemas end in `[]`.
        if depth >= Self.depthLimit - 3 { count = schema.minItems ?? 0 }
        var values: [JSONValue] = []
        for index in 0..<count {
            let hint = guideItems.flatMap { $0.isEmpty ? nil : $0[index % $0.count] }
            values.append(value(items, name: name, hint: hint, level: .nested, depth: depth + 1, index: index))
        }
        return .array(values)
    }

    /// Optional fields left out: errors (a client would read one as a failure) and inline file data.
    static let omittedWhenOptional: Set<String> = ["error", "errors", "error_message", "file_data"]

    mutating func object(_ schema: Schema, name: String?, guide: JSONValue?, level: Level, depth: Int) -> JSONValue {
        if schema.properties.isEmpty {
            if let guide, case .object = guide { return servedFiles(in: guide, name: name, depth: depth) }
            let key = name == "timings" ? "inference" : "value"
            switch schema.additionalProperties {
            case .schema(let extra):
                return .object([(key, value(extra, name: key, hint: nil, level: .nested, depth: depth + 1))])
            case .any, .unspecified:
                if name == "timings" { return .object([("inference", .number(job.inferenceTime ?? 0.5))]) }
                return .object([])
            case .forbidden:
                return .object([])
            }
        }
        let childLevel: Level = level == .root ? .top : .nested
        var members: [(String, JSONValue)] = []
        for property in schema.orderedProperties {
            let required = schema.isRequired(property.name)
            if !required, Self.omittedWhenOptional.contains(property.name) { continue }
            let member = value(property.schema, name: property.name, hint: guide?[property.name], level: childLevel, depth: depth + 1)
            if !required, member == .null { continue }
            members.append((property.name, member))
        }
        for name in schema.required where !members.contains(where: { $0.0 == name }) {
            members.append((name, guide?[name] ?? .string("simulated")))
        }
        // `has_nsfw_concepts` and its kind: one flag per file of the sibling list.
        let fileCount = members.lazy.compactMap { member -> Int? in
            guard case .array(let items) = member.1, let first = items.first, first["url"] != nil else { return nil }
            return items.count
        }.first
        if let fileCount {
            for (offset, member) in members.enumerated() where member.0.contains("nsfw") {
                guard case .array(let flags) = member.1, let flag = flags.first, flag.boolValue != nil,
                      let property = schema.properties.first(where: { $0.name == member.0 }) else { continue }
                let resized = JSONValue.array(Array(repeating: flag, count: fileCount))
                if fits(resized, property.schema) { members[offset].1 = resized }
            }
        }
        return .object(members)
    }

    // MARK: Files

    /// An object that describes a file: a string `url` beside `content_type`, `file_name` or
    /// `file_size`, or a schema titled like a file (`File`, `Image`, `VideoFile`, `Frame`, …).
    func isFileObject(_ schema: Schema) -> Bool {
        guard let url = schema.properties.first(where: { $0.name == "url" }) else { return false }
        let urlSchema = flatten(url.schema)
        guard primaryType(urlSchema) == .string || urlSchema.types.isEmpty else { return false }
        let names = Set(schema.properties.map(\.name))
        if !names.isDisjoint(with: ["content_type", "file_name", "file_size"]) { return true }
        let title = (document.dereference(schema).title ?? schema.title ?? "").lowercased().replacingOccurrences(of: " ", with: "")
        return ["file", "image", "video", "audio", "frame", "mask"].contains(title) || title.hasSuffix("file")
    }

    mutating func fileObject(_ schema: Schema, raw: Schema, name: String?, hint: JSONValue?, depth: Int, index: Int) -> JSONValue {
        let examples = raw.examples.map(JSONValue.init) + (hint.map { [$0] } ?? []) + schema.examples.map(JSONValue.init)
        let example = examples.first { if case .object = $0 { return true } else { return false } }
        let titles = [raw.title, document.dereference(raw).title, schema.title].compactMap { $0 }
        let kind = Self.fileKind(name: name, titles: titles, description: schema.description, example: example)
        let file = makeFile(kind, example: example, index: index)
        let url = register(file)
        var members: [(String, JSONValue)] = []
        for property in schema.orderedProperties {
            let required = schema.isRequired(property.name)
            if let fixed = fileField(property.name, file: file, url: url, schema: property.schema) {
                members.append((property.name, fixed))
                continue
            }
            if !required, Self.omittedWhenOptional.contains(property.name) { continue }
            if property.name == "file_data" {
                members.append((property.name, .string(Data(file.contents.bytes).base64EncodedString())))
                continue
            }
            let member = value(property.schema, name: property.name, hint: example?[property.name], level: .nested, depth: depth + 1)
            if !required, member == .null { continue }
            members.append((property.name, member))
        }
        for name in schema.required where !members.contains(where: { $0.0 == name }) {
            members.append((name, .string("simulated")))
        }
        return .object(members)
    }

    /// A string field that holds a file's URL: a file is made and served for it.
    mutating func servedURL(name: String?, schema: Schema, raw: Schema, hint: JSONValue?) -> JSONValue {
        let example = (raw.examples + schema.examples).map(JSONValue.init).first { $0.stringValue != nil } ?? hint
        var words = Self.words(name)
        words.removeAll { ["url", "urls", "uri"].contains($0) }
        let kind = Self.fileKind(name: words.joined(separator: "_"), titles: [raw.title, schema.title].compactMap { $0 },
                                 description: schema.description, example: example.map { .object([("url", $0)]) })
        let url = register(makeFile(kind, example: nil, index: 0))
        return fits(.string(url), raw) ? .string(url) : string(schema, name: name)
    }

    /// Records the file; returns the URL the output gives for it.
    mutating func register(_ file: StoredFile) -> String {
        files.append(file)
        if job.syncMode {
            let (bytes, contentType) = file.contents
            return DataURI.encode(bytes, contentType: contentType)
        }
        return job.fileBase + (file.fileName ?? "file.bin")
    }

    /// The value a file object's field takes from the served file, when it is one of those fields.
    func fileField(_ name: String, file: StoredFile, url: String, schema: Schema) -> JSONValue? {
        var options: [JSONValue] = []
        func number(_ value: Double) {
            if value.rounded() == value { options.append(.integer(Int64(value))) }
            options.append(.number(value))
        }
        switch (name, file) {
        case ("url", _): options = [.string(url)]
        case ("content_type", _): options = [.string(file.contentType)]
        case ("file_name", _): options = [.string(file.fileName ?? "file.bin")]
        case ("file_size", _): number(Double(measure(file)))
        case ("width", .image(let recipe)): number(Double(recipe.width))
        case ("height", .image(let recipe)): number(Double(recipe.height))
        case ("width", .video(let recipe)): number(Double(recipe.width))
        case ("height", .video(let recipe)): number(Double(recipe.height))
        case ("width", .asset(let recipe)) where recipe.kind == .svg: number(Double(recipe.width))
        case ("height", .asset(let recipe)) where recipe.kind == .svg: number(Double(recipe.height))
        case ("fps", .video(let recipe)), ("frame_rate", .video(let recipe)): number(recipe.framesPerSecond)
        case ("duration", .video(let recipe)): number(recipe.duration)
        case ("num_frames", .video(let recipe)), ("frame_count", .video(let recipe)): number(Double(recipe.frameCount))
        case ("duration", .audio(let recipe)): number(recipe.duration)
        case ("sample_rate", .audio): number(Double(AudioRecipe.sampleRate))
        case ("channels", .audio): number(1)
        case ("bitrate", .audio(let recipe)): options = [.string("\(recipe.bitrate / 1000)k"), .integer(Int64(recipe.bitrate))]
        default: return nil
        }
        return options.first { fits($0, schema) }
    }

    /// What a file field holds, from its example's file name, URL or content type, the formats
    /// its name or description names, its schema's title, then the kind of thing its name says.
    static func fileKind(name: String?, titles: [String], description: String?, example: JSONValue?) -> FileKind {
        for key in ["file_name", "url"] {
            if let text = example?[key]?.stringValue, let kind = kind(forExtension: fileExtension(text)) { return kind }
        }
        if let contentType = example?["content_type"]?.stringValue, let kind = kind(forContentType: contentType) { return kind }
        let nameWords = words(name).filter { !["file", "files", "url", "urls", "output", "generated", "result"].contains($0) }
        // A compound name's last word says what it is (`video_thumbnail` is an image, `body_mesh_ply` a PLY).
        for word in nameWords.reversed() { if let kind = explicitFormats[word] { return kind } }
        let descriptionWords = words(description)
        for word in descriptionWords where explicitDescriptionFormats.contains(word) {
            if let kind = explicitFormats[word] { return kind }
        }
        for title in titles.map({ $0.lowercased() }) {
            if title.contains("image") { return .image }
            if title.contains("video") { return .video }
            if title.contains("audio") { return .audio }
        }
        for word in nameWords.reversed() { if let kind = kindWords[word] { return kind } }
        for word in descriptionWords { if let kind = kindWords[word] { return kind } }
        return .asset(.bin)
    }

    /// `…/name.tar.gz?x=1` → `gz`.
    static func fileExtension(_ text: String) -> String {
        let path = text.split(separator: "?").first.map(String.init) ?? text
        guard let last = path.split(separator: "/").last, let dot = last.lastIndex(of: ".") else { return "" }
        return String(last[last.index(after: dot)...]).lowercased()
    }

    static func kind(forExtension ext: String) -> FileKind? {
        switch ext {
        case "png", "jpg", "jpeg", "webp", "gif", "bmp", "tif", "tiff", "avif", "heic": return .image
        case "wav", "mp3", "flac", "ogg", "m4a", "aac", "opus", "wave": return .audio
        case "mp4", "mov", "webm", "avi", "mkv", "m4v": return .video
        case "gz", "tgz", "tar": return .asset(.zip)
        case "gltf": return .asset(.glb)
        case "pt", "pth", "ckpt", "npy", "pkl": return .asset(.bin)
        case "md": return .asset(.txt)
        default: return AssetRecipe.Kind(rawValue: ext).map { .asset($0) }
        }
    }

    static func kind(forContentType contentType: String) -> FileKind? {
        let type = contentType.lowercased()
        if type.hasPrefix("image/svg") { return .asset(.svg) }
        if type.hasPrefix("image/") { return .image }
        if type.hasPrefix("audio/") { return .audio }
        if type.hasPrefix("video/") { return .video }
        if type.hasPrefix("model/gltf") { return .asset(.glb) }
        if type.hasSuffix("/json") { return .asset(.json) }
        if type.hasSuffix("/zip") { return .asset(.zip) }
        if type.hasPrefix("text/") { return .asset(.txt) }
        return nil
    }

    /// Words in a name that say the file's format.
    static let explicitFormats: [String: FileKind] = [
        "glb": .asset(.glb), "gltf": .asset(.glb), "mesh": .asset(.glb), "meshes": .asset(.glb), "obj": .asset(.obj),
        "fbx": .asset(.fbx), "usdz": .asset(.usdz), "ply": .asset(.ply), "splat": .asset(.ply), "splats": .asset(.ply),
        "gaussian": .asset(.ply), "stl": .asset(.stl), "mtl": .asset(.mtl), "material": .asset(.mtl),
        "zip": .asset(.zip), "archive": .asset(.zip), "dataset": .asset(.zip), "npz": .asset(.npz), "depths": .asset(.npz),
        "safetensors": .asset(.safetensors), "lora": .asset(.safetensors), "weights": .asset(.safetensors),
        "checkpoint": .asset(.safetensors), "embedding": .asset(.safetensors), "latents": .asset(.bin),
        "json": .asset(.json), "config": .asset(.json), "lottie": .asset(.lottie), "motion": .asset(.json),
        "srt": .asset(.srt), "subtitle": .asset(.srt), "subtitles": .asset(.srt), "caption": .asset(.srt),
        "captions": .asset(.json), "vtt": .asset(.vtt), "txt": .asset(.txt), "transcript": .asset(.txt), "svg": .asset(.svg),
    ]

    /// The subset of `explicitFormats` a description may name without meaning something else.
    static let explicitDescriptionFormats: Set<String> = [
        "glb", "gltf", "obj", "fbx", "usdz", "ply", "stl", "zip", "archive", "npz", "safetensors", "json", "lottie", "srt", "vtt", "svg",
    ]

    /// Words in a name or description that say what kind of thing the file is.
    static let kindWords: [String: FileKind] = {
        var table: [String: FileKind] = [:]
        for word in ["image", "images", "img", "mask", "masks", "matte", "thumbnail", "texture", "textures", "map", "sticker",
                     "spritesheet", "frame", "frames", "picture", "photo", "render", "rendered", "visualization", "background",
                     "foreground", "depth", "normal", "sketch", "icon", "logo", "poster", "preview", "canvas", "segmentation",
                     "grid", "png", "jpg", "jpeg", "webp"] {
            table[word] = .image
        }
        for word in ["video", "videos", "clip", "clips", "movie", "animation", "viz", "mp4", "footage"] { table[word] = .video }
        for word in ["audio", "audios", "speech", "voice", "music", "sound", "song", "sfx", "vocals",
                     "instrumental", "stem", "stems", "wav", "mp3", "tts", "dubbed", "soundtrack"] {
            table[word] = .audio
        }
        for word in ["model", "world", "scene", "3d"] { table[word] = .asset(.glb) }
        return table
    }()

    /// The file for a field of `kind`, sized from the input, then the example.
    mutating func makeFile(_ kind: FileKind, example: JSONValue?, index: Int) -> StoredFile {
        let digest = generator.next()
        let exampleSize: (Int, Int)? = {
            guard let width = example?["width"]?.integerValue, let height = example?["height"]?.integerValue,
                  (1...1 << 20).contains(width), (1...1 << 20).contains(height) else { return nil }
            return (Int(width), Int(height))
        }()
        switch kind {
        case .image:
            if let source = job.imageSource {
                // Drawn from the input image, the seed, the size and the index (FLUX.1 Redux).
                let (width, height) = Self.capped(requestedSize() ?? (1024, 768), longest: 4096)
                var imageDigest = FNV1a()
                imageDigest.combine(source)
                imageDigest.combine(UInt64(bitPattern: input["seed"]?.integerValue ?? job.seed ?? 0))
                imageDigest.combine(UInt64(width))
                imageDigest.combine(UInt64(height))
                imageDigest.combine(UInt64(index))
                return .image(ImageRecipe(width: width, height: height, digest: imageDigest.value, format: imageFormat(example)))
            }
            let (width, height) = Self.capped(requestedSize() ?? exampleSize ?? (512, 512), longest: 2048)
            return .image(ImageRecipe(width: width, height: height, digest: digest, format: imageFormat(example)))
        case .audio:
            let seconds = inputNumber("duration", "seconds_total", "audio_duration", "duration_seconds", "seconds")
                ?? example?["duration"]?.doubleValue ?? 1
            let milliseconds = seconds.isFinite ? min(max(seconds, 0), 3600) * 1000 : 1000
            return .audio(AudioRecipe(milliseconds: Int(milliseconds.rounded()), digest: digest))
        case .video:
            let size = requestedSize() ?? exampleSize ?? (16, 9)
            let fps = inputNumber("fps", "frames_per_second", "frame_rate") ?? example?["fps"]?.doubleValue ?? 24
            let seconds = inputNumber("duration", "seconds", "video_length", "duration_seconds")
                ?? inputNumber("num_frames").map { $0 / fps } ?? example?["duration"]?.doubleValue ?? 1
            return .video(VideoRecipe(aspect: Double(size.0) / Double(size.1), framesPerSecond: fps, seconds: seconds, digest: digest))
        case .asset(let assetKind):
            var recipe = AssetRecipe(kind: assetKind, digest: digest)
            if let (width, height) = requestedSize() ?? exampleSize {
                recipe.width = min(max(width, 1), 4096)
                recipe.height = min(max(height, 1), 4096)
            }
            if let concept = inputConcept { recipe.text = concept }
            return .asset(recipe)
        }
    }

    /// The size scaled down, keeping its shape, so that neither side exceeds `longest`.
    static func capped(_ size: (Int, Int), longest: Int) -> (Int, Int) {
        let (width, height) = (max(size.0, 1), max(size.1, 1))
        let side = max(width, height)
        guard side > longest else { return (width, height) }
        return (max(1, Int(Double(width) * Double(longest) / Double(side))), max(1, Int(Double(height) * Double(longest) / Double(side))))
    }

    /// PNG or JPEG from the input's `output_format` (or its default), then the example's file name.
    func imageFormat(_ example: JSONValue?) -> ImageRecipe.Format {
        let requested = inputValue("output_format")?.stringValue?.lowercased()
            ?? example?["file_name"]?.stringValue.map(Self.fileExtension)
            ?? example?["url"]?.stringValue.map(Self.fileExtension)
        return requested == "jpeg" || requested == "jpg" ? .jpeg : .png
    }

    /// The size the input asks for: `image_size` (a preset or width and height), `width` and
    /// `height`, or `aspect_ratio` with `resolution`.
    func requestedSize() -> (Int, Int)? {
        for key in ["image_size", "video_size", "size", "output_size"] {
            switch inputValue(key) {
            case .string(let preset)?:
                if let size = ImageSizePreset.sizes[preset] { return size }
                let parts = preset.lowercased().split(separator: "x").compactMap { Int($0) }
                if parts.count == 2, parts[0] > 0, parts[1] > 0 { return (parts[0], parts[1]) }
            case .object(let members)?:
                let object = JSONValue.object(members)
                let width = object["width"]?.integerValue ?? 512
                let height = object["height"]?.integerValue ?? 512
                if width > 0, height > 0, width <= 1 << 20, height <= 1 << 20 { return (Int(width), Int(height)) }
            default:
                break
            }
        }
        if let width = inputValue("width")?.integerValue, let height = inputValue("height")?.integerValue,
           width > 0, height > 0, width <= 1 << 20, height <= 1 << 20 {
            return (Int(width), Int(height))
        }
        guard let ratio = inputValue("aspect_ratio")?.stringValue else { return nil }
        let parts = ratio.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0, parts[0].isFinite, parts[1].isFinite,
              (0.1...10).contains(parts[0] / parts[1]) else { return nil }
        let resolution = inputValue("resolution")?.stringValue?.lowercased() ?? ""
        let aspect = parts[0] / parts[1]
        // `720p` names the short side; `2K` the long one.
        var written = 768.0
        if resolution.hasSuffix("p"), let lines = Double(resolution.dropLast()) {
            written = lines
        } else if resolution.hasSuffix("k"), let thousands = Double(resolution.dropLast()) {
            written = thousands * 1024 / max(aspect, 1 / aspect)
        }
        let short = written.isFinite ? min(max(written, 16), 8192) : 768
        let size = aspect >= 1 ? (short * aspect, short) : (short, short / aspect)
        return (max(1, Int(size.0.rounded())), max(1, Int(size.1.rounded())))
    }
}

/// What kind of file an output field holds.
enum FileKind: Hashable, Sendable {
    case image, audio, video
    case asset(AssetRecipe.Kind)
}
