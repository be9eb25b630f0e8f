/**
 * Closed-loop evaluation for models/srda-net/card.md: every real scene of ../shared/data with LST
 * and auxiliary layers except Pensacola, on the area the model never trained on (the southern half
 * of the Landsat/Fayoum scenes; the Dhaka dates 097 and 113, whole), plus the whole scenes as
 * `srda-lst evaluate` sees them. Methods: srda (pretrained), srda + per-scene fine-tuning, bicubic,
 * TsHARP, DMS; with and without residual correction.
 *
 *   npx tsx scripts/train-card-eval.ts [--model models/srda-net] [--finetune 100] [--out FILE.json]
 *                                      [--scenes lisbon,dhaka-097] [--backend wasm]
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { southOfTraining } from '../src/training/south-half.ts';
import { loadInputs, type InputValues } from '../src/cli/inputs.ts';
import { readSrdaWeights, DEFAULT_SRDA_MODEL_DIR } from '../src/cli/srda-weights.ts';
import { REAL_SCENES } from '../src/cli/train-real.ts';
import { evaluateClosedLoop, type ClosedLoopResult } from '../src/pipeline/evaluate.ts';
import type { StageMethod } from '../src/pipeline/method.ts';
import { loadMethod } from '../src/pipeline/methods.ts';
import { createSrdaMethod } from '../src/pipeline/methods/srda.ts';
import { prepareScene } from '../src/pipeline/prepare.ts';
import type { BackendName } from '../src/model/backend.ts';

const DHK = 'dhaka-mod11a2-mod13q1-2024-citypath';
const dhaka = (doy: string): InputValues => ({
  lst: `${DHK}/MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024${doy}000000_aid0001.tif`,
  qc: `${DHK}/MOD11A2.061/MOD11A2.061_QC_Day_doy2024${doy}000000_aid0001.tif`,
  ndvi: `${DHK}/MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024${doy}000000_aid0001.tif`,
});
const train = (id: string) => REAL_SCENES.find((s) => s.id === id)!.inputs;

/** Evaluation cases: scene, reference factor (native LST pixels per reference pixel), area. */
const CASES: { id: string; inputs: InputValues; f: number; area: 'south' | 'whole'; note: string }[] = [
  { id: 'lisbon', inputs: train('lisbon'), f: 2, area: 'south', note: 'Landsat 8 B10 BT + NDVI/NDWI, 120 -> 60 m (B10 is 100 m native)' },
  { id: 'lisbon', inputs: train('lisbon'), f: 4, area: 'south', note: 'Landsat 8 B10 BT + NDVI/NDWI, 240 -> 120 m' },
  { id: 'para', inputs: train('para'), f: 4, area: 'south', note: 'Landsat 5 B6 BT + NDVI/NDWI, 240 -> 120 m' },
  { id: 'raleigh', inputs: train('raleigh'), f: 1, area: 'south', note: 'Landsat 7 B6 (DN->BT) + NDVI, 114 -> 57 m' },
  { id: 'fayoum', inputs: train('fayoum'), f: 5, area: 'south', note: 'MODIS-derived LST + NDVI/albedo/DEM, ~2 km -> ~1 km' },
  { id: 'dhaka-097', inputs: dhaka('097'), f: 1, area: 'whole', note: 'MOD11A2 + MOD13Q1 NDVI, 2 km -> 1 km (date not trained on)' },
  { id: 'dhaka-113', inputs: dhaka('113'), f: 1, area: 'whole', note: 'MOD11A2 + MOD13Q1 NDVI, 2 km -> 1 km (date not trained on)' },
];

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_SRDA_MODEL_DIR },
    finetune: { type: 'string', default: '100' },
    out: { type: 'string' },
    scenes: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    'data-dir': { type: 'string', default: path.resolve(process.cwd(), '../shared/data') },
    'whole-only': { type: 'boolean' },
    md: { type: 'string' },
  },
});
const dataDir = values['data-dir']!;
const finetuneSteps = Number(values.finetune);
const weights = await readSrdaWeights(values.model);
const wanted = values.scenes?.split(',');
const results: Record<string, unknown>[] = [];
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'NaN');

