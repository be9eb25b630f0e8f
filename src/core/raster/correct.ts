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
