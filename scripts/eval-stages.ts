/**
 * Where a two-stage closed loop loses its accuracy: the chain as `eval:accuracy` scores it, its
 * first stage alone (truth at the first stage's output), and the chain with bicubic + rc in every
 * stage whose output pixel is finer than the LST's native resolution (`--native-m`), where the
 * truth holds resampled, not measured, texture. SRDA-Net is run as the default (closed-loop detail
 * weight) in one pass, with 2 orientations (the CLI's and app's default) and with 8, each weight
 * fitted with its own passes. A second table scans the weight of the chain's
 * second stage alone (its first stage keeps the fitted weight), on the scored southern half and on
 * the northern half that training may have seen, for the chain to 2 x native and to 4 x native
 * pixels: where the second stage's best weight differs from the first's. A third scans the first
 * stage's weight alone (truth at its output) on both halves: whether the closed loop's fitted weight
 * is that stage's best. An analysis tool for the
 * model card; not what the CLI or the app run.
 *
 *   npm run eval:stages -- [--model models/srda-net] [--scene lisbon] [--native-m 100]
 *                          [--data-dir ../shared/data]
 *
 * The scene is a manifest entry (src/training/scenes.json) scored on its southern half, its
 * chain from 8 x native to 2 x native pixels (Lisbon: 240 -> 120 -> 60 m).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gridPixelSize } from '../src/core/geo/grid.ts';
import { readSrdaWeights, DEFAULT_SRDA_MODEL_DIR } from '../src/cli/srda-weights.ts';
import type { BackendName } from '../src/model/backend.ts';
import { fitDetailWeight, withDetailWeight } from '../src/pipeline/detail-weight.ts';
import { closedLoopScene, evaluateClosedLoop } from '../src/pipeline/evaluate.ts';
import type { StageInput, StageMethod } from '../src/pipeline/method.ts';
import { loadMethod } from '../src/pipeline/methods.ts';
import { createSrdaMethod } from '../src/pipeline/methods/srda.ts';
import { prepareScene } from '../src/pipeline/prepare.ts';
import { northOfEvaluation, southOfTraining } from '../src/training/south-half.ts';
import type { Scene } from '../src/pipeline/scene.ts';
import { manifestScene } from '../src/training/manifest.ts';
import { loadManifestInputs } from '../src/training/manifest-inputs.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_SRDA_MODEL_DIR },
    scene: { type: 'string', default: 'lisbon' },
    'native-m': { type: 'string', default: '100' },
    'data-dir': { type: 'string', default: path.resolve(process.cwd(), '../shared/data') },
    backend: { type: 'string', default: 'wasm' },
  },
});
const nativeM = Number(values['native-m']);
const log = (s: string) => process.stderr.write(`${s}\n`);
const weights = await readSrdaWeights(values.model!);
const backend = values.backend as BackendName;
const srda = await createSrdaMethod(weights, { backend, orientations: 1 });
const srda2 = await createSrdaMethod(weights, { backend, orientations: 2 });
const srda8 = await createSrdaMethod(weights, { backend, orientations: 8 });
const bicubic = await loadMethod('bicubic');

/** `m` in stages whose output pixel is at least `nativeM`, bicubic (then residual-corrected by the runner) below it. */
function aboveNativeOnly(m: StageMethod, label: string): StageMethod {
  const fine = (input: StageInput) => gridPixelSize(input.fineGrid).x < nativeM - 1e-6;
  return {
    id: m.id,
    label,
    usesAux: m.usesAux,
    haloCoarsePx: Math.max(m.haloCoarsePx, bicubic.haloCoarsePx),
    runStage: (input, opts) => (fine(input) ? bicubic.runStage(input, opts) : m.runStage(input, opts)),
  };
}

const entry = manifestScene(values.scene!);
const loaded = await loadManifestInputs(values['data-dir']!, entry, log);
const whole = prepareScene(loaded.inputs, { allowZeroStages: true, registerGuides: false });
const scene = southOfTraining(whole, entry.referenceFactors);
const nativePx = gridPixelSize(scene.lst).x;

async function weighted(loopInput: Scene, m: StageMethod): Promise<{ method: StageMethod; alpha: number }> {
  const w = await fitDetailWeight(loopInput, m);
  return { method: w ? withDetailWeight(m, w.alpha) : m, alpha: w?.alpha ?? 1 };
}

const lines: string[] = [`SRDA-Net weights: ${values.model} (step ${String(weights.modelJson.training?.step ?? '?')}); scene ${entry.id}, southern half, LST grid ${nativePx} m, native ${nativeM} m`, ''];
lines.push(
  '| loop | bicubic + rc (K) | weighted, one pass | weighted, 2 orientations | weighted, 8 orientations | weighted, bicubic + rc below native (one pass) | the same, 2 orientations | the same, 8 orientations |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
);
const pct = (v: number, b: number) => `${v.toFixed(3)} (${v <= b ? '' : '+'}${((100 * (v - b)) / b).toFixed(1)} %)`;

