// swift-tools-version:6.0
import PackageDescription

// Consumes the root package's build plugin: `ImageClients` holds two OpenAPI specs (and a
// `queuegen.yaml` choosing the access level); `QueueGenPlugin` generates their client on every
// build that needs it. `plugin-demo` builds an input with it, validates it and prints its JSON.
let package = Package(
    name: "PluginExample",
    platforms: [.macOS(.v13), .iOS(.v16)],
    dependencies: [
        .package(name: "swift-queue-client", path: "../.."),
    ],
    targets: [
        .target(
            name: "ImageClients",
            dependencies: [.product(name: "QueueRuntime", package: "swift-queue-client")],
            plugins: [.plugin(name: "QueueGenPlugin", package: "swift-queue-client")]
        ),
        .executableTarget(
            name: "plugin-demo",
            dependencies: [
                "ImageClients",
                .product(name: "QueueRuntime", package: "swift-queue-client"),
            ]
        ),
    ]
)
