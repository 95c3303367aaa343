// swift-tools-version:6.0
// libFuzzer target for the spec reader and loader. Build and run (Linux, Swift's clang runtime):
//   swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
//   mkdir -p /tmp/spec-corpus /tmp/spec-findings && cp Tests/Fixtures/fal-openapi/*.json specs/*.yaml /tmp/spec-corpus/
//   Fuzz/.build/release/SpecLoaderFuzzer /tmp/spec-corpus -max_total_time=600 -max_len=65536 \
//     -artifact_prefix=/tmp/spec-findings/
// The MessagePack codec (realtime frames), seeded with the Python-made fixture:
//   swift build --package-path Fuzz -c release --product MessagePackFuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
//   mkdir -p /tmp/msgpack-corpus /tmp/msgpack-findings && python3 Fuzz/split_msgpack_fixture.py /tmp/msgpack-corpus
//   Fuzz/.build/release/MessagePackFuzzer /tmp/msgpack-corpus -runs=1000000 -max_len=4096 -artifact_prefix=/tmp/msgpack-findings/
// A finding, once fixed, goes in Tests/Fixtures/fuzz-regressions/ (the test suite replays every
// file there) with a focused test of what it broke.
import PackageDescription

let package = Package(
    name: "Fuzz",
    dependencies: [.package(name: "swift-queue-client", path: "..")],
    targets: [
        .executableTarget(name: "SpecLoaderFuzzer", dependencies: [.product(name: "QueueSpec", package: "swift-queue-client")]),
        .executableTarget(name: "MessagePackFuzzer", dependencies: [.product(name: "MessagePack", package: "swift-queue-client")]),
    ]
)
