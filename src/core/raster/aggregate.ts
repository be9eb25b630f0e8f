import { AppError } from '../errors.ts';
import { coarsenGrid } from '../geo/grid.ts';
import { finishSteps, STEP_PX, type Steps } from '../progress.ts';
import type { Raster } from './raster.ts';

/**
 * How fine pixels are combined into coarse ones.
 * - `maxInvalidFraction` (default 0.5): a coarse pixel is NaN when *more than* this fraction of its
 *   fine pixels are NaN; otherwise the statistic runs over the valid ones. 0 = any NaN poisons the
 *   block; 1 = one valid pixel is enough.
 * - Blocks at the right/bottom edges of a grid whose size is not a multiple of the factor are
 *   partial (the coarse grid is `coarsenGrid(grid, factor, 'ceil')`); the fraction is taken over
 *   the fine pixels that exist.
 */
export interface AggregateOptions {
  maxInvalidFraction?: number;
}

/** Linear temperature mean, or mean of emitted radiance (T^4, Stefan-Boltzmann) taken back to K. */
export type AggregateMode = 'linear' | 'radiance';

/** Mean options: validity rule plus the averaging space. */
export interface MeanOptions extends AggregateOptions {
  /** `'radiance'` averages T^4 and returns the fourth root (values must be in kelvin). */
  mode?: AggregateMode;
}

function checkFactor(factor: number, fn: string): void {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new AppError('BAD_ARGUMENT', `${fn}: factor must be a positive integer, got ${factor}.`);
  }
}

/**
 * Visits every coarse block of a `width`x`height` row-major array: `reduce(values, count)` gets the
 * block's valid values (first `count` entries of a scratch buffer) and returns the coarse value.
 * Blocks over the invalid limit get NaN. In steps: it yields after each block of about STEP_PX
 * output pixels (whole coarse rows); `finishSteps` runs it in one go, with the same values.
 */
function* reduceBlocksInSteps(
  data: Float32Array,
  width: number,
  height: number,
  factor: number,
  maxInvalidFraction: number,
  reduce: (values: Float64Array, count: number) => number,
): Steps<{ data: Float32Array; width: number; height: number }> {
  const cw = Math.ceil(width / factor);
  const ch = Math.ceil(height / factor);
  const out = new Float32Array(cw * ch);
  const rows = Math.max(1, Math.floor(STEP_PX / Math.max(1, cw)));
  for (let r0 = 0; r0 < ch; r0 += rows) {
    reduceRows(data, width, height, factor, maxInvalidFraction, reduce, out, r0, Math.min(ch, r0 + rows));
    if (r0 + rows < ch) yield;
  }
  return { data: out, width: cw, height: ch };
}

/** Coarse rows `[cr0, cr1)` of `reduceBlocksInSteps` into `out` (the hot loop, in a plain function). */
function reduceRows(
  data: Float32Array,
  width: number,
  height: number,
  factor: number,
  maxInvalidFraction: number,
  reduce: (values: Float64Array, count: number) => number,
  out: Float32Array,
  cr0: number,
  cr1: number,
): void {
  const cw = Math.ceil(width / factor);
  const values = new Float64Array(factor * factor);
  for (let cr = cr0; cr < cr1; cr++) {
    const r0 = cr * factor;
    const r1 = Math.min(r0 + factor, height);
    for (let cc = 0; cc < cw; cc++) {
      const c0 = cc * factor;
      const c1 = Math.min(c0 + factor, width);
      let n = 0;
      for (let r = r0; r < r1; r++) {
        const row = r * width;
        for (let c = c0; c < c1; c++) {
          const v = data[row + c];
          if (v === v) values[n++] = v;
        }
      }
      const total = (r1 - r0) * (c1 - c0);
      const invalid = (total - n) / total;
      out[cr * cw + cc] = n === 0 || invalid > maxInvalidFraction ? Number.NaN : reduce(values, n);
    }
  }
}

/**
 * Block mean of a row-major `width`x`height` array by an integer `factor` (see `AggregateOptions`
 * for the validity rule). Returns a new `ceil(width/factor)`x`ceil(height/factor)` array.
 */
export function blockMean(
  data: Float32Array,
  width: number,
  height: number,
  factor: number,
  options: MeanOptions = {},
): { data: Float32Array; width: number; height: number } {
  return finishSteps(blockMeanInSteps(data, width, height, factor, options));
}

