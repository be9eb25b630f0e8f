import { sameCrs } from '../core/geo/crs.ts';
import { guideShiftNote, registerGuides } from './guide-registration.ts';
import { AppError } from '../core/errors.ts';
import { coarsenGrid, cropGrid, gridPixelSize, gridToString, pixelSizeMetres, refineGrid } from '../core/geo/grid.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import { aggregateMean, aggregateMode } from '../core/raster/aggregate.ts';
import type { AuxName, Grid, Raster } from '../core/raster/raster.ts';
import { runDownscale, type DownscaleResult } from './downscale.ts';
import { METHOD_NAMES, type MethodId, type StageMethod } from './method.ts';
import { loadMethod } from './methods.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { unpackRaster, type AuxLayer } from '../core/raster/packed.ts';
import type { ResidualMode } from '../core/raster/correct.ts';
import { scoreAgainst } from '../core/raster/metrics.ts';
import { reprojectRaster } from '../core/raster/reproject.ts';
import type { Scene, SceneLevel } from './scene.ts';

/** Agreement of a field with a reference, over pixels valid in both. Temperatures in K. */
export interface Scores {
  rmseK: number;
  maeK: number;
  /** mean(prediction - reference), K. */
  biasK: number;
  /** Coefficient of determination 1 - SSE/SST (can be negative). */
  r2: number;
  /** Pearson correlation. */
  r: number;
  /** Mean SSIM (core/raster/metrics `ssim`: 11x11 Gaussian window, sigma 1.5, 5 px border skipped). */
  ssim: number;
  /** Number of pixels compared. */
  n: number;
}

/** Scores `pred` against `ref` (same length, row-major `width` wide), NaN in either skipped. */
export function scoreFields(pred: Float32Array, ref: Float32Array, width: number, height: number): Scores {
  const s = scoreAgainst(pred, ref, width, height);
  return { rmseK: s.rmse, maeK: s.mae, biasK: s.bias, r2: s.r2, r: s.r, ssim: s.ssim, n: s.n };
}

/** Options of the closed-loop (simulation) experiment. */
export interface ClosedLoopOptions {
  /** Factor-2 stages in the loop (1: reference/2 -> reference; 2: reference/4 -> /2 -> reference). Default 1. */
  stages?: number;
  /**
   * Block-average the scene's LST by this integer first and use that as the reference (e.g. 2 turns
   * a 30 m Landsat thermal grid into a 60 m reference). Default 1 (the input LST itself).
   */
  referenceFactor?: number;
  residualMode?: ResidualMode;
  tileCoarsePx?: number;
  /** Keep about this many (reference, prediction) pixel pairs per method, for a scatter plot (default 0). */
  samplePairs?: number;
  /**
   * Register the loop's reflectance guides against the loop's own coarse LST (guide-registration.ts), for
   * a scene prepared without registration whose LST and guides come from separate products. Default
   * false: the loop inherits the scene's guides as they are.
   */
  registerGuides?: boolean;
}

/** Closed-loop scores of one method, with and without residual correction. */
export interface MethodScores {
  method: MethodId;
  label: string;
  corrected: Scores;
  uncorrected: Scores;
  /** Max |block mean - input| over the stages of the corrected run, K. */
  energyMaxAbsK: number;
  seconds: number;
  /** Subsampled pixel pairs (same indices): reference LST and the prediction with and without correction, K. */
  pairs?: { reference: Float32Array; corrected: Float32Array; raw: Float32Array };
}

/** Every `n`-th pixel pair (about `n` pairs) where all three fields are valid, for a scatter plot. */
export function samplePairs(reference: Float32Array, corrected: Float32Array, raw: Float32Array, n: number): MethodScores['pairs'] {
  const step = Math.max(1, Math.floor(reference.length / n));
  const r: number[] = [];
  const c: number[] = [];
  const u: number[] = [];
  for (let i = 0; i < reference.length; i += step) {
    if (!Number.isFinite(reference[i]) || !Number.isFinite(corrected[i]) || !Number.isFinite(raw[i])) continue;
    r.push(reference[i]);
    c.push(corrected[i]);
    u.push(raw[i]);
  }
  return { reference: Float32Array.from(r), corrected: Float32Array.from(c), raw: Float32Array.from(u) };
}

/** Result of a closed loop. */
export interface ClosedLoopResult {
  /** Reference grid (where scores are computed) and the coarse grid the loop starts from. */
  referenceGrid: Grid;
  coarseGrid: Grid;
  referencePixelM: number;
  coarsePixelM: number;
  stages: number;
  methods: MethodScores[];
  /** Reference pixels scored when the loop ran on a sample of a large scene (loop-sample.ts), not on all of it. */
  sampledPixels?: number;
  /** How many windows that sample has (with `sampledPixels`). */
  sampleWindows?: number;
}

