#!/usr/bin/env bash
# Starts JupyterLab on this machine only (127.0.0.1) with the notebooks folder open, after
# installing or checking everything it needs (scripts/setup-notebooks.sh, idempotent).
# Pick a kernel by backend: "Go (GAN, pure Go)", "Go (GAN, XLA CPU)" or "Go (GAN, XLA CUDA)".
# Arguments go to jupyter lab, e.g.: bash kernels/lab.sh --port=8890
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "${repo_root}/scripts/setup-notebooks.sh"
source "${repo_root}/kernels/env.sh"
# No browser is opened (open the URL it prints); news and update checks would reach the internet.
# JupyterLab refuses to run as root unless told (containers and CI machines often are root).
extra=()
[ "$(id -u)" -ne 0 ] || extra+=(--allow-root)
exec jupyter lab "${extra[@]}" --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="${repo_root}/notebooks" \
	--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate "$@"
