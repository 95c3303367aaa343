// The client types (Flux1SchnellRedux.Input, ExampleTinyUpscale.Input, ...) are generated at build time by
// QueueGenPlugin from the specs in this folder; nothing to write by hand.
@_exported import QueueRuntime

/// The endpoints generated into this module, for listing.
public let imageClientEndpoints: [String] = [
    QueueEndpoint.flux1SchnellRedux.id.rawValue,
    QueueEndpoint.exampleTinyUpscale.id.rawValue,
]
