import { pixelSizeMetres } from '../core/geo/grid.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import { blockTexture } from '../core/raster/texture.ts';
import { pointScores } from '../core/raster/metrics.ts';
import { truthOnOutputGrid, type Scores } from './evaluate.ts';

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

function wholeScores(output: Float32Array, truth: Float32Array): Pick<Scores, 'n' | 'rmseK' | 'biasK'> {
  const s = pointScores(output, truth);
  return { n: s.n, rmseK: s.rmse, biasK: s.bias };
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

/** One method's output of one stage against the independent LST. */
export interface TruthRow extends TruthScores {
  method: string;
  stage: number;
  /** The output's pixel size, metres. */
  pixelSizeM: number;
  /** How the truth got onto the output grid (`truthOnOutputGrid`). */
  how: 'block-averaged' | 'resampled';
}

/** A run's check against an independent, finer LST of the same date. */
export interface TruthCheck {
  /** The file. */
  name: string;
  /** Its pixel size, metres. */
  pixelSizeM: number;
  /** Per stage (in order), per method (in the order given). */
  rows: TruthRow[];
  /** Stages finer than the truth (by more than 10 %), not scored. */
  finerStages: number[];
}

/**
 * Scores each method's output of each stage against `truth` (`name` its file), the truth put on
 * each stage's grid once for all methods. `onGrid` holds the truth on the grid of every scored
 * stage (for a map layer). Stage k's output pixels group 2^k x 2^k into input pixels.
 */
export function scoreStagesAgainstTruth(
  name: string,
  truth: Raster,
  runs: readonly { method: string; stages: readonly { stage: number; lst: Raster }[] }[],
): { check: TruthCheck; onGrid: Map<number, { raster: Raster; how: TruthRow['how'] }> } {
  const check: TruthCheck = { name, pixelSizeM: pixelSizeMetres(truth), rows: [], finerStages: [] };
  const onGrid = new Map<number, { raster: Raster; how: TruthRow['how'] }>();
  const stages = [...new Set(runs.flatMap((r) => r.stages.map((s) => s.stage)))].sort((a, b) => a - b);
  for (const stage of stages) {
    const first = runs.flatMap((r) => r.stages).find((s) => s.stage === stage)!.lst;
    if (!canScoreWith(first, truth)) {
      check.finerStages.push(stage);
      continue;
    }
    const on = truthOnOutputGrid(first, truth);
    onGrid.set(stage, on);
    for (const r of runs) {
      const out = r.stages.find((s) => s.stage === stage);
      if (out) check.rows.push({ method: r.method, stage, pixelSizeM: pixelSizeMetres(out.lst), how: on.how, ...scoreTruthOnGrid(out.lst, on.raster.data, 2 ** stage) });
    }
  }
  return { check, onGrid };
}
