#!/usr/bin/env bash
# queuegen vs swift-openapi-generator 1.14.3, in one run on the same documents. Prints a table.
#   bash Benchmarks/GeneratorComparison/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
swift build -c release --product queuegen >/dev/null
swift build -c release --product queuegen-benchmark >/dev/null
queuegen="$root/.build/release/queuegen"
"$root/.build/release/queuegen-benchmark" --write "$work/docs" >/dev/null
swift build -c release --package-path "$here" --product swift-openapi-generator >/dev/null
apple="$here/.build/release/swift-openapi-generator"

now() { date +%s.%N; }
# median wall time of N runs of a command
time_median() {
  local runs=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    local start end; start=$(now); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; end=$(now)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

gen_queuegen() { rm -rf "$2"; "$queuegen" generate "$1" --output "$2"; }
gen_apple() { rm -rf "$2"; mkdir -p "$2"; "$apple" generate --config "$here/openapi-generator-config.yaml" --output-directory "$2" "$1"; }

declare -A result
for n in 1 500; do
  doc="$work/docs/synthetic-$n.json"
  runs=$([ "$n" = 1 ] && echo 7 || echo 3)
  result[q$n]=$(time_median "$runs" gen_queuegen "$doc" "$work/q$n")
  result[a$n]=$(time_median "$runs" gen_apple "$doc" "$work/a$n")
  result[ql$n]=$(cat "$work/q$n"/*.swift | wc -l)
  result[al$n]=$(cat "$work/a$n"/*.swift | wc -l)
done

# Debug compile time of the output for 100 endpoints, dependencies prebuilt.
gen_queuegen "$work/docs/synthetic-100.json" "$work/q100"
gen_apple "$work/docs/synthetic-100.json" "$work/a100"
rm -f "$here"/Sources/QueueGenClient/*.swift "$here"/Sources/AppleClient/*.swift
cp "$work"/q100/*.swift "$here/Sources/QueueGenClient/"
cp "$work"/a100/*.swift "$here/Sources/AppleClient/"
# Build each client once so that only its own sources are left to compile, then time a rebuild
# after touching every generated file.
swift build --package-path "$here" --target QueueGenClient >/dev/null
swift build --package-path "$here" --target AppleClient >/dev/null
compile() { touch "$here/Sources/$1"/*.swift; swift build --package-path "$here" --target "$1" >/dev/null || { echo "compile of $1 failed" >&2; exit 1; }; }
result[qc]=$(time_median 3 compile QueueGenClient)
result[ac]=$(time_median 1 compile AppleClient)
rm -f "$here"/Sources/QueueGenClient/*.swift "$here"/Sources/AppleClient/*.swift
for target in QueueGenClient AppleClient; do echo "// run.sh copies generated sources here" > "$here/Sources/$target/Placeholder.swift"; done

ratio() { echo "scale=1; $1 / $2" | bc -l; }
printf '| measure | queuegen | swift-openapi-generator 1.14.3 | ratio |\n|---|---|---|---|\n'
printf '| generate 1 endpoint (wall, median) | %.3f s | %.3f s | %s× faster |\n' "${result[q1]}" "${result[a1]}" "$(ratio "${result[a1]}" "${result[q1]}")"
printf '| generate 500 endpoints (wall, median) | %.3f s | %.3f s | %s× faster |\n' "${result[q500]}" "${result[a500]}" "$(ratio "${result[a500]}" "${result[q500]}")"
printf '| lines of Swift per endpoint (500) | %d | %d | %s× fewer |\n' "$((result[ql500] / 500))" "$((result[al500] / 500))" "$(ratio "${result[al500]}" "${result[ql500]}")"
printf '| lines of Swift for 1 endpoint | %d | %d | |\n' "${result[ql1]}" "${result[al1]}"
printf '| debug compile of the output, 100 endpoints | %.1f s | %.1f s | %s× faster |\n' "${result[qc]}" "${result[ac]}" "$(ratio "${result[ac]}" "${result[qc]}")"
