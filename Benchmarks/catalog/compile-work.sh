#!/usr/bin/env bash
# The compiler's own work for one catalog module, built at several revisions, as counts that do not
# depend on how busy the machine is: modules loaded, declarations and types read from other
# modules, declarations type-checked and constraint-solver scopes (from the frontend's
# `-stats-output-dir`), next to the frontend's CPU time, which does.
#
#   bash Benchmarks/catalog/compile-work.sh [MODULE] REVISION...    # e.g. FalVideo 962da45 HEAD
#
# Why: `run.sh` times whole builds, and on this shared machine the same build takes anywhere
# from 54 to 93 s of CPU from one minute to the next, so a difference of a fifth between two
# revisions cannot be told from noise without many rounds. The counters answer a narrower
# question exactly: does the compiler do more work for the same generated code at one revision
# than at another (a runtime that brings more modules, overloads or conformances into every
# importer's compile jobs shows up here)?
#
# Each revision is checked out in one worktree (WORKTREE, default /tmp/compile-work, reused between
# runs so that only what changed is rebuilt) and `swift build --target MODULE` builds the module
# with the revision's own checked-in `Generated/` code. Debug, SwiftPM's default parallelism.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
module=FalVideo
if [ $# -gt 0 ] && [ -d "Generated/$1" ]; then module=$1; shift; fi
if [ $# = 0 ]; then
  echo "usage: $0 [MODULE] REVISION..." >&2
  exit 2
fi
worktree=${WORKTREE:-/tmp/compile-work}
stats=$(mktemp -d /tmp/compile-work-stats.XXXXXX)
trap 'rm -rf "$stats"' EXIT

if [ ! -e "$worktree/.git" ]; then git -C "$root" worktree add --detach "$worktree" HEAD >/dev/null; fi
for revision in "$@"; do
  commit=$(git -C "$root" rev-parse --short "$revision^{commit}")
  git -C "$worktree" checkout -q --detach "$commit"
  mkdir -p "$stats/$commit"
  # The first build of the revision builds its dependencies; the module is then built again from
  # nothing (its products removed) so that the counted jobs are the module's alone.
  (cd "$worktree" && swift build --target "$module" >/dev/null)
  rm -rf "$worktree/.build/debug/$module.build" "$worktree/.build/debug/Modules/$module.swiftmodule" \
    "$worktree/.build/debug/$module.swiftmodule"
  (cd "$worktree" && swift build --target "$module" -Xswiftc -stats-output-dir -Xswiftc "$stats/$commit" >/dev/null)
  echo "$commit $revision" >>"$stats/order"
done

python3 - "$stats" "$module" <<'PY'
import glob, json, os, sys
stats, module = sys.argv[1], sys.argv[2]
counters = [
    ("AST.NumLoadedModules", "modules loaded"),
    ("Sema.NumDeclsDeserialized", "decls read"),
    ("Sema.NumTypesDeserialized", "types read"),
    ("Sema.NumDeclsTypechecked", "decls type-checked"),
    ("Sema.NumConstraintScopes", "solver scopes"),
]
print(f"compiler work for {module} (sums over its frontend jobs; counts are exact, CPU is not)")
print("| revision | jobs | " + " | ".join(label for _, label in counters) + " | frontend CPU (s) |")
print("|---|---|" + "---|" * len(counters) + "---|")
for line in open(os.path.join(stats, "order")):
    commit, revision = line.split()
    totals, cpu = {}, 0.0
    # Stats files name the module after "swift-frontend-": only that module's jobs are counted.
    files = glob.glob(os.path.join(stats, commit, f"*swift-frontend-{module}-*.json"))
    for path in files:
        for key, value in json.load(open(path)).items():
            totals[key] = totals.get(key, 0) + value
            if key.startswith("time.swift-frontend.") and key.endswith(".user"):
                cpu += value
    cells = " | ".join(f"{int(totals.get(key, 0)):,}" for key, _ in counters)
    name = commit if revision == commit else f"{revision} ({commit})"
    print(f"| {name} | {len(files)} | {cells} | {cpu:.1f} |")
PY
