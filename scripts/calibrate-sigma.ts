/**
 * Calibrates SRDA-Net's predicted uncertainty on the MODIS-ASTER *training* pairs (never the
 * validation ones): runs the product's 1 km -> 500 m -> 250 m chain, and sets `sigmaScale` in
 * model.json to the factor that puts 68 % of the errors against the registered ASTER target
 * inside 1 sigma. Prints the coverage before and after.
 *
 *   npx tsx scripts/calibrate-sigma.ts [--model models/srda-net] [--data-dir ../shared/data]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSrdaWeights, DEFAULT_SRDA_MODEL_DIR } from '../src/cli/srda-weights.ts';
import { loadAsterPairs } from '../src/cli/train-aster.ts';
import { runDownscale } from '../src/pipeline/downscale.ts';
import { createSrdaMethod } from '../src/pipeline/methods/srda.ts';
import { splitByPlace } from '../src/training/aster-pairs.ts';
import { asterScene } from '../src/training/eval-aster.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_SRDA_MODEL_DIR },
    'data-dir': { type: 'string', default: path.resolve(process.cwd(), '../shared/data') },
  },
});
const weights = await readSrdaWeights(values.model);
const old = weights.modelJson.sigmaScale ?? 1;
const srda = await createSrdaMethod(weights, { backend: 'wasm' });
const { train } = splitByPlace(await loadAsterPairs(values['data-dir']!));
const ratios: number[] = [];
for (const p of train) {
  const r = await runDownscale(asterScene(p), { method: srda, residualCorrection: true });
  const last = r.stages[r.stages.length - 1];
  if (!last.sigma) throw new Error('these weights have no uncertainty head');
  for (let i = 0; i < p.targetK.length; i++) {
    const e = Math.abs(last.lst.data[i] - p.targetK[i]);
    const s = last.sigma.data[i];
    if (e === e && s === s && s > 0) ratios.push(e / s);
  }
}
ratios.sort((a, b) => a - b);
const q = (f: number) => ratios[Math.min(ratios.length - 1, Math.floor(f * ratios.length))];
const share = (k: number) => ratios.filter((r) => r <= k).length / ratios.length;
const scale = q(0.68);
process.stdout.write(
  `${train.length} training pairs, ${ratios.length} px: before ${(100 * share(1)).toFixed(1)} % in 1 sigma, ${(100 * share(1.96)).toFixed(1)} % in 1.96 sigma; ` +
    `scale x ${scale.toFixed(3)} -> ${(100 * share(scale)).toFixed(1)} % / ${(100 * share(1.96 * scale)).toFixed(1)} %\n`,
);
const jsonPath = path.join(values.model!, 'model.json');
const json = JSON.parse(await readFile(jsonPath, 'utf8')) as Record<string, unknown>;
json.sigmaScale = +(old * scale).toFixed(4);
await writeFile(jsonPath, JSON.stringify(json, null, 1));
process.stdout.write(`${jsonPath}: sigmaScale ${String(json.sigmaScale)}\n`);
