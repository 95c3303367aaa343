import QueueDiff
import QueueSpec
import Testing

/// A small document, written so each test can say which lines differ between two versions.
struct SyntheticVersion {
    var input: [String] = ["prompt: {type: string}"]
    var required: [String] = ["prompt"]
    var output: [String] = ["images: {type: array, items: {type: string}}"]
    var outputRequired: [String] = ["images"]
    var deprecatedEndpoint = false
    var secondEndpoint = false

    func with(_ change: (inout SyntheticVersion) -> Void) -> SyntheticVersion {
        var copy = self
        change(&copy)
        return copy
    }

    var text: String {
        var lines = [
            "openapi: 3.1.0",
            "info:",
            "  title: synthetic",
            "  version: \"1\"",
            "paths:",
            "  /acme/model:",
            "    post:",
            "      summary: Model",
        ]
        if deprecatedEndpoint { lines.append("      deprecated: true") }
        lines += [
            "      requestBody:",
            "        content:",
            "          application/json:",
            "            schema:",
            "              $ref: \"#/components/schemas/Input\"",
            "  /acme/model/requests/{request_id}:",
            "    get:",
            "      responses:",
            "        \"200\":",
            "          content:",
            "            application/json:",
            "              schema:",
            "                $ref: \"#/components/schemas/Output\"",
        ]
        if secondEndpoint {
            lines += [
                "  /acme/other:",
                "    post:",
                "      requestBody:",
                "        content:",
                "          application/json:",
                "            schema:",
                "              $ref: \"#/components/schemas/Input\"",
            ]
        }
        lines += ["components:", "  schemas:", "    Input:", "      type: object", "      properties:"]
        lines += input.map { "        " + $0 }
        lines.append("      required: [\(required.joined(separator: ", "))]")
        lines += ["    Output:", "      type: object", "      properties:"]
        lines += output.map { "        " + $0 }
        lines.append("      required: [\(outputRequired.joined(separator: ", "))]")
        return lines.joined(separator: "\n") + "\n"
    }

    func load(_ file: String) throws -> SpecDocument {
        try SpecLoader.load(bytes: Array(text.utf8), file: file).get()
    }
}

/// Where a change should point: the pointer, and a marker whose last character is where the
/// node starts in the text (found in the text, not counted by hand).
struct ExpectedSite: CustomStringConvertible {
    var pointer: String
    var marker: String

    func location(in text: String, file: String) -> String {
        guard let range = text.range(of: marker) else { return "marker not found: \(marker)" }
        let before = text[..<range.upperBound]
        let line = before.filter { $0 == "\n" }.count + 1
        let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0)
        return "\(file):\(line):\(column)"
    }

    var description: String { pointer }
}

struct SyntheticCase: CustomStringConvertible, Sendable {
    var kind: ChangeKind
    var old: SyntheticVersion
    var new: SyntheticVersion
    var oldSite: ExpectedSite?
    var newSite: ExpectedSite?

    var description: String { kind.rawValue }
}

extension SyntheticVersion: Sendable {}
extension ExpectedSite: Sendable {}

private let base = SyntheticVersion()
private let inputObject = ExpectedSite(pointer: "#/components/schemas/Input", marker: "    Input:\n      t")
private let outputObject = ExpectedSite(pointer: "#/components/schemas/Output", marker: "    Output:\n      t")
private func input(_ name: String) -> ExpectedSite {
    ExpectedSite(pointer: "#/components/schemas/Input/properties/\(name)", marker: "        \(name): {")
}
private func output(_ name: String) -> ExpectedSite {
    ExpectedSite(pointer: "#/components/schemas/Output/properties/\(name)", marker: "        \(name): {")
}
private let modelEndpoint = ExpectedSite(pointer: "#/paths/~1acme~1model", marker: "  /acme/model:\n    p")
private let otherEndpoint = ExpectedSite(pointer: "#/paths/~1acme~1other", marker: "  /acme/other:\n    p")
private let withSeed = base.with { $0.input.append("seed: {type: integer}") }
private func withSteps(_ schema: String) -> SyntheticVersion { base.with { $0.input.append("steps: {type: integer\(schema)}") } }
private let union3 = base.with { $0.input.append("value: {anyOf: [{type: string, title: Text}, {type: integer, title: Count}, {type: boolean, title: Flag}]}") }
private let union2 = base.with { $0.input.append("value: {anyOf: [{type: string, title: Text}, {type: integer, title: Count}]}") }
private let flagBranch = ExpectedSite(pointer: "#/components/schemas/Input/properties/value/anyOf/2", marker: "title: Count}, {")
private let outputSeed = base.with { $0.output.append("seed: {type: integer}") }
private let outputSeedRequired = outputSeed.with { $0.outputRequired.append("seed") }

