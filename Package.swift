// swift-tools-version:6.1
import PackageDescription

// Dependency policy: the runtime (`QueueRuntime`) and every generated module build with Swift
// packages only, on Linux and Apple platforms. Only the generator side (`QueueSpec`, `QueueGen`,
// `queuegen`, and the tools built on the spec reader) links the C library libyaml.
/// fal's catalog, one module per category (specs/queuegen.yaml says which folders each holds).
let catalogModules = ["FalImage", "FalVideo", "FalAudio", "FalSpeech", "FalText", "Fal3D", "FalVision", "FalTraining"]

/// Where QueueRuntime uses SwiftNIO (AsyncHTTPClient, swift-websocket): the platforms without
/// URLSession of their own, when the `AsyncHTTPClientTransport` trait is on (the default).
let nioTransport: TargetDependencyCondition? = .when(platforms: [.linux, .android, .windows], traits: ["AsyncHTTPClientTransport"])

let package = Package(
    name: "swift-queue-client",
    platforms: [.macOS(.v13), .iOS(.v16), .tvOS(.v16), .watchOS(.v9)],
    products: [
        .library(name: "QueueRuntime", targets: ["QueueRuntime"]),
        .library(name: "FluxRedux", targets: ["FluxRedux"]),
        // fal's catalog, one product per category (generated from specs/fal; see the README).
        .library(name: "FalImage", targets: ["FalImage"]),
        .library(name: "FalVideo", targets: ["FalVideo"]),
        .library(name: "FalAudio", targets: ["FalAudio"]),
        .library(name: "FalSpeech", targets: ["FalSpeech"]),
        .library(name: "FalText", targets: ["FalText"]),
        .library(name: "Fal3D", targets: ["Fal3D"]),
        .library(name: "FalVision", targets: ["FalVision"]),
        .library(name: "FalTraining", targets: ["FalTraining"]),
        // Every catalog endpoint by id (`FalCatalog.entry(for:)`), for code that picks one at run time.
        .library(name: "FalCatalog", targets: ["FalCatalog"]),
        .library(name: "QueueSpec", targets: ["QueueSpec"]),
        .library(name: "QueueGen", targets: ["QueueGen"]),
        .library(name: "QueueSimulator", targets: ["QueueSimulator"]),
        .library(name: "QueueProxy", targets: ["QueueProxy"]),
        // MARK: Realtime (issue 22)
        .library(name: "MessagePack", targets: ["MessagePack"]),
        .executable(name: "queuegen", targets: ["queuegen"]),
        .executable(name: "queue-simulator", targets: ["queue-simulator"]),
        .executable(name: "flux-redux", targets: ["flux-redux"]),
        .executable(name: "queue-proxy", targets: ["queue-proxy"]),
        .plugin(name: "QueueGenPlugin", targets: ["QueueGenPlugin"]),
        // MARK: Batches (issue 23): a library and a command of their own, so an app that imports
        // QueueRuntime or a catalog module builds no database driver.
        .library(name: "QueueBatch", targets: ["QueueBatch"]),
        .library(name: "QueueBatchPostgres", targets: ["QueueBatchPostgres"]),
        .executable(name: "queue-batch", targets: ["queue-batch"]),
        .plugin(name: "QueueGenCommand", targets: ["QueueGenCommand"]),
    ],
    // A dependent that wants the lean client turns both off:
    //   .package(url: "https://github.com/…/swift-queue-client", from: "…", traits: [])
    // and then builds no SwiftNIO, BoringSSL or swift-crypto C code (Benchmarks/lean-build).
    traits: [
        .trait(
            name: "AsyncHTTPClientTransport",
            description: """
                On Linux, HTTP through AsyncHTTPClient (streamed bodies, so the status stream is live) and \
                realtime WebSockets through swift-websocket. Off, Linux uses FoundationNetworking's \
                URLSession, follows jobs by polling, and has no realtime. Apple platforms always use URLSession.
                """
        ),
        .trait(
            name: "WebhookVerification",
            description: "WebhookVerifier: Ed25519 signatures of fal's webhooks, through swift-crypto (BoringSSL on Linux)."
        ),
        .default(enabledTraits: ["AsyncHTTPClientTransport", "WebhookVerification"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        // Ed25519 and SHA-256 for verifying fal's signed webhooks (QueueRuntime's only crypto need).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // MARK: issue 21: queue-proxy runs in a ServiceGroup bounding its graceful shutdown (Hummingbird already depends on it).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // MARK: Batches (issue 23): the journal in SQLite (WAL) through GRDB.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // MARK: Batches (issue 23): the journal shared by many machines, in PostgreSQL.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // MARK: Realtime (issue 22): the WebSocket client on Linux, and the server side in the simulator
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // MARK: issue 25: `swift package generate-documentation` (scripts/docs.sh, checked by CI).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: Generator side (links libyaml)
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .target(name: "QueueSpec", dependencies: ["CYAML"]),
        .target(name: "QueueGen", dependencies: ["QueueSpec", "CloseMatches"]),
        // "Did you mean" for mistyped endpoint ids: shared by queuegen and queue-batch, no dependencies.
        .target(name: "CloseMatches"),
        // `queuegen diff`: compares two versions of specs at the level of the generated Swift and the wire.
        .target(name: "QueueDiff", dependencies: ["QueueSpec", "QueueGen"]),
        .executableTarget(
            name: "queuegen",
            dependencies: ["QueueGen", "QueueDiff", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: Plugins: generate a client from a target's specs or the catalog ids its queuegen.yaml lists
        .plugin(name: "QueueGenPlugin", capability: .buildTool(), dependencies: ["queuegen"]),
        .plugin(
            name: "QueueGenCommand",
            capability: .command(
                intent: .custom(
                    verb: "generate-queue-client",
                    description: "Writes the queue client generated from a target's specs into the target's folder"),
                permissions: [.writeToPackageDirectory(reason: "writes the generated Swift sources into the target's folder")]
            ),
            dependencies: ["queuegen"]
        ),

        .executableTarget(
            name: "queuegen-benchmark",
            dependencies: ["QueueGen", "QueueSpec", "CYAML"],
            path: "Benchmarks/GeneratorBenchmark"
        ),

        // Figures for hostile servers: long SSE lines, dropped streams, a 200 MB result.
        .executableTarget(
            name: "hostile-benchmark",
            dependencies: ["QueueRuntime", "QueueTestSupport", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/HostileBenchmark"
        ),
        // Uploads a 300 MB file through the multipart flow; prints time and peak memory.
        // The benchmark's client: QueueRuntime alone, so its memory is what an app's would be.
        .executableTarget(
            name: "multipart-upload-benchmark",
            dependencies: [
                "QueueRuntime", "QueueSimulator", "multipart-upload-client", .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/MultipartUpload"
        ),
        .executableTarget(name: "multipart-upload-client", dependencies: ["QueueRuntime"], path: "Benchmarks/MultipartUploadClient"),
        // MARK: Batches (issue 23): the runner with each journal against a plain loop over `run`, and memory for 1,000,000 lines.
        .executableTarget(
            name: "queue-batch-benchmark",
            dependencies: ["QueueBatch", "QueueBatchPostgres", "QueueRuntime", "QueueSimulator", "FluxRedux"],
            path: "Benchmarks/BatchBenchmark"
        ),

        // MARK: Runtime side (Swift packages only)
        .target(
            name: "QueueRuntime",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto", condition: .when(traits: ["WebhookVerification"])),
                "MessagePack",
                .product(name: "WSClient", package: "swift-websocket", condition: nioTransport),
                .product(name: "NIOCore", package: "swift-nio", condition: nioTransport),
                .product(name: "NIOWebSocket", package: "swift-nio", condition: nioTransport),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client", condition: nioTransport),
                .product(name: "AsyncHTTPClient", package: "async-http-client", condition: nioTransport),
                // Apple platforms always; Linux when the AsyncHTTPClientTransport trait is off.
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
            ]
        ),
        // The checked-in client generated from specs/flux-1-schnell-redux.yaml (`queuegen check`).
        .target(name: "FluxRedux", dependencies: ["QueueRuntime"], path: "Generated/FluxRedux"),
    ]
        // fal's catalog: generated from specs/fal into Generated/<module> (`queuegen check`).
        + catalogModules.map { .target(name: $0, dependencies: ["QueueRuntime"], path: "Generated/\($0)") }
        + [
        // The registry of the catalog modules (`registry-of` in specs/queuegen.yaml): id → input and output types.
        .target(name: "FalCatalog", dependencies: ["QueueRuntime"] + catalogModules.map { .target(name: $0) }, path: "Generated/FalCatalog"),

        // MARK: Local queue server and the command-line tools
        .target(
            name: "QueueSimulator",
            dependencies: [
                "QueueSpec", "GuardedHTTPServer",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // Realtime (issue 22): the WebSocket route and its msgpack frames.
                "MessagePack",
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Specs")]
        ),
        .executableTarget(
            name: "queue-simulator",
            dependencies: ["QueueSimulator", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "flux-redux",
            dependencies: [
                "FluxRedux", "QueueRuntime", "QueueSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Server side for apps: the key-holding proxy and a webhook route helper (Hummingbird)
        // The HTTP/1.1 server channel both servers run on: safe to stop while connections arrive,
        // with an idle (request-head) timeout and a connection limit answered 503 (package access only).
        .target(
            name: "GuardedHTTPServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "QueueProxy",
            dependencies: [
                "QueueRuntime", "GuardedHTTPServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "queue-proxy",
            dependencies: [
                "QueueProxy", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Batches (issue 23): journaled, resumable batches over the runtime's run/submit/job(resuming:)
        .target(
            name: "QueueBatch",
            dependencies: [
                "QueueRuntime", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The PostgreSQL journal, in a target of its own: only the command (and who asks) builds the driver.
        .target(
            name: "QueueBatchPostgres",
            dependencies: ["QueueBatch", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")]
        ),
        // `queue-batch run --spec FILE`: untyped lines checked against a document's schema (links libyaml, like every spec reader).
        .target(name: "QueueBatchSpec", dependencies: ["QueueBatch", "QueueRuntime", "QueueSpec"]),
        .executableTarget(
            name: "queue-batch",
            dependencies: [
                // FalCatalog: every catalog endpoint's input is decoded and validated as its generated type.
                "QueueBatch", "QueueBatchPostgres", "QueueBatchSpec", "QueueRuntime", "FalCatalog", "CloseMatches", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "QueueBatchTests",
            dependencies: [
                "QueueBatch", "QueueRuntime", "QueueSimulator", "FluxRedux", "queue-batch", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),

        // MARK: Realtime (issue 22): the MessagePack codec realtime frames use (Foundation only)
        .target(name: "MessagePack"),
        .testTarget(name: "MessagePackTests", dependencies: ["MessagePack"], resources: [.copy("Fixtures")]),
        // Round-trip latency and burst frames per second of realtime over loopback (BENCHMARKS.md).
        .executableTarget(
            name: "realtime-benchmark",
            dependencies: ["QueueRuntime", "QueueSimulator", "FluxRedux", "MessagePack", "QueueTestSupport"],
            path: "Benchmarks/realtime"
        ),
        // Realtime sessions over loopback WebSockets against the local queue server, and through queue-proxy.
        .testTarget(
            name: "RealtimeTests",
            dependencies: [
                "QueueRuntime", "FluxRedux", "QueueSimulator", "QueueProxy", "QueueTestSupport", "ServerTestSupport", "MessagePack",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // MARK: Tests
        .testTarget(name: "QueueSpecTests", dependencies: ["QueueSpec"]),
        .testTarget(name: "QueueGenTests", dependencies: ["QueueGen", "QueueSpec", "QueueRuntime", "HygieneClient"]),
        .testTarget(name: "QueueDiffTests", dependencies: ["QueueDiff", "QueueSpec"]),
        // Runs the built `queuegen` (fetch, diff) as a user would, against an in-process server.
        .testTarget(name: "QueueGenCLITests", dependencies: ["queuegen", "QueueSimulator", "QueueSpec"]),
        // Generated (and checked in) from Tests/Fixtures/fal-openapi: all eleven published documents in
        // one module, compiled with warnings as errors.
        .target(
            name: "FalFixtureClients",
            dependencies: ["QueueRuntime"],
            path: "Tests/FalFixtureClients",
            swiftSettings: [.unsafeFlags(["-warnings-as-errors"])]
        ),
        .testTarget(name: "FixtureClientTests", dependencies: ["FalFixtureClients", "FluxRedux", "QueueRuntime"]),
        // Generated (and checked in) from Tests/Fixtures/hygiene: every hostile property name.
        .target(
            name: "HygieneClient",
            dependencies: ["QueueRuntime"],
            path: "Tests/HygieneClient",
            swiftSettings: [.unsafeFlags(["-warnings-as-errors"])]
        ),
        // The seed endpoint generated again and built without reflection metadata (Xcode's "Reflection
        // Metadata Level: None", which apps use to shrink): equality and coding must not need it.
        .target(
            name: "NoReflectionClient",
            dependencies: ["QueueRuntime"],
            path: "Tests/NoReflectionClient",
            swiftSettings: [.unsafeFlags(["-Xfrontend", "-disable-reflection-metadata", "-warnings-as-errors"])]
        ),
        .testTarget(name: "NoReflectionTests", dependencies: ["NoReflectionClient", "QueueRuntime"]),
        // Declares `Image`, `Color` and `Text` at the top level, as SwiftUI does, for a test that
        // imports it beside two generated modules.
        .target(name: "StandInUI", path: "Tests/StandInUI"),
        .testTarget(
            name: "NamingTests",
            dependencies: ["FalFixtureClients", "FluxRedux", "HygieneClient", "StandInUI", "QueueRuntime"]
        ),
        .testTarget(name: "QueueSimulatorTests", dependencies: ["QueueSimulator", "QueueSpec", "QueueTestSupport"]),
        // One endpoint of each catalog product against the local queue server, and the README's
        // catalog snippet.
        .testTarget(name: "CatalogTests", dependencies: catalogModules.map { .target(name: $0) } + ["FalCatalog", "QueueRuntime", "QueueSimulator"]),
        // Runs the built `flux-redux` executable as a user would, against an in-process server.
        .testTarget(
            name: "FluxReduxCommandTests",
            dependencies: [
                "QueueSimulator", "flux-redux",
                // Realtime (issue 22): --realtime --proxy against an in-process queue-proxy.
                "QueueProxy", "QueueRuntime", "ServerTestSupport", .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "QueueRuntimeTests",
            dependencies: ["QueueRuntime", "FluxRedux", "QueueSimulator", "QueueSpec", "QueueTestSupport"]
        ),
        // Servers that misbehave on purpose (plain sockets on loopback), one test per way.
        .testTarget(name: "HostileServerTests", dependencies: ["QueueRuntime", "QueueTestSupport", "flux-redux"]),
        // What several test targets and the hostile benchmark share: the misbehaving server and a
        // tiny PNG encoder (Foundation only; no dependency on the package's modules).
        .target(name: "QueueTestSupport", path: "Tests/QueueTestSupport"),
        // An in-process Hummingbird server on an ephemeral loopback port, for the test targets
        // that run a proxy or a scripted upstream of their own.
        .target(
            name: "ServerTestSupport",
            dependencies: ["QueueTestSupport", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/ServerTestSupport"
        ),
        // Proxy mode and queue-proxy, streaming endpoints, multipart uploads and signed webhooks,
        // over loopback against the local queue server.
        .testTarget(
            name: "ParityTests",
            dependencies: [
                "QueueProxy", "QueueRuntime", "FluxRedux", "FalText", "QueueSimulator", "flux-redux", "QueueTestSupport",
                "ServerTestSupport", "queue-proxy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: issue 21: queue-proxy under load
        // Streams held open through the built `queue-proxy` (a child process), ordinary-request
        // latency meanwhile, memory per stream, jobs/s proxied vs direct, stalled request heads.
        .executableTarget(
            name: "proxy-load-benchmark",
            dependencies: [
                "QueueRuntime", "QueueSimulator", "FluxRedux", "QueueTestSupport", "queue-proxy",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ProxyLoad"
        ),
    ]
)
