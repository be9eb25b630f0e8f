import { sameCrs } from '../core/geo/crs.ts';
import { isNorthUp, pixelSizeMetres } from '../core/geo/grid.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import { blockTexture } from '../core/raster/texture.ts';
import { pointScores } from '../core/raster/metrics.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { scoreFields, truthOnOutputGrid, type Scores } from './evaluate.ts';

/**
 * A downscaled output scored against an independent, finer LST of the same date (ASTER beside
 * MODIS, say) put on the output's grid. Two sensors seldom agree on the mean (emissivity, view
 * angle, overpass minutes), so beside the plain RMSE it gives the RMSE once the mean difference is
 * removed, and the detail's own score: each output pixel minus the mean of its input-LST pixel
 * against the truth's same (what a downscaler adds, and all it can be right or wrong about, since
 * the residual correction fixes every block mean to the input).
 */
export interface TruthScores {
  /** Pixels valid in both. */
  n: number;
  /** RMSE (K) of output - truth. */
  rmseK: number;
  /** Mean of output - truth (K). */
  biasK: number;
  /** RMSE (K) after removing `biasK`. */
  offsetFreeRmseK: number;
  /** Pixels in the detail score: valid in both, in input-LST pixels at least 3/4 valid in both. */
  detailPixels: number;
  /** RMSE (K) of the detail (pixel minus its input-LST pixel's mean) against the truth's detail; NaN without detail pixels. */
  detailRmseK: number;
  /** Pearson correlation of the two details; NaN where either has no variance. */
  detailCorr: number;
  /** The truth's own detail, standard deviation (K): what a perfect downscaler would add. */
  truthDetailSdK: number;
}

function wholeScores(output: Float32Array, truth: Float32Array): Omit<Scores, 'ssim'> {
  const s = pointScores(output, truth);
  return { n: s.n, rmseK: s.rmse, maeK: s.mae, biasK: s.bias, r2: s.r2, r: s.r };
}

/**
 * Scores `output` against `truthOnOutput` (the truth already on the output grid, `truthOnOutputGrid`),
 * the output's pixels grouped `blockPx` x `blockPx` into the input LST's pixels (the output grid
 * starts at an input pixel's corner, as every stage grid does). `whole`: the caller's own scores of
 * the same two fields (`scoreFields`), whose n, RMSE and bias are taken instead of a second pass.
 */
export function scoreTruthOnGrid(output: Raster, truthOnOutput: Float32Array, blockPx: number, whole?: Pick<Scores, 'n' | 'rmseK' | 'biasK'>): TruthScores {
  const w = output.width;
  const h = output.height;
  const { n, rmseK, biasK } = whole ?? wholeScores(output.data, truthOnOutput);
  // Both fields where both are valid, so that each block's detail is taken over the same pixels.
  const a = new Float32Array(w * h).fill(Number.NaN);
  const b = new Float32Array(w * h).fill(Number.NaN);
  for (let i = 0; i < w * h; i++) {
    if (!Number.isFinite(output.data[i]) || !Number.isFinite(truthOnOutput[i])) continue;
    a[i] = output.data[i];
    b[i] = truthOnOutput[i];
  }
  // Output pixels as coarse as the input LST's (or not whole blocks of them) carry no detail to score.
  if (!Number.isInteger(blockPx) || blockPx < 2)
    return { n, rmseK, biasK, offsetFreeRmseK: Math.sqrt(Math.max(0, rmseK ** 2 - biasK ** 2)), detailPixels: 0, detailRmseK: Number.NaN, detailCorr: Number.NaN, truthDetailSdK: Number.NaN };
  const minValid = Math.ceil(0.75 * blockPx * blockPx);
  const tb = blockTexture(b, w, h, blockPx, minValid);
  const detail = pointScores(blockTexture(a, w, h, blockPx, minValid), tb);
  // Each block's detail has zero mean over its pixels, so its RMS about 0 is its standard deviation.
  const truthDetail = pointScores(new Float32Array(tb.length), tb);
  return {
    n,
    rmseK,
    biasK,
    offsetFreeRmseK: Math.sqrt(Math.max(0, rmseK ** 2 - biasK ** 2)),
    detailPixels: detail.n,
    detailRmseK: detail.rmse,
    detailCorr: detail.r,
    truthDetailSdK: truthDetail.rmse,
  };
}

