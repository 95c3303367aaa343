// swift-tools-version:6.0
import PackageDescription

// Generated models' coding against synthesized `Codable` twins, release build, in one run.
// Kept out of the main package so its test run stays lean.
// Run from this directory: `swift run -c release coding-benchmark`.
let package = Package(
    name: "coding-benchmark",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "swift-queue-client", path: "../..")],
    targets: [
        .executableTarget(
            name: "coding-benchmark",
            dependencies: [
                .product(name: "QueueRuntime", package: "swift-queue-client"),
                .product(name: "FluxRedux", package: "swift-queue-client"),
            ]
        )
    ]
)
