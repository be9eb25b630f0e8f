/**
 * `npm run eval:accuracy`: one table of SRDA-Net against bicubic + residual correction, TsHARP and
 * DMS on data the model never trained on: the MODIS-ASTER validation pairs (split by place; the
 * product's exact job, 1 km -> 500 m -> 250 m scored against ASTER), the held-out Pensacola chain,
 * Lisbon's southern half, the Dhaka evaluation dates and the new Landsat loops. Plus a calibrated
 * classical control on the ASTER pairs and the calibration of SRDA-Net's predicted uncertainty.
 *
 *   npm run eval:accuracy -- [--model models/srda-net] [--data-dir ../shared/data] [--only aster|loops]
 *                            [--md FILE.md] [--json FILE.json] [--backend wasm]
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSrdaWeights, DEFAULT_SRDA_MODEL_DIR } from '../src/cli/srda-weights.ts';
import { loadAsterPairs } from '../src/cli/train-aster.ts';
import type { BackendName } from '../src/model/backend.ts';
import { runDownscale } from '../src/pipeline/downscale.ts';
import { evaluateClosedLoop } from '../src/pipeline/evaluate.ts';
import type { StageMethod } from '../src/pipeline/method.ts';
import { loadMethod } from '../src/pipeline/methods.ts';
import { createSrdaMethod } from '../src/pipeline/methods/srda.ts';
import { fitDetailMixOnLoop, fitDetailWeight, withDetailMix, withDetailWeight } from '../src/pipeline/detail-weight.ts';
import type { Scene } from '../src/pipeline/scene.ts';
import type { GuideShift } from '../src/pipeline/guide-registration.ts';
import { splitByPlace } from '../src/training/aster-pairs.ts';
import { LOOP_ROWS, loopRowScenes } from '../src/training/eval-loops.ts';
import { accumulateMix, asterScene, asterScores, emptySums, mixedControl, scoreAgainstAster, sigmaCoverage, solveMix, type AsterSums } from '../src/training/eval-aster.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_SRDA_MODEL_DIR },
    'data-dir': { type: 'string', default: path.resolve(process.cwd(), '../shared/data') },
    only: { type: 'string' },
    md: { type: 'string' },
    json: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const dataDir = values['data-dir']!;
const weights = await readSrdaWeights(values.model);
/** One network pass (`--orientations 1`). */
const srda = await createSrdaMethod(weights, { backend: values.backend as BackendName, orientations: 1 });
/** The same weights averaged over the input as it is and rotated 180 degrees (the CLI's and app's default, `--orientations 2`). */
const srda2 = await createSrdaMethod(weights, { backend: values.backend as BackendName, orientations: 2 });
/** The same weights averaged over the eight orientations of each input (`--orientations 8`). */
const srda8 = await createSrdaMethod(weights, { backend: values.backend as BackendName, orientations: 8 });
const baselines: StageMethod[] = [];
for (const id of ['bicubic', 'tsharp', 'dms']) baselines.push(await loadMethod(id));
const methods = [...baselines, srda];
const COLS = [
  'bicubic + rc',
  'TsHARP',
  'DMS',
  'SRDA-Net v2 (one pass)',
  'SRDA-Net v2, weighted, one pass (default)',
  'SRDA-Net v2, weighted, 2 orientations',
  'SRDA-Net + DMS, weighted',
  'SRDA-Net v2, weighted, 8 orientations',
];
/** Closed-loop detail weight (alpha) fitted per scene / pair, for the notes: the default one pass's, 2 orientations', and the 8-orientation run's (each fitted with its own passes). */
const alphas: { name: string; alpha: number }[] = [];
const alphas2: { name: string; alpha: number }[] = [];
const alphas8: { name: string; alpha: number }[] = [];
/** Guide registration found per pair / loop (pipeline/guide-registration.ts), for the notes. */
const registrations: { name: string; shift: GuideShift }[] = [];

