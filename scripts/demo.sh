#!/usr/bin/env bash
# The main job: FLUX.1 [schnell] Redux on the sample image. Without FAL_KEY it runs against the
# local queue server in-process; with FAL_KEY it talks to fal.ai.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-libyaml.sh
swift run flux-redux Examples/sample.png --num-images 2 --seed 42 --out flux-redux-output "$@"
