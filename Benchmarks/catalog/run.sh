#!/usr/bin/env bash
# fal's catalog through queuegen, in one run: generation time for the whole catalog (release
# build of queuegen), lines of Swift per endpoint, and the debug build time and peak memory of
# 100 catalog endpoints and of the whole catalog (the category modules of specs/queuegen.yaml),
# built by SwiftPM from a state where QueueRuntime is already built. With a git revision, the
# generator and runtime of that revision are measured the same way, side by side.
#
#   bash Benchmarks/catalog/run.sh [BASELINE_REVISION]     # e.g. 76f0794 (before the field tables)
#
# The floor row, for the current generator only, is the whole catalog generated with
# `--declarations-only` (the types and their stored properties as `let`, with no coding,
# initialisers, defaults, checks or descriptors). It is not a usable client; it shows what the
# declarations alone cost the compiler, against which the full client's figure can be read.
#
# Environment: RUNS=N builds each set N times (default 3); WHOLE=0 skips the whole-catalog builds
# (and the floor); FLOOR=0 skips the floor.
#
# The machine is shared and its speed drifts by tens of percent within minutes, so builds are
# interleaved: each round builds every set of the current generator and of the baseline one after
# the other, alternating which goes first, and the table shows the fastest and the median of the
# rounds. Every build is a first build of the generated modules (see `build`). Compare the rows of
# one run.
#
# How a build is measured: a scratch package under /tmp depends on the checkout by path and
# declares the generated folders as its own targets (depending on QueueRuntime), so the current and
# the baseline code are built the same way. QueueRuntime is built first; then `swift build` is timed
# building the generated modules (debug, SwiftPM's own parallelism). CPU is user+sys of the whole
# process tree. Peak memory is the largest VmHWM of any swift-frontend process, sampled from /proc
# every 20 ms, and the largest maximum resident set of the process tree (time -f %M).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
baseline=${1:-}
runs=${RUNS:-3}
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
    # FalCatalog (registry-of) lists no specs: it is the registry, not a category.
    if module["name"].startswith("Fal") and module["name"] != "FalFixtureClients" and "specs" in module:
        print(module["name"], " ".join("specs/" + s for s in module["specs"]))
PY
find specs/fal -name '*.json' | sort >"$work/all.txt"
endpoints_total=$(wc -l <"$work/all.txt")
# 100 documents spread evenly over the sorted catalog (the same 100 for every generator).
awk -v n="$endpoints_total" 'BEGIN { step = n / 100 } { if (NR - 1 >= next_pick) { print; next_pick += step } }' "$work/all.txt" | head -100 >"$work/sample.txt"
all_modules=$(awk '{ print "Bench" $1 }' "$work/modules.txt" | tr '\n' ' ')
floor_modules=$(awk '{ print "Floor" $1 }' "$work/modules.txt" | tr '\n' ' ')

