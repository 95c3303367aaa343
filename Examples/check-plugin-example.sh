#!/usr/bin/env bash
# Checks the build plugin through Examples/PluginExample:
#   1. the example builds (the client generated from its specs) and its demo runs;
#   2. a second build with nothing changed re-runs nothing: queuegen does not run;
#   3. a broken spec (broken in place, restored on exit) fails the build with a
#      `file:line:column: error:` line naming the spec.
# Exits non-zero when any check fails. Run from anywhere: `bash Examples/check-plugin-example.sh`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
example="$root/Examples/PluginExample"
logs="$(mktemp -d "${TMPDIR:-/tmp}/plugin-example-logs.XXXXXX")"
cleanup() { rm -rf "$logs"; }
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
grep -q "Flux1SchnellRedux.Input: valid" "$logs/demo.log" || fail "plugin-demo did not validate its input"
grep -q '"num_inference_steps" : 4' "$logs/demo.log" || fail "plugin-demo did not print the input's JSON"
echo "   plugin-demo ran: $(head -1 "$logs/demo.log")"

echo "== 2. rebuild with nothing changed"
# Judged without -v, which itself makes SwiftPM redo work: the build command announces itself
# ("Generating queue client …") whenever it runs, and the generated source, the compiled module
# and the executable must keep their modification times.
# Right after a cold build, SwiftPM 6.3 relinks a plugin's tool that the same build graph
# compiles (its tool pass and its main pass each link it) for up to two more builds, and a relinked
# tool re-runs the command. Count those settling builds, bounded, and say so; the check below is
# made once the build has settled.
settling=0
for attempt in 1 2 3; do
    swift build --package-path "$example" >"$logs/settle-$attempt.log" 2>&1 || { tail -50 "$logs/settle-$attempt.log" >&2; fail "a rebuild failed"; }
    grep -q "Generating queue client" "$logs/settle-$attempt.log" || break
    settling=$attempt
done
[ "$settling" -lt 3 ] || fail "queuegen still runs on every build after three rebuilds"
echo "   settling rebuilds that relinked queuegen-tool after the first build: $settling"
bin="$(swift build --package-path "$example" --show-bin-path)"
watched=("$generated" "$bin/Modules/ImageClients.swiftmodule" "$bin/plugin-demo")
stamps() { for f in "${watched[@]}"; do stat -c '%n %.9Y' "$f"; done; }
before=$(stamps) || fail "a build product is missing"
start=$(now)
swift build --package-path "$example" >"$logs/noop.log" 2>&1 || { tail -50 "$logs/noop.log" >&2; fail "the no-op rebuild failed"; }
echo "   rebuilt in $(elapsed "$start" "$(now)") s"
if grep -q "Generating queue client" "$logs/noop.log"; then
    grep "Generating queue client" "$logs/noop.log" >&2
    fail "queuegen ran again although nothing changed"
fi
after=$(stamps)
if [ "$before" != "$after" ]; then
    diff <(echo "$before") <(echo "$after") >&2 || true
    fail "the rebuild changed build products although nothing changed"
fi
echo "   queuegen did not run; ImageClients and plugin-demo were not rebuilt"
# The same check must see a real change: touching a spec runs queuegen again.
touch "$example/Sources/ImageClients/tiny-upscale.yaml"
swift build --package-path "$example" >"$logs/touched.log" 2>&1 || { tail -50 "$logs/touched.log" >&2; fail "the rebuild after touching a spec failed"; }
grep -q "Generating queue client" "$logs/touched.log" || fail "touching a spec did not run queuegen (the check above could not see it either)"
echo "   touching a spec runs queuegen again, as it should"

echo "== 3. a broken spec fails the build with file:line:column: error:"
# Break the spec in place (restored on exit, whatever happens): only the plugin's command runs
# again, so this takes seconds rather than a cold build of a copy.
spec="$example/Sources/ImageClients/flux-1-schnell-redux.yaml"
cp "$spec" "$logs/spec.backup"
restore() { if [ -f "$logs/spec.backup" ]; then cp "$logs/spec.backup" "$spec"; fi; cleanup; }
trap restore EXIT
sed -i.orig "s|maximum: 12|maximum: big|" "$spec" && rm -f "$spec.orig"
grep -q "maximum: big" "$spec" || fail "could not inject the error"
start=$(now)
if swift build --package-path "$example" >"$logs/broken.log" 2>&1; then
    fail "the build with a broken spec succeeded"
fi
echo "   failed (as it should) in $(elapsed "$start" "$(now)") s"
line=$(grep -E "^$spec:[0-9]+:[0-9]+: error: 'maximum' must be a number" "$logs/broken.log" | head -1 || true)
[ -n "$line" ] || { tail -40 "$logs/broken.log" >&2; fail "no '$spec:LINE:COLUMN: error:' line in the build output"; }
echo "   $line"
cp "$logs/spec.backup" "$spec"
swift build --package-path "$example" >"$logs/restored.log" 2>&1 || { tail -40 "$logs/restored.log" >&2; fail "the example does not build again once the spec is mended"; }
echo "   mended spec builds again"
echo "OK: the plugin example builds, rebuilds without running queuegen, and reports spec errors"
