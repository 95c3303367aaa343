import Testing
import QueueSpec

@Suite("JSON pointers")
struct JSONPointerTests {
    @Test("~0 and ~1 are read and written as RFC 6901 says, percent escapes are decoded")
    func escapes() throws {
        let pointer = try #require(JSONPointer(fragment: "#/paths/~1acme~1app/a~0b/~01/%7Bid%7D"))
        #expect(pointer.tokens == ["paths", "/acme/app", "a~b", "~1", "{id}"])
        #expect(pointer.description == "#/paths/~1acme~1app/a~0b/~01/{id}")
        #expect(JSONPointer(fragment: pointer.description) == pointer)
        // A `~` that starts no escape stays as it is.
        #expect(JSONPointer(fragment: "#/a~/~~1/~2/caf\u{E9}~1")?.tokens == ["a~", "~/", "~2", "caf\u{E9}/"])
        #expect(JSONPointer(fragment: "#")?.tokens == [])
        #expect(JSONPointer(fragment: "other.yaml#/a") == nil)
    }
}