/** `blockMean` in steps: a yield after each block of about STEP_PX output pixels, the same values. */
function* blockMeanInSteps(data: Float32Array, width: number, height: number, factor: number, options: MeanOptions): Steps<{ data: Float32Array; width: number; height: number }> {
  checkFactor(factor, 'blockMean');
  return yield* reduceBlocksInSteps(data, width, height, factor, options.maxInvalidFraction ?? 0.5, options.mode === 'radiance' ? radianceMeanOf : meanOf);
}

function meanOf(v: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i];
  return s / n;
}

function radianceMeanOf(v: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] * v[i] * v[i] * v[i];
  return Math.pow(s / n, 0.25);
}

/** Block population standard deviation (divides by n) over the valid fine pixels of each block. */
export function blockStd(
  data: Float32Array,
  width: number,
  height: number,
  factor: number,
  options: AggregateOptions = {},
): { data: Float32Array; width: number; height: number } {
  checkFactor(factor, 'blockStd');
  return finishSteps(reduceBlocksInSteps(data, width, height, factor, options.maxInvalidFraction ?? 0.5, (v, n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i];
    const m = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
    return Math.sqrt(ss / n);
  }));
}

/**
 * Block mode for categorical layers (land cover classes stored as floats). Ties go to the smallest
 * class value, so the result does not depend on pixel order.
 */
export function blockMode(
  data: Float32Array,
  width: number,
  height: number,
  factor: number,
  options: AggregateOptions = {},
): { data: Float32Array; width: number; height: number } {
  return finishSteps(blockModeInSteps(data, width, height, factor, options));
}

/** `blockMode` in steps, as `blockMeanInSteps`. */
function* blockModeInSteps(data: Float32Array, width: number, height: number, factor: number, options: AggregateOptions): Steps<{ data: Float32Array; width: number; height: number }> {
  checkFactor(factor, 'blockMode');
  return yield* reduceBlocksInSteps(data, width, height, factor, options.maxInvalidFraction ?? 0.5, modeOf);
}

/** The most frequent of `v[0..n)`, the smallest among ties. Sorts `v`'s first `n` in place, allocating nothing. */
export function modeOf(v: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const x = v[i];
    let j = i - 1;
    for (; j >= 0 && v[j] > x; j--) v[j + 1] = v[j];
    v[j + 1] = x;
  }
  let best = v[0];
  let bestRun = 0;
  let run = 0;
  for (let i = 0; i < n; i++) {
    run = i > 0 && v[i] === v[i - 1] ? run + 1 : 1;
    if (run > bestRun) {
      bestRun = run;
      best = v[i];
    }
  }
  return best;
}

/**
 * The mean of the valid (non-NaN) ones of four values, summed in argument order; NaN when fewer
 * than `minValid` are valid. The 2x2 block mean of the hot loops (guide levels, dropped detail).
 */
export function meanOfValid4(a: number, b: number, c: number, d: number, minValid: number): number {
  let s = 0;
  let n = 0;
  if (a === a) {
    s += a;
    n++;
  }
  if (b === b) {
    s += b;
    n++;
  }
  if (c === c) {
    s += c;
    n++;
  }
  if (d === d) {
    s += d;
    n++;
  }
  return n < minValid ? Number.NaN : s / n;
}

function onCoarseGrid(r: Raster, factor: number, res: { data: Float32Array }): Raster {
  return { ...coarsenGrid(r, factor, 'ceil'), data: res.data };
}

/** Block mean of a raster onto `coarsenGrid(r, factor, 'ceil')`. */
export function aggregateMean(r: Raster, factor: number, options: MeanOptions = {}): Raster {
  return onCoarseGrid(r, factor, blockMean(r.data, r.width, r.height, factor, options));
}

/**
 * `aggregateMean` in steps: a yield after each block of about STEP_PX output pixels (a caller may
 * pause there: a cancel check), the same values.
 */
export function* aggregateMeanInSteps(r: Raster, factor: number, options: MeanOptions = {}): Steps<Raster> {
  return onCoarseGrid(r, factor, yield* blockMeanInSteps(r.data, r.width, r.height, factor, options));
}

/** `aggregateMode` in steps, as `aggregateMeanInSteps`: the same values. */
export function* aggregateModeInSteps(r: Raster, factor: number, options: AggregateOptions = {}): Steps<Raster> {
  return onCoarseGrid(r, factor, yield* blockModeInSteps(r.data, r.width, r.height, factor, options));
}

