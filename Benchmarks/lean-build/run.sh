#!/usr/bin/env bash
# An app's first build, as a new user has it: a package that depends on swift-queue-client by URL
# (a clean clone of this checkout's HEAD, so commit first) and imports QueueRuntime, FalImage and
# FalVideo, built (debug) from nothing, twice side by side in one run:
#   lean: `.package(url: …, revision: …, traits: [])`: the AsyncHTTPClientTransport and
#         WebhookVerification traits off (URLSession from FoundationNetworking, status by polling);
#   full: the default traits (AsyncHTTPClient, swift-websocket, swift-crypto).
# For each: the time to resolve, the time and CPU of `swift build`, the modules it compiled, whether
# any of SwiftNIO, BoringSSL, swift-crypto, Hummingbird or the generator was among them, and the
# warnings it printed. Then the lean app runs fal-ai/flux-1/schnell against queue-simulator over
# loopback, end to end, and the simulator's statistics show how it followed the job.
#
#   bash Benchmarks/lean-build/run.sh            # both builds, then the lean app's job
#   LEAN_ONLY=1 bash Benchmarks/lean-build/run.sh  # the lean build and its job only (CI's check)
#
# Exits non-zero when the lean build compiles a module it must not, fails, or its job fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=$(mktemp -d /tmp/lean-build.XXXXXX)
simulator_pid=""
cleanup() {
    if [ -n "$simulator_pid" ]; then kill "$simulator_pid" 2>/dev/null || true; wait "$simulator_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

revision=$(git -C "$root" rev-parse HEAD)
if [ -n "$(git -C "$root" status --porcelain -- Package.swift Sources Generated)" ]; then
    echo "note: uncommitted changes in Package.swift, Sources or Generated are not in the clone (HEAD $revision)"
fi
git clone --quiet --no-local "$root" "$work/swift-queue-client"

# make_app NAME TRAITS: a package whose one executable imports QueueRuntime, FalImage and FalVideo.
make_app() {
    local name=$1 traits=$2 dir=$work/$1
    mkdir -p "$dir/Sources/app"
    cat >"$dir/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "$name",
    platforms: [.macOS(.v13), .iOS(.v16)],
    dependencies: [.package(url: "file://$work/swift-queue-client", revision: "$revision"$traits)],
    targets: [
        .executableTarget(name: "app", dependencies: [
            .product(name: "QueueRuntime", package: "swift-queue-client"),
            .product(name: "FalImage", package: "swift-queue-client"),
            .product(name: "FalVideo", package: "swift-queue-client"),
        ]),
    ]
)
SWIFT
    cat >"$dir/Sources/app/main.swift" <<'SWIFT'
import FalImage
import FalVideo
import Foundation
import QueueRuntime

// Runs fal-ai/flux-1/schnell through the queue the environment names (FAL_KEY,
// FAL_QUEUE_RUN_HOST) and prints what came back; FalVideo's endpoint is named so it is linked too.
struct UnexpectedOutput: Error, CustomStringConvertible { var description: String }

let client = QueueClient()
let video: QueueEndpoint<Ltx219bImageToVideo.Input, Ltx219bImageToVideo.Output> = .ltx219bImageToVideo
let output = try await client.run(
    .flux1Schnell, Flux1Schnell.Input(prompt: "a lighthouse at dusk", imageSize: .custom(width: 64, height: 48), seed: 7, numImages: 2),
    timeout: .seconds(60), onUpdate: { status in print("status: \(status.state)") })
guard output.images.count == 2, output.images.allSatisfy({ $0.width == 64 && $0.height == 48 }) else {
    throw UnexpectedOutput(description: "asked for 2 images of 64x48, got \(output.images)")
}
let first = try url(output.images[0].url)
let (data, contentType) = try await client.download(first, maximumSize: 16 << 20)
guard data.count > 0 else { throw UnexpectedOutput(description: "an empty image") }
print("fal-ai/flux-1/schnell: \(output.images.count) images of 64x48, the first \(data.count) bytes of \(contentType ?? "?")")
print("linked beside it: \(video.id)")

// With the traits off there is no WebSocket client on Linux: a realtime session's first send must
// say what it needs (LEAN_REALTIME_CHECK=1, set by the script for the lean app only).
if ProcessInfo.processInfo.environment["LEAN_REALTIME_CHECK"] == "1" {
    let session = try client.realtime(.flux1Schnell)
    try await session.send(Flux1Schnell.Input(prompt: "a lighthouse"))
    var said = "no result"
    for await result in session.results {
        if case .failure(let error) = result { said = "\(error)" } else { said = "an output (a WebSocket opened)" }
        break
    }
    await session.close()
    guard said.contains("AsyncHTTPClientTransport") else {
        throw UnexpectedOutput(description: "realtime without the trait should name it; it said: \(said)")
    }
    print("realtime without the trait: \(said)")
}
SWIFT
    cat >>"$dir/Sources/app/main.swift" <<'SWIFT'

func url(_ text: String) throws -> URL {
    guard let url = URL(string: text) else { throw UnexpectedOutput(description: "not a URL: \(text)") }
    return url
}
SWIFT
}

