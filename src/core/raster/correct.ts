import { AppError } from '../errors.ts';
import { gridToString, isAligned } from '../geo/grid.ts';
import type { AggregateMode } from './aggregate.ts';
import type { Raster } from './raster.ts';

/** How the residual correction conserves energy: in temperature (K) or in emitted radiance (T^4). */
export type ResidualMode = AggregateMode;

/** Energy-conservation error of a fine field against its coarse input, in the data's units (K). */
export interface ConservationError {
  /** max over checked coarse pixels of |block mean of the valid fine pixels - coarse value|. */
  maxAbs: number;
  /** mean of the same over the checked coarse pixels. */
  meanAbs: number;
  /** Coarse pixels checked: valid coarse value and at least one valid fine pixel. */
  blocks: number;
}

function checkShapes(fine: Float32Array, coarse: Float32Array, cw: number, ch: number, factor: number): void {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new AppError(
      'BAD_ARGUMENT',
      `residual correction: factor must be a positive integer, got ${factor}.`,
    );
  }
  if (coarse.length !== cw * ch || fine.length !== cw * factor * ch * factor) {
    throw new AppError(
      'GRID_MISMATCH',
      `residual correction: coarse ${cw}x${ch} (${coarse.length} values) and fine ${fine.length} values ` +
        `do not match factor ${factor} (expected ${cw * factor}x${ch * factor}).`,
    );
  }
}

/**
 * |block mean - coarse| over every coarse pixel with a valid value and a valid fine pixel. Block
 * means are over the valid fine pixels; `'radiance'` compares the fourth root of the mean T^4.
 * `fine` is `factor*cw` x `factor*ch`, row-major.
 */
export function conservationError(
  fine: Float32Array,
  coarse: Float32Array,
  cw: number,
  ch: number,
  factor: number,
  mode: AggregateMode = 'linear',
): ConservationError {
  checkShapes(fine, coarse, cw, ch, factor);
  const fw = cw * factor;
  let max = 0;
  let sum = 0;
  let blocks = 0;
  for (let cr = 0; cr < ch; cr++) {
    for (let cc = 0; cc < cw; cc++) {
      const t = coarse[cr * cw + cc];
      if (t !== t) continue;
      const base = cr * factor * fw + cc * factor;
      let s = 0;
      let n = 0;
      for (let dr = 0; dr < factor; dr++) {
        for (let dc = 0; dc < factor; dc++) {
          const v = fine[base + dr * fw + dc];
          if (v === v) {
            s += mode === 'radiance' ? v * v * v * v : v;
            n++;
          }
        }
      }
      if (n === 0) continue;
      const m = mode === 'radiance' ? Math.pow(s / n, 0.25) : s / n;
      const e = Math.abs(m - t);
      if (e > max) max = e;
      sum += e;
      blocks++;
    }
  }
  return { maxAbs: max, meanAbs: blocks ? sum / blocks : 0, blocks };
}

/**
 * Residual correction (energy conservation), **in place** on `fine`: for each coarse pixel, adds
 * `coarse - block mean` (mean over the block's valid fine pixels) to those pixels, so each block
 * mean equals the coarse value. `'radiance'` does the same on T^4 (values in K) and takes the
 * fourth root. Fine pixels under a NaN coarse pixel become NaN; a valid coarse pixel whose fine
 * pixels are all NaN fills its block with the coarse value. Returns the error left afterwards
 * (float32 rounding only: ~1e-5 K for LST).
 */
export function correctResidualsInPlace(
  fine: Float32Array,
  coarse: Float32Array,
  cw: number,
  ch: number,
  factor: number,
  mode: AggregateMode = 'linear',
): ConservationError {
  checkShapes(fine, coarse, cw, ch, factor);
  const fw = cw * factor;
  for (let cr = 0; cr < ch; cr++) {
    for (let cc = 0; cc < cw; cc++) {
      const t = coarse[cr * cw + cc];
      const base = cr * factor * fw + cc * factor;
      if (t !== t) {
        for (let dr = 0; dr < factor; dr++) fine.fill(Number.NaN, base + dr * fw, base + dr * fw + factor);
        continue;
      }
      let s = 0;
      let n = 0;
      for (let dr = 0; dr < factor; dr++) {
        for (let dc = 0; dc < factor; dc++) {
          const v = fine[base + dr * fw + dc];
          if (v === v) {
            s += mode === 'radiance' ? v * v * v * v : v;
            n++;
          }
        }
      }
      if (n === 0) {
        for (let dr = 0; dr < factor; dr++) fine.fill(t, base + dr * fw, base + dr * fw + factor);
        continue;
      }
      const delta = mode === 'radiance' ? t * t * t * t - s / n : t - s / n;
      for (let dr = 0; dr < factor; dr++) {
        for (let dc = 0; dc < factor; dc++) {
          const i = base + dr * fw + dc;
          const v = fine[i];
          if (v !== v) continue;
          // A large negative radiance shift could push a cold pixel below 0 K: floor it at 0.
          fine[i] = mode === 'radiance' ? Math.pow(Math.max(0, v * v * v * v + delta), 0.25) : v + delta;
        }
      }
    }
  }
  return conservationError(fine, coarse, cw, ch, factor, mode);
}