for (const c of CASES) {
  if (wanted && !wanted.includes(c.id) && !wanted.includes(`${c.id}-x${c.f}`)) continue;
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, typeof v === 'string' ? path.join(dataDir, v) : v]));
  const loaded = await loadInputs(inputs);
  const scene = prepareScene(loaded.inputs, { allowZeroStages: true });
  const areas: ('held-out' | 'whole')[] = c.area === 'south' && !values['whole-only'] ? ['held-out', 'whole'] : ['whole'];
  for (const area of areas) {
    const s = area === 'held-out' ? southOfTraining(scene, REAL_SCENES.find((r) => r.id === c.id)?.referenceFactors ?? [1]) : scene;
    const methods: StageMethod[] = [await createSrdaMethod(weights, { backend: values.backend as BackendName })];
    if (finetuneSteps > 0) {
      const tuned = await createSrdaMethod(weights, { backend: values.backend as BackendName, finetuneSteps });
      methods.push({ ...tuned, label: `${tuned.label} + fine-tune ${finetuneSteps}`, fit: tuned.fit!.bind(tuned) });
    }
    for (const id of ['bicubic', 'tsharp', 'dms']) methods.push(await loadMethod(id));
    const t0 = Date.now();
    const res: ClosedLoopResult = await evaluateClosedLoop(s, methods, { stages: 1, referenceFactor: c.f });
    const row = {
      scene: c.id,
      referenceFactor: c.f,
      area: c.area === 'whole' ? 'whole (not trained on)' : area === 'held-out' ? 'southern half (held out)' : 'whole (north half trained on)',
      note: c.note,
      coarsePixelM: res.coarsePixelM,
      referencePixelM: res.referencePixelM,
      referenceSize: [res.referenceGrid.width, res.referenceGrid.height],
      methods: res.methods.map((m) => ({ method: m.label, corrected: m.corrected, uncorrected: m.uncorrected, seconds: m.seconds })),
      seconds: (Date.now() - t0) / 1000,
    };
    results.push(row);
    process.stdout.write(`\n${c.id} x${c.f} [${row.area}] ${res.coarsePixelM.toFixed(0)} -> ${res.referencePixelM.toFixed(0)} m, ${res.referenceGrid.width}x${res.referenceGrid.height}\n`);
    for (const m of res.methods) {
      process.stdout.write(`  ${m.label.padEnd(32)} RMSE ${fmt(m.corrected.rmseK)} MAE ${fmt(m.corrected.maeK)} bias ${fmt(m.corrected.biasK)} R2 ${fmt(m.corrected.r2)} SSIM ${fmt(m.corrected.ssim)} | raw RMSE ${fmt(m.uncorrected.rmseK)} SSIM ${fmt(m.uncorrected.ssim)}\n`);
    }
  }
}
/** Markdown: one table per evaluated area, methods as rows, residual-corrected and raw scores. */
function markdown(rows: typeof results): string {
  const out: string[] = [];
  for (const r of rows as { scene: string; referenceFactor: number; area: string; note: string; coarsePixelM: number; referencePixelM: number; referenceSize: number[]; methods: { method: string; corrected: Record<string, number>; uncorrected: Record<string, number> }[] }[]) {
    out.push(`**${r.scene}**, ${r.area}: ${r.note}; ${r.coarsePixelM.toFixed(0)} m -> ${r.referencePixelM.toFixed(0)} m, reference ${r.referenceSize.join('x')} px`, '');
    out.push('| method | RMSE (K) | MAE (K) | bias (K) | R^2 | SSIM | RMSE raw (K) | SSIM raw |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    const best = Math.min(...r.methods.filter((m) => !m.method.startsWith('SRDA')).map((m) => m.corrected.rmseK));
    for (const m of r.methods) {
      const c = m.corrected;
      const gain = m.method.startsWith('SRDA') ? ` (${(((best - c.rmseK) / best) * 100).toFixed(1)}% vs best baseline)` : '';
      out.push(`| ${m.method} | ${fmt(c.rmseK)}${gain} | ${fmt(c.maeK)} | ${fmt(c.biasK)} | ${fmt(c.r2)} | ${fmt(c.ssim)} | ${fmt(m.uncorrected.rmseK)} | ${fmt(m.uncorrected.ssim)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
if (values.md) await writeFile(values.md, markdown(results));
if (values.out) await writeFile(values.out, JSON.stringify({ model: weights.modelJson.training ?? {}, size: weights.modelJson.size, results }, null, 1));
