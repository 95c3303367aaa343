import Foundation

/// Equality by stored values, read through reflection: what generated unions use instead of a
/// synthesized `Equatable` (generated structs compare through their field table, `WireModel`).
///
/// A synthesized `==` is a function per type that the compiler writes, type-checks and lowers
/// member by member; in a module of a thousand generated types it took more compile time than
/// anything but the stored properties themselves. This default gives every generated type the
/// same meaning (two values are equal when every stored property is, a union when it is the same
/// case with an equal value) from one implementation, at the price of slower comparisons: a
/// `Mirror` walk, some microseconds per value.
///
/// Where a module was built without reflection metadata (`-disable-reflection-metadata`), a value
/// that has storage but shows no children is compared by its JSON encoding instead.
public protocol StructurallyEquatable: Equatable, Encodable {}

extension StructurallyEquatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        StructuralEquality.equal(lhs, rhs, size: MemoryLayout<Self>.size)
    }
}

enum StructuralEquality {
    static func equal<Value: Encodable>(_ lhs: Value, _ rhs: Value, size: Int) -> Bool {
        let left = Mirror(reflecting: lhs)
        let right = Mirror(reflecting: rhs)
        if left.children.isEmpty && right.children.isEmpty {
            // No children: an empty struct (equal), a payload-free case, or no reflection metadata.
            guard size > 0 else { return true }
            if left.displayStyle == .enum { return String(describing: lhs) == String(describing: rhs) }
            return encoded(lhs) == encoded(rhs)
        }
        guard left.children.count == right.children.count else { return false }
        for (a, b) in zip(left.children, right.children) {
            guard a.label == b.label, equalValues(a.value, b.value) else { return false }
        }
        return true
    }

    /// Whether two stored values are equal: both of one `Equatable` type and `==`. Optionals,
    /// arrays and dictionaries of models are `Equatable` through their conditional conformances.
    private static func equalValues(_ a: Any, _ b: Any) -> Bool {
        guard let a = a as? any Equatable else { return false }
        return isEqual(a, b)
    }

    private static func isEqual<Value: Equatable>(_ a: Value, _ b: Any) -> Bool {
        guard let b = b as? Value else { return false }
        return a == b
    }

    private static func encoded<Value: Encodable>(_ value: Value) -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try? encoder.encode(value)
    }
}
