// swift-tools-version:6.0
import PackageDescription

// The runtime benchmark, kept out of the main package so its test run stays lean.
// Run from this directory: `swift run -c release runtime-benchmark`.
let package = Package(
    name: "runtime-benchmark",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "swift-queue-client", path: "../..")],
    targets: [
        .executableTarget(
            name: "runtime-benchmark",
            dependencies: [
                .product(name: "QueueRuntime", package: "swift-queue-client"),
                .product(name: "FluxRedux", package: "swift-queue-client"),
                .product(name: "QueueSimulator", package: "swift-queue-client"),
            ]
        )
    ]
)