/** SRDA-Net with the detail weight fitted on the scene's own closed loop with `m`'s own passes, as the CLI and app run it. */
async function weighted(scene: Scene, name: string, m = srda): Promise<StageMethod> {
  const w = await fitDetailWeight(scene, m);
  (m === srda ? alphas : m === srda2 ? alphas2 : alphas8).push({ name, alpha: w?.alpha ?? 1 });
  return w ? withDetailWeight(m, w.alpha) : m;
}
/** Closed-loop weights of SRDA-Net and DMS detail (an experiment: not what the CLI or app run). */
const mixes: { name: string; w: number[] }[] = [];
async function mixed(scene: Scene, name: string): Promise<StageMethod> {
  const f = await fitDetailMixOnLoop(scene, [srda, baselines[2]]);
  const w = f?.weights ?? [1, 0];
  mixes.push({ name, w });
  return withDetailMix([srda, baselines[2]], w, 'SRDA-Net + DMS, weighted');
}
const log = (s: string) => process.stderr.write(`${s}\n`);

/** One table row: a value per method column, lower is better unless `higherBetter`. */
interface Row {
  name: string;
  values: number[];
  control?: number;
  higherBetter?: boolean;
  unit: string;
}
const rows: Row[] = [];
const extra: string[] = [];

async function finalOf(scene: Scene, m: StageMethod): Promise<{ lst: Float32Array; sigma?: Float32Array }> {
  const r = await runDownscale(scene, { method: m, residualCorrection: true });
  const last = r.stages[r.stages.length - 1];
  return { lst: last.lst.data, sigma: last.sigma?.data };
}

