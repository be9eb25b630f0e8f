import { conservationError, correctResidualsInPlace } from '../core/raster/correct.ts';

/** How the residual correction conserves energy: in temperature (K) or in emitted radiance (T^4). */
export type ResidualMode = 'linear' | 'radiance';

/** Energy-conservation error of a fine field against its coarse input, in K. */
export interface EnergyError {
  /** max over valid coarse pixels of |block mean of fine - coarse| (K, linear block mean). */
  maxAbsK: number;
  /** mean over valid coarse pixels of the same (K). */
  meanAbsK: number;
  /** Number of coarse pixels that took part. */
  blocks: number;
}

/**
 * Residual correction in place (core/raster/correct.ts): every valid coarse pixel's block of
 * `factor x factor` fine pixels is shifted so its mean (linear) or mean T^4 (radiance) equals the
 * coarse value; fine pixels under invalid coarse pixels become NaN.
 */
export function correctResiduals(
  fine: Float32Array,
  coarse: Float32Array,
  cw: number,
  ch: number,
  factor: number,
  mode: ResidualMode = 'linear',
): void {
  correctResidualsInPlace(fine, coarse, cw, ch, factor, mode);
}

/** Measures |linear block mean(fine) - coarse| over valid coarse blocks with valid fine pixels. */
export function energyError(fine: Float32Array, coarse: Float32Array, cw: number, ch: number, factor: number): EnergyError {
  const e = conservationError(fine, coarse, cw, ch, factor, 'linear');
  return { maxAbsK: e.maxAbs, meanAbsK: e.meanAbs, blocks: e.blocks };
}
