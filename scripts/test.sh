#!/usr/bin/env bash
# The whole test suite: installs what a fresh machine lacks, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-libyaml.sh
bash scripts/ensure-sqlite.sh
# queue-batch's PostgreSQL journal tests: a private server, stopped when this script exits.
source scripts/postgres-for-tests.sh
swift build --build-tests
swift test --skip-build --parallel --num-workers 2
