/// One endpoint of a generated catalog registry (`FalCatalog.entries`): its id and the types of its
/// input and output, for code that learns which endpoint to call only at run time, such as
/// `queue-batch run ENDPOINT_ID`.
///
/// The types are existential metatypes; open them with a generic function to get back to the
/// static types:
///
/// ```swift
/// func decode<Input: QueueInput>(_ type: Input.Type, _ data: Data) throws -> Input {
///     try JSONDecoder().decode(type, from: data)
/// }
/// let input = try decode(entry.input, line)  // the existential is opened for the call
/// ```
public struct CatalogEntry: Sendable {
    /// The endpoint id, such as `fal-ai/flux-1/schnell`.
    public let id: EndpointID
    /// The endpoint's generated input type (`Flux1Schnell.Input.self`).
    public let input: any QueueInput.Type
    /// The endpoint's generated output type (`Flux1Schnell.Output.self`).
    public let output: any QueueModel.Type

    /// Describes the endpoint `id` whose input and output are `input` and `output`.
    public init(id: EndpointID, input: any QueueInput.Type, output: any QueueModel.Type) {
        self.id = id
        self.input = input
        self.output = output
    }
}
