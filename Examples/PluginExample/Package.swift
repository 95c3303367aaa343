// swift-tools-version:6.0
import PackageDescription

// Consumes the root package's build plugin, both ways:
// - `ImageClients` holds two OpenAPI specs (and a `queuegen.yaml` choosing the access level);
//   `plugin-demo` builds an input with its client, validates it and prints its JSON.
// - `CatalogClients` holds no spec: its `queuegen.yaml` lists three endpoint ids of the catalog
//   that ships with swift-queue-client; `catalog-demo` runs one of them against a queue server.
// Each target also holds one Swift file of its own: SwiftPM drops a target without one before any
// plugin runs. `QueueGenPlugin` generates each client on every build that needs it.
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
        .target(
            name: "CatalogClients",
            dependencies: [.product(name: "QueueRuntime", package: "swift-queue-client")],
            plugins: [.plugin(name: "QueueGenPlugin", package: "swift-queue-client")]
        ),
        .executableTarget(
            name: "catalog-demo",
            dependencies: [
                "CatalogClients",
                .product(name: "QueueRuntime", package: "swift-queue-client"),
            ]
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
