#!/usr/bin/env node
// Runs one ONNX model through onnxruntime-node on the CPU and writes its
// outputs as raw little-endian float32, the reference format of samples/.
//
//   node ort_run.js MODEL.onnx PREFIX IN0.bin:1x3x64x64 [IN1.bin:32 ...]
//
// Inputs are fed in the session's input order (the model's graph input
// order) with the shapes given on the command line, so this script knows
// nothing about any particular model.  Output i goes to PREFIX.out<i>.bin.
// One intra-op and one inter-op thread, and no graph optimizations, so the
// result is the graph as written, computed by the runtime's plain kernels,
// and the same on every run.  Prints {version, outputs: [{name, dims,
// path}]} as JSON on stdout for the caller (tools/gen_samples.py).
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

function readFloats(path, dims) {
  const buf = fs.readFileSync(path);
  const count = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== count * 4)
    throw new Error(`${path}: ${buf.length} bytes, expected ${count * 4} for ${dims.join('x')}`);
  // Copy: a Buffer's offset into its pool need not be 4-byte aligned.
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(i * 4);
  return new ort.Tensor('float32', data, dims);
}

function writeFloats(path, tensor) {
  if (tensor.type !== 'float32') throw new Error(`${path}: output type ${tensor.type}`);
  const buf = Buffer.alloc(tensor.data.length * 4);
  tensor.data.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  fs.writeFileSync(path, buf);
}

async function main(argv) {
  if (argv.length < 3) throw new Error('usage: ort_run.js MODEL.onnx PREFIX IN.bin:DIMS...');
  const [model, prefix, ...ins] = argv;
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'disabled',
  });
  if (ins.length !== session.inputNames.length)
    throw new Error(`${model}: ${session.inputNames.length} inputs, ${ins.length} given`);
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const [path, dims] = ins[i].split(':');
    feeds[name] = readFloats(path, dims.split('x').map(Number));
  });
  const results = await session.run(feeds);
  const outputs = session.outputNames.map((name, i) => {
    const path = `${prefix}.out${i}.bin`;
    writeFloats(path, results[name]);
    return { name, dims: results[name].dims, path };
  });
  const version = require('onnxruntime-node/package.json').version;
  process.stdout.write(JSON.stringify({ version, outputs }) + '\n');
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`ort_run: ${err.message}\n`);
  process.exit(1);
});
