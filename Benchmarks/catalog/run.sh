#!/usr/bin/env bash
# fal's catalog through queuegen, in one run: generation time for the whole catalog (release
# build of queuegen), lines of Swift per endpoint, and the debug build time and peak memory of
# 100 catalog endpoints and of the whole catalog (the category modules of specs/queuegen.yaml),
# built by SwiftPM from a state where QueueRuntime is already built. With a git revision, the
# generator and runtime of that revision are measured the same way, side by side.
#
#   bash Benchmarks/catalog/run.sh [BASELINE_REVISION]     # e.g. 6ad3cb7 (before issue 12)
#
# The last row, for the current generator only, is the floor: the whole catalog generated with
# `--declarations-only` (the types and their stored properties as `let`, with no coding,
# initialisers, defaults, checks or descriptors). It is not a usable client; it shows what the
# declarations alone cost the compiler, against which the full client's figure can be read.
#
# Environment: WHOLE=0 skips the whole-catalog builds (and the floor); FLOOR=0 skips the floor; RUNS=N repeats each build N times (the
# table shows the fastest, with the spread; the first run builds from nothing, later ones
# rebuild after touching every generated source). The machine's other load shows in every figure, so
# compare the rows of one run.
#
# How a build is measured: a scratch package under /tmp depends on the checkout by path and
# declares the generated folders as its own targets (depending on QueueRuntime), so the current
# and the baseline code are built the same way. QueueRuntime is built first; then `swift build`
# is timed building the generated modules (debug, SwiftPM's own parallelism). Peak memory is the largest VmHWM of any swift-frontend process, sampled
# from /proc every 20 ms, and the largest maximum resident set of the process tree (time -f %M).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
baseline=${1:-}
runs=${RUNS:-1}
work=$(mktemp -d /tmp/catalog-bench.XXXXXX)
cleanup() {
  if [ -d "$work/baseline-src" ]; then git -C "$root" worktree remove --force "$work/baseline-src" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The modules and their spec folders, from specs/queuegen.yaml (catalog modules are named Fal*).
python3 - "$root/specs/queuegen.yaml" >"$work/modules.txt" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
for module in config["modules"]:
    if module["name"].startswith("Fal") and module["name"] != "FalFixtureClients":
        print(module["name"], " ".join("specs/" + s for s in module["specs"]))
PY
find specs/fal -name '*.json' | sort >"$work/all.txt"
endpoints_total=$(wc -l <"$work/all.txt")
# 100 documents spread evenly over the sorted catalog (the same 100 for every generator).
awk -v n="$endpoints_total" 'BEGIN { step = n / 100 } { if (NR - 1 >= next_pick) { print; next_pick += step } }' "$work/all.txt" | head -100 >"$work/sample.txt"

# measure LABEL SOURCE_ROOT QUEUEGEN: generates into $work/LABEL and builds it; appends table rows.
measure() {
  local label=$1 src=$2 queuegen=$3 dir=$work/$1
  local gen=$dir/package/gen
  mkdir -p "$gen"
  # Generation, whole catalog, with a release queuegen: every module of the catalog, timed together.
  local start end
  start=$(date +%s.%N)
  while read -r name specs; do
    # shellcheck disable=SC2086
    "$queuegen" generate $specs --output "$gen/$name" --allow-unresolved-refs </dev/null >/dev/null 2>"$dir/gen-$name.log"
  done <"$work/modules.txt"
  end=$(date +%s.%N)
  local generate_seconds lines
  generate_seconds=$(echo "$end - $start" | bc)
  lines=$(cat "$gen"/*/*.swift | wc -l)
  mkdir -p "$gen/Catalog100"
  mkdir -p "$dir/sample"
  while read -r file; do ln -s "$root/$file" "$dir/sample/$(basename "$file")"; done <"$work/sample.txt"
  "$queuegen" generate "$dir/sample" --output "$gen/Catalog100" --allow-unresolved-refs >/dev/null 2>"$dir/gen-100.log"
  local sample_lines
  sample_lines=$(cat "$gen"/Catalog100/*.swift | wc -l)
  # The floor (current generator only: older ones have no --declarations-only).
  local floor=0 floor_lines=0
  if [ "$label" = current ] && [ "${FLOOR:-1}" != 0 ] && [ "${WHOLE:-1}" != 0 ]; then
    floor=1
    while read -r name specs; do
      # shellcheck disable=SC2086
      "$queuegen" generate $specs --output "$gen/Floor/$name" --allow-unresolved-refs --declarations-only </dev/null >/dev/null 2>>"$dir/gen-floor.log"
    done <"$work/modules.txt"
    floor_lines=$(cat "$gen"/Floor/*/*.swift | wc -l)
  fi

  # The scratch package: every generated folder a target of its own (named Bench<module>, so that
  # the checkout's own catalog targets do not clash with them), and one target per set that
  # depends on them so that one `swift build --target` builds the set with SwiftPM's parallelism.
  local names
  names=$(awk '{ printf "%s\"%s\"", (NR > 1 ? ", " : ""), $1 }' "$work/modules.txt")
  mkdir -p "$dir/package/Sources/CatalogAll" "$dir/package/Sources/CatalogSample" "$dir/package/Sources/Warm" "$dir/package/Sources/CatalogFloor"
  echo "// Builds the declarations-only floor." >"$dir/package/Sources/CatalogFloor/Floor.swift"
  echo "// Builds QueueRuntime." >"$dir/package/Sources/Warm/Warm.swift"
  echo "// Builds every catalog module." >"$dir/package/Sources/CatalogAll/All.swift"
  echo "// Builds the 100-endpoint sample." >"$dir/package/Sources/CatalogSample/Sample.swift"
  cat >"$dir/package/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let modules = [$names]
let floor = $( [ "$floor" = 1 ] && echo "modules" || echo "[String]()" )
let package = Package(
    name: "catalog-bench",
    platforms: [.macOS(.v13), .iOS(.v16), .tvOS(.v16), .watchOS(.v9)],
    dependencies: [.package(path: "$src")],
    targets: modules.map {
        .target(name: "Bench" + \$0, dependencies: [.product(name: "QueueRuntime", package: "$(basename "$src")")], path: "gen/\(\$0)")
    } + [
        .target(name: "Catalog100", dependencies: [.product(name: "QueueRuntime", package: "$(basename "$src")")], path: "gen/Catalog100"),
        .target(name: "CatalogAll", dependencies: modules.map { .target(name: "Bench" + \$0) }),
        .target(name: "CatalogSample", dependencies: ["Catalog100"]),
        .target(name: "Warm", dependencies: [.product(name: "QueueRuntime", package: "$(basename "$src")")]),
        .target(name: "CatalogFloor", dependencies: floor.map { .target(name: "Floor" + \$0) }),
    ] + floor.map {
        .target(name: "Floor" + \$0, dependencies: [.product(name: "QueueRuntime", package: "$(basename "$src")")], path: "gen/Floor/\(\$0)")
    }
)
SWIFT
  # Warm-up: resolve, and build QueueRuntime and its dependencies (the `Warm` target), so that
  # the first timed build compiles the generated modules and nothing else.
  (cd "$dir/package" && swift build --target Warm >"$dir/warm.log" 2>&1) || { tail -30 "$dir/warm.log" >&2; exit 1; }

  row "$label" 100 "$sample_lines" "" CatalogSample Catalog100
  if [ "${WHOLE:-1}" != 0 ]; then
    row "$label" "$endpoints_total" "$lines" "$generate_seconds" CatalogAll "$(awk '{ print "Bench" $1 }' "$work/modules.txt" | tr '\n' ' ')"
  fi
  if [ "$floor" = 1 ]; then
    row "$label" "$endpoints_total" "$floor_lines" "" CatalogFloor "$(awk '{ print "Floor" $1 }' "$work/modules.txt" | tr '\n' ' ')" "declarations only, not a client"
  fi
}

# row LABEL ENDPOINTS LINES GENERATE_SECONDS SET_TARGET "MODULES" [NOTE]: times RUNS builds of MODULES
# (the first from nothing, the others after touching every source) and counts compiler warnings
# in the generated code.
row() {
  local label=$1 endpoints=$2 lines=$3 generated=$4 set=$5 modules=$6 note=${7:-} dir=$work/$1
  local best="" best_cpu="" all="" frontend_peak=0 tree_peak=0 warnings=0
  for run in $(seq "$runs"); do
    # Every source of the measured modules changed: SwiftPM compiles each module again, whole.
    if [ "$run" -gt 1 ]; then
      for module in $modules; do
        case $module in
          Floor*) find "$dir/package/gen/Floor/${module#Floor}" -name '*.swift' -exec touch {} + ;;
          *) find "$dir/package/gen/${module#Bench}" -name '*.swift' -exec touch {} + ;;
        esac
      done
    fi
    # The sampler is one process that reads /proc and spawns nothing: an earlier shell loop ran
    # grep and awk for every process every 20 ms and took most of a core from the build it timed.
    : >"$dir/peaks.txt"
    python3 - "$dir/peaks.txt" <<'PY' &
