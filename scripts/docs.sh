#!/usr/bin/env bash
# Builds the DocC documentation of QueueRuntime and of one catalog module (Fal3D, whose landing
# page queuegen writes) with swift-docc-plugin, and fails on any warning.
#
#   bash scripts/docs.sh      # archives in .build/plugins/Swift-DocC/outputs/<target>.doccarchive
set -euo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
for target in QueueRuntime Fal3D; do
    start=$(date +%s)
    if ! swift package generate-documentation --target "$target" --warnings-as-errors >"$logs/$target.log" 2>&1; then
        status=1
    fi
    # docc prints each problem as `warning: …` or `error: …` with the file below it. SwiftPM's
    # warning about swift-distributed-tracing's CMakeLists.txt (a dependency of AsyncHTTPClient)
    # is about loading that package, not about documentation.
    problems=$(grep -E '^(warning|error): ' "$logs/$target.log" | grep -v "'swift-distributed-tracing': found 1 file(s) which are unhandled" || true)
    count=$(printf '%s' "$problems" | grep -c . || true)
    echo "$target: $count documentation warnings or errors, $(( $(date +%s) - start )) s"
    if [ "$count" != 0 ]; then printf '%s\n' "$problems" | head -50; status=1; fi
    if [ "$status" != 0 ] && [ "$count" = 0 ]; then tail -30 "$logs/$target.log"; fi
done
exit $status