/// One synthetic pair per change kind, with the exact sites expected in both versions.
let syntheticCases: [SyntheticCase] = [
    SyntheticCase(kind: .endpointRemoved, old: base.with { $0.secondEndpoint = true }, new: base, oldSite: otherEndpoint, newSite: nil),
    SyntheticCase(kind: .endpointAdded, old: base, new: base.with { $0.secondEndpoint = true }, oldSite: nil, newSite: otherEndpoint),
    SyntheticCase(kind: .endpointDeprecated, old: base, new: base.with { $0.deprecatedEndpoint = true }, oldSite: modelEndpoint, newSite: modelEndpoint),
    SyntheticCase(kind: .fieldRemoved, old: withSeed, new: base, oldSite: input("seed"), newSite: inputObject),
    SyntheticCase(kind: .fieldRenamed, old: withSteps(", default: 4"),
                  new: base.with { $0.input.append("num_steps: {type: integer, default: 4}") },
                  oldSite: input("steps"), newSite: input("num_steps")),
    SyntheticCase(kind: .fieldRenamedOnWire, old: base.with { $0.input.append("image_url: {type: string}") },
                  new: base.with { $0.input.append("image-url: {type: string}") },
                  oldSite: input("image_url"), newSite: input("image-url")),
    SyntheticCase(kind: .fieldBecameRequired, old: withSeed, new: withSeed.with { $0.required.append("seed") },
                  oldSite: input("seed"), newSite: input("seed")),
    SyntheticCase(kind: .requiredFieldAdded, old: base,
                  new: base.with { $0.input.append("mask_url: {type: string}"); $0.required.append("mask_url") },
                  oldSite: inputObject, newSite: input("mask_url")),
    SyntheticCase(kind: .optionalFieldAdded, old: base,
                  new: base.with { $0.input.append("acceleration: {type: string, enum: [none, regular], default: none}") },
                  oldSite: inputObject, newSite: input("acceleration")),
    SyntheticCase(kind: .fieldBecameOptional, old: base, new: base.with { $0.required = [] },
                  oldSite: input("prompt"), newSite: input("prompt")),
    SyntheticCase(kind: .typeChanged, old: withSeed, new: base.with { $0.input.append("seed: {type: number}") },
                  oldSite: input("seed"), newSite: input("seed")),
    SyntheticCase(kind: .enumValueRemoved, old: base.with { $0.input.append("size: {type: string, enum: [small, large]}") },
                  new: base.with { $0.input.append("size: {type: string, enum: [small]}") },
                  oldSite: input("size"), newSite: input("size")),
    SyntheticCase(kind: .enumValueAdded, old: base.with { $0.input.append("size: {type: string, enum: [small]}") },
                  new: base.with { $0.input.append("size: {type: string, enum: [small, large]}") },
                  oldSite: input("size"), newSite: input("size")),
    SyntheticCase(kind: .unionBranchRemoved, old: union3, new: union2, oldSite: flagBranch, newSite: input("value")),
    SyntheticCase(kind: .unionBranchAdded, old: union2, new: union3, oldSite: input("value"), newSite: flagBranch),
    SyntheticCase(kind: .boundTightened, old: withSteps(", maximum: 12"), new: withSteps(", maximum: 8"),
                  oldSite: input("steps"), newSite: input("steps")),
    SyntheticCase(kind: .boundLoosened, old: withSteps(", maximum: 8"), new: withSteps(", maximum: 12"),
                  oldSite: input("steps"), newSite: input("steps")),
    SyntheticCase(kind: .defaultChanged, old: withSteps(", default: 4"), new: withSteps(", default: 8"),
                  oldSite: input("steps"), newSite: input("steps")),
    SyntheticCase(kind: .defaultAdded, old: withSteps(""), new: withSteps(", default: 4"),
                  oldSite: input("steps"), newSite: input("steps")),
    SyntheticCase(kind: .outputFieldRemoved, old: outputSeed, new: base, oldSite: output("seed"), newSite: outputObject),
    SyntheticCase(kind: .outputFieldMadeOptional, old: outputSeedRequired, new: outputSeed, oldSite: output("seed"), newSite: output("seed")),
    SyntheticCase(kind: .outputFieldAdded, old: base, new: outputSeed, oldSite: outputObject, newSite: output("seed")),
    SyntheticCase(kind: .outputFieldMadeRequired, old: outputSeed, new: outputSeedRequired, oldSite: output("seed"), newSite: output("seed")),
    SyntheticCase(kind: .docChanged, old: withSteps(", description: Old words"), new: withSteps(", description: New words"),
                  oldSite: input("steps"), newSite: input("steps")),
    SyntheticCase(kind: .fieldDeprecated, old: withSteps(""), new: withSteps(", deprecated: true"),
                  oldSite: input("steps"), newSite: input("steps")),
    SyntheticCase(kind: .deprecationRemoved, old: withSteps(", deprecated: true"), new: withSteps(""),
                  oldSite: input("steps"), newSite: input("steps")),
]

