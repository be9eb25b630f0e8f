/**
 * Averages SRDA-Net weights saved at several steps of one training run (a stochastic weight
 * average: the mean of each parameter over the checkpoints), and writes them as a model folder.
 * The inputs must have the same size, config and weight manifest. The output's `training` field
 * keeps the last input's provenance and lists the steps that were averaged; `sigmaScale` is
 * dropped, since the averaged network's uncertainty head must be calibrated afresh
 * (scripts/calibrate-sigma.ts).
 *
 *   npx tsx scripts/average-weights.ts --out DIR MODEL_DIR MODEL_DIR [...]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSrdaWeights } from '../src/cli/srda-weights.ts';
import type { SrdaModelJson } from '../src/model/weights.ts';

const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });
if (!values.out || positionals.length < 2) {
  console.error('Usage: npx tsx scripts/average-weights.ts --out DIR MODEL_DIR MODEL_DIR [...]');
  process.exit(2);
}
const models = await Promise.all(positionals.map((dir) => readSrdaWeights(dir)));
const manifestOf = (m: SrdaModelJson) => JSON.stringify({ size: m.size, config: m.config, modelAux: m.modelAux, weights: m.weightsManifest.map((g) => g.weights) });
const first = models[0].modelJson;
for (let k = 1; k < models.length; k++) {
  if (manifestOf(models[k].modelJson) !== manifestOf(first)) {
    console.error(`${positionals[k]}: not the same network as ${positionals[0]} (size, config or weight manifest differ).`);
    process.exit(1);
  }
  if (models[k].weightData.byteLength !== models[0].weightData.byteLength) {
    console.error(`${positionals[k]}: weight data of a different length than ${positionals[0]}.`);
    process.exit(1);
  }
}
if (first.weightsManifest.some((g) => g.weights.some((w) => w.dtype !== 'float32'))) {
  console.error('Only float32 weights can be averaged.');
  process.exit(1);
}
const n = models[0].weightData.byteLength / 4;
const sum = new Float64Array(n);
for (const m of models) {
  const v = new Float32Array(m.weightData);
  for (let i = 0; i < n; i++) sum[i] += v[i];
}
const mean = new Float32Array(n);
for (let i = 0; i < n; i++) mean[i] = sum[i] / models.length;
const steps = models.map((m) => (m.modelJson.training as { step?: number } | undefined)?.step ?? null);
const last = models[models.length - 1].modelJson;
const out: SrdaModelJson = {
  ...last,
  sigmaScale: undefined,
  training: { ...(last.training ?? {}), averagedSteps: steps, averagedFrom: positionals.map((p) => path.basename(path.resolve(p))) },
  weightsManifest: [{ paths: ['weights.bin'], weights: first.weightsManifest.flatMap((g) => g.weights) }],
};
await mkdir(values.out, { recursive: true });
await writeFile(path.join(values.out, 'weights.bin'), mean);
await writeFile(path.join(values.out, 'model.json'), JSON.stringify(out, null, 1) + '\n');
// The learning curve and card of the last input travel with it when present.
for (const extra of ['learning-curve.png']) {
  try {
    await writeFile(path.join(values.out, extra), await readFile(path.join(positionals[positionals.length - 1], extra)));
  } catch {
    // absent: nothing to carry
  }
}
console.log(`averaged ${models.length} checkpoints (steps ${steps.join(', ')}) of ${n} parameters into ${values.out}`);
