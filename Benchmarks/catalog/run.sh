#!/usr/bin/env bash
# The fal catalog through queuegen: lines of Swift per endpoint and the debug compile time and peak
# memory of 100 catalog endpoints and of the whole catalog, for this checkout and, side by side in
# the same run, for queuegen at another git revision.
#
#   bash Benchmarks/catalog/run.sh [BASELINE_REVISION]      # e.g. b296d7e (before namespaces)
#
# CATALOG (default ../shared/fal-catalog) is the folder of endpoint documents; WHOLE=0 skips the
# whole-catalog compile, BASELINE_QUEUEGEN names a queuegen already built at BASELINE_REVISION
# (BASELINE_WHOLE=1 compiles the baseline's whole catalog too). Compiles run `swiftc -c -Onone` on the generated files as one module
# against the built QueueRuntime (batch mode, -j2), as a debug build of that target would.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
catalog=${CATALOG:-$root/../shared/fal-catalog}
baseline=${1:-}
work=$(mktemp -d /tmp/catalog-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

swift build --product queuegen >/dev/null
swift build --target QueueRuntime >/dev/null
bin=$(swift build --show-bin-path)
tools=("current:$bin/queuegen")
if [ -n "$baseline" ] && [ -x "${BASELINE_QUEUEGEN:-}" ]; then
  tools+=("$baseline:$BASELINE_QUEUEGEN")  # a queuegen already built at that revision
elif [ -n "$baseline" ]; then
  git worktree add --detach "$work/baseline" "$baseline" >/dev/null 2>&1
  (cd "$work/baseline" && swift build --product queuegen --scratch-path "$work/baseline-build" >/dev/null)
  tools+=("$baseline:$work/baseline-build/debug/queuegen")
fi

# The well-formed documents (the ones that lint without errors), sorted; 100 of them spread evenly.
find "$catalog" -name '*.json' | sort >"$work/all.txt"
: >"$work/good.txt"
while read -r file; do
  if "$bin/queuegen" lint "$file" >/dev/null 2>&1; then echo "$file" >>"$work/good.txt"; fi
done <"$work/all.txt"
total=$(wc -l <"$work/good.txt")
awk -v n="$total" 'BEGIN { step = n / 100 } { if (NR - 1 >= next_pick) { print; next_pick += step } }' "$work/good.txt" | head -100 >"$work/sample.txt"

flags=(-I "$bin/Modules")
for map in "$bin"/*.build/module.modulemap; do flags+=(-Xcc "-fmodule-map-file=$map"); done
while read -r map; do flags+=(-Xcc "-fmodule-map-file=$map"); done < <(find "$root/.build/checkouts" -path '*/Sources/*' -name module.modulemap)

# compile NAME DIR: a debug compile of every .swift file in DIR as one module; prints "seconds peakMB".
compile() {
  local dir=$1
  mkdir -p "$dir/obj"
  /usr/bin/time -f '%e %M' -o "$dir/time.txt" \
    swiftc -c -Onone -g -parse-as-library -enable-batch-mode -j2 -module-name CatalogClient \
      -emit-module -emit-module-path "$dir/obj/CatalogClient.swiftmodule" -working-directory "$dir/obj" \
      "${flags[@]}" "$dir"/gen/*.swift >"$dir/compile.log" 2>&1 || { echo "compile failed: $dir/compile.log" >&2; tail -20 "$dir/compile.log" >&2; cp "$dir/compile.log" /tmp/catalog-compile-failure.log; return 1; }
  awk '{ printf "%s %.0f", $1, $2 / 1024 }' "$dir/time.txt"
}

printf '\n| generator | documents | endpoints | lines of Swift | lines per endpoint | generate (s) | debug compile (s) | peak memory (MB) | warnings |\n|---|---|---|---|---|---|---|---|---|\n'
for entry in "${tools[@]}"; do
  label=${entry%%:*}; tool=${entry#*:}
  sets=("100:$work/sample.txt")
  if [ "${WHOLE:-1}" != 0 ] && { [ "$label" = current ] || [ "${BASELINE_WHOLE:-0}" = 1 ]; }; then sets+=("all:$work/good.txt"); fi
  for set in "${sets[@]}"; do
    name=${set%%:*}; list=${set#*:}
    dir="$work/$label-$name"
    mkdir -p "$dir/gen"
    mkdir -p "$dir/specs"
    while read -r file; do ln -s "$file" "$dir/specs/$(basename "$file")"; done <"$list"
    start=$(date +%s.%N)
    "$tool" generate "$dir/specs" --output "$dir/gen" >/dev/null
    generated=$(echo "$(date +%s.%N) - $start" | bc)
    lines=$(cat "$dir"/gen/*.swift | wc -l)
    endpoints=$(wc -l <"$list")
    result=$(compile "$dir")
    warnings=$(grep -c 'warning:' "$dir/compile.log" || true)
    printf '| %s | %s | %s | %s | %s | %.2f | %s | %s | %s |\n' "$label" "$name" "$endpoints" "$lines" "$((lines / endpoints))" "$generated" "${result% *}" "${result#* }" "$warnings"
  done
done
if [ -d "$work/baseline" ]; then git worktree remove --force "$work/baseline" >/dev/null 2>&1 || true; fi