/** Whether a truth of `truth`'s pixels can score an output of `output`'s: not coarser than it (by more than 10 %). */
export function canScoreWith(output: Grid, truth: Grid): boolean {
  return pixelSizeMetres(truth) <= 1.1 * pixelSizeMetres(output);
}

/** An output block-averaged onto the grid of a coarser truth, and the truth on the same pixels. */
export interface OnTruthGrid {
  /** The output's mean over each truth pixel (NaN where more than a quarter of it is missing). */
  output: Raster;
  /** The truth cropped to `output`'s grid (NaN outside it). */
  truth: Raster;
  /** Output pixels per truth pixel, across and down. */
  factor: number;
}

const metres = (m: number): string => String(Number(m.toFixed(m < 100 ? 1 : 0)));

/** How a coarser truth's pixels lie on an output's grid: `factor` x `factor` output pixels each, the truth's origin `col`, `row` blocks from the output's. */
export interface TruthBlocks {
  factor: number;
  col: number;
  row: number;
}

/**
 * Whether an output of grid `output` can be block-averaged onto the grid of `truth`, an LST coarser
 * than it, to be scored at the truth's resolution (as pyDMS validates against a coarser LST): the
 * grids share their CRS, are north up, the truth's pixel is a whole number of the output's and its
 * corners fall on the output's blocks of that many pixels from its origin. Otherwise `why` says
 * which is not so (a truth resampled onto the output would score made-up detail).
 */
export function truthBlocks(output: Grid, truth: Grid): TruthBlocks | { why: string } {
  const [outM, truthM] = [pixelSizeMetres(output), pixelSizeMetres(truth)];
  if (!sameCrs(output.crs, truth.crs)) return { why: `its CRS is not the ${metres(outM)} m output's, so the output cannot be block-averaged onto its grid` };
  if (!isNorthUp(output) || !isNorthUp(truth)) return { why: "its grid or the output's is rotated, so the output cannot be block-averaged onto its grid" };
  const fx = truth.transform[1] / output.transform[1];
  const fy = truth.transform[5] / output.transform[5];
  const f = Math.round(fx);
  if (f < 2 || Math.abs(fx - f) > 1e-6 * f || Math.abs(fy - f) > 1e-6 * f)
    return { why: `its ${metres(truthM)} m pixels are not a whole number of the output's ${metres(outM)} m pixels across and down (${Number(fx.toFixed(3))} x ${Number(fy.toFixed(3))})` };
  const col = (truth.transform[0] - output.transform[0]) / output.transform[1];
  const row = (truth.transform[3] - output.transform[3]) / output.transform[5];
  const [bc, br] = [Math.round(col / f) || 0, Math.round(row / f) || 0]; // 0, not -0, where the origins meet
  if (Math.abs(col - bc * f) > 1e-3 || Math.abs(row - br * f) > 1e-3)
    return { why: `its pixel corners are not on those of the output's ${f} x ${f} blocks (${metres(Math.abs(col - bc * f) * outM)} m across, ${metres(Math.abs(row - br * f) * outM)} m down from them)` };
  return { factor: f, col: bc, row: br };
}

