#!/usr/bin/env bash
# Runs the notebooks headlessly with cmd/notebooks, after installing or checking the notebook
# tools (scripts/setup-notebooks.sh, idempotent).
#   bash scripts/run-notebooks.sh                  the test command's part: the runner's own test on
#                                                   the GoNB kernel, a smoke run of notebooks/*.ipynb
#                                                   (GOGAN_SMOKE=1, executed copies in
#                                                   .cache/notebooks/smoke), and the browser test
#   bash scripts/run-notebooks.sh --full [NB ...]  full-length run, executed in place and signed
#                                                   (default: every notebooks/*.ipynb)
#   bash scripts/run-notebooks.sh --html [NB ...]  self-contained HTML copies of the committed
#                                                   executed notebooks in .cache/notebooks/html, to share
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
bash scripts/setup-notebooks.sh
source kernels/env.sh

if [ "${1:-}" = "--full" ]; then
	shift
	exec go run ./cmd/notebooks "$@"
fi
if [ "${1:-}" = "--html" ]; then
	shift
	exec go run ./cmd/notebooks -no-execute -html .cache/notebooks/html "$@"
fi
[ $# -eq 0 ] || { echo "usage: bash scripts/run-notebooks.sh [--full|--html [notebook.ipynb ...]]" >&2; exit 2; }

step() { printf 'run-notebooks: %s\n' "$*"; }
seconds() { echo "$((SECONDS - $1))s"; }

start=${SECONDS}
step "runner test: notebooks that panic or do not compile must fail the runner, a clean one pass, signed"
if [ "${GOGAN_REQUIRE_DEPS:-}" = 1 ]; then
	# The test command: a skip (tools missing) fails, through the same gate as the other tests.
	mkdir -p .cache/bin
	go build -o .cache/bin/testgate ./cmd/testgate
	GOGAN_NOTEBOOK_TESTS=1 go test -json -count=1 -timeout 10m ./cmd/notebooks | .cache/bin/testgate -allow scripts/allowed-skips.txt
else
	GOGAN_NOTEBOOK_TESTS=1 go test -count=1 -timeout 10m ./cmd/notebooks
fi
step "runner test took $(seconds "${start}")"

start=${SECONDS}
step "smoke run of notebooks/*.ipynb"
go run ./cmd/notebooks -smoke
step "smoke run took $(seconds "${start}")"

start=${SECONDS}
if ! command -v node >/dev/null; then
	if [ "${GOGAN_REQUIRE_DEPS:-}" = 1 ]; then
		step "browser test: node not found (apt-get install nodejs npm); the test command needs it" >&2
		exit 1
	fi
	step "browser test skipped: node not found (apt-get install nodejs npm)"
else
	step "browser test: JupyterLab + headless chromium"
	# node's own limit is the test's; timeout is the backstop should node itself hang.
	(cd kernels/browser_test && timeout --kill-after=30s 12m node --test --test-timeout=600000 lab.test.mjs)
	step "browser test took $(seconds "${start}"), screenshot in .cache/artifacts/"
fi