# prepare LABEL SOURCE_ROOT QUEUEGEN: generates the catalog, the sample and (current only) the floor
# into $work/LABEL/package/gen, writes the scratch package and builds QueueRuntime in it.
prepare() {
  local label=$1 src=$2 queuegen=$3 dir=$work/$1
  local gen=$dir/package/gen
  mkdir -p "$gen" "$dir/sample"
  # Generation, whole catalog, with a release queuegen: every module of the catalog, timed together.
  local start end
  start=$(date +%s.%N)
  while read -r name specs; do
    # shellcheck disable=SC2086
    "$queuegen" generate $specs --output "$gen/$name" --allow-unresolved-refs </dev/null >/dev/null 2>"$dir/gen-$name.log"
  done <"$work/modules.txt"
  end=$(date +%s.%N)
  echo "$end - $start" | bc >"$dir/generate-seconds"
  cat "$gen"/Fal*/*.swift | wc -l >"$dir/lines-all"
  while read -r file; do ln -s "$root/$file" "$dir/sample/$(basename "$file")"; done <"$work/sample.txt"
  "$queuegen" generate "$dir/sample" --output "$gen/Catalog100" --allow-unresolved-refs >/dev/null 2>"$dir/gen-100.log"
  cat "$gen"/Catalog100/*.swift | wc -l >"$dir/lines-sample"
  local floor=0
  if [ "$label" = current ] && [ "${FLOOR:-1}" != 0 ] && [ "${WHOLE:-1}" != 0 ]; then
    floor=1
    while read -r name specs; do
      # shellcheck disable=SC2086
      "$queuegen" generate $specs --output "$gen/Floor/$name" --allow-unresolved-refs --declarations-only </dev/null >/dev/null 2>>"$dir/gen-floor.log"
    done <"$work/modules.txt"
    cat "$gen"/Floor/*/*.swift | wc -l >"$dir/lines-floor"
  fi

  # The scratch package: every generated folder a target of its own (named Bench<module>, so that
  # the checkout's own catalog targets do not clash with them), and one target per set that
  # depends on them so that one `swift build --target` builds the set with SwiftPM's parallelism.
  local names
  names=$(awk '{ printf "%s\"%s\"", (NR > 1 ? ", " : ""), $1 }' "$work/modules.txt")
  mkdir -p "$dir/package/Sources/CatalogAll" "$dir/package/Sources/CatalogSample" "$dir/package/Sources/Warm" "$dir/package/Sources/CatalogFloor"
  echo "// Builds the declarations-only floor." >"$dir/package/Sources/CatalogFloor/Floor.swift"
  # Imports QueueRuntime, so that building it also indexes the modules QueueRuntime brings in (a
  # one-time cost of the first file that imports them), as building any code that uses it does.
  printf '// Builds and imports QueueRuntime.\nimport QueueRuntime\n' >"$dir/package/Sources/Warm/Warm.swift"
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
}

# build LABEL SET_TARGET "MODULES": one timed first build of MODULES; appends
# "wall cpu frontend_peak_kb tree_peak_kb warnings" to $work/LABEL/SET_TARGET.runs.
#
# Every round is a first build, as a user's is: the generated modules' products and the index
# store are removed (the index store keeps a record per file content, so a rebuild of unchanged
# code skips writing it), then the Warm target is rebuilt, untimed, to index QueueRuntime's modules
# again. `sync` then writes out what earlier builds left in the page cache, so that writeback does
# not fall on the timed build.
build() {
  local label=$1 set=$2 modules=$3 dir=$work/$1
  local products
  products=$(cd "$dir/package" && swift build --show-bin-path)
  rm -rf "$products/index" "$products/$set.build"
  for module in $modules; do rm -rf "$products/$module.build" "$products/Modules/$module".*; done
  touch "$dir/package/Sources/Warm/Warm.swift"
  (cd "$dir/package" && swift build --target Warm >"$dir/warm.log" 2>&1) || { tail -30 "$dir/warm.log" >&2; exit 1; }
  sync
  # The sampler is one process that reads /proc and spawns nothing: a shell loop running grep and
  # awk for every process every 20 ms took most of a core from the build it timed.
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
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  local warnings peak tree user system
  warnings=$(grep -c "$dir/package/gen/.*warning:" "$dir/build.log" || true)
  peak=$(sort -n "$dir/peaks.txt" | tail -1)
  read -r tree user system <"$dir/tree.txt"
  echo "$(echo "$end - $start" | bc) $(echo "$user + $system" | bc) ${peak:-0} $tree $warnings" >>"$dir/$set.runs"
}