/** `output` block-averaged onto the grid of `truth` laid out as `blocks` (`truthBlocks`), and the truth on the same pixels. */
export function outputOnTruthGrid(output: Raster, truth: Raster, blocks: TruthBlocks): OnTruthGrid {
  const f = blocks.factor;
  // Whole blocks only: a block cut by the output's edge is not the mean over a truth pixel.
  const whole = cropRaster(output, { col: 0, row: 0, width: Math.floor(output.width / f) * f, height: Math.floor(output.height / f) * f });
  const agg = aggregateMean(whole, f, { maxInvalidFraction: 0.25 });
  const on = cropRaster(truth, { col: -blocks.col, row: -blocks.row, width: agg.width, height: agg.height });
  return { output: agg, truth: { ...on, transform: agg.transform }, factor: f };
}

/**
 * One method's output of one stage against the independent LST: `TruthScores` and the rest of the
 * scores `evaluate --truth` prints (`scoreFields`, one pass over the same pixels as `n`, `rmseK`, `biasK`).
 */
export interface TruthRow extends TruthScores, Pick<Scores, 'maeK' | 'r2' | 'r'> {
  method: string;
  /** Mean SSIM (`scoreFields`), where asked for (`scoreStagesAgainstTruth`'s `ssim`). */
  ssim?: number;
  stage: number;
  /** The output's pixel size, metres. */
  pixelSizeM: number;
  /**
   * How the two were put on one grid: the truth onto the output's (`truthOnOutputGrid`), or, for an
   * output finer than the truth, the output block-averaged onto the truth's (`outputOnTruthGrid`).
   */
  how: 'block-averaged' | 'resampled' | 'output-block-averaged';
  /** With `how` 'output-block-averaged': the truth's pixel size (metres), at which the row is scored. */
  scoredPixelSizeM?: number;
  /** With `how` 'output-block-averaged': output pixels per truth pixel, across and down. */
  outputBlockPx?: number;
  /**
   * With `how` 'output-block-averaged': the coarser stage, scored on its own grid at the truth's
   * resolution or block-averaged onto the truth's grid too (a truth as coarse as the input LST, say),
   * whose scores this row repeats (every method's, checked by `repeatedStage`): the output averages
   * back to that stage's, as residual correction makes it.
   */
  repeatsStage?: number;
}

/** A run's check against an independent, finer LST of the same date. */
export interface TruthCheck {
  /** The file. */
  name: string;
  /** Its pixel size, metres. */
  pixelSizeM: number;
  /** Per stage (in order), per method (in the order given). */
  rows: TruthRow[];
  /** Stages finer than the truth (by more than 10 %) whose pixels are not whole blocks of its on its grid: not scored. */
  finerStages: number[];
  /** Why `finerStages` were not scored (`truthBlocks`, for the finest of them). */
  finerWhy?: string;
}

/**
 * Scores each method's output of each stage against `truth` (`name` its file), for the app's worker,
 * batch and `evaluate --truth` alike, the truth put on
 * each stage's grid once for all methods; a stage finer than the truth is scored at the truth's
 * resolution instead, its output block-averaged onto the truth's grid (`truthBlocks`,
 * `outputOnTruthGrid`), or not at all where the truth's pixels are not whole
 * blocks of its on its grid (`finerStages`, `finerWhy`). `onGrid` holds the truth on the grid of
 * every stage scored on its own grid (for a map layer). Stage k's output pixels group 2^k x 2^k
 * into input pixels. `ssim`: give each row its SSIM too (about 0.2 s per million pixels scored).
 */
