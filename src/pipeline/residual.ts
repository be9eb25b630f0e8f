/** How the residual correction conserves energy: in temperature (K) or in emitted radiance (T^4). */
export type ResidualMode = 'linear' | 'radiance';

/** Energy-conservation error of a fine field against its coarse input, in K. */
export interface EnergyError {
  /** max over valid coarse pixels of |block mean of fine - coarse| (K). */
  maxAbsK: number;
  /** mean over valid coarse pixels of the same (K). */
  meanAbsK: number;
  /** Number of coarse pixels that took part. */
  blocks: number;
}

/**
 * Residual correction in place: for every coarse pixel with a valid LST, shifts the valid fine
 * pixels of its `factor x factor` block so their mean (linear) or mean of T^4 (radiance) equals the
 * coarse value; fine pixels under an invalid coarse pixel become NaN; a block whose fine pixels
 * are all NaN is filled with the coarse value. `fine` is `factor*cw x factor*ch`.
 */
export function correctResiduals(
  fine: Float32Array,
  coarse: Float32Array,
  cw: number,
  ch: number,
  factor: number,
  mode: ResidualMode = 'linear',
): void {
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
          fine[i] = mode === 'radiance' ? Math.pow(Math.max(0, v * v * v * v + delta), 0.25) : v + delta;
        }
      }
    }
  }
}

/** Measures |block mean(fine) - coarse| over valid coarse blocks that have valid fine pixels. */
export function energyError(fine: Float32Array, coarse: Float32Array, cw: number, ch: number, factor: number): EnergyError {
  const fw = cw * factor;
  let max = 0;
  let sum = 0;
  let blocks = 0;
  for (let cr = 0; cr < ch; cr++) {
    for (let cc = 0; cc < cw; cc++) {
      const t = coarse[cr * cw + cc];
      if (t !== t) continue;
      let s = 0;
      let n = 0;
      const base = cr * factor * fw + cc * factor;
      for (let dr = 0; dr < factor; dr++) {
        for (let dc = 0; dc < factor; dc++) {
          const v = fine[base + dr * fw + dc];
          if (v === v) {
            s += v;
            n++;
          }
        }
      }
      if (n === 0) continue;
      const e = Math.abs(s / n - t);
      if (e > max) max = e;
      sum += e;
      blocks++;
    }
  }
  return { maxAbsK: max, meanAbsK: blocks ? sum / blocks : 0, blocks };
}
