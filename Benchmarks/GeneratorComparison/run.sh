#!/usr/bin/env bash
# queuegen vs swift-openapi-generator 1.14.3, in one run on the same documents. Prints a table.
#   bash Benchmarks/GeneratorComparison/run.sh            # release builds, as `swift build -c release` makes them
#   bash Benchmarks/GeneratorComparison/run.sh --static   # also both tools as static executables (Linux)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
static=false
[ "${1:-}" = "--static" ] && static=true
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
swift build -c release --product queuegen >/dev/null
swift build -c release --product queuegen-benchmark >/dev/null
queuegen="$root/.build/release/queuegen"
"$root/.build/release/queuegen-benchmark" --write "$work/docs" >/dev/null
swift build -c release --package-path "$here" --product swift-openapi-generator >/dev/null
for product in compare cold-queuegen cold-apple; do swift build -c release --package-path "$here" --product "$product" >/dev/null; done
apple="$here/.build/release/swift-openapi-generator"
config="$here/openapi-generator-config.yaml"

printf '| measure | queuegen | swift-openapi-generator 1.14.3 | ratio |\n|---|---|---|---|\n'
# Generation time: the tools as processes, then generation alone (fresh process and warm).
"$here/.build/release/compare" --queuegen "$queuegen" --apple "$apple" --apple-config "$config" --docs "$work/docs"
if $static; then
  # The same comparison with both tools linked as static executables (no dynamic loading at start).
  swift build -c release --product queuegen --build-path "$root/.build-static" -Xswiftc -static-executable >/dev/null 2>&1
  for product in swift-openapi-generator parse-only; do
    swift build -c release --package-path "$here" --product "$product" --build-path "$here/.build-static" -Xswiftc -static-executable >/dev/null 2>&1
  done
  "$here/.build/release/compare" --queuegen "$root/.build-static/release/queuegen" --apple "$here/.build-static/release/swift-openapi-generator" \
    --apple-config "$config" --docs "$work/docs" --cli-only "static executables" --floor "$here/.build-static/release/parse-only"
fi

# Lines of Swift.
gen_queuegen() { rm -rf "$2"; "$queuegen" generate "$1" --output "$2" >/dev/null; }
gen_apple() { rm -rf "$2"; mkdir -p "$2"; "$apple" generate --config "$config" --output-directory "$2" "$1" >/dev/null 2>&1; }
for n in 1 100 500; do
  gen_queuegen "$work/docs/synthetic-$n.json" "$work/q$n"
  gen_apple "$work/docs/synthetic-$n.json" "$work/a$n"
done
lines() { cat "$1"/*.swift | wc -l; }
ratio() { echo "scale=1; $1 / $2" | bc -l; }
ql500=$(lines "$work/q500"); al500=$(lines "$work/a500")
printf '| lines of Swift per endpoint (500) | %d | %d | %s× fewer |\n' "$((ql500 / 500))" "$((al500 / 500))" "$(ratio "$al500" "$ql500")"
printf '| lines of Swift for 1 endpoint | %d | %d | |\n' "$(lines "$work/q1")" "$(lines "$work/a1")"

# Debug compile time of the output for 100 endpoints, dependencies prebuilt: build each client
# once so that only its own sources are left to compile, then time a rebuild after touching
# every generated file.
rm -f "$here"/Sources/QueueGenClient/*.swift "$here"/Sources/AppleClient/*.swift
cp "$work"/q100/*.swift "$here/Sources/QueueGenClient/"
cp "$work"/a100/*.swift "$here/Sources/AppleClient/"
restore() { rm -f "$here"/Sources/QueueGenClient/*.swift "$here"/Sources/AppleClient/*.swift
  for target in QueueGenClient AppleClient; do echo "// run.sh copies generated sources here" > "$here/Sources/$target/Placeholder.swift"; done; }
trap 'restore; rm -rf "$work"' EXIT
swift build --package-path "$here" --target QueueGenClient >/dev/null
swift build --package-path "$here" --target AppleClient >/dev/null
compile() {
  touch "$here/Sources/$1"/*.swift
  local start end; start=$(date +%s.%N)
  swift build --package-path "$here" --target "$1" >/dev/null || { echo "compile of $1 failed" >&2; exit 1; }
  end=$(date +%s.%N); echo "$end - $start" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
qc=$(for _ in 1 2 3; do compile QueueGenClient; done | median)
ac=$(compile AppleClient)
printf '| debug compile of the output, 100 endpoints | %.1f s | %.1f s | %s× faster |\n' "$qc" "$ac" "$(ratio "$ac" "$qc")"