function aggregateAux(n: AuxName, r: Raster, f: number): Raster {
  if (f === 1) return r;
  return n === 'landcover' ? aggregateMode(r, f) : aggregateMean(r, f);
}

/**
 * Builds the loop scene: reference = scene LST (optionally block-averaged), coarse LST = reference
 * block-averaged by 2^stages, auxiliary layers at every loop level from `scene.levels[0]`.
 */
export function closedLoopScene(scene: Scene, stages: number, referenceFactor = 1, registerGuidesToLoop = false): { loop: Scene; reference: Raster } {
  if (!Number.isInteger(stages) || stages < 1) throw new AppError('BAD_ARGUMENT', `closed-loop stages must be >= 1, got ${stages}.`);
  const big = 2 ** stages;
  let ref = aggregateMean(scene.lst, referenceFactor, { maxInvalidFraction: 0 });
  const w = Math.floor(ref.width / big) * big;
  const h = Math.floor(ref.height / big) * big;
  if (w < big || h < big) {
    throw new AppError('TOO_LARGE', `The LST (${gridToString(ref)}) is too small for a ${stages}-stage closed loop (needs ${big}x${big} pixels).`);
  }
  ref = cropRaster(ref, { col: 0, row: 0, width: w, height: h });
  // A coarse pixel must be fully observed to stand in for a real coarse measurement.
  const lst = aggregateMean(ref, big, { maxInvalidFraction: 0 });
  const levels: SceneLevel[] = new Array(stages + 1);
  let aux: Partial<Record<AuxName, Raster>> = {};
  for (const [n, layer] of Object.entries(scene.levels[0].aux) as [AuxName, AuxLayer][]) {
    const a = aggregateAux(n, unpackRaster(layer), referenceFactor);
    aux[n] = cropRaster(a, { col: 0, row: 0, width: w, height: h });
  }
  const notes = [`closed loop: reference ${w}x${h}, coarse ${lst.width}x${lst.height}`];
  // A loop inherits the scene's guides as they are; asked to, it registers them against its own coarse LST instead.
  const reg = registerGuidesToLoop ? registerGuides(lst, aux, big) : undefined;
  if (reg?.shift.applied) {
    aux = reg.aux;
    notes.push(guideShiftNote(reg.shift, scene.levels[0].pixelSizeM * referenceFactor));
  }
  let grid: Grid = { width: w, height: h, transform: ref.transform, crs: ref.crs };
  const m0 = scene.levels[0].pixelSizeM / gridPixelSize(scene.levels[0].grid).x;
  for (let s = stages; s >= 0; s--) {
    levels[s] = { grid, aux, pixelSizeM: gridPixelSize(grid).x * m0 };
    if (s === 0) break;
    const next: Partial<Record<AuxName, Raster>> = {};
    for (const [n, r] of Object.entries(aux) as [AuxName, Raster][]) next[n] = aggregateAux(n, r, 2);
    aux = next;
    grid = coarsenGrid(grid, 2, 'floor');
  }
  const loop: Scene = {
    lst,
    levels,
    stages,
    notes,
    ...(reg ? { guideShift: reg.shift } : {}),
    alignment: { ...scene.alignment, lst: 'aggregated' },
  };
  return { loop, reference: ref };
}

/** One pass of a method over a closed loop: the final output field and its largest block-mean error, K. */
export type LoopPass = (method: StageMethod, residualCorrection: boolean, run: RunOptions) => Promise<{ field: Float32Array; energyMaxAbsK: number }>;

/**
 * Each method run over a closed loop by `pass`, residual-corrected and not, scored by `score`
 * against `reference` (sampled pairs for the scatter when `samplePairsN` is given), with the
 * progress of both passes' tiles under the method's name and one step per method; `signal`
 * cancels between methods (and between tiles in the passes). `evaluateClosedLoop`'s loop over the
 * whole scene and `evaluateSampledLoop`'s over windows of a large one.
 */
