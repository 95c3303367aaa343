#!/usr/bin/env bash
# Checks the build plugin through Examples/PluginExample:
#   1. the example builds (the client generated from its specs) and its demo runs;
#   2. a second build with nothing changed re-runs nothing: queuegen does not run;
#   3. a broken spec (in a copy under a temporary folder) fails the build with a
#      `file:line:column: error:` line naming the spec.
# Exits non-zero when any check fails. Run from anywhere: `bash Examples/check-plugin-example.sh`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
example="$root/Examples/PluginExample"
logs="$(mktemp -d "${TMPDIR:-/tmp}/plugin-example-logs.XXXXXX")"
broken=""
cleanup() { rm -rf "$logs"; if [ -n "$broken" ]; then rm -rf "$broken"; fi; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "== 1. build Examples/PluginExample"
start=$(now)
swift build --package-path "$example" >"$logs/first.log" 2>&1 || { tail -50 "$logs/first.log" >&2; fail "the example does not build"; }
echo "   built in $(elapsed "$start" "$(now)") s"
generated=$(find "$example/.build/plugins/outputs" -name 'ImageClients+QueueGen.swift' | head -1)
[ -n "$generated" ] || fail "the plugin wrote no ImageClients+QueueGen.swift"
echo "   generated: ${generated#"$example/"}"
demo="$(swift build --package-path "$example" --show-bin-path)/plugin-demo"
"$demo" >"$logs/demo.log" || fail "plugin-demo failed"
grep -q "FluxSchnellReduxInput: valid" "$logs/demo.log" || fail "plugin-demo did not validate its input"
grep -q '"num_inference_steps" : 4' "$logs/demo.log" || fail "plugin-demo did not print the input's JSON"
echo "   plugin-demo ran: $(head -1 "$logs/demo.log")"

echo "== 2. rebuild with nothing changed"
start=$(now)
swift build --package-path "$example" -v >"$logs/noop.log" 2>&1 || { tail -50 "$logs/noop.log" >&2; fail "the no-op rebuild failed"; }
echo "   rebuilt in $(elapsed "$start" "$(now)") s"
if grep -E -q "queuegen(-tool)? generate" "$logs/noop.log"; then
    grep -E "queuegen(-tool)? generate" "$logs/noop.log" >&2
    fail "queuegen ran again although nothing changed"
fi
if grep -E -q "^/[^ ]*swift(c|-frontend) .*-module-name (ImageClients|plugin_demo)" "$logs/noop.log"; then
    fail "the example's targets were compiled again although nothing changed"
fi
echo "   queuegen did not run; ImageClients and plugin-demo were not recompiled"

echo "== 3. a broken spec fails the build with file:line:column: error:"
broken="$(mktemp -d "${TMPDIR:-/tmp}/plugin-example-broken.XXXXXX")"
mkdir -p "$broken/PluginExample"
cp -R "$example/Package.swift" "$example/Sources" "$broken/PluginExample/"
# The copy depends on this checkout by absolute path.
sed -i.orig "s|path: \"../..\"|path: \"$root\"|" "$broken/PluginExample/Package.swift"
spec="$broken/PluginExample/Sources/ImageClients/flux-1-schnell-redux.yaml"
sed -i.orig "s|maximum: 12|maximum: big|" "$spec"
rm -f "$broken/PluginExample/Package.swift.orig" "$spec.orig"
grep -q "maximum: big" "$spec" || fail "could not inject the error"
# Reuse the example's resolved dependencies so the copy does not clone them again. The copy has
# its own build folder: sharing the example's would mix the two packages' build states.
cp "$example/Package.resolved" "$broken/PluginExample/" 2>/dev/null || true
if [ -d "$example/.build/repositories" ]; then
    mkdir -p "$broken/PluginExample/.build"
    cp -R "$example/.build/repositories" "$broken/PluginExample/.build/"
fi
start=$(now)
if swift build --package-path "$broken/PluginExample" >"$logs/broken.log" 2>&1; then
    fail "the build with a broken spec succeeded"
fi
echo "   failed (as it should) in $(elapsed "$start" "$(now)") s"
line=$(grep -E "^$spec:[0-9]+:[0-9]+: error: " "$logs/broken.log" | head -1 || true)
[ -n "$line" ] || { tail -40 "$logs/broken.log" >&2; fail "no '$spec:LINE:COLUMN: error:' line in the build output"; }
echo "   $line"
echo "OK: the plugin example builds, rebuilds without running queuegen, and reports spec errors"