/** Block standard deviation (sub-pixel heterogeneity) onto `coarsenGrid(r, factor, 'ceil')`. */
export function aggregateStd(r: Raster, factor: number, options: AggregateOptions = {}): Raster {
  return onCoarseGrid(r, factor, blockStd(r.data, r.width, r.height, factor, options));
}

/** Block mode (categorical layers) onto `coarsenGrid(r, factor, 'ceil')`. */
export function aggregateMode(r: Raster, factor: number, options: AggregateOptions = {}): Raster {
  return onCoarseGrid(r, factor, blockMode(r.data, r.width, r.height, factor, options));
}

/**
 * NaN-aware separable Gaussian blur (normalised convolution: each output is the weighted mean of
 * the valid pixels under the kernel, kernel truncated at 3 sigma, renormalised at the edges).
 * NaN pixels stay NaN. Returns a new array; `sigmaPx <= 0` returns a copy.
 */
export function gaussianBlur(
  data: Float32Array,
  width: number,
  height: number,
  sigmaPx: number,
): Float32Array {
  if (!(sigmaPx > 0)) return data.slice();
  const rad = Math.max(1, Math.ceil(3 * sigmaPx));
  const k = new Float64Array(2 * rad + 1);
  for (let i = -rad; i <= rad; i++) k[i + rad] = Math.exp(-(i * i) / (2 * sigmaPx * sigmaPx));
  const tmpV = new Float64Array(width * height);
  const tmpW = new Float64Array(width * height);
  for (let r = 0; r < height; r++) {
    const row = r * width;
    for (let c = 0; c < width; c++) {
      let s = 0;
      let w = 0;
      const a = Math.max(0, c - rad);
      const b = Math.min(width - 1, c + rad);
      for (let j = a; j <= b; j++) {
        const v = data[row + j];
        if (v === v) {
          const kw = k[j - c + rad];
          s += kw * v;
          w += kw;
        }
      }
      tmpV[row + c] = s;
      tmpW[row + c] = w;
    }
  }
  const out = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    const a = Math.max(0, r - rad);
    const b = Math.min(height - 1, r + rad);
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      if (data[i] !== data[i]) {
        out[i] = Number.NaN;
        continue;
      }
      let s = 0;
      let w = 0;
      for (let j = a; j <= b; j++) {
        const kw = k[j - r + rad];
        s += kw * tmpV[j * width + c];
        w += kw * tmpW[j * width + c];
      }
      out[i] = s / w;
    }
  }
  return out;
}

/** Options of the degradation operator (SRDA-NET.md): optional point spread, then block mean. */
export interface DegradeOptions extends MeanOptions {
  /** Gaussian point-spread sigma in fine pixels applied before the block mean (0 or unset: none). */
  psfSigmaFinePx?: number;
}

/**
 * The degradation operator on a row-major `width`x`height` array: a MODIS-like Gaussian point
 * spread (optional, `psfSigmaFinePx` in fine pixels; MODIS LST is often modelled with sigma ~0.5
 * coarse pixel, i.e. `0.5 * factor`) followed by the block mean by `factor`, same validity rule and
 * mode as `blockMean`; in radiance mode the spread is applied to T^4. Used to simulate coarse
 * observations (training pairs, the demo and benchmark scenes). Returns a new
 * `ceil(width/factor)`x`ceil(height/factor)` array.
 */
export function degradeArray(
  data: Float32Array,
  width: number,
  height: number,
  factor: number,
  options: DegradeOptions = {},
): { data: Float32Array; width: number; height: number } {
  checkFactor(factor, 'degrade');
  const sigma = options.psfSigmaFinePx ?? 0;
  if (!(sigma > 0)) return blockMean(data, width, height, factor, options);
  let blurred: Float32Array;
  if (options.mode === 'radiance') {
    const t4 = new Float32Array(data.length);
    for (let i = 0; i < t4.length; i++) t4[i] = data[i] ** 4;
    blurred = gaussianBlur(t4, width, height, sigma);
    for (let i = 0; i < blurred.length; i++) blurred[i] = Math.pow(blurred[i], 0.25);
  } else {
    blurred = gaussianBlur(data, width, height, sigma);
  }
  return blockMean(blurred, width, height, factor, options);
}

/** `degradeArray` of a raster onto `coarsenGrid(r, factor, 'ceil')`. */
export function degrade(r: Raster, factor: number, options: DegradeOptions = {}): Raster {
  return onCoarseGrid(r, factor, degradeArray(r.data, r.width, r.height, factor, options));
}