export async function scoreEachMethod(
  methods: readonly (MethodId | StageMethod)[],
  pass: LoopPass,
  score: (field: Float32Array) => Scores,
  reference: Float32Array,
  samplePairsN: number | undefined,
  run: RunOptions,
): Promise<MethodScores[]> {
  const out: MethodScores[] = [];
  let done = 0;
  for (const m of methods) {
    throwIfAborted(run.signal);
    const method = typeof m === 'string' ? await loadMethod(m) : m;
    const t0 = Date.now();
    // The inner runs report their tiles too: a DMS or SRDA-Net loop on a large scene takes minutes.
    const inner = (which: string): RunOptions => ({
      signal: run.signal,
      onProgress: run.onProgress && ((p) => run.onProgress!({ ...p, stage: `${METHOD_NAMES[method.id]} ${which}, ${p.stage}` })),
    });
    const corrected = await pass(method, true, inner('corrected'));
    const raw = await pass(method, false, inner('uncorrected'));
    out.push({
      method: method.id,
      label: method.label,
      corrected: score(corrected.field),
      uncorrected: score(raw.field),
      energyMaxAbsK: corrected.energyMaxAbsK,
      seconds: (Date.now() - t0) / 1000,
      ...(samplePairsN ? { pairs: samplePairs(reference, corrected.field, raw.field, samplePairsN) } : {}),
    });
    run.onProgress?.({ stage: 'closed loop', done: ++done, total: methods.length, detail: METHOD_NAMES[method.id] });
  }
  return out;
}

/**
 * The paper's simulation experiment on the user's scene: aggregate the LST by 2^stages, downscale
 * it back with each method (auxiliary layers at the matching resolutions), and score against the
 * real LST, with and without residual correction. Progress per method and per tile of its inner
 * runs, the method by its name (`stage: 'TsHARP corrected, stage 1'`, METHOD_NAMES); `signal` cancels between tiles.
 */
export async function evaluateClosedLoop(
  scene: Scene,
  methods: readonly (MethodId | StageMethod)[],
  options: ClosedLoopOptions = {},
  run: RunOptions = {},
): Promise<ClosedLoopResult> {
  const stages = options.stages ?? 1;
  const { loop, reference } = closedLoopScene(scene, stages, options.referenceFactor ?? 1, options.registerGuides === true);
  const final = (r: DownscaleResult): Float32Array => r.stages[r.stages.length - 1].lst.data;
  const out = await scoreEachMethod(
    methods,
    async (method, residualCorrection, inner) => {
      const r = await runDownscale(loop, { method, residualMode: options.residualMode, tileCoarsePx: options.tileCoarsePx, residualCorrection }, inner);
      return { field: final(r), energyMaxAbsK: Math.max(...r.stages.map((s) => s.energy.maxAbsK)) };
    },
    (field) => scoreFields(field, reference.data, reference.width, reference.height),
    reference.data,
    options.samplePairs,
    run,
  );
  return {
    referenceGrid: { width: reference.width, height: reference.height, transform: reference.transform, crs: reference.crs },
    coarseGrid: loop.levels[0].grid,
    referencePixelM: loop.levels[stages].pixelSizeM,
    coarsePixelM: loop.levels[0].pixelSizeM,
    stages,
    methods: out,
  };
}

/**
 * An independent truth raster on an output's grid. An output at least 1.5 times coarser takes the
 * mean of the truth's pixels over each of its pixels: block-averaged directly when its grid is an
 * integer-coarser aligned grid of the truth's (same CRS), else the truth is resampled (bilinear,
 * proj4) onto the output grid refined to about the truth's pixel, then block-averaged (blocks with
 * more than a quarter missing stay NaN). A finer or like output takes the truth resampled onto it.
 */
export function truthOnOutputGrid(output: Raster, truth: Raster): { raster: Raster; how: 'block-averaged' | 'resampled' } {
  const outGrid = cropGrid(output, { col: 0, row: 0, width: output.width, height: output.height });
  const ratio = pixelSizeMetres(outGrid) / pixelSizeMetres(truth);
  const f = Math.round(ratio);
  if (ratio < 1.5) return { raster: reprojectRaster(truth, outGrid, 'bilinear'), how: 'resampled' };
  const keep = { maxInvalidFraction: 0.25 };
  const po = gridPixelSize(output).x;
  const pt = gridPixelSize(truth).x;
  if (sameCrs(output.crs, truth.crs) && Math.abs(po / pt - f) < 1e-6 * f) {
    const agg = aggregateMean(truth, f, keep);
    const [c, r] = [(output.transform[0] - agg.transform[0]) / agg.transform[1], (output.transform[3] - agg.transform[3]) / agg.transform[5]];
    if (Math.abs(c - Math.round(c)) < 1e-3 && Math.abs(r - Math.round(r)) < 1e-3) {
      return { raster: cropRaster(agg, { col: Math.round(c), row: Math.round(r), width: output.width, height: output.height }), how: 'block-averaged' };
    }
  }
  const fine = reprojectRaster(truth, refineGrid(outGrid, f), 'bilinear');
  return { raster: { ...aggregateMean(fine, f, keep), ...outGrid }, how: 'block-averaged' };
}