@Suite("queuegen diff: one synthetic pair per change class")
struct ChangeClassTests {
    @Test("every change kind has a synthetic case")
    func everyKindCovered() {
        #expect(Set(syntheticCases.map(\.kind)) == Set(ChangeKind.allCases))
        #expect(syntheticCases.count == ChangeKind.allCases.count)
    }

    @Test("exactly one change, of the kind and class expected, at the expected sites", arguments: syntheticCases)
    func classification(_ testCase: SyntheticCase) throws {
        let changes = SpecDiff.compare(old: [try testCase.old.load("old.yaml")], new: [try testCase.new.load("new.yaml")])
        #expect(changes.map(\.kind) == [testCase.kind], "\(changes.map(\.message))")
        let change = try #require(changes.first)
        #expect(change.changeClass == testCase.kind.changeClass)
        #expect(change.old?.pointer == testCase.oldSite?.pointer)
        #expect(change.old?.location == testCase.oldSite?.location(in: testCase.old.text, file: "old.yaml"))
        #expect(change.new?.pointer == testCase.newSite?.pointer)
        #expect(change.new?.location == testCase.newSite?.location(in: testCase.new.text, file: "new.yaml"))
    }

    @Test("the classes: what breaks Swift callers, what breaks the wire, what is deprecated, what is additive")
    func classes() {
        let byClass = Dictionary(grouping: ChangeKind.allCases, by: \.changeClass).mapValues { Set($0) }
        #expect(byClass[.breakingForSwift] == [
            .endpointRemoved, .fieldRemoved, .fieldRenamed, .fieldBecameRequired, .requiredFieldAdded, .typeChanged,
            .enumValueRemoved, .unionBranchRemoved,
        ])
        #expect(byClass[.breakingOnWire] == [
            .fieldRenamedOnWire, .boundTightened, .defaultChanged, .outputFieldRemoved, .outputFieldMadeOptional,
        ])
        #expect(byClass[.deprecated] == [.endpointDeprecated, .fieldDeprecated])
    }

    @Test("identical versions: no change, and no --fail-on policy fails")
    func identical() throws {
        let changes = SpecDiff.compare(old: [try base.load("old.yaml")], new: [try base.load("new.yaml")])
        #expect(changes.isEmpty)
        for policy in FailurePolicy.allCases { #expect(!policy.fails(changes)) }
    }

    @Test("--fail-on: breaking fails on breaking changes only, any on anything, none never")
    func failurePolicies() throws {
        let additive = SpecDiff.compare(old: [try base.load("old.yaml")], new: [try outputSeed.load("new.yaml")])
        #expect(!FailurePolicy.breaking.fails(additive))
        #expect(FailurePolicy.any.fails(additive))
        let wire = SpecDiff.compare(old: [try withSteps(", maximum: 12").load("old.yaml")], new: [try withSteps(", maximum: 8").load("new.yaml")])
        #expect(FailurePolicy.breaking.fails(wire))
        #expect(!FailurePolicy.none.fails(wire))
    }

    @Test("a rename needs the same type, default and description; otherwise it is a removal and an addition")
    func notARename() throws {
        let changes = SpecDiff.compare(
            old: [try base.with { $0.input.append("negative_prompt: {type: string, description: What to avoid}") }.load("old.yaml")],
            new: [try base.with { $0.input.append("style: {type: string, description: The style to use}") }.load("new.yaml")])
        #expect(changes.map(\.kind) == [.fieldRemoved, .optionalFieldAdded])
        #expect(changes.map(\.subject) == ["input.negative_prompt", "input.style"])
    }

    @Test("bounds: exclusive vs inclusive at the same value, and a minimum raised")
    func exclusiveBounds() throws {
        let tightened = SpecDiff.compare(old: [try withSteps(", minimum: 0").load("old.yaml")],
                                         new: [try withSteps(", exclusiveMinimum: 0").load("new.yaml")])
        #expect(tightened.map(\.kind) == [.boundTightened])
        #expect(tightened.first?.message == "'input.steps': minimum 0 → exclusive 0: values accepted before are now rejected")
        let raised = SpecDiff.compare(old: [try withSteps(", minimum: 1").load("old.yaml")], new: [try withSteps(", minimum: 2").load("new.yaml")])
        #expect(raised.map(\.kind) == [.boundTightened])
    }

    @Test("a nullable anyOf around the same type is the same type; around another type it is a type change")
    func nullableUnions() throws {
        let same = SpecDiff.compare(old: [try withSeed.load("old.yaml")],
                                    new: [try base.with { $0.input.append("seed: {anyOf: [{type: integer}, {type: 'null'}]}") }.load("new.yaml")])
        #expect(same.isEmpty)
        let other = SpecDiff.compare(old: [try withSeed.load("old.yaml")],
                                     new: [try base.with { $0.input.append("seed: {anyOf: [{type: string}, {type: 'null'}]}") }.load("new.yaml")])
        #expect(other.map(\.kind) == [.typeChanged])
        #expect(other.first?.message == "'input.seed': type changed from integer to string")
    }
}