export function scoreStagesAgainstTruth(
  name: string,
  truth: Raster,
  runs: readonly { method: string; stages: readonly { stage: number; lst: Raster }[] }[],
  options: { ssim?: boolean } = {},
): { check: TruthCheck; onGrid: Map<number, { raster: Raster; how: TruthRow['how'] }> } {
  const check: TruthCheck = { name, pixelSizeM: pixelSizeMetres(truth), rows: [], finerStages: [] };
  const onGrid = new Map<number, { raster: Raster; how: TruthRow['how'] }>();
  const stages = [...new Set(runs.flatMap((r) => r.stages.map((s) => s.stage)))].sort((a, b) => a - b);
  for (const stage of stages) {
    const first = runs.flatMap((r) => r.stages).find((s) => s.stage === stage)!.lst;
    if (!canScoreWith(first, truth)) {
      const blocks = truthBlocks(first, truth);
      if ('why' in blocks) {
        check.finerStages.push(stage);
        check.finerWhy = blocks.why;
        continue;
      }
      for (const r of runs) {
        const out = r.stages.find((s) => s.stage === stage);
        if (!out) continue;
        const on = outputOnTruthGrid(out.lst, truth, blocks);
        // An input pixel is 2^stage output pixels across, 2^stage / factor of the truth's.
        const scores = scoreRow(on.output, on.truth.data, 2 ** stage / blocks.factor, options.ssim === true);
        check.rows.push({ method: r.method, stage, pixelSizeM: pixelSizeMetres(out.lst), how: 'output-block-averaged', scoredPixelSizeM: check.pixelSizeM, outputBlockPx: blocks.factor, ...scores });
      }
      continue;
    }
    const on = truthOnOutputGrid(first, truth);
    onGrid.set(stage, on);
    for (const r of runs) {
      const out = r.stages.find((s) => s.stage === stage);
      if (out) check.rows.push({ method: r.method, stage, pixelSizeM: pixelSizeMetres(out.lst), how: on.how, ...scoreRow(out.lst, on.raster.data, 2 ** stage, options.ssim === true) });
    }
  }
  for (const stage of stages) {
    const repeats = repeatedStage(check.rows, stage);
    if (repeats !== undefined) for (const r of check.rows) if (r.stage === stage) r.repeatsStage = repeats;
  }
  return { check, onGrid };
}

/** Every score of a row: one pass for the whole-field scores, whose n, RMSE and bias the detail's score takes. */
function scoreRow(output: Raster, truthOn: Float32Array, blockPx: number, withSsim: boolean): Omit<TruthRow, 'method' | 'stage' | 'pixelSizeM' | 'how'> {
  const whole: Omit<Scores, 'ssim'> & { ssim?: number } = withSsim ? scoreFields(output.data, truthOn, output.width, output.height) : wholeScores(output.data, truthOn);
  const { maeK, r2, r, ssim } = whole;
  return { ...scoreTruthOnGrid(output, truthOn, blockPx, whole), maeK, r2, r, ...(ssim !== undefined ? { ssim } : {}) };
}

/** Scores equal to float32 rounding (K, and correlation), not to a real difference between two outputs. */
const SAME_SCORE = 1e-5;

/**
 * The coarser stage whose rows `stage`'s block-averaged rows repeat: for every method, the same
 * pixels and scores (within `SAME_SCORE`). The coarsest such stage that repeats no other: one scored
 * on its own grid, or one block-averaged onto the truth's grid too (where no stage is scored on its
 * own grid, as against a truth as coarse as the input LST). Undefined where any method's differ, as
 * without residual correction, or where `stage` was scored on its own grid.
 */
export function repeatedStage(rows: readonly TruthRow[], stage: number): number | undefined {
  const own = rows.filter((r) => r.stage === stage);
  if (own.length === 0 || own.some((r) => r.how !== 'output-block-averaged')) return undefined;
  const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= SAME_SCORE;
  // Coarsest first; a stage already marked as repeating another is no candidate (that other is).
  const candidates = [...new Set(rows.filter((r) => r.stage < stage && r.repeatsStage === undefined).map((r) => r.stage))].sort((a, b) => a - b);
  return candidates.find((c) =>
    own.every((r) => {
      const o = rows.find((x) => x.stage === c && x.method === r.method);
      return o !== undefined && o.n === r.n && o.detailPixels === r.detailPixels && same(o.rmseK, r.rmseK) && same(o.biasK, r.biasK) && same(o.offsetFreeRmseK, r.offsetFreeRmseK) && same(o.detailRmseK, r.detailRmseK) && same(o.detailCorr, r.detailCorr);
    }),
  );
}