async function asterRows(): Promise<void> {
  const pairs = await loadAsterPairs(dataDir, log);
  if (pairs.length === 0) {
    log(`no MODIS-ASTER pairs under ${dataDir}: ASTER rows skipped`);
    return;
  }
  const split = splitByPlace(pairs);
  log(`ASTER: ${pairs.length} pairs, ${split.blocks} place blocks; validation ${split.validation.length} pairs (${split.validation.map((p) => p.id).join(', ')})`);
  // Calibrated control: texture = a x bicubic+rc texture + b x TsHARP texture, fitted on the training pairs.
  const mix = { aa: 0, ab: 0, bb: 0, ar: 0, br: 0 };
  for (const p of split.train) {
    const s = asterScene(p);
    accumulateMix(mix, (await finalOf(s, baselines[0])).lst, (await finalOf(s, baselines[1])).lst, p.asterRegK, p.w);
  }
  const [ca, cb] = solveMix(mix);
  const frames: { key: 'asterK' | 'asterRegK'; label: string }[] = [
    { key: 'asterK', label: "ASTER's own frame" },
    { key: 'asterRegK', label: 'ASTER registered to the NDVI' },
  ];
  const sums = frames.map(() => [...methods.map(() => emptySums()), emptySums(), emptySums(), emptySums(), emptySums(), emptySums()]);
  const wins = frames.map(() => 0);
  const cover = { n: 0, in68: 0, in95: 0, sumSigma: 0 };
  const coverWeighted = { n: 0, in68: 0, in95: 0, sumSigma: 0 };
  const coverWeighted2 = { n: 0, in68: 0, in95: 0, sumSigma: 0 };
  const coverWeighted8 = { n: 0, in68: 0, in95: 0, sumSigma: 0 };
  const addCover = (into: typeof cover, c: typeof cover) => {
    into.n += c.n;
    into.in68 += c.in68;
    into.in95 += c.in95;
    into.sumSigma += c.sumSigma;
  };
  for (const p of split.validation) {
    const s = asterScene(p);
    if (s.guideShift) registrations.push({ name: `ASTER ${p.id}`, shift: s.guideShift });
    const outs: Float32Array[] = [];
    for (const m of methods) {
      const o = await finalOf(s, m);
      outs.push(o.lst);
      if (m === srda && o.sigma) addCover(cover, sigmaCoverage(o.lst, o.sigma, p.targetK));
    }
    outs.push(mixedControl(outs[0], outs[1], p.w, ca, cb));
    const w = await finalOf(s, await weighted(s, `ASTER ${p.id}`));
    if (w.sigma) addCover(coverWeighted, sigmaCoverage(w.lst, w.sigma, p.targetK));
    outs.push(w.lst);
    const w2 = await finalOf(s, await weighted(s, `ASTER ${p.id}`, srda2));
    if (w2.sigma) addCover(coverWeighted2, sigmaCoverage(w2.lst, w2.sigma, p.targetK));
    outs.push(w2.lst);
    outs.push((await finalOf(s, await mixed(s, `ASTER ${p.id}`))).lst);
    const w8 = await finalOf(s, await weighted(s, `ASTER ${p.id}`, srda8));
    if (w8.sigma) addCover(coverWeighted8, sigmaCoverage(w8.lst, w8.sigma, p.targetK));
    outs.push(w8.lst);
    frames.forEach((f, fi) => {
      const own = outs.map((o, mi) => scoreAgainstAster(o, p[f.key], p.w, sums[fi][mi]));
      if (asterScores(own[3]).textureRmseK < asterScores(own[0]).textureRmseK) wins[fi]++;
    });
    log(`  pair ${p.id} (shift ${p.shift.dxPx}, ${p.shift.dyPx} px) done`);
  }
  frames.forEach((f, fi) => {
    const sc = sums[fi].map((x: AsterSums) => asterScores(x));
    const n = split.validation.length;
    const ctrl = sc[methods.length];
    const cols = [...sc.slice(0, 4), sc[methods.length + 1], sc[methods.length + 2], sc[methods.length + 3], sc[methods.length + 4]];
    rows.push({ name: `ASTER validation (${n} pairs), ${f.label}: offset-free RMSE`, values: cols.map((x) => x.fullRmseK), control: ctrl.fullRmseK, unit: 'K' });
    rows.push({ name: `ASTER validation, ${f.label}: texture RMSE (SRDA-Net better on ${wins[fi]}/${n} pairs)`, values: cols.map((x) => x.textureRmseK), control: ctrl.textureRmseK, unit: 'K' });
    rows.push({ name: `ASTER validation, ${f.label}: texture correlation`, values: cols.map((x) => x.textureCorr), control: ctrl.textureCorr, higherBetter: true, unit: '' });
  });
  const shifts = pairs.map((p) => [p.shift.dxPx, p.shift.dyPx]);
  const mean = (k: number) => shifts.reduce((a, s) => a + s[k], 0) / shifts.length;
  extra.push(
    `Calibrated classical control (ASTER rows, column "control"): bicubic + rc texture x ${ca.toFixed(3)} + TsHARP texture x ${cb.toFixed(3)}, least squares on the ${split.train.length} training pairs.`,
    `NDVI-ASTER registration, estimated per pair (best NDVI-texture / ASTER-texture correlation over shifts of 0.25 px): ASTER sits ${mean(0).toFixed(2)} px east and ${mean(1).toFixed(2)} px south of the NDVI on average (250 m px; range x ${Math.min(...shifts.map((s) => s[0]))}..${Math.max(...shifts.map((s) => s[0]))}, y ${Math.min(...shifts.map((s) => s[1]))}..${Math.max(...shifts.map((s) => s[1]))}). Training targets use the registered ASTER.`,
  );
  if (cover.n > 0) {
    extra.push(
      `SRDA-Net uncertainty on the ASTER validation pairs (registered target, ${cover.n} px): ${((100 * cover.in68) / cover.n).toFixed(1)} % inside the 68 % interval, ${((100 * cover.in95) / cover.n).toFixed(1)} % inside the 95 % interval; mean predicted sigma ${(cover.sumSigma / cover.n).toFixed(3)} K.`,
    );
  }
  if (coverWeighted.n > 0) {
    const c = coverWeighted;
    extra.push(
      `The same for the weighted one-pass output (the default; column "SRDA-Net v2, weighted, one pass (default)": SRDA-Net's sigma plus the detail the weight drops, pipeline/detail-weight.ts), ${c.n} px: ${((100 * c.in68) / c.n).toFixed(1)} % inside the 68 % interval, ${((100 * c.in95) / c.n).toFixed(1)} % inside the 95 % interval; mean predicted sigma ${(c.sumSigma / c.n).toFixed(3)} K.`,
    );
  }
  if (coverWeighted2.n > 0) {
    const c = coverWeighted2;
    extra.push(
      `The same for the weighted output with 2 orientations (sigma the root of the mean of the two passes' sigma^2, plus the detail the weight drops), ${c.n} px: ${((100 * c.in68) / c.n).toFixed(1)} % inside the 68 % interval, ${((100 * c.in95) / c.n).toFixed(1)} % inside the 95 % interval; mean predicted sigma ${(c.sumSigma / c.n).toFixed(3)} K.`,
    );
  }
  if (coverWeighted8.n > 0) {
    const c = coverWeighted8;
    extra.push(
      `The same for the weighted output with 8 orientations (last column: sigma the root of the mean of the eight passes' sigma^2, plus the detail the weight drops), ${c.n} px: ${((100 * c.in68) / c.n).toFixed(1)} % inside the 68 % interval, ${((100 * c.in95) / c.n).toFixed(1)} % inside the 95 % interval; mean predicted sigma ${(c.sumSigma / c.n).toFixed(3)} K.`,
    );
  }
}

