import { meanOfValid4 } from '../core/raster/aggregate.ts';
import type { StagePrediction } from './method.ts';

/** bicubic + alpha x (srda - bicubic), per pixel (NaN where either is). A new array. */
export function mixDetail(bicubic: Float32Array, srda: Float32Array, alpha: number): Float32Array {
  const out = new Float32Array(srda.length);
  for (let i = 0; i < out.length; i++) out[i] = bicubic[i] + alpha * (srda[i] - bicubic[i]);
  return out;
}

/**
 * ((1 - alpha) d)^2 per pixel, d = SRDA-Net - bicubic minus its 2x2 block mean (over the pixels
 * where d is a number): the variance of the detail the mix drops, after residual correction. NaN
 * where d is NaN. Layout as `weightedSigma`.
 */
export function droppedDetailVariance(srda: Float32Array, bicubic: Float32Array, alpha: number, fineWidth: number): Float32Array {
  const out = new Float32Array(srda.length);
  const w = fineWidth;
  const k = 1 - Math.min(1, Math.max(0, alpha));
  for (let r = 0; r < srda.length / w; r += 2) {
    for (let c = 0; c < w; c += 2) {
      const i0 = r * w + c;
      const i2 = i0 + w;
      const d0 = srda[i0] - bicubic[i0];
      const d1 = srda[i0 + 1] - bicubic[i0 + 1];
      const d2 = srda[i2] - bicubic[i2];
      const d3 = srda[i2 + 1] - bicubic[i2 + 1];
      // The valid ones summed in block order (top-left, top-right, bottom-left, bottom-right); where
      // none is, every d is NaN and so is what follows.
      const mean = meanOfValid4(d0, d1, d2, d3, 1);
      const e0 = k * (d0 - mean);
      const e1 = k * (d1 - mean);
      const e2 = k * (d2 - mean);
      const e3 = k * (d3 - mean);
      out[i0] = e0 * e0;
      out[i0 + 1] = e1 * e1;
      out[i2] = e2 * e2;
      out[i2 + 1] = e3 * e3;
    }
  }
  return out;
}

/**
 * The standard deviation (K) of bicubic + alpha x (SRDA-Net - bicubic) after residual correction,
 * from SRDA-Net's own `sigma` (calibrated for SRDA-Net's corrected output): SRDA-Net is trained as
 * the conditional mean, so its error is uncorrelated with its detail d = SRDA-Net - bicubic, and the
 * weighted output's error, SRDA-Net's error + (1 - alpha) d, has variance
 * sigma^2 + ((1 - alpha) d)^2. d is taken after the correction (minus its 2x2 block mean, which
 * the linear correction removes). This is one stage's; the runner adds what earlier stages dropped.
 * Layout: row-major on a fine grid `fineWidth` wide, an even number of rows and columns (a stage's
 * output); NaN where any input is NaN.
 */
export function weightedSigma(sigma: Float32Array, srda: Float32Array, bicubic: Float32Array, alpha: number, fineWidth: number): Float32Array {
  const dropped = droppedDetailVariance(srda, bicubic, alpha, fineWidth);
  return sigma.map((s, i) => Math.sqrt(s * s + dropped[i]));
}

/**
 * One tile's detail-weighted prediction from SRDA-Net's (`pred`) and bicubic's output on it:
 * LST bicubic + alpha x (SRDA-Net - bicubic), its sigma (`weightedSigma`), and the dropped detail's
 * variance as `carriedVarK2` (0 where NaN) for the runner to carry into later stages. `alpha` is
 * used as given (clip it first). Row-major on a fine grid `fineWidth` wide.
 */
export function weightDetail(pred: StagePrediction, bicubic: Float32Array, alpha: number, fineWidth: number): StagePrediction {
  const dropped = droppedDetailVariance(pred.lstK, bicubic, alpha, fineWidth);
  const sigmaK = new Float32Array(dropped.length);
  const carriedVarK2 = new Float32Array(dropped.length);
  const sigma = pred.sigmaK;
  // Loops rather than TypedArray.map (a call per pixel): this runs for every tile.
  for (let i = 0; i < dropped.length; i++) {
    const v = dropped[i];
    sigmaK[i] = Math.sqrt(sigma[i] * sigma[i] + v);
    // The dropped detail also reaches the next stages inside their input: the runner carries it on.
    carriedVarK2[i] = v === v ? v : 0;
  }
  return { lstK: mixDetail(bicubic, pred.lstK, alpha), sigmaK, carriedVarK2 };
}
