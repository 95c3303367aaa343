import CloseMatches
import FalCatalog
import QueueBatch
import QueueRuntime

/// Endpoint id → how its input lines are decoded and validated: every endpoint of fal's catalog,
/// through the generated registry (`FalCatalog`), as its generated `Input` type.
enum EndpointRegistry {
    /// The check of a catalog endpoint, or `nil` when the catalog has no endpoint `endpointID`.
    static func check(for endpointID: String) -> InputCheck? {
        guard let entry = FalCatalog.entry(for: endpointID) else { return nil }
        // Opens the existential `any QueueInput.Type`: the lines decode as the endpoint's own type.
        func typed<Input: QueueInput>(_ type: Input.Type) -> InputCheck { .typed(type, endpointID: endpointID) }
        return typed(entry.input)
    }

    /// The error for an id the catalog does not have: the closest ids, and `--spec FILE`.
    static func unknownEndpointMessage(_ endpointID: String) -> String {
        let matches = CloseMatches.matches(to: endpointID, among: FalCatalog.entries.lazy.map(\.id.rawValue))
        let suggestion = switch matches.count {
        case 0: "."
        case 1: "; did you mean \(matches[0])?"
        default: "; did you mean \(matches.dropLast().joined(separator: ", ")) or \(matches.last!)?"
        }
        return "\(endpointID) is not in fal's catalog (\(FalCatalog.entries.count) endpoints)\(suggestion) "
            + "For an endpoint outside it, give its OpenAPI document with --spec FILE."
    }
}
