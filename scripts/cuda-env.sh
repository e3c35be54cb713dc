# Sourced (not run): cuda_env finds the CUDA PJRT plugin of a pip install of
#   jax-cuda13-pjrt==0.11.2 'jax-cuda13-plugin[with-cuda]==0.11.2'
# (or the file CUDA_PLUGIN names) and exports what XLA needs to run on it: GOMLX_BACKEND
# (xla:<the plugin, by absolute path>), XLA_FLAGS (--xla_gpu_cuda_data_dir, where ptxas and
# libdevice are), LD_LIBRARY_PATH (the NVIDIA libraries pip installed) and GOPJRT_CUDA_CHECKS=0.
# It returns non-zero, with the reason in CUDA_ENV_ERROR, when there is no plugin. Used by
# scripts/gpu-check.sh and by scripts/setup-notebooks.sh for the "Go (GAN, XLA CUDA)" kernel.
#
# The plugin stays where pip put it: it finds the NVIDIA libraries through its RPATH
# ($ORIGIN/../../nvidia/...), so a moved or symlinked copy would not load them.
cuda_env() {
	CUDA_ENV_ERROR=""
	local plugin="${CUDA_PLUGIN:-}" python="${CUDA_PYTHON:-python3}"
	if [ -z "${plugin}" ]; then
		if ! command -v "${python}" >/dev/null; then
			CUDA_ENV_ERROR="${python} not found: set CUDA_PLUGIN=/abs/path/to/xla_cuda_plugin.so"
			return 1
		fi
		# find_spec locates the package without importing it (its __init__ imports jax, which a
		# plugin-only install may lack); then site-packages are searched directly.
		if ! plugin="$("${python}" - <<'EOF'
import glob, importlib.util, os, site, sys
candidates = []
try:
    spec = importlib.util.find_spec("jax_plugins.xla_cuda13")
    candidates += [os.path.join(d, "xla_cuda_plugin.so") for d in (spec.submodule_search_locations or [])]
except (ImportError, ValueError):
    pass
for sp in site.getsitepackages() + [site.getusersitepackages()]:
    candidates += sorted(glob.glob(os.path.join(sp, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so")))
for path in candidates:
    if os.path.isfile(path):
        print(os.path.realpath(path))
        sys.exit(0)
sys.exit(1)
EOF
)"; then
			CUDA_ENV_ERROR="the CUDA PJRT plugin was not found: pip install jax-cuda13-pjrt==0.11.2 'jax-cuda13-plugin[with-cuda]==0.11.2' for $(command -v "${python}") (or name another Python with CUDA_PYTHON), or set CUDA_PLUGIN=/abs/path/to/xla_cuda_plugin.so"
			return 1
		fi
	fi
	case "${plugin}" in /*) ;; *)
		CUDA_ENV_ERROR="CUDA_PLUGIN must be an absolute path, got ${plugin}"
		return 1
		;;
	esac
	if [ ! -f "${plugin}" ]; then
		CUDA_ENV_ERROR="CUDA plugin ${plugin} does not exist"
		return 1
	fi
	local site
	site="$(dirname "$(dirname "$(dirname "${plugin}")")")" # .../site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so
	# The NVIDIA libraries of jax-cuda13-plugin[with-cuda]: XLA finds ptxas/libdevice through
	# --xla_gpu_cuda_data_dir (go-xla would otherwise guess a wrong folder), the loader finds the
	# libraries through LD_LIBRARY_PATH.
	if [ -d "${site}/nvidia/cu13" ]; then
		case "${XLA_FLAGS:-}" in
		*--xla_gpu_cuda_data_dir*) ;;
		*) export XLA_FLAGS="${XLA_FLAGS:+${XLA_FLAGS} }--xla_gpu_cuda_data_dir=${site}/nvidia/cu13" ;;
		esac
		local nvidia_libs
		nvidia_libs="$(find "${site}/nvidia" -mindepth 2 -maxdepth 2 -type d -name lib | sort | paste -sd: -)"
		export LD_LIBRARY_PATH="${nvidia_libs}${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
	else
		printf 'cuda-env: warning: %s not found (pip install '"'"'jax-cuda13-plugin[with-cuda]==0.11.2'"'"'): relying on a system CUDA 13\n' "${site}/nvidia/cu13" >&2
	fi
	export GOMLX_BACKEND="xla:${plugin}"
	# go-xla warns about a missing nvidia/ folder next to the plugin's parent: the flags above
	# replace it.
	export GOPJRT_CUDA_CHECKS=0
}
