// swift-tools-version:6.0
// Compares queuegen with Apple's swift-openapi-generator 1.14.3 on the same documents: run.sh
// writes the generated sources into Sources/AppleClient and Sources/QueueGenClient and times
// generating them and compiling them. Nothing here is part of the main package.
import PackageDescription

let package = Package(
    name: "GeneratorComparison",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(name: "swift-queue-client", path: "../.."),
    ],
    targets: [
        .target(name: "AppleClient", dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")]),
        .target(name: "QueueGenClient", dependencies: [.product(name: "QueueRuntime", package: "swift-queue-client")]),
        .target(name: "RunQueueGen", dependencies: [
            .product(name: "QueueGen", package: "swift-queue-client"),
            .product(name: "QueueSpec", package: "swift-queue-client"),
        ]),
        .target(name: "RunApple", dependencies: [.product(name: "_OpenAPIGeneratorCore", package: "swift-openapi-generator")]),
        .executableTarget(name: "compare", dependencies: ["RunQueueGen", "RunApple"]),
        // One generator each, so a cold run pays only its own tool's start-up costs.
        .executableTarget(name: "cold-queuegen", dependencies: ["RunQueueGen"]),
        .executableTarget(name: "cold-apple", dependencies: ["RunApple"]),
        .executableTarget(name: "parse-only", dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ]
)
