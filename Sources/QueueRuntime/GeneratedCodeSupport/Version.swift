/// The generated-code contract this runtime implements.
///
/// Every file `queuegen` writes declares a type conforming to `QueueGeneratedCodeVersion4`; a runtime
/// that changes the contract renames the protocol, so code generated for another version fails to
/// compile with a message naming the version instead of failing in some less obvious way.
///
/// Version 4: structs conform to `_WireModel` (an `init(from:)` through `_WireReader` and the
/// memberwise initializer, and `_fields(_:)`); unions' equality is synthesized; integer enums are
/// `OpenIntegerEnum`s. `WireModel`, `WireField` and `StructurallyEquatable` are gone.
public protocol QueueGeneratedCodeVersion4 {}

/// Versions of this runtime.
public enum QueueRuntimeVersion {
    /// The generated-code contract version (see `QueueGeneratedCodeVersion4`).
    public static let generatedCode = 4
}
