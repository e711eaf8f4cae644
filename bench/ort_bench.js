#!/usr/bin/env node
// Times one ONNX model in onnxruntime-node on the CPU with one intra-op and
// one inter-op thread (graph optimizations on, onnxruntime's best), for
// bench/bench_codegen.sh:
//
//   node ort_bench.js MODEL.onnx SECONDS IN0.bin:1x3x64x64 [IN1.bin:32 ...]
//
// Inputs are fed in the session's input order with the shapes given. After
// a warm-up, runs are timed in batches for about SECONDS; the best batch's
// mean is printed as JSON {version, us_per_run, runs} (the minimum is the
// least disturbed by other work on the machine). Needs onnxruntime-node:
// NODE_PATH may point at a node_modules that has it.
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

function readInput(spec) {
  const [path, dims] = spec.split(':');
  const shape = dims.split('x').map(Number);
  const buf = fs.readFileSync(path);
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length !== count * 4)
    throw new Error(`${path}: ${buf.length} bytes, expected ${count * 4}`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = buf.readFloatLE(i * 4);
  return new ort.Tensor('float32', data, shape);
}

async function main(argv) {
  if (argv.length < 3) throw new Error('usage: ort_bench.js MODEL.onnx SECONDS IN.bin:DIMS...');
  const [model, seconds, ...ins] = argv;
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  session.inputNames.forEach((name, i) => { feeds[name] = readInput(ins[i]); });
  for (let i = 0; i < 20; i++) await session.run(feeds);
  // batch size: about 20 ms per batch
  let t0 = process.hrtime.bigint(), batch = 0;
  while (Number(process.hrtime.bigint() - t0) < 20e6) { await session.run(feeds); batch++; }
  const budget = Number(seconds) * 1e9;
  let best = Infinity, runs = 0;
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) < budget) {
    t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await session.run(feeds);
    const per = Number(process.hrtime.bigint() - t0) / batch / 1e3;
    if (per < best) best = per;
    runs += batch;
  }
  const version = require('onnxruntime-node/package.json').version;
  process.stdout.write(JSON.stringify({ version, us_per_run: best, runs }) + '\n');
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`ort_bench.js: ${err.message}\n`);
  process.exit(1);
});
