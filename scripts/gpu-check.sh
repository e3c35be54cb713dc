#!/usr/bin/env bash
# Runs the ganlib test suite on an NVIDIA GPU through XLA's CUDA PJRT plugin, on a machine with
# Python and pip's jax-cuda13-pjrt==0.11.2 (plus jax-cuda13-plugin[with-cuda] for the NVIDIA
# libraries) but no Go and no network. It uses what scripts/gpu-build.sh packed on a Go machine
# (.gpu/gpu-check.tar.xz): one test binary per ganlib package, run from its package folder with
# GOMLX_BACKEND=xla:<the pip plugin, by absolute path>, so every backend-agnostic test runs on pure
# Go and on the GPU (gradcheck.Backends), and the pure Go vs XLA comparisons compare with the GPU.
# Then ganbench's steps suite times every model preset at 32x32 and 64x64 on the GPU and compares
# one D and one G step of each with pure Go on this machine's CPUs (verify.StepComparison).
# Prints the device, each binary's result, and the preset table (images/s, largest differences
# from the CPU). Exits non-zero if any test binary failed.
#
#   bash scripts/gpu-check.sh                        # everything
#   GPU_CHECK_ONLY="engine msggan" bash scripts/gpu-check.sh
#
# Settings (environment): CUDA_PLUGIN (the plugin .so, instead of asking python3), GPU_CHECK_ONLY
# (binaries to run, by package name; "none" runs only the benchmark), GPU_CHECK_TIMEOUT (seconds
# per binary, default 600), GPU_CHECK_PRESETS (default "msg-progan-32 cpu-rgb paper", one ganbench run
# each), GPU_CHECK_RESOLUTIONS (default "32,64"), GPU_CHECK_BENCH_TIMEOUT (seconds per preset,
# default GPU_CHECK_TIMEOUT), GPU_CHECK_BENCH_GO=1 (also time the presets on pure Go), LOG_DIR
# (full output, default .gpu/logs).
#
# TF32: XLA multiplies float32 on NVIDIA Ampere and newer in TF32 (10-bit mantissa) by default.
# The test binaries hold the GPU to float32 rounding (verify.Float32Tolerances, the gradient
# checks), so they run with NVIDIA_TF32_OVERRIDE=0 (honoured by cuBLAS and cuDNN); the benchmark
# runs as users train, TF32 allowed, and its difference columns show what that costs.
set -uo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
archive="${repo_root}/.gpu/gpu-check.tar.xz"
log_dir="${LOG_DIR:-${repo_root}/.gpu/logs}"
timeout_s="${GPU_CHECK_TIMEOUT:-600}"

say() { printf 'gpu-check: %s\n' "$*"; }
fail() {
	say "$*" >&2
	exit 2
}

[ -f "${archive}" ] || fail "${archive} not found: build it on a Go machine with bash scripts/gpu-build.sh and bring .gpu/ along"
command -v xz >/dev/null || fail "xz not found, needed to unpack ${archive}: apt-get install -y xz-utils"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
tar -C "${work}" -xJf "${archive}" || fail "unpacking ${archive} failed"
mkdir -p "${log_dir}"

# shellcheck source=cuda-env.sh
source "${repo_root}/scripts/cuda-env.sh"
cuda_env || fail "${CUDA_ENV_ERROR}"
# MNIST files for the train tests (gpu-build.sh packs them as a module cache).
export GOMODCACHE="${work}/gomodcache"

device="no nvidia-smi"
if command -v nvidia-smi >/dev/null; then
	device="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | head -1)"
fi
say "built: $(head -1 "${work}/BUILD")"
say "GPU: ${device}"
say "GOMLX_BACKEND=${GOMLX_BACKEND}"
say "XLA_FLAGS=${XLA_FLAGS:-}"
say "logs: ${log_dir}"

rows=()
failed=0
backend_line=""
while read -r binary dir; do
	name="${binary%.test}"
	if [ -n "${GPU_CHECK_ONLY:-}" ] && ! [[ " ${GPU_CHECK_ONLY} " == *" ${name} "* ]]; then
		continue
	fi
	log="${log_dir}/${name}.log"
	say "running ${binary} in ${dir}"
	start=$(date +%s)
	(cd "${repo_root}/${dir}" && NVIDIA_TF32_OVERRIDE=0 timeout "${timeout_s}" "${work}/bin/${binary}" -test.v -test.count=1 -test.timeout="${timeout_s}s") >"${log}" 2>&1
	rc=$?
	seconds=$(($(date +%s) - start))
	# Top-level and subtest results; "/xla" subtests are the ones that ran on the GPU.
	passed=$(grep -c -- '--- PASS' "${log}")
	failures=$(grep -c -- '--- FAIL' "${log}")
	skipped=$(grep -c -- '--- SKIP' "${log}")
	on_xla=$(grep -c -- '--- PASS: .*/xla' "${log}")
	case ${rc} in
	0) result="pass" ;;
	124) result="TIMEOUT (${timeout_s} s)" failed=1 ;;
	*) result="FAIL (exit ${rc})" failed=1 ;;
	esac
	[ -n "${backend_line}" ] || backend_line="$(grep -m1 -o 'ganlib: backend "xla".*' "${log}")"
	rows+=("| ${name} | ${result} | ${seconds} s | ${passed} | ${failures} | ${skipped} | ${on_xla} |")
done <"${work}/MANIFEST"

# The preset table: ganbench's steps suite on the GPU with the differences from pure Go, and on
# this machine's CPUs with pure Go alone when GPU_CHECK_BENCH_GO=1 (slow: seconds per step).
bench_out="${log_dir}/steps.md"
: >"${bench_out}"
bench_timeout="${GPU_CHECK_BENCH_TIMEOUT:-${timeout_s}}"
bench_flags=(-suite=steps -resolutions="${GPU_CHECK_RESOLUTIONS:-32,64}" -min-runs=5 -min-time=1s -max-time=5s)
# ganbench without flags prints its usage, "...; suites: conv, steps, ...", and exits 2.
suites=""
[ -x "${work}/bin/ganbench" ] && suites="$("${work}/bin/ganbench" 2>&1 | sed -n 's/.*suites: //p')"
if [ ! -x "${work}/bin/ganbench" ]; then
	echo "(no ganbench binary in ${archive})" >>"${bench_out}"
elif ! grep -qw steps <<<"${suites}"; then
	echo "(this ganbench build has no steps suite; its suites: ${suites})" >>"${bench_out}"
else
	# One ganbench run per preset, so that a timeout loses one preset's rows, not the table.
	bench() {
		say "ganbench $*"
		timeout "${bench_timeout}" "${work}/bin/ganbench" "$@" >>"${bench_out}" 2>>"${log_dir}/ganbench.log" ||
			echo "ganbench $* failed (exit $?): see ${log_dir}/ganbench.log" >>"${bench_out}"
	}
	for preset in ${GPU_CHECK_PRESETS:-msg-progan-32 cpu-rgb paper}; do
		bench "${bench_flags[@]}" -presets="${preset}" -backend="${GOMLX_BACKEND}" -compare=go
		if [ "${GPU_CHECK_BENCH_GO:-0}" = 1 ]; then bench "${bench_flags[@]}" -presets="${preset}" -backend=go; fi
	done
fi

echo
echo "GPU: ${device}"
echo "XLA: ${backend_line:-(no test created the XLA backend; see the logs)}"
echo
echo "| test binary | result | time | PASS lines | FAIL lines | SKIP lines | xla subtests passed |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "Model presets (ganbench -suite=steps; full log ${log_dir}/ganbench.log):"
cat "${bench_out}"
exit "${failed}"
