import path from 'node:path';
import { formatDistance, truthResolutionWords, unscoredFinerWords } from '../core/truth-words.ts';
import { pixelSizeMetres } from '../core/geo/grid.ts';
import type { Raster } from '../core/raster/raster.ts';
import type { Scene } from '../pipeline/scene.ts';
import { scoreStagesAgainstTruth, type TruthRow } from '../pipeline/truth-score.ts';
import { terminalSafe } from './terminal.ts';

/** 4 decimals; null for NaN (as JSON writes it). */
const r4 = (v: number): number | null => (Number.isFinite(v) ? Number(v.toFixed(4)) : null);
const r4n = (v: number): number => Number(v.toFixed(4));

/** One row of JSON `truth.rows` (and, without `stage` and `repeatsStage`, of `truth.methods`). */
function jsonRow(row: TruthRow, outputM: number, truthM: number) {
  return {
    method: row.method,
    pixelSizeM: outputM,
    truthOnOutput: row.how,
    ...(row.outputBlockPx !== undefined ? { scoredPixelSizeM: truthM, outputBlockPx: row.outputBlockPx } : {}),
    scores: { rmseK: r4n(row.rmseK), maeK: r4n(row.maeK), biasK: r4n(row.biasK), r2: r4n(row.r2), r: r4n(row.r), ssim: r4n(row.ssim ?? Number.NaN), n: row.n },
    detail: { biasK: r4(row.biasK), offsetFreeRmseK: r4(row.offsetFreeRmseK), detailRmseK: r4(row.detailRmseK), detailCorr: r4(row.detailCorr), detailPixels: row.detailPixels, truthDetailSdK: r4(row.truthDetailSdK) },
  };
}

/** The table's line of one row: method, output (and the truth's resolution it was scored at), scores. */
function tableLine(m: ReturnType<typeof jsonRow>, output: string): string {
  return (
    `${m.method.padEnd(8)} ${output}RMSE ${m.scores.rmseK} K (${m.detail.offsetFreeRmseK} K without the mean difference ${m.detail.biasK} K), SSIM ${m.scores.ssim}` +
    (m.detail.detailPixels > 0 ? `, detail RMSE ${m.detail.detailRmseK} K, detail correlation ${m.detail.detailCorr}` : '')
  );
}

/**
 * `evaluate --truth`'s section: every method's output of every stage (`runs`, methods in the order
 * given) scored against `truth` (read from `file`) as the app and batch score it
 * (`scoreStagesAgainstTruth`, with SSIM). `json`: the JSON `truth` object, whose `methods` are the
 * last stage's rows (as before every stage was scored), `rows` every stage's and `scoredAt` the
 * table's sentence on outputs scored at the truth's resolution (`truthResolutionWords`); `lines`: the table
 * (none where nothing was scored); `notices`: the outputs it could not score, why, and what --truth takes.
 */
export function truthSection(
  file: string,
  truth: { name: string; raster: Raster },
  scene: Scene,
  runs: readonly { method: string; stages: readonly { stage: number; lst: Raster }[] }[],
): { json: Record<string, unknown>; lines: string[]; notices: string[] } {
  const name = path.basename(file);
  const { check } = scoreStagesAgainstTruth(name, truth.raster, runs, { ssim: true });
  const sizeM = (stage: number) => Number(scene.levels[stage].pixelSizeM.toFixed(2));
  const truthM = Number(pixelSizeMetres(truth.raster).toFixed(2));
  const last = scene.stages;
  const rows = check.rows.map((r) => ({ stage: r.stage, ...(r.repeatsStage !== undefined ? { repeatsStage: r.repeatsStage } : {}), ...jsonRow(r, sizeM(r.stage), truthM) }));
  const notices: string[] = [];
  if (check.finerStages.length > 0) {
    const sizes = check.finerStages.map((k) => formatDistance(scene.levels[k].pixelSizeM));
    const them = sizes.length > 1 ? 'them' : 'it';
    notices.push(`${unscoredFinerWords(name, sizes, check.finerWhy)} To score ${them}, give --truth an LST as fine as the ${sizes[sizes.length - 1]} output, or one whose pixels are whole blocks of the output's on its grid.`);
  }
  // scoredAt: the table's own sentence, as batch's report.json gives it.
  const atTruth = truthResolutionWords(check);
  const json: Record<string, unknown> = { file, band: truth.name };
  if (check.finerStages.includes(last)) Object.assign(json, { pixelSizeM: truthM, notScored: `coarser than the ${sizeM(last)} m output and ${check.finerWhy}` }, atTruth ? { scoredAt: atTruth } : {});
  else {
    const methods = rows.filter((r) => r.stage === last).map(({ stage: _s, repeatsStage: _r, ...m }) => m);
    if (methods[0]?.outputBlockPx !== undefined) json.pixelSizeM = truthM;
    if (atTruth) json.scoredAt = atTruth;
    json.methods = methods;
  }
  if (check.finerStages.length > 0) json.notScoredStages = check.finerStages.map((k) => ({ stage: k, pixelSizeM: sizeM(k) }));
  json.rows = rows;
  if (rows.length === 0) return { json, lines: [], notices };
  const output = (r: (typeof rows)[number]) => `${formatDistance(scene.levels[r.stage].pixelSizeM)}${r.scoredPixelSizeM !== undefined ? ` at ${formatDistance(check.pixelSizeM)}` : ''}`;
  const width = Math.max(...rows.map((r) => output(r).length));
  const detail = rows.some((r) => r.detail.detailPixels > 0) ? " (detail: each pixel minus its input pixel's mean, against the truth's)" : '';
  const lines = [`against ${terminalSafe(file)}${detail}:`, ...rows.map((r) => tableLine(r, `${output(r).padEnd(width)}  `)), ...(atTruth ? [terminalSafe(atTruth)] : [])];
  return { json, lines, notices };
}