# row LABEL NAME SET_TARGET ENDPOINTS LINES GENERATE_SECONDS: one table row from the runs of a set.
row() {
  local label=$1 name=$2 set=$3 endpoints=$4 lines=$5 generated=$6
  python3 - "$work/$label/$set.runs" "$name" "$endpoints" "$lines" "$generated" >>"$work/table.md" <<'PY'
import statistics, sys
path, label, endpoints, lines, generated = sys.argv[1:]
runs = [list(map(float, line.split())) for line in open(path) if line.strip()]
walls = [r[0] for r in runs]
cpus = [r[1] for r in runs]
generated = f"{float(generated):.2f}" if generated else ""
print(f"| {label} | {int(endpoints):,} | {int(lines):,} | {int(lines) // int(endpoints)} | {generated} "
      f"| {min(walls):.1f} | {statistics.median(walls):.1f} | {', '.join(f'{w:.1f}' for w in walls)} "
      f"| {min(cpus):.1f} | {max(r[2] for r in runs) / 1024:.0f} | {max(r[3] for r in runs) / 1024:.0f} | {int(runs[0][4])} |")
PY
}

# ratio SET_TARGET NAME: the current generator's figures over the baseline's, fastest and median.
ratio() {
  python3 - "$work/current/$1.runs" "$work/baseline/$1.runs" "$2" "$baseline" <<'PY'
import statistics, sys
def load(path): return [list(map(float, line.split())) for line in open(path) if line.strip()]
current, base, name, revision = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3], sys.argv[4]
def ratios(index):
    return (min(r[index] for r in current) / min(r[index] for r in base),
            statistics.median(r[index] for r in current) / statistics.median(r[index] for r in base))
(wall_min, wall_median), (cpu_min, cpu_median) = ratios(0), ratios(1)
print(f"{name}, this checkout / {revision}: wall {wall_min:.2f} (fastest) {wall_median:.2f} (median); CPU {cpu_min:.2f} (fastest) {cpu_median:.2f} (median)")
PY
}

swift build -c release --product queuegen >/dev/null
prepare current "$root" "$(swift build -c release --show-bin-path)/queuegen"
labels=current
if [ -n "$baseline" ]; then
  git -C "$root" worktree add --detach "$work/baseline-src" "$baseline" >/dev/null 2>&1
  (cd "$work/baseline-src" && swift build -c release --product queuegen >/dev/null)
  prepare baseline "$work/baseline-src" "$work/baseline-src/.build/release/queuegen"
  labels="current baseline"
fi

for run in $(seq "$runs"); do
  # Alternate which generator goes first, so neither always meets the machine in the same state.
  order=$labels
  if [ $((run % 2)) = 0 ]; then order=$(echo "$labels" | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for label in $order; do build "$label" CatalogSample Catalog100; done
  if [ "${WHOLE:-1}" != 0 ]; then
    for label in $order; do build "$label" CatalogAll "$all_modules"; done
    if [ -f "$work/current/lines-floor" ]; then build current CatalogFloor "$floor_modules"; fi
  fi
  echo "round $run of $runs done" >&2
done

printf '| generator | endpoints | lines of Swift | lines per endpoint | generate, release (s) | debug build, fastest (s) | median (s) | every run (s) | CPU, fastest (s) | peak swift-frontend (MB) | peak process (MB) | warnings |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n' >"$work/table.md"
for label in $labels; do
  name="this checkout"
  [ "$label" = baseline ] && name=$baseline
  dir=$work/$label
  row "$label" "$name" CatalogSample 100 "$(cat "$dir/lines-sample")" ""
  if [ "${WHOLE:-1}" != 0 ]; then
    row "$label" "$name" CatalogAll "$endpoints_total" "$(cat "$dir/lines-all")" "$(cat "$dir/generate-seconds")"
    if [ -f "$dir/lines-floor" ]; then
      row "$label" "$name (declarations only, not a client)" CatalogFloor "$endpoints_total" "$(cat "$dir/lines-floor")" ""
    fi
  fi
done
echo
cat "$work/table.md"
if [ -n "$baseline" ]; then
  echo
  ratio CatalogSample "100 endpoints"
  if [ "${WHOLE:-1}" != 0 ]; then ratio CatalogAll "whole catalog"; fi
fi
