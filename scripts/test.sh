#!/usr/bin/env bash
# The project's test command (README): set-up, vet, and the whole test suite on the pure-Go
# default backend and, where scripts/setup-xla.sh installed its plugin, on XLA CPU too (XLA variants
# are skipped with a reason otherwise).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
# The pure-Go default backend's AVX-512 kernels need Go 1.26's simd experiment; a build without it
# runs the portable kernels (and logs that it is on the slow path).
if [[ ",${GOEXPERIMENT:-}," != *,simd,* ]]; then export GOEXPERIMENT="simd${GOEXPERIMENT:+,${GOEXPERIMENT}}"; fi

bash scripts/setup.sh
# The plugin setup-xla.sh installs: once found there, every backend-agnostic test also runs on XLA
# CPU (gradcheck.Backends) and the pure Go vs XLA comparisons run; without it they are skipped.
export PJRT_PLUGIN_LIBRARY_PATH="${repo_root}/.xla/cpu${PJRT_PLUGIN_LIBRARY_PATH:+:${PJRT_PLUGIN_LIBRARY_PATH}}"
echo "test: go vet ./..."
go vet ./...
echo "test: go test ./..."
go test -count=1 -timeout 30m ./...
echo "test: go test ./ganlib/... without GOEXPERIMENT=simd (the portable kernels)"
GOEXPERIMENT= go test -count=1 -timeout 30m ./ganlib/...
# Each decoder of user-supplied files is fuzzed for a bounded time (new crashers land in
# datasets/testdata/fuzz and fail the run).
for target in FuzzDecodeImage FuzzDecodeIDX FuzzDecodeCIFAR FuzzReadCacheHeader; do
	echo "test: fuzz ${target} for 10s"
	go test ./datasets -run '^$' -fuzz "^${target}\$" -fuzztime 10s
done
bash scripts/run-notebooks.sh # notebooks: runner test, smoke run of notebooks/*.ipynb, browser test
