import { upsampleArray } from '../../core/raster/resample.ts';
import type { StageInput } from '../method.ts';

/** How the coarse regression residual is brought to the fine grid. */
export type ResidualInterp = 'bicubic' | 'nearest';

/**
 * The sharpening step shared by TsHARP and DMS: fine LST = regression at fine scale + the coarse
 * residual (coarse LST - regression at coarse scale) upsampled by 2. Where the fine regression is
 * NaN (missing auxiliary data) the bicubic upsample of the coarse LST is used instead.
 */
export function addCoarseResidual(
  input: StageInput,
  fineRegression: Float32Array,
  coarseRegression: Float32Array,
  interp: ResidualInterp,
): Float32Array {
  const { data: lst, width: cw, height: ch } = input.coarseLst;
  const residual = new Float32Array(cw * ch);
  for (let i = 0; i < residual.length; i++) {
    const r = lst[i] - coarseRegression[i];
    // A coarse pixel with LST but no auxiliary value: no residual, its block falls back to bicubic.
    residual[i] = r === r ? r : lst[i] === lst[i] ? 0 : Number.NaN;
  }
  const up = upsampleArray(residual, cw, ch, 2, interp);
  const base = upsampleArray(lst, cw, ch, 2, 'bicubic');
  const out = new Float32Array(up.length);
  for (let i = 0; i < out.length; i++) {
    const p = fineRegression[i];
    out[i] = p === p && up[i] === up[i] ? p + up[i] : base[i];
  }
  return out;
}

/** Indices of coarse pixels whose within-block heterogeneity is at most the `quantile` of all. */
export function homogeneousMask(heterogeneity: Float32Array, valid: Uint8Array, quantile: number): Uint8Array {
  const vals: number[] = [];
  for (let i = 0; i < heterogeneity.length; i++) if (valid[i] && heterogeneity[i] === heterogeneity[i]) vals.push(heterogeneity[i]);
  const mask = new Uint8Array(heterogeneity.length);
  if (vals.length === 0) return mask;
  vals.sort((a, b) => a - b);
  const cut = vals[Math.min(vals.length - 1, Math.floor(quantile * (vals.length - 1)))];
  for (let i = 0; i < mask.length; i++) mask[i] = valid[i] && heterogeneity[i] <= cut ? 1 : 0;
  return mask;
}
