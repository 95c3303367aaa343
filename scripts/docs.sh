#!/usr/bin/env bash
# Builds the DocC documentation of QueueRuntime and of one catalog module (Fal3D, whose landing
# page queuegen writes) with swift-docc-plugin, and fails on any warning.
#
#   bash scripts/docs.sh [OUTPUT_DIR]     # default: .build/documentation
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/documentation}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0
for target in QueueRuntime Fal3D; do
    start=$(date +%s)
    if ! swift package --allow-writing-to-directory "$out" generate-documentation --target "$target" \
        --output-path "$out/$target.doccarchive" --warnings-as-errors >"$logs/$target.log" 2>&1; then
        status=1
    fi
    # docc prints each problem as `file:line:col: warning: …` or `error: …`; the plugin's own
    # lines and the packages' manifest warnings are not documentation problems.
    problems=$(grep -E '^(/|[A-Za-z]).*: (warning|error): ' "$logs/$target.log" | grep -v "swift-distributed-tracing\|unhandled" || true)
    count=$(printf '%s' "$problems" | grep -c . || true)
    echo "$target: $count documentation warnings or errors, $(( $(date +%s) - start )) s ($out/$target.doccarchive)"
    if [ "$count" != 0 ]; then printf '%s\n' "$problems" | head -50; status=1; fi
    if [ "$status" != 0 ] && [ "$count" = 0 ]; then tail -30 "$logs/$target.log"; fi
done
exit $status
