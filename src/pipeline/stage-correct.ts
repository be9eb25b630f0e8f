import type { ConservationError } from '../core/raster/correct.ts';

/** What `correctStageLinear` measured: the energy error before and after the correction. */
export interface StageCorrection {
  before: ConservationError;
  after: ConservationError;
}

/**
 * A stage's linear residual correction (factor 2) in one pass over its 2x2 blocks, **in place**:
 * `conservationError` before, `correctResidualsInPlace` (linear), `conservationError` after and,
 * with `sigma`, NaN in `sigma` wherever the corrected LST is NaN, bit for bit as those four passes
 * one after the other (the same sums in the same order; the error after is taken from the float32
 * values written). `fine` is `2*cw` x `2*ch` (K), `coarse` `cw` x `ch` (K), NaN invalid; `sigma`
 * on the fine grid.
 */
export function correctStageLinear(fine: Float32Array, sigma: Float32Array | undefined, coarse: Float32Array, cw: number, ch: number): StageCorrection {
  const fw = 2 * cw;
  let maxB = 0;
  let sumB = 0;
  let maxA = 0;
  let sumA = 0;
  let blocks = 0;
  let filled = 0;
  for (let cr = 0; cr < ch; cr++) {
    const c0 = cr * cw;
    const top = 2 * cr * fw;
    for (let cc = 0; cc < cw; cc++) {
      const t = coarse[c0 + cc];
      const i0 = top + 2 * cc;
      const i2 = i0 + fw;
      if (t !== t) {
        fine[i0] = fine[i0 + 1] = fine[i2] = fine[i2 + 1] = Number.NaN;
        if (sigma) sigma[i0] = sigma[i0 + 1] = sigma[i2] = sigma[i2 + 1] = Number.NaN;
        continue;
      }
      const v0 = fine[i0];
      const v1 = fine[i0 + 1];
      const v2 = fine[i2];
      const v3 = fine[i2 + 1];
      // Summed in block order (top-left, top-right, bottom-left, bottom-right) from 0, as the loops do.
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
        // No valid fine pixel: the block takes the coarse value (its mean is then t exactly).
        fine[i0] = fine[i0 + 1] = fine[i2] = fine[i2 + 1] = t;
        blocks++;
        filled++;
        continue;
      }
      const eb = Math.abs(s / n - t);
      if (eb > maxB) maxB = eb;
      sumB += eb;
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
      const ea = Math.abs(a / n - t);
      if (ea > maxA) maxA = ea;
      sumA += ea;
      blocks++;
    }
  }
  return { before: errorOf(maxB, sumB, blocks - filled), after: errorOf(maxA, sumA, blocks) };
}

function errorOf(maxAbs: number, sum: number, blocks: number): ConservationError {
  return { maxAbs, meanAbs: blocks ? sum / blocks : 0, blocks };
}
