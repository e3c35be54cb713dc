#!/usr/bin/env bash
# The project's main job (README): set-up, then train a GAN preset on real data with the
# embedded pure-Go backend (unless GOMLX_BACKEND or -backend says otherwise), writing samples.
# Arguments go to cmd/gantrain, e.g.: bash scripts/train.sh -set "kimg=2" -name mine (a run folder under runs/)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
# The pure-Go default backend's AVX-512 kernels need Go 1.26's simd experiment; a build without it
# runs the portable kernels (and logs that it is on the slow path).
if [[ ",${GOEXPERIMENT:-}," != *,simd,* ]]; then export GOEXPERIMENT="simd${GOEXPERIMENT:+,${GOEXPERIMENT}}"; fi

bash scripts/setup.sh
exec go run ./cmd/gantrain "$@"