import os, sys, time
peak = 0
while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() != "swift-frontend":
                    continue
            with open(f"/proc/{pid}/status") as status:
                hwm = next((int(line.split()[1]) for line in status if line.startswith("VmHWM")), 0)
        except (OSError, ValueError):
            continue
        if hwm > peak:
            peak = hwm
            with open(sys.argv[1], "w") as out:
                out.write(f"{peak}\n")
    time.sleep(0.02)
PY
    local sampler=$!
    local start end
    start=$(date +%s.%N)
    (cd "$dir/package" && /usr/bin/time -f '%M %U %S' -o "$dir/tree.txt" swift build --target "$set" >"$dir/build.log" 2>&1) \
      || { kill "$sampler"; tail -30 "$dir/build.log" >&2; exit 1; }
    end=$(date +%s.%N)
    [ "$run" = 1 ] && warnings=$(grep -c "$dir/package/gen/.*warning:" "$dir/build.log" || true)
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    local seconds
    seconds=$(echo "$end - $start" | bc)
    all="$all $(printf '%.1f' "$seconds")"
    if [ -z "$best" ] || (( $(echo "$seconds < $best" | bc) )); then best=$seconds; fi
    local peak
    peak=$(sort -n "$dir/peaks.txt" | tail -1)
    [ -n "$peak" ] && [ "$peak" -gt "$frontend_peak" ] && frontend_peak=$peak
    local tree cpu
    read -r tree user system <"$dir/tree.txt"
    [ "$tree" -gt "$tree_peak" ] && tree_peak=$tree
    cpu=$(echo "$user + $system" | bc)
    if [ -z "$best_cpu" ] || (( $(echo "$cpu < $best_cpu" | bc) )); then best_cpu=$cpu; fi
  done
  printf '| %s | %s | %s | %s | %s | %.1f (runs:%s) | %.1f | %d | %d | %s |\n' "$label${note:+ ($note)}" "$endpoints" "$lines" "$((lines / endpoints))" \
    "${generated:+$(printf '%.2f' "$generated")}" "$best" "$all" "$best_cpu" "$((frontend_peak / 1024))" "$((tree_peak / 1024))" "$warnings" >>"$work/table.md"
}

printf '| generator | endpoints | lines of Swift | lines per endpoint | generate, release (s) | debug build, wall (s) | CPU, user+sys (s) | peak swift-frontend (MB) | peak process (MB) | warnings |\n|---|---|---|---|---|---|---|---|---|---|\n' >"$work/table.md"

swift build -c release --product queuegen >/dev/null
measure current "$root" "$(swift build -c release --show-bin-path)/queuegen"
if [ -n "$baseline" ]; then
  git -C "$root" worktree add --detach "$work/baseline-src" "$baseline" >/dev/null 2>&1
  (cd "$work/baseline-src" && swift build -c release --product queuegen >/dev/null)
  measure "$baseline" "$work/baseline-src" "$work/baseline-src/.build/release/queuegen"
fi
echo
cat "$work/table.md"
