/// The generated-code contract this runtime implements.
///
/// Every file `queuegen` writes declares a type conforming to `QueueGeneratedCodeVersion3`; a runtime
/// that changes the contract renames the protocol, so code generated for another version fails to
/// compile with a message naming the version instead of failing in some less obvious way.
///
/// Version 3: structs declare `wireFields` (`WireModel`) instead of `init(from:)`, `encode(to:)` and
/// `StructurallyEquatable`; `WireDecoder` and `WireEncoder` are gone.
public protocol QueueGeneratedCodeVersion3 {}

/// Versions of this runtime.
public enum QueueRuntimeVersion {
    /// The generated-code contract version (see `QueueGeneratedCodeVersion3`).
    public static let generatedCode = 3
}