# build NAME: resolves, then builds from nothing; prints one table row and checks the lean one.
rows=()
build() {
    local name=$1 dir=$work/$1
    local start resolved built
    start=$(now)
    swift package --package-path "$dir" resolve >"$work/$name-resolve.log" 2>&1 || { cat "$work/$name-resolve.log" >&2; fail "$name: resolve failed"; }
    resolved=$(now)
    /usr/bin/time -f "%U %S" -o "$work/$name-time" swift build --package-path "$dir" >"$work/$name-build.log" 2>&1 \
        || { tail -40 "$work/$name-build.log" >&2; fail "$name: the build failed"; }
    built=$(now)
    local cpu modules forbidden warnings
    cpu=$(awk '{ printf "%.0f", $1 + $2 }' "$work/$name-time")
    modules=$(find "$dir/.build/debug/Modules" -name '*.swiftmodule' | sed 's|.*/||; s|\.swiftmodule$||' | sort -u)
    local clang_modules
    # C targets have no .swiftmodule: a target folder with an object file in it was compiled
    # (SwiftPM makes a folder for every target of the graph, built or not).
    clang_modules=$(cd "$dir/.build/debug/" && find . -mindepth 2 -name '*.o' | cut -d/ -f2 | sed 's|\.build$||' | sort -u)
    forbidden=$(printf '%s\n%s\n' "$modules" "$clang_modules" | grep -E '^(NIO|CNIO|Crypto|CCrypto|_Crypto|Hummingbird|AsyncHTTPClient|WSClient|QueueGen|QueueSpec|CYAML)' | sort -u | tr '\n' ' ' || true)
    warnings=$(cat "$work/$name-resolve.log" "$work/$name-build.log" | grep -c 'warning:' || true)
    echo "$modules" >"$work/$name-modules"
    rows+=("$(printf '| %-4s | %6s s | %6s s | %5s s | %4s | %-40s | %s |' "$name" "$(elapsed "$start" "$resolved")" \
        "$(elapsed "$resolved" "$built")" "$cpu" "$(echo "$modules" | wc -l)" "${forbidden:-none}" "$warnings")")
    if [ "$name" = lean ] && [ -n "$forbidden" ]; then fail "the lean build compiled $forbidden"; fi
    if [ "$warnings" != 0 ]; then echo "$name: warnings:"; grep -h 'warning:' "$work/$name-resolve.log" "$work/$name-build.log" | sort | uniq -c; fi
}

make_app lean ", traits: []"
build lean
if [ "${LEAN_ONLY:-0}" != 1 ]; then
    make_app full ""
    build full
fi

echo
echo "An app importing QueueRuntime, FalImage and FalVideo, first debug build, $(nproc) cores, HEAD ${revision:0:7}"
echo "| app  | resolve  | build    | CPU     | Swift modules | NIO, BoringSSL, crypto, Hummingbird, generator | warnings |"
echo "|------|----------|----------|---------|---------------|------------------------------------------------|----------|"
for row in "${rows[@]}"; do echo "$row"; done
echo

# The lean app's job against queue-simulator (the root package's; built when missing).
simulator="$(swift build --package-path "$root" --show-bin-path)/queue-simulator"
if [ ! -x "$simulator" ]; then swift build --package-path "$root" --product queue-simulator >"$work/simulator-build.log" 2>&1 || fail "queue-simulator does not build"; fi
"$simulator" --port 0 --key lean-key --spec "$root/specs/fal/image/fal-ai__flux-1__schnell.json" >"$work/simulator.log" 2>&1 &
simulator_pid=$!
url=""
for _ in $(seq 1 300); do
    url=$(sed -n 's|^queue-simulator listening on \(http://[^ ]*\)$|\1|p' "$work/simulator.log")
    [ -n "$url" ] && break
    kill -0 "$simulator_pid" 2>/dev/null || { cat "$work/simulator.log" >&2; fail "queue-simulator exited"; }
    sleep 0.1
done
[ -n "$url" ] || fail "queue-simulator did not say where it listens within 30 s"
FAL_KEY=lean-key FAL_QUEUE_RUN_HOST="$url" LEAN_REALTIME_CHECK=1 timeout 120 "$work/lean/.build/debug/app" || fail "the lean app's job failed"
echo "queue-simulator's count of requests by kind: $(curl -s "$url/_simulator/statistics" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("requests"))')"
