#!/usr/bin/env bash
# The project's test command (README): set-up, vet, and the whole test suite on the pure-Go
# default backend and on XLA CPU (the plugin scripts/setup-xla.sh installs).
#
# Every dependency a test needs is required here (GOGAN_REQUIRE_DEPS=1): the XLA CPU plugin, the
# data sets, the notebook tools, node and chromium. A failed install fails the command, and so
# does any skipped test not listed in scripts/allowed-skips.txt (cmd/testgate reads go test's
# JSON events), so no check can quietly become a skip.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
# The pure-Go default backend's AVX-512 kernels need Go 1.26's simd experiment; a build without it
# runs the portable kernels (and logs that it is on the slow path).
if [[ ",${GOEXPERIMENT:-}," != *,simd,* ]]; then export GOEXPERIMENT="simd${GOEXPERIMENT:+,${GOEXPERIMENT}}"; fi
export GOGAN_REQUIRE_DEPS=1

bash scripts/setup.sh
# The plugin setup-xla.sh installs: every backend-agnostic test also runs on XLA CPU
# (gradcheck.Backends) and the pure Go vs XLA comparisons run.
export PJRT_PLUGIN_LIBRARY_PATH="${repo_root}/.xla/cpu${PJRT_PLUGIN_LIBRARY_PATH:+:${PJRT_PLUGIN_LIBRARY_PATH}}"
echo "test: go vet ./..."
go vet ./...
mkdir -p .cache/bin
go build -o .cache/bin/testgate ./cmd/testgate
gated_test() { go test -json "$@" | .cache/bin/testgate -allow scripts/allowed-skips.txt; }
echo "test: go test ./... (cmd/notebooks with the notebook tools, in run-notebooks.sh below)"
gated_test -count=1 -timeout 30m $(go list ./... | grep -v '/cmd/notebooks$')
echo "test: go test ./ganlib/... without GOEXPERIMENT=simd (the portable kernels)"
GOEXPERIMENT= gated_test -count=1 -timeout 30m ./ganlib/...
# Each decoder of user-supplied files is fuzzed for a bounded number of executions, about 10 s
# each on 2 cores (new crashers land in datasets/testdata/fuzz and fail the run). A count, not a
# duration: Go 1.26's fuzz coordinator can fail a duration-bounded run with a bare "context
# deadline exceeded" at the deadline (golang/go#75804, fixed in Go 1.27), a count has no deadline.
for budget in FuzzDecodeImage:100000 FuzzDecodeIDX:250000 FuzzDecodeCIFAR:200000 FuzzReadCacheHeader:250000; do
	target="${budget%%:*}" execs="${budget#*:}"
	echo "test: fuzz ${target} for ${execs} executions"
	go test ./datasets -run '^$' -fuzz "^${target}\$" -fuzztime "${execs}x"
done
bash scripts/run-notebooks.sh # notebooks: runner test, smoke run of notebooks/*.ipynb, browser test
