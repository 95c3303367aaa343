/// The generated-code contract this runtime implements.
///
/// Every file `queuegen` writes declares a type conforming to `QueueGeneratedCodeVersion2`; a runtime
/// that changes the contract renames the protocol, so code generated for another version fails to
/// compile with a message naming the version instead of failing in some less obvious way.
public protocol QueueGeneratedCodeVersion2 {}

/// Versions of this runtime.
public enum QueueRuntimeVersion {
    /// The generated-code contract version (see `QueueGeneratedCodeVersion2`).
    public static let generatedCode = 2
}
