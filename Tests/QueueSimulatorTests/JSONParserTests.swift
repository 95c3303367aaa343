import Foundation
import QueueSimulator
import Testing

@Suite("The simulator's JSON parser")
struct JSONParserTests {
    /// Each of these once crashed the process (the lone surrogate, an overflow trap) or was
    /// accepted although RFC 8259 forbids it.
    @Test("rejects lone surrogates, leading zeros and signed \\u escapes with an offset", arguments: [
        (#"["\uD800\u0041"]"#, "Lone surrogate"),
        (#"["\uD800"]"#, "Lone surrogate"),
        (#"["\uDC00"]"#, "Lone surrogate"),
        (#"["\uDBFF\uDBFF"]"#, "Lone surrogate"),
        (#"["\uD800\"]"#, "Lone surrogate"),
        ("01", "Leading zero"),
        ("-00", "Leading zero"),
        ("[1, 02]", "Leading zero"),
        (#""\u+fff""#, "Invalid \\u escape"),
        (#""\u-fff""#, "Invalid \\u escape"),
        (#""\u 123""#, "Invalid \\u escape"),
    ])
    func rejectsBadText(text: String, message: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(text.utf8)) }
        do {
            _ = try JSONValue.parse(Array(text.utf8))
        } catch {
            #expect(error.message.hasPrefix(message), "\(text): \(error)")
            #expect(error.offset >= 0 && error.offset <= text.utf8.count)
        }
    }

    @Test("reads surrogate pairs, zero, negative zero and exponents")
    func readsValidText() throws {
        #expect(try JSONValue.parse(Array(#"["\uD83D\uDE00"]"#.utf8)) == .array([.string("😀")]))
        #expect(try JSONValue.parse(Array("0".utf8)) == .integer(0))
        #expect(try JSONValue.parse(Array("-0".utf8)) == .integer(0))
        #expect(try JSONValue.parse(Array("0.5e-3".utf8)) == .number(0.0005))
        #expect(try JSONValue.parse(Array(#""\u00e9\u00E9""#.utf8)) == .string("éé"))
    }

    @Test("equal values hash alike: 1 == 1.0, canonically equivalent strings")
    func equalityAgreesWithHash() {
        let pairs: [(JSONValue, JSONValue)] = [
            (.integer(1), .number(1.0)),
            (.integer(0), .number(-0.0)),
            (.array([.integer(3)]), .array([.number(3)])),
            (.object([("a", .integer(2))]), .object([("a", .number(2))])),
            (.string("\u{E9}"), .string("e\u{301}")),
        ]
        for (a, b) in pairs {
            #expect(a == b)
            #expect(a.hashValue == b.hashValue, "\(a) and \(b)")
            #expect(Set([a, b]).count == 1)
        }
        // Exact: 2^53 + 1 is not the double 2^53, so equality stays transitive.
        #expect(JSONValue.integer(9_007_199_254_740_993) != .number(9_007_199_254_740_992))
        #expect(JSONValue.integer(1) != .number(1.5))
    }

    /// A seeded mutation run: every mutant either parses or throws `JSONParseError`; one that
    /// parses writes back to text that parses to an equal value with the same hash. Longer runs:
    /// `SIMULATOR_FUZZ_ITERATIONS=2000000 swift test --filter JSONParserTests` (README of Fuzz/).
    @Test("a seeded mutation run neither crashes nor breaks the round trip")
    func mutationRun() throws {
        let iterations = ProcessInfo.processInfo.environment["SIMULATOR_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 30_000
        var random = SplitMix(seed: 0x5EED_0001)
        var parsed = 0
        var rejected = 0
        for _ in 0..<iterations {
            let seed = MutationCorpus.bodies[random.below(MutationCorpus.bodies.count)]
            let bytes = MutationCorpus.mutate(Array(seed.utf8), &random)
            do {
                let value = try JSONValue.parse(bytes)
                parsed += 1
                let again = try JSONValue.parse(value.bytes)
                #expect(again == value, "round trip of \(String(decoding: bytes, as: UTF8.self))")
                #expect(again.hashValue == value.hashValue)
            } catch {
                rejected += 1
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
        // Both outcomes are reached, so the mutations are neither all harmless nor all fatal.
        #expect(parsed > iterations / 20 && rejected > iterations / 20, "parsed \(parsed), rejected \(rejected)")
        print("JSON mutation run: \(iterations) executions, \(parsed) parsed, \(rejected) rejected, 0 crashes")
    }
}

/// SplitMix64, so every mutation run is the same for a seed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
}

/// Seed inputs and byte-level mutations shared by the parser run and the HTTP run.
enum MutationCorpus {
    static let bodies: [String] = [
        #"{"image_url":"data:image/png;base64,iVBORw0KGgo=","num_images":2,"seed":5000000000}"#,
        #"{"image_url":"https://x/y.png","image_size":{"width":64,"height":48},"output_format":"png"}"#,
        #"{"image_url":"a","image_size":"square_hd","sync_mode":true,"enable_safety_checker":false}"#,
        #"["\uD83D\uDE00", -0.5e+3, 1E2, null, true, false, {}, [], "\"\\\/\b\f\n\r\t"]"#,
        #"{"a":{"b":{"c":[1,2,[3,[4,{"d":"\u00e9"}]]]}}}"#,
        #"{"content_type":"image/png","file_name":"x.png"}"#,
        "123", #""text""#, "[]", "{}",
    ]

    /// Fragments that reach the parser's edge cases when spliced in anywhere.
    static let tokens: [String] = [
        #"\uD800"#, #"\uDC00"#, #"\uD800\u0041"#, #"\u+fff"#, #"\u00"#, "01", "-", "1e", "1.", ".5", "-0", "1e999",
        "9223372036854775808", "-9223372036854775809", "\"", "\\", "[", "]", "{", "}", ":", ",", "nul", "tru",
        "\u{0}", "\u{1F}", "\u{7F}", "é", "😀", String(repeating: "[", count: 600), String(repeating: "{\"a\":", count: 600),
    ]

    static func mutate(_ input: [UInt8], _ random: inout SplitMix) -> [UInt8] {
        var bytes = input
        for _ in 0...random.below(4) {
            switch random.below(6) {
            case 0 where !bytes.isEmpty: bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8))
            case 1 where !bytes.isEmpty: bytes.remove(at: random.below(bytes.count))
            case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: random.below(bytes.count + 1))
            case 3: bytes.insert(contentsOf: Array(tokens[random.below(tokens.count)].utf8), at: random.below(bytes.count + 1))
            case 4 where bytes.count > 2:
                let start = random.below(bytes.count)
                let end = min(bytes.count, start + random.below(16))
                bytes.insert(contentsOf: bytes[start..<end], at: random.below(bytes.count + 1))
            default: if !bytes.isEmpty { bytes.removeLast(random.below(min(bytes.count, 8)) + 1) }
            }
        }
        return bytes
    }
}
