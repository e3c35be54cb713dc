// Converts npm nsfwjs's InceptionV3 (a Keras 2.2.4 model as tfjs layers files: a UMD module with
// the topology and weights manifest, and six UMD modules of base64 weight shards, uint8-quantized
// per tensor) into one file the Go side reads (ganlib/metrics.ReadInceptionWeights):
//
//   "GOGANW1\n", the header's length (uint32 little-endian), the JSON header {source, weights:
//   [{name, shape, offset}] (offsets in float32 elements), layers: [{name, class, config,
//   inbound}]}, then every weight dequantized (w = min + scale * q) as float32 little-endian.
//
//   node scripts/nsfw-inception.js convert <nsfwjs package dir> <out file>
//   node scripts/nsfw-inception.js reference <nsfwjs package dir> <tfjs package dir> <layer>
//     prints, as JSON, the layer's output for the fixed test input, mean-pooled over space,
//     computed by @tensorflow/tfjs: the reference the Go forward pass is checked against.
"use strict";
const fs = require("fs");
const path = require("path");

function load(pkg) {
  const dir = path.join(pkg, "dist", "models", "inception_v3");
  const model = require(path.resolve(dir, "model.min.js"));
  const manifest = model.weightsManifest[0];
  const shards = manifest.paths.map((p) => Buffer.from(require(path.resolve(dir, p + ".min.js")), "base64"));
  return { model, specs: manifest.weights, data: Buffer.concat(shards) };
}

function dequantize(specs, data) {
  const out = [];
  let at = 0;
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const q = s.quantization;
    if (!q || q.dtype !== "uint8" || s.dtype !== "float32") {
      throw new Error(`weight ${s.name}: want uint8-quantized float32, got ${JSON.stringify(s.quantization)} ${s.dtype}`);
    }
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = q.min + q.scale * data[at + i];
    at += n;
    out.push({ spec: s, values });
  }
  if (at !== data.length) throw new Error(`weights use ${at} bytes of the shards' ${data.length}`);
  return out;
}

function convert(pkg, outFile) {
  const { model, specs, data } = load(pkg);
  const weights = dequantize(specs, data);
  let offset = 0;
  const header = {
    source: "npm nsfwjs@4.4.0 dist/models/inception_v3 (Keras " + model.modelTopology.keras_version + ")",
    weights: weights.map((w) => {
      const entry = { name: w.spec.name, shape: w.spec.shape, offset };
      offset += w.values.length;
      return entry;
    }),
    layers: model.modelTopology.model_config.config.layers.map((l) => ({
      name: l.name,
      class: l.class_name,
      config: l.config,
      inbound: (l.inbound_nodes[0] || []).map((n) => n[0]),
    })),
  };
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(4);
  size.writeUInt32LE(json.length);
  const body = Buffer.alloc(offset * 4);
  let at = 0;
  for (const w of weights) {
    Buffer.from(w.values.buffer).copy(body, at * 4);
    at += w.values.length;
  }
  const tmp = outFile + ".tmp";
  fs.writeFileSync(tmp, Buffer.concat([Buffer.from("GOGANW1\n"), size, json, body]));
  fs.renameSync(tmp, outFile);
  console.log(`nsfw-inception: ${weights.length} weights, ${offset} values, ${header.layers.length} layers -> ${outFile}`);
}

// testInput is the fixed image both sides run: [1, 299, 299, 3] in [-1, 1].
function testInput(tf) {
  const n = 299 * 299 * 3;
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.0007) * Math.cos(i * 0.00013);
  return tf.tensor4d(v, [1, 299, 299, 3]);
}

async function reference(pkg, tfjs, layer) {
  const tf = require(path.resolve(tfjs));
  await tf.setBackend("cpu");
  const { model, specs, data } = load(pkg);
  const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const m = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: specs, weightData }));
  const sub = tf.model({ inputs: m.inputs, outputs: m.getLayer(layer).output });
  const out = sub.predict(testInput(tf)).mean([1, 2]);
  console.log(JSON.stringify({ layer, features: Array.from(await out.data()) }));
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "convert" && args.length === 2) convert(...args);
else if (mode === "reference" && args.length === 3) reference(...args).catch((e) => { console.error(e); process.exit(1); });
else {
  console.error("usage: nsfw-inception.js convert <nsfwjs dir> <out> | reference <nsfwjs dir> <tfjs dir> <layer>");
  process.exit(2);
}