/** What `correctStageLinear` measured: the energy error before and after the correction. */
export interface LinearCorrection {
  before: ConservationError;
  after: ConservationError;
}

/**
 * A stage's linear residual correction (factor 2) in one pass over its 2x2 blocks, **in place**:
 * `conservationError` before, `correctResidualsInPlace` (linear), `conservationError` after and,
 * with `sigma`, NaN in `sigma` wherever the corrected LST is NaN, bit for bit as those four passes
 * one after the other (the same sums in the same order; the error after is taken from the float32
 * values written). `fine` is `2*cw` x `2*ch` (K), `coarse` `cw` x `ch` (K), NaN invalid; `sigma`
 * on the fine grid. A specialisation of the general passes above for a factor-2 stage, where it saves
 * three passes over the fine grid (stage 2 of a full MODIS tile: ~0.9 -> ~0.25 CPU s).
 */
export function correctStageLinear(fine: Float32Array, sigma: Float32Array | undefined, coarse: Float32Array, cw: number, ch: number): LinearCorrection {
  checkShapes(fine, coarse, cw, ch, 2);
  const sums = linearSums();
  correctLinearRows(fine, sigma, coarse, cw, 0, ch, sums);
  return linearResult(sums);
}

/** The running sums of `correctLinearRows`: what a stage corrected band by band carries from one band to the next. */
export interface LinearSums {
  maxB: number;
  sumB: number;
  maxA: number;
  sumA: number;
  blocks: number;
  filled: number;
}

/** Sums before the first row. */
export const linearSums = (): LinearSums => ({ maxB: 0, sumB: 0, maxA: 0, sumA: 0, blocks: 0, filled: 0 });

/** The energy error before and after, from the sums of every row of the stage. */
export const linearResult = (s: LinearSums): LinearCorrection => ({
  before: errorOf(s.maxB, s.sumB, s.blocks - s.filled),
  after: errorOf(s.maxA, s.sumA, s.blocks),
});

/**
 * `correctStageLinear` on coarse rows `cr0` .. `cr1` - 1 only, with its sums carried in `sums`:
 * `fine` (and `sigma`) hold just those rows' fine rows (`2 * (cr1 - cr0)` rows of `2 * cw`), and
 * `coarse` is the whole coarse grid. Bands taken in order, top to bottom, add up to the sums of one
 * pass over the stage, bit for bit (the blocks are visited in the same row-major order).
 */
export function correctLinearRows(fine: Float32Array, sigma: Float32Array | undefined, coarse: Float32Array, cw: number, cr0: number, cr1: number, sums: LinearSums): void {
  const fw = 2 * cw;
  if (!(cr0 >= 0 && cr1 >= cr0 && cr1 * cw <= coarse.length) || fine.length !== 2 * (cr1 - cr0) * fw || (sigma && sigma.length !== fine.length)) {
    throw new AppError('GRID_MISMATCH', `residual correction: coarse rows ${cr0}..${cr1} of ${cw} px do not match a fine band of ${fine.length} values.`);
  }
  // The block kernel over every column, a chunk of rows at a time, the sums added in row-major
  // order as the rows go: one kernel for banded and whole-stage corrections.
  const step = Math.max(1, Math.floor(ROWS_CHUNK_BLOCKS / Math.max(1, cw)));
  const errs = new Float64Array(2 * Math.min(step, cr1 - cr0) * cw);
  for (let r0 = cr0; r0 < cr1; r0 += step) {
    const r1 = Math.min(cr1, r0 + step);
    const f0 = 2 * (r0 - cr0) * fw;
    const f1 = 2 * (r1 - cr0) * fw;
    correctLinearBlock(fine.subarray(f0, f1), sigma?.subarray(f0, f1), coarse, cw, r0, r1, 0, cw, errs);
    addLinearSums(errs, r1 - r0, cw, sums);
  }
}

/** Coarse blocks per chunk of rows in `correctLinearRows` (the chunk's errors: 16 bytes a block). */
const ROWS_CHUNK_BLOCKS = 1 << 16;

/**
 * `correctLinearRows`'s values on coarse columns `cc0` .. `cc1` - 1 of coarse rows `cr0` .. `cr1` - 1
 * only (its blocks are independent: the same bits whatever part is done first), its sums left for
 * later: each block's errors go to `errs` (two per coarse block of the rows, row-major over the
 * whole width: before, after; -2 for a block whose coarse value is NaN, -1 for one filled with the
 * coarse value), which `addLinearSums` adds up once every column is done. `fine` and `sigma` hold
 * the rows' whole fine width, as for `correctLinearRows`.
 */
