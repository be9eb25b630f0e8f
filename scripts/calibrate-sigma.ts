/**
 * Calibrates SRDA-Net's predicted uncertainty on the MODIS-ASTER *training* pairs (never the
 * validation ones): runs the product's 1 km -> 500 m -> 250 m chain, and sets `sigmaScale` in
 * model.json to the factor that puts 68 % of the errors against the registered ASTER target
 * inside 1 sigma. Prints the coverage before and after, and the coverage of the default output
 * (SRDA-Net's detail weighted by each pair's own closed loop, with the uncertainty of that mix,
 * pipeline/detail-weight.ts `weightedSigma`) on the training pairs and, as a check that tunes
 * nothing, on the validation pairs. `--alphas 0,0.5` adds the coverage of fixed detail weights
 * (the mix at each share, whatever the loop would choose). `--no-write` leaves model.json as it is.
 *
 *   npx tsx scripts/calibrate-sigma.ts [--model models/srda-net] [--data-dir ../shared/data] [--alphas A,B] [--no-write]
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSrdaWeights, DEFAULT_SRDA_MODEL_DIR } from '../src/cli/srda-weights.ts';
import { loadAsterPairs } from '../src/cli/train-aster.ts';
import { fitDetailWeight, withDetailWeight } from '../src/pipeline/detail-weight.ts';
import { runDownscale } from '../src/pipeline/downscale.ts';
import type { StageMethod } from '../src/pipeline/method.ts';
import { createSrdaMethod } from '../src/pipeline/methods/srda.ts';
import { splitByPlace, type AsterPair } from '../src/training/aster-pairs.ts';
import { asterScene } from '../src/training/eval-aster.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_SRDA_MODEL_DIR },
    'data-dir': { type: 'string', default: path.resolve(process.cwd(), '../shared/data') },
    'no-write': { type: 'boolean' },
    alphas: { type: 'string', default: '' },
  },
});
const weights = await readSrdaWeights(values.model);
const old = weights.modelJson.sigmaScale ?? 1;
const srda = await createSrdaMethod(weights, { backend: 'wasm' });
const { train, validation } = splitByPlace(await loadAsterPairs(values['data-dir']!));

/** |error| / sigma of the final stage against the registered ASTER target, over the pairs. */
async function ratiosOf(pairs: AsterPair[], method: (p: AsterPair) => Promise<StageMethod>): Promise<{ ratios: number[]; sumSigma: number }> {
  const ratios: number[] = [];
  let sumSigma = 0;
  for (const p of pairs) {
    const r = await runDownscale(asterScene(p), { method: await method(p), residualCorrection: true });
    const last = r.stages[r.stages.length - 1];
    if (!last.sigma) throw new Error('these weights have no uncertainty head');
    for (let i = 0; i < p.targetK.length; i++) {
      const e = Math.abs(last.lst.data[i] - p.targetK[i]);
      const s = last.sigma.data[i];
      if (e === e && s === s && s > 0) {
        ratios.push(e / s);
        sumSigma += s;
      }
    }
  }
  return { ratios: ratios.sort((a, b) => a - b), sumSigma };
}
/** Share of sorted ratios <= k. */
function share(sorted: number[], k: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo / sorted.length;
}
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
/** SRDA-Net with the detail weight fitted on the pair's own closed loop (the CLI's and app's default). */
const weighted = async (p: AsterPair, m: StageMethod): Promise<StageMethod> => {
  const w = await fitDetailWeight(asterScene(p), m);
  return w ? withDetailWeight(m, w.alpha) : m;
};

const { ratios } = await ratiosOf(train, () => Promise.resolve(srda));
const scale = ratios[Math.min(ratios.length - 1, Math.floor(0.68 * ratios.length))];
process.stdout.write(
  `${train.length} training pairs, ${ratios.length} px: before ${pct(share(ratios, 1))} in 1 sigma, ${pct(share(ratios, 1.96))} in 1.96 sigma; ` +
    `scale x ${scale.toFixed(3)} -> ${pct(share(ratios, scale))} / ${pct(share(ratios, 1.96 * scale))}\n`,
);
const jsonPath = path.join(values.model!, 'model.json');
const json = JSON.parse(await readFile(jsonPath, 'utf8')) as Record<string, unknown>;
json.sigmaScale = +(old * scale).toFixed(4);
const calibrated = await createSrdaMethod({ ...weights, modelJson: { ...weights.modelJson, sigmaScale: json.sigmaScale as number } }, { backend: 'wasm' });
for (const [name, pairs] of [
  ['training', train],
  ['validation', validation],
] as const) {
  const fixed = values.alphas!.split(',').filter((a) => a.trim() !== '').map(Number);
  const methods: [string, (p: AsterPair) => Promise<StageMethod>][] = [
    ['SRDA-Net', () => Promise.resolve(calibrated)],
    ['weighted by the closed loop (default output)', (p: AsterPair) => weighted(p, calibrated)],
    ...fixed.map((a): [string, (p: AsterPair) => Promise<StageMethod>] => [`fixed weight ${a}`, () => Promise.resolve(withDetailWeight(calibrated, a))]),
  ];
  for (const [what, method] of methods) {
    const r = await ratiosOf(pairs, method);
    process.stdout.write(
      `${name} pairs (${pairs.length}, ${r.ratios.length} px), ${what}, calibrated: ${pct(share(r.ratios, 1))} inside the 68 % interval, ${pct(share(r.ratios, 1.96))} inside the 95 % interval; mean sigma ${(r.sumSigma / r.ratios.length).toFixed(3)} K\n`,
    );
  }
}
calibrated.dispose();
if (values['no-write']) process.stdout.write(`--no-write: ${jsonPath} unchanged (sigmaScale would be ${String(json.sigmaScale)})\n`);
else {
  await writeFile(jsonPath, JSON.stringify(json, null, 1));
  process.stdout.write(`${jsonPath}: sigmaScale ${String(json.sigmaScale)}\n`);
}
