# Sourced (not run) by the notebook scripts: where the project-local Jupyter and GoNB live, so
# nothing is read from or written to the user's own Jupyter folders and every script (set-up,
# JupyterLab, the runner, the browser test) sees the same kernels and notebook signatures.
gogan_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export GOGAN_ROOT="${gogan_root}"
export GOGAN_VENV="${gogan_root}/.venv"
export GOGAN_TOOLS="${gogan_root}/.cache/gonb/bin"
export JUPYTER_DATA_DIR="${gogan_root}/.cache/jupyter/data"
export JUPYTER_CONFIG_DIR="${gogan_root}/.cache/jupyter/config"
export JUPYTER_RUNTIME_DIR="${gogan_root}/.cache/jupyter/runtime"
# jupyter_core 5 warns on every start until platformdirs is opted into; the folders above are
# explicit, so opting in changes nothing else.
export JUPYTER_PLATFORM_DIRS=1
export PATH="${GOGAN_TOOLS}:${GOGAN_VENV}/bin:${PATH}"