export function correctLinearBlock(
  fine: Float32Array,
  sigma: Float32Array | undefined,
  coarse: Float32Array,
  cw: number,
  cr0: number,
  cr1: number,
  cc0: number,
  cc1: number,
  errs: Float64Array,
): void {
  const fw = 2 * cw;
  if (
    !(cr0 >= 0 && cr1 >= cr0 && cr1 * cw <= coarse.length && cc0 >= 0 && cc1 >= cc0 && cc1 <= cw) ||
    fine.length !== 2 * (cr1 - cr0) * fw ||
    (sigma && sigma.length !== fine.length) ||
    errs.length < 2 * (cr1 - cr0) * cw
  ) {
    throw new AppError('GRID_MISMATCH', `residual correction: coarse rows ${cr0}..${cr1}, columns ${cc0}..${cc1} of ${cw} px do not match a fine band of ${fine.length} values.`);
  }
  for (let cr = cr0; cr < cr1; cr++) {
    const c0 = cr * cw;
    const top = 2 * (cr - cr0) * fw;
    const e0 = 2 * (cr - cr0) * cw;
    for (let cc = cc0; cc < cc1; cc++) {
      const t = coarse[c0 + cc];
      const i0 = top + 2 * cc;
      const i2 = i0 + fw;
      const e = e0 + 2 * cc;
      if (t !== t) {
        fine[i0] = fine[i0 + 1] = fine[i2] = fine[i2 + 1] = Number.NaN;
        if (sigma) sigma[i0] = sigma[i0 + 1] = sigma[i2] = sigma[i2 + 1] = Number.NaN;
        errs[e] = -2;
        continue;
      }
      const v0 = fine[i0];
      const v1 = fine[i0 + 1];
      const v2 = fine[i2];
      const v3 = fine[i2 + 1];
      // As correctLinearRows: summed in block order from 0.
      let s = 0;
      let n = 0;
      if (v0 === v0) {
        s += v0;
        n++;
      }
      if (v1 === v1) {
        s += v1;
        n++;
      }
      if (v2 === v2) {
        s += v2;
        n++;
      }
      if (v3 === v3) {
        s += v3;
        n++;
      }
      if (n === 0) {
        fine[i0] = fine[i0 + 1] = fine[i2] = fine[i2 + 1] = t;
        errs[e] = -1;
        continue;
      }
      errs[e] = Math.abs(s / n - t);
      const delta = t - s / n;
      let a = 0;
      if (v0 === v0) a += fine[i0] = Math.fround(v0 + delta);
      else if (sigma) sigma[i0] = Number.NaN;
      if (v1 === v1) a += fine[i0 + 1] = Math.fround(v1 + delta);
      else if (sigma) sigma[i0 + 1] = Number.NaN;
      if (v2 === v2) a += fine[i2] = Math.fround(v2 + delta);
      else if (sigma) sigma[i2] = Number.NaN;
      if (v3 === v3) a += fine[i2 + 1] = Math.fround(v3 + delta);
      else if (sigma) sigma[i2 + 1] = Number.NaN;
      errs[e + 1] = Math.abs(a / n - t);
    }
  }
}

/**
 * Adds the errors `correctLinearBlock` recorded for `rows` coarse rows of `cw` blocks to `sums`, in
 * row-major order: the sums `correctLinearRows` carries over the same rows, bit for bit.
 */
export function addLinearSums(errs: Float64Array, rows: number, cw: number, sums: LinearSums): void {
  let { maxB, sumB, maxA, sumA, blocks, filled } = sums;
  const n = 2 * rows * cw;
  if (errs.length < n) throw new AppError('INTERNAL', `residual correction: ${errs.length / 2} block errors for ${rows}x${cw} blocks.`);
  for (let e = 0; e < n; e += 2) {
    const eb = errs[e];
    if (eb < 0) {
      // -1: filled with the coarse value; -2: a NaN coarse value, not counted.
      if (eb === -1) {
        blocks++;
        filled++;
      }
      continue;
    }
    if (eb > maxB) maxB = eb;
    sumB += eb;
    const ea = errs[e + 1];
    if (ea > maxA) maxA = ea;
    sumA += ea;
    blocks++;
  }
  Object.assign(sums, { maxB, sumB, maxA, sumA, blocks, filled });
}

function errorOf(maxAbs: number, sum: number, blocks: number): ConservationError {
  return { maxAbs, meanAbs: blocks ? sum / blocks : 0, blocks };
}

/**
 * Residual correction of a fine raster against its coarse input, returning a new raster. The fine
 * grid must be `refineGrid(coarse, factor)` (GRID_MISMATCH otherwise).
 */
export function correctResiduals(
  coarse: Raster,
  fine: Raster,
  factor: number,
  mode: AggregateMode = 'linear',
): { raster: Raster; error: ConservationError } {
  if (
    fine.width !== coarse.width * factor ||
    fine.height !== coarse.height * factor ||
    !isAligned(fine, coarse, factor)
  ) {
    throw new AppError(
      'GRID_MISMATCH',
      `Residual correction needs the fine grid to be the coarse grid refined by ${factor}: ` +
        `coarse ${gridToString(coarse)}, fine ${gridToString(fine)}.`,
    );
  }
  const data = fine.data.slice();
  const error = correctResidualsInPlace(data, coarse.data, coarse.width, coarse.height, factor, mode);
  return { raster: { ...fine, data }, error };
}