async function loopRows(): Promise<void> {
  for (const c of LOOP_ROWS) {
    try {
      // The weight is fitted on the loop's own input, one octave coarser, as a user's run would.
      const { scene, loopInput } = await loopRowScenes(dataDir, c, log);
      if (loopInput.guideShift) registrations.push({ name: c.id, shift: loopInput.guideShift });
      const w = await weighted(loopInput, c.id);
      const w2 = await weighted(loopInput, c.id, srda2);
      const w8 = await weighted(loopInput, c.id, srda8);
      const res = await evaluateClosedLoop(scene, [...methods, w, w2, await mixed(loopInput, c.id), w8], { stages: c.stages, referenceFactor: c.f, registerGuides: c.products === true });
      rows.push({ name: `${c.label}: RMSE`, values: res.methods.map((m) => m.corrected.rmseK), unit: 'K' });
      log(`  ${c.id} done`);
    } catch (e) {
      log(`${c.id}: skipped (${e instanceof Error ? e.message : String(e)})`);
    }
  }
}

if (values.only !== 'loops') await asterRows();
if (values.only !== 'aster') await loopRows();

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(3));
const lines = [
  `SRDA-Net weights: ${values.model} (${weights.modelJson.size}, step ${String(weights.modelJson.training?.step ?? '?')})`,
  '',
  `| case | ${COLS.join(' | ')} | control | SRDA-Net vs bicubic + rc | weighted one pass vs bicubic + rc | weighted 2 orientations vs bicubic + rc | + DMS vs bicubic + rc | 8 orientations vs bicubic + rc |`,
  `| --- | ${COLS.map(() => '---').join(' | ')} | --- | --- | --- | --- | --- | --- |`,
  ...rows.map((r) => {
    const vs = (k: number) => {
      const rel = ((r.values[k] - r.values[0]) / Math.abs(r.values[0])) * 100;
      const better = r.higherBetter ? r.values[k] > r.values[0] : r.values[k] < r.values[0];
      const same = Math.abs(r.values[k] - r.values[0]) < 5e-4;
      return `${rel >= 0 ? '+' : ''}${rel.toFixed(1)} % (${same ? 'same' : better ? 'better' : 'worse'})`;
    };
    return `| ${r.name} | ${r.values.map(fmt).join(' | ')} | ${fmt(r.control)} | ${vs(3)} | ${vs(4)} | ${vs(5)} | ${vs(6)} | ${vs(7)} |`;
  }),
  '',
  ...extra,
  ...(registrations.length
    ? [
        `Guide registration (NDVI moved onto the LST's frame by the shift estimated from the run's own input; fine px east, south; "kept" = not moved): ${registrations
          .map((r) => `${r.name} ${r.shift.applied ? `${r.shift.dxPx}, ${r.shift.dyPx}` : 'kept'}`)
          .join('; ')}.`,
      ]
    : []),
  ...(alphas.length ? [`Closed-loop detail weight (share of SRDA-Net's detail over bicubic kept, fitted on each scene's own loop one octave coarser), one pass: ${alphas.map((a) => `${a.name} ${a.alpha.toFixed(2)}`).join(', ')}.`] : []),
  ...(alphas2.length ? [`The same weight fitted with 2 orientations: ${alphas2.map((a) => `${a.name} ${a.alpha.toFixed(2)}`).join(', ')}.`] : []),
  ...(alphas8.length ? [`The same weight fitted for the 8-orientation runs (last column): ${alphas8.map((a) => `${a.name} ${a.alpha.toFixed(2)}`).join(', ')}.`] : []),
  ...(mixes.length ? [`Experiment, column "SRDA-Net + DMS, weighted": bicubic + a (SRDA-Net - bicubic) + b (DMS - bicubic) each stage, a, b in [0, 1] by least squares on the same closed loop as alpha: ${mixes.map((m) => `${m.name} ${m.w.map((x) => x.toFixed(2)).join('/')}`).join(', ')}.`] : []),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (values.md) await writeFile(values.md, `${lines.join('\n')}\n`);
if (values.json) await writeFile(values.json, JSON.stringify({ model: weights.modelJson.training ?? {}, columns: COLS, rows, notes: extra }, null, 1));
