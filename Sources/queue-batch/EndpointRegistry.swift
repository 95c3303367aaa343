import FluxRedux
import QueueBatch

/// Endpoint id → how its input lines are decoded and validated.
///
/// Hand-written for the endpoints this command links; the generated catalog registry is to
/// replace it (see the README's queue-batch section).
enum EndpointRegistry {
    static let checks: [String: InputCheck] = [
        "fal-ai/flux-1/schnell/redux": .typed(Flux1SchnellRedux.Input.self, endpointID: "fal-ai/flux-1/schnell/redux")
    ]

    static var known: [String] { checks.keys.sorted() }

    static func check(for endpointID: String) -> InputCheck? { checks[endpointID] }
}
