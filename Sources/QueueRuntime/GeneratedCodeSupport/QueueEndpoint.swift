/// Describes one queue endpoint: its id and the types of its input and output.
///
/// Generated modules declare one per endpoint as a static member, so a call reads
/// `client.run(.flux1SchnellRedux, input)`; the queue protocol itself lives in `QueueClient`.
public struct QueueEndpoint<Input: QueueInput, Output: QueueModel>: Sendable, Hashable, CustomStringConvertible {
    /// The endpoint id, such as `fal-ai/flux-1/schnell/redux`.
    public let id: EndpointID

    /// Describes the endpoint `id` with the given input and output types.
    public init(id: EndpointID) {
        self.id = id
    }

    /// The endpoint id.
    public var description: String { id.rawValue }
}

/// The common shape of generated model types: JSON in and out, value semantics, checkable bounds.
///
/// Models are `Equatable`, not `Hashable`: a hashable conformance on each of the catalog's
/// thousands of types cost a tenth of its compile time, and an output is rarely a dictionary key
/// (compare, or key by a field such as an image's `url`). Open enums and `JSONValue` are `Hashable`.
public protocol QueueModel: Codable, Equatable, Sendable {
    /// Every bound this value breaks, with paths that start at `path` (wire names).
    func validate(at path: [String]) -> [ValidationIssue]
}

extension QueueModel {
    /// No issues: a model without bounds of its own.
    public func validate(at path: [String]) -> [ValidationIssue] { [] }
}

/// An endpoint's input: a model the runtime validates before anything is sent.
public protocol QueueInput: QueueModel {}

extension QueueInput {
    /// Every bound this input breaks, with its field path; empty when the input may be sent.
    public func validate() -> [ValidationIssue] { validate(at: []) }
}

extension JSONValue: QueueModel {}
