// Decoding, encoding and comparing generated models (`_WireModel`: an `init(from:)` through the
// memberwise initializer and one `_fields` walk) against synthesized `Codable`/`Equatable` twins of
// the same shape, in one process, interleaved round by round so that the machine's drift falls on
// both. Prints the fastest and the median round of each and their ratio.
//
//   swift run -c release coding-benchmark [ROUNDS]

import Foundation
import FluxRedux
import QueueRuntime

let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 15 : 15

func outputJSON(images count: Int) -> Data {
    var images: [String] = []
    images.reserveCapacity(count)
    for index in 0..<count {
        let type = index % 3 == 0 ? #","content_type":"image/png""# : ""
        images.append(#"{"url":"https://v3.fal.media/files/lion/\#(index)-a8b2c.jpeg","width":1024,"height":768\#(type)}"#)
    }
    let text = #"{"images":[\#(images.joined(separator: ","))],"timings":{"inference":0.42,"total":0.51},"seed":8589934593,"has_nsfw_concepts":[\#(Array(repeating: "false", count: min(count, 4)).joined(separator: ","))],"prompt":"a lighthouse at dusk"}"#
    return Data(text.utf8)
}

/// Seconds for `body`, run `repeats` times.
func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<repeats { try body() }
    let elapsed = start.duration(to: clock.now)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

struct Row {
    let name: String
    var generated: [Double] = []
    var twin: [Double] = []

    func summary() -> String {
        let g = generated.sorted(), t = twin.sorted()
        let fastest = g[0] / t[0], median = g[g.count / 2] / t[t.count / 2]
        func ms(_ value: Double) -> String { String(format: "%.3f", value * 1000) }
        return "| \(name) | \(ms(g[0])) | \(ms(g[g.count / 2])) | \(ms(t[0])) | \(ms(t[t.count / 2])) | \(String(format: "%.2f", fastest)) | \(String(format: "%.2f", median)) |"
    }
}

var rows: [Row] = []
let decoder = JSONDecoder()
let encoder = JSONEncoder()

for count in [10, 1_000, 20_000] {
    let data = outputJSON(images: count)
    let generatedValue = try decoder.decode(Flux1SchnellRedux.Output.self, from: data)
    let twinValue = try decoder.decode(TwinOutput.self, from: data)
    // Both sides must read the same thing, or the comparison says nothing.
    precondition(generatedValue.images.count == count && twinValue.images.count == count)
    precondition(generatedValue.images.last?.url == twinValue.images.last?.url && generatedValue.seed == twinValue.seed)
    let reencoded = try decoder.decode(TwinOutput.self, from: try encoder.encode(generatedValue))
    precondition(reencoded == twinValue, "the generated model's JSON differs from the twin's")
    let repeats = max(1, 20_000 / count)
    var decode = Row(name: "decode Output, \(count) images (×\(repeats))")
    var encode = Row(name: "encode Output, \(count) images (×\(repeats))")
    var equal = Row(name: "== Output, \(count) images (×\(repeats))")
    let generatedCopy = try decoder.decode(Flux1SchnellRedux.Output.self, from: data)
    let twinCopy = try decoder.decode(TwinOutput.self, from: data)
    for round in 0..<rounds {
        // Alternate which side goes first.
        let sides: [Bool] = round % 2 == 0 ? [true, false] : [false, true]
        for generated in sides {
            if generated {
                decode.generated.append(try time(repeats) { _ = try decoder.decode(Flux1SchnellRedux.Output.self, from: data) })
                encode.generated.append(try time(repeats) { _ = try encoder.encode(generatedValue) })
                equal.generated.append(time(repeats) { precondition(generatedValue == generatedCopy) })
            } else {
                decode.twin.append(try time(repeats) { _ = try decoder.decode(TwinOutput.self, from: data) })
                encode.twin.append(try time(repeats) { _ = try encoder.encode(twinValue) })
                equal.twin.append(time(repeats) { precondition(twinValue == twinCopy) })
            }
        }
    }
    rows += [decode, encode, equal]
}

// Unions: the generated enum's synthesized `==` against a twin's. The values are read from an
// array at an index that changes every iteration, so neither comparison is folded away.
@inline(never) func opaque<T>(_ value: T) -> T { value }
do {
    let generated: [Flux1SchnellRedux.ImageSize] = opaque([.custom(width: 3, height: 4), .custom(width: 3, height: 5), .preset(.square)])
    let twins: [TwinImageSize] = opaque([.custom(width: 3, height: 4), .custom(width: 3, height: 5), .preset("square")])
    var row = Row(name: "== ImageSize union (×300,000)")
    var generatedEqual = 0, twinEqual = 0
    for _ in 0..<rounds {
        row.generated.append(time(300_000) { if generated[generatedEqual % 3] == generated[(generatedEqual + 1) % 3] { generatedEqual += 2 } else { generatedEqual += 1 } })
        row.twin.append(time(300_000) { if twins[twinEqual % 3] == twins[(twinEqual + 1) % 3] { twinEqual += 2 } else { twinEqual += 1 } })
    }
    // The same comparisons on both sides give the same count.
    precondition(generatedEqual == twinEqual, "\(generatedEqual) \(twinEqual)")
    rows.append(row)
}

print("Generated models vs synthesized Codable/Equatable twins, release, \(rounds) interleaved rounds (ms per round)")
print("")
print("| measure | generated, fastest | generated, median | twin, fastest | twin, median | ratio, fastest | ratio, median |")
print("|---|---|---|---|---|---|---|")
for row in rows { print(row.summary()) }