// The chain (2 stages to 2 x native), and its first stage alone (1 stage to 4 x native); the same input.
for (const [stages, f] of [
  [2, 2],
  [1, 4],
] as const) {
  const loopInput = closedLoopScene(scene, stages, f).loop;
  const w1 = await weighted(loopInput, srda);
  const w2 = await weighted(loopInput, srda2);
  const w8 = await weighted(loopInput, srda8);
  const methods: StageMethod[] = [bicubic, w1.method, w2.method, w8.method];
  if (stages === 2)
    methods.push(
      aboveNativeOnly(w1.method, 'weighted, bicubic below native'),
      aboveNativeOnly(w2.method, 'weighted 2, bicubic below native'),
      aboveNativeOnly(w8.method, 'weighted 8, bicubic below native'),
    );
  const res = await evaluateClosedLoop(scene, methods, { stages, referenceFactor: f });
  const r = res.methods.map((m) => m.corrected.rmseK);
  const inM = nativePx * f * 2 ** stages;
  const outM = nativePx * f;
  const cell = (k: number) => (r[k] !== undefined ? pct(r[k], r[0]) : '-');
  lines.push(`| ${stages === 2 ? 'chain' : 'first stage alone'} ${inM} -> ${outM} m (alpha ${w1.alpha.toFixed(2)} / ${w2.alpha.toFixed(2)} / ${w8.alpha.toFixed(2)}) | ${r[0].toFixed(3)} | ${[1, 2, 3, 4, 5, 6].map(cell).join(' | ')} |`);
  log(`  ${stages}-stage loop done`);
}

/** `first` in the chain's first stage, `second` in its second (told apart by the output pixel). */
function perStage(first: StageMethod, second: StageMethod, secondPixelM: number): StageMethod {
  return {
    id: first.id,
    label: 'per stage',
    usesAux: first.usesAux,
    haloCoarsePx: Math.max(first.haloCoarsePx, second.haloCoarsePx),
    runStage: (input, opts) => (gridPixelSize(input.fineGrid).x < 1.5 * secondPixelM ? second.runStage(input, opts) : first.runStage(input, opts)),
  };
}

const SECOND_WEIGHTS = [0, 0.2, 0.4, 0.6, 0.8, 1];
lines.push(
  '',
  'Second-stage weight scan (one pass; first stage at its fitted weight; RMSE against bicubic + rc):',
  '',
  `| rows, chain | bicubic + rc (K) | fitted weight | ${SECOND_WEIGHTS.map((a) => `second stage ${a}`).join(' | ')} |`,
  `| --- | --- | --- | ${SECOND_WEIGHTS.map(() => '---').join(' | ')} |`,
);
for (const [half, rows] of [
  ['south (scored)', scene],
  ['north (training)', northOfEvaluation(whole, entry.referenceFactors)],
] as const) {
  for (const f of [2, 4]) {
    const loopInput = closedLoopScene(rows, 2, f).loop;
    const w1 = await weighted(loopInput, srda);
    const outM = nativePx * f;
    const methods = [bicubic, ...SECOND_WEIGHTS.map((a) => perStage(w1.method, withDetailWeight(srda, a), outM))];
    const r = (await evaluateClosedLoop(rows, methods, { stages: 2, referenceFactor: f })).methods.map((m) => m.corrected.rmseK);
    const below = outM < nativeM - 1e-6 ? ', below native' : '';
    lines.push(`| ${half}, ${outM * 4} -> ${outM} m${below} | ${r[0].toFixed(3)} | ${w1.alpha.toFixed(2)} | ${r.slice(1).map((v) => pct(v, r[0])).join(' | ')} |`);
    log(`  scan ${half} f=${f} done`);
  }
}

// The first stage alone (truth at its output), its weight scanned: whether the loop's fitted weight
// is that stage's best, on both halves.
lines.push(
  '',
  'First-stage weight scan (the first stage alone, one pass; RMSE against bicubic + rc):',
  '',
  `| rows, stage | bicubic + rc (K) | fitted weight | ${SECOND_WEIGHTS.map((a) => `weight ${a}`).join(' | ')} |`,
  `| --- | --- | --- | ${SECOND_WEIGHTS.map(() => '---').join(' | ')} |`,
);
for (const [half, rows] of [
  ['south (scored)', scene],
  ['north (training)', northOfEvaluation(whole, entry.referenceFactors)],
] as const) {
  const loopInput = closedLoopScene(rows, 1, 4).loop;
  const w1 = await weighted(loopInput, srda);
  const methods = [bicubic, ...SECOND_WEIGHTS.map((a) => withDetailWeight(srda, a))];
  const r = (await evaluateClosedLoop(rows, methods, { stages: 1, referenceFactor: 4 })).methods.map((m) => m.corrected.rmseK);
  lines.push(`| ${half}, ${nativePx * 8} -> ${nativePx * 4} m | ${r[0].toFixed(3)} | ${w1.alpha.toFixed(2)} | ${r.slice(1).map((v) => pct(v, r[0])).join(' | ')} |`);
  log(`  first-stage scan ${half} done`);
}
process.stdout.write(`${lines.join('\n')}\n`);
