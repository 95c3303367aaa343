import Foundation
import QueueBatch
import Testing

/// Input lines are JSON by the runtime's strict reader before anything else is checked: the runner
/// sends each line's bytes as they are, and `JSONDecoder` also takes a trailing comma.
@Suite("Input checks")
struct InputCheckTests {
    @Test("A trailing comma is named with its column (in characters) before any bound is checked")
    func trailingComma() {
        let check = InputCheck.untyped(endpointID: "fal-ai/flux-1/schnell/redux")
        let line = Array(#"{"image_url":"https://example.com/a.png",}"#.utf8)
        #expect(check.check(line[...], number: 4).map(\.description) == ["4:42: is not valid JSON: a member name (a string) was expected"])
        let accented = Array(#"{"prompt":"café",}"#.utf8)
        #expect(check.check(accented[...], number: 9).map(\.description) == ["9:18: is not valid JSON: a member name (a string) was expected"])
        #expect(check.check(Array(#"{"prompt":"café"}"#.utf8)[...], number: 1).isEmpty)
        #expect(check.check(Array("[1]".utf8)[...], number: 2).map(\.description) == ["2:1: is not a JSON object"])
    }
}
