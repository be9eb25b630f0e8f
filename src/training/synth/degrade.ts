import { blockMean, gaussianBlur } from '../../core/raster/aggregate.ts';

/**
 * MODIS-like coarse observation of a fine LST field: an optional Gaussian point spread
 * (`psfSigmaFinePx`, in fine pixels; MODIS LST is often modelled with sigma ~0.5 coarse pixel,
 * i.e. `0.5 * factor`) followed by the block mean over `factor x factor` fine pixels (NaN-aware:
 * a block with more than half its pixels invalid is NaN). Uses core/raster/aggregate's operators,
 * so training pairs match the pipeline's degradation exactly. Returns a new
 * `ceil(width/factor) x ceil(height/factor)` array.
 */
export function degradeLst(
  fineLst: Float32Array,
  width: number,
  height: number,
  factor: number,
  options: { psfSigmaFinePx?: number; mode?: 'linear' | 'radiance' } = {},
): { data: Float32Array; width: number; height: number } {
  const sigma = options.psfSigmaFinePx ?? 0;
  if (!(sigma > 0)) return blockMean(fineLst, width, height, factor, { mode: options.mode });
  if (options.mode !== 'radiance')
    return blockMean(gaussianBlur(fineLst, width, height, sigma), width, height, factor);
  // Radiance mode spreads emitted radiance (T^4), then averages it, then returns to kelvin.
  const t4 = new Float32Array(fineLst.length);
  for (let i = 0; i < t4.length; i++) t4[i] = fineLst[i] ** 4;
  const spread = gaussianBlur(t4, width, height, sigma);
  for (let i = 0; i < spread.length; i++) spread[i] = Math.pow(spread[i], 0.25);
  return blockMean(spread, width, height, factor, { mode: 'radiance' });
}
