#!/usr/bin/env bash
# Installs the offline InceptionV3 of the quality metrics' nsfwinception extractor, from npm
# only: nsfwjs@4.4.0 (a Keras InceptionV3 as tfjs layers files, uint8-quantized) and
# @tensorflow/tfjs@4.22.0 (pure JavaScript) into .data/npm-metrics, then converts the weights
# once into .data/inception/nsfwjs-4.4.0-inception-v3.bin (scripts/nsfw-inception.js) and
# writes tfjs's own mixed5 features of a fixed test image beside it, the reference
# ganlib/metrics' TestInceptionMatchesTFJS compares the Go forward pass with. Also Debian's
# hdf5-tools (h5dump, which reads a user's Keras .h5 weights for the inception extractor) and
# python3-h5py (the test writing such a file). Idempotent.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"
prefix=".data/npm-metrics"
out=".data/inception"
weights="${out}/nsfwjs-4.4.0-inception-v3.bin"
reference="${out}/reference-mixed5.json"
say() { printf 'setup-metrics: %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		env DEBIAN_FRONTEND=noninteractive "$@"
	else
		sudo env DEBIAN_FRONTEND=noninteractive "$@"
	fi
}
if command -v h5dump >/dev/null && /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
	say "hdf5-tools and python3-h5py already installed"
else
	say "apt-get install hdf5-tools python3-h5py"
	as_root apt-get install -y --no-install-recommends hdf5-tools python3-h5py >/dev/null ||
		{ as_root apt-get update >/dev/null && as_root apt-get install -y --no-install-recommends hdf5-tools python3-h5py >/dev/null; }
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
	say "npm and node not found; run apt-get install npm, then rerun this script" >&2
	exit 1
fi
nsfw="${prefix}/node_modules/nsfwjs"
tfjs="${prefix}/node_modules/@tensorflow/tfjs"
if [ -f "${nsfw}/package.json" ] && grep -q '"version": "4.4.0"' "${nsfw}/package.json" &&
	[ -f "${tfjs}/package.json" ] && grep -q '"version": "4.22.0"' "${tfjs}/package.json"; then
	say "nsfwjs@4.4.0 and @tensorflow/tfjs@4.22.0 already installed in ${prefix}"
else
	mkdir -p "${prefix}"
	say "npm install --prefix ${prefix} nsfwjs@4.4.0 @tensorflow/tfjs@4.22.0"
	npm install --prefix "${prefix}" --save-exact --no-audit --no-fund --loglevel=error nsfwjs@4.4.0 @tensorflow/tfjs@4.22.0
fi
# The model files' checksums (npm verifies the tarball; these pin what is converted).
(cd "${nsfw}/dist/models/inception_v3" && sha256sum --quiet -c - <<'SUMS'
8c2b793b9d277840fc757725bf3b135c96d5a54ec020e2b4ab569fc3df6b3848  model.min.js
e9316ac20ff634f990e483062050afe9a4826885c3a212d676ce2cfda93a4884  group1-shard1of6.min.js
467b33d62b4c470edf8acd3da554e331f2d49f3f93ddd718f944f595c516cd82  group1-shard2of6.min.js
075300e057ca7e9fd2e282afbc3a6596a0404288c94bf781e9b20658cbeee664  group1-shard3of6.min.js
b51ee46e062e752e81c28761a56369432671bfb3d59f4f062f5bd4dd58ff5303  group1-shard4of6.min.js
d4149969b3c61e0d4dde1d4f555f5b00f4fc87f6bab1a4cd4967b24f62725de6  group1-shard5of6.min.js
b684762a7d7c39b80183d260bdab6f072321349300f9f2ff144a085a382acfc4  group1-shard6of6.min.js
SUMS
) || { say "nsfwjs@4.4.0's InceptionV3 files in ${nsfw} do not match their sha256: delete ${prefix} and rerun" >&2; exit 1; }
mkdir -p "${out}"
if [ -f "${weights}" ]; then
	say "${weights} already converted"
else
	node scripts/nsfw-inception.js convert "${nsfw}" "${weights}"
fi
if [ -f "${reference}" ]; then
	say "${reference} already computed"
else
	say "tfjs reference features of the test image (about 30 s)"
	node scripts/nsfw-inception.js reference "${nsfw}" "${tfjs}" mixed5 2>/dev/null | tail -1 >"${reference}.tmp"
	mv "${reference}.tmp" "${reference}"
fi
say "done: the nsfwinception extractor reads ${weights}"
