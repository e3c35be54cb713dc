#!/usr/bin/env bash
# Installs XLA's CPU PJRT plugin, so that the tests (and -backend=xla:cpu) can run on XLA CPU as
# well as on the pure-Go default. The plugin comes from the PyPI wheel xla-cpu-pjrt==0.0.1, fetched
# with the machine's own pip (`python3 -m pip download`, no install), checked against the wheel's
# pinned sha256, and only its plugin file is unpacked, to
#   .xla/cpu/pjrt_c_api_cpu_plugin.so   (under the repository root; gitignored, never committed)
# which is the name go-xla and ganlib/engine look for in $PJRT_PLUGIN_LIBRARY_PATH (scripts/test.sh
# points it there). Idempotent: a plugin already there with the pinned sha256 is kept as it is.
# Exits non-zero, saying why and what to do, when it cannot install the plugin; scripts/setup.sh
# then goes on without XLA (everything works on the pure-Go backend).
set -euo pipefail

WHEEL_SPEC="xla-cpu-pjrt==0.0.1"
# sha256 of xla_cpu_pjrt-0.0.1-py3-none-manylinux_2_27_x86_64.whl, the only file of that release,
# and of the plugin inside it (xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so, PJRT C API 0.81), both
# computed on 2026-11-26 from the file PyPI served.
WHEEL_SHA256="55837b6b7b47daa717f2d9a5a03563ea0ceaa338d06a81a1e2d3f060d960decc"
PLUGIN_MEMBER="xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so"
PLUGIN_SHA256="88c3f28c5900f48ad4a82cab9e79bba9537809743395e341485f8794268820dc"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
plugin_dir="${repo_root}/.xla/cpu"
plugin="${plugin_dir}/pjrt_c_api_cpu_plugin.so"

say() { printf 'setup-xla: %s\n' "$*"; }
fail() {
	say "$*" >&2
	exit 1
}
sha256() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "${plugin}" ]; then
	if [ "$(sha256 "${plugin}")" = "${PLUGIN_SHA256}" ]; then
		say "XLA CPU plugin already installed: ${plugin} (sha256 ${PLUGIN_SHA256})"
		exit 0
	fi
	# A partial or foreign file: replace it rather than let tests load an unknown plugin.
	say "${plugin} has an unexpected sha256: reinstalling it from ${WHEEL_SPEC}"
fi

# The wheel is built for manylinux_2_27_x86_64 only: elsewhere pip would just report "no matching
# distribution", which hides the reason.
if [ "$(uname -s)" != "Linux" ] || [ "$(uname -m)" != "x86_64" ]; then
	fail "${WHEEL_SPEC} ships a plugin for Linux x86_64 only, this machine is $(uname -s) $(uname -m): XLA CPU is not available here (the pure-Go backend is)"
fi
if ! command -v python3 >/dev/null; then
	fail "python3 not found: install it with pip (Debian: apt-get install -y python3 python3-pip), then rerun bash scripts/setup-xla.sh"
fi
if ! python3 -m pip --version >/dev/null 2>&1; then
	fail "$(command -v python3) has no pip module: install it (Debian: apt-get install -y python3-pip; or python3 -m ensurepip --upgrade), then rerun bash scripts/setup-xla.sh"
fi

download_dir="$(mktemp -d)"
trap 'rm -rf "${download_dir}"' EXIT
say "downloading ${WHEEL_SPEC} with $(python3 -m pip --version | cut -d' ' -f1-2) ($(command -v python3))"
# pip download fetches the wheel without installing anything into any Python environment.
if ! python3 -m pip download --no-deps --only-binary=:all: --disable-pip-version-check --quiet "${WHEEL_SPEC}" -d "${download_dir}"; then
	fail "pip download ${WHEEL_SPEC} failed (see pip's message above): check that PyPI (or your pip index) is reachable, then rerun bash scripts/setup-xla.sh"
fi
wheels=("${download_dir}"/*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
	fail "pip download ${WHEEL_SPEC} left no single wheel in ${download_dir}: $(ls "${download_dir}")"
fi
wheel="${wheels[0]}"
got="$(sha256 "${wheel}")"
if [ "${got}" != "${WHEEL_SHA256}" ]; then
	fail "$(basename "${wheel}") has sha256 ${got}, expected ${WHEEL_SHA256}: the index served a different file; not installing it"
fi
say "verified $(basename "${wheel}") (sha256 ${WHEEL_SHA256})"

mkdir -p "${plugin_dir}"
# Unpack next to the destination and rename, so an interrupted run never leaves a truncated
# plugin under the name the engine loads. Python's zipfile is used because pip implies Python,
# while unzip may be missing.
partial="$(mktemp "${plugin_dir}/.pjrt_c_api_cpu_plugin.so.XXXXXX")"
trap 'rm -rf "${download_dir}" "${partial}"' EXIT
python3 - "${wheel}" "${PLUGIN_MEMBER}" "${partial}" <<'EOF'
import shutil, sys, zipfile
wheel, member, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as zf, zf.open(member) as src, open(dest, "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
EOF
got="$(sha256 "${partial}")"
if [ "${got}" != "${PLUGIN_SHA256}" ]; then
	fail "${PLUGIN_MEMBER} unpacked from $(basename "${wheel}") has sha256 ${got}, expected ${PLUGIN_SHA256}"
fi
chmod 0755 "${partial}"
mv -f "${partial}" "${plugin}"
say "installed ${plugin} ($(du -m "${plugin}" | cut -f1) MB, sha256 ${PLUGIN_SHA256}, PJRT C API 0.81)"
say "use it with PJRT_PLUGIN_LIBRARY_PATH=${plugin_dir} and -backend=xla:cpu (scripts/test.sh sets the path itself)"
