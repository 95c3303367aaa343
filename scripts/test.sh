#!/usr/bin/env bash
# The whole test suite: installs what a fresh machine lacks, builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-libyaml.sh
bash scripts/ensure-sqlite.sh
# queue-batch's PostgreSQL journal tests: a private server, stopped when this script exits.
source scripts/postgres-for-tests.sh
swift build --build-tests
# Two runs. The generator's tests spawn the Swift compiler and queue-batch's spawn batch processes
# over 10,000 inputs: beside them on a 2-core machine, a loopback test's 1-second exchange took a
# minute and hit its bound. So the network tests run first, alone (about 45 s), then those two
# CPU-bound targets together (about 145 s): 190 s in all against 170 s in one mixed run.
swift test --skip-build --parallel --num-workers 2 --skip 'QueueGenTests|QueueBatchTests'
swift test --skip-build --parallel --num-workers 2 --filter 'QueueGenTests|QueueBatchTests'
