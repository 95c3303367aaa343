// Top-level types with the names SwiftUI declares, so a test can import a UI framework's
// names beside generated modules on a platform without SwiftUI.

/// Stands in for SwiftUI's `Image`.
public struct Image: Equatable, Sendable {
    public var systemName: String
    public init(systemName: String) { self.systemName = systemName }
}

/// Stands in for SwiftUI's `Color`.
public struct Color: Equatable, Sendable {
    public var name: String
    public init(_ name: String) { self.name = name }
}

/// Stands in for SwiftUI's `Text`.
public struct Text: Equatable, Sendable {
    public var content: String
    public init(_ content: String) { self.content = content }
}
