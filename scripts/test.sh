#!/usr/bin/env bash
# The project's test command (README): set-up, vet, and the whole test suite on the pure-Go
# default backend (XLA variants run too where a PJRT plugin is installed, and are skipped with a
# reason otherwise).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

bash scripts/setup.sh
echo "test: go vet ./..."
go vet ./...
echo "test: go test ./..."
go test -count=1 -timeout 30m ./...
