import { meanOfValid4 } from '../core/raster/aggregate.ts';
import { fillInvalid, kernelRadiusPx, keysTaps, upsampleHaloPx } from '../core/raster/resample.ts';
import { f32Of, f64Of, type Scratch } from '../core/scratch.ts';
import type { StageInput, StagePrediction } from './method.ts';

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

/** Keys weights of the factor-2 upsample: even fine index 2j taps j-2..j+1, odd 2j+1 taps j-1..j+2. */
const W_EVEN = keysTaps(0.75);
const W_ODD = keysTaps(0.25);

/**
 * `upsampleArray(v, w, h, 2, 'bicubic')` (the `bicubic` method) over the fine window `out` of it
 * only (fine px, even origin and size), bit for bit: the same gap filling (`fillInvalid`, 2 passes),
 * the same weights summed from 0 in tap order in double, float32 at the end, NaN under a NaN coarse
 * pixel; written out for factor 2 without per-tap index tables. With `scratch`, its arrays.
 */
function bicubicUp2(v: Float32Array, w: number, h: number, out: { col: number; row: number; width: number; height: number }, scratch?: Scratch): Float32Array {
  const src = fillInvalid(v, w, h, kernelRadiusPx('bicubic'), scratch);
  const ow = out.width;
  const cx0 = out.col >> 1;
  const tmp = f64Of(scratch, 'detail.bicubicRows', h * ow);
  const [e0, e1, e2, e3] = W_EVEN;
  const [o0, o1, o2, o3] = W_ODD;
  const cl = (x: number): number => (x < 0 ? 0 : x >= w ? w - 1 : x);
  for (let r = 0; r < h; r++) {
    const row = r * w;
    const t = r * ow;
    for (let k = 0; k < ow >> 1; k++) {
      const j = cx0 + k;
      const a = src[row + cl(j - 2)];
      const b = src[row + cl(j - 1)];
      const c = src[row + j];
      const d = src[row + cl(j + 1)];
      tmp[t + 2 * k] = 0 + e0 * a + e1 * b + e2 * c + e3 * d;
      tmp[t + 2 * k + 1] = 0 + o0 * b + o1 * c + o2 * d + o3 * src[row + cl(j + 2)];
    }
  }
  const res = f32Of(scratch, 'detail.bicubic', ow * out.height);
  const cy = (y: number): number => (y < 0 ? 0 : y >= h ? h - 1 : y) * ow;
  for (let i = 0; i < out.height; i++) {
    const fy = out.row + i;
    const j = fy >> 1;
    const odd = fy & 1;
    const [w0, w1, w2, w3] = odd ? W_ODD : W_EVEN;
    const base = odd ? j - 1 : j - 2;
    const r0 = cy(base);
    const r1 = cy(base + 1);
    const r2 = cy(base + 2);
    const r3 = cy(base + 3);
    const parent = j * w;
    const o = i * ow;
    for (let x = 0; x < ow; x++) {
      const p = v[parent + cx0 + (x >> 1)];
      res[o + x] = p !== p ? Number.NaN : 0 + w0 * tmp[r0 + x] + w1 * tmp[r1 + x] + w2 * tmp[r2 + x] + w3 * tmp[r3 + x];
    }
  }
  return res;
}

/**
 * `weightDetail` of one tile over its core only (`input.core`, the whole input when absent), which
 * is all the pipeline keeps of a tile: bicubic (the `bicubic` method's) is computed on the core from
 * the core plus the `upsampleHaloPx` its taps and gap filling read, cut from the tile (the same
 * values as bicubic of the whole tile there), and the mix, sigma and carried variance in one pass.
 * Equal to `weightDetail(pred, bicubic of the tile, ...)` in the core; outside it LST and sigma are
 * NaN and the carried variance 0. `pred` is on the tile's fine grid (`2 x` its coarse size).
 * `reuse`: LST and sigma are written into `pred`'s own arrays (a caller that owns them and needs
 * them no more, such as a tile worker), which outside the core keep what they held, and the
 * carried variance into `input.into.carriedVarK2` where given (zeroed first). The bicubic and
 * its work arrays are `input.scratch`'s where given.
 */
export function weightDetailCore(pred: StagePrediction, input: StageInput, alpha: number, reuse = false): StagePrediction {
  const { width: cw, height: ch, data } = input.coarseLst;
  const core = input.core ?? { col: 0, row: 0, width: cw, height: ch };
  // The coarse window bicubic reads for the core, cut from the tile.
  const m = upsampleHaloPx('bicubic');
  const bx0 = Math.max(0, core.col - m);
  const by0 = Math.max(0, core.row - m);
  const bw = Math.min(cw, core.col + core.width + m) - bx0;
  const bh = Math.min(ch, core.row + core.height + m) - by0;
  const cut = f32Of(input.scratch, 'detail.cut', bw * bh);
  for (let y = 0; y < bh; y++) cut.set(data.subarray((by0 + y) * cw + bx0, (by0 + y) * cw + bx0 + bw), y * bw);
  const bfw = 2 * core.width;
  const bic = bicubicUp2(cut, bw, bh, { col: 2 * (core.col - bx0), row: 2 * (core.row - by0), width: bfw, height: 2 * core.height }, input.scratch);
  const fw = 2 * cw;
  const n = 4 * cw * ch;
  // Each 2x2 block is read before it is written, so the output may be `pred`'s arrays.
  const lstK = reuse ? pred.lstK : new Float32Array(n).fill(Number.NaN);
  const sigmaK = reuse ? pred.sigmaK : new Float32Array(n).fill(Number.NaN);
  const carriedVarK2 = reuse && input.into?.carriedVarK2?.length === n ? input.into.carriedVarK2.fill(0) : new Float32Array(n);
  const { lstK: s, sigmaK: sd } = pred;
  const k = 1 - Math.min(1, Math.max(0, alpha));
  // Two fine rows (one coarse row) at a time, a 2x2 block per step, as droppedDetailVariance; the
  // dropped variance is rounded to float32 before it enters sigma, as there.
  for (let r = 2 * core.row; r < 2 * (core.row + core.height); r += 2) {
    for (let c = 2 * core.col; c < 2 * (core.col + core.width); c += 2) {
      const i0 = r * fw + c;
      const i2 = i0 + fw;
      const j0 = (r - 2 * core.row) * bfw + c - 2 * core.col;
      const j2 = j0 + bfw;
      const b0 = bic[j0];
      const b1 = bic[j0 + 1];
      const b2 = bic[j2];
      const b3 = bic[j2 + 1];
      const d0 = s[i0] - b0;
      const d1 = s[i0 + 1] - b1;
      const d2 = s[i2] - b2;
      const d3 = s[i2 + 1] - b3;
      const mean = meanOfValid4(d0, d1, d2, d3, 1);
      const e0 = k * (d0 - mean);
      const e1 = k * (d1 - mean);
      const e2 = k * (d2 - mean);
      const e3 = k * (d3 - mean);
      const v0 = Math.fround(e0 * e0);
      const v1 = Math.fround(e1 * e1);
      const v2 = Math.fround(e2 * e2);
      const v3 = Math.fround(e3 * e3);
      lstK[i0] = b0 + alpha * d0;
      lstK[i0 + 1] = b1 + alpha * d1;
      lstK[i2] = b2 + alpha * d2;
      lstK[i2 + 1] = b3 + alpha * d3;
      sigmaK[i0] = Math.sqrt(sd[i0] * sd[i0] + v0);
      sigmaK[i0 + 1] = Math.sqrt(sd[i0 + 1] * sd[i0 + 1] + v1);
      sigmaK[i2] = Math.sqrt(sd[i2] * sd[i2] + v2);
      sigmaK[i2 + 1] = Math.sqrt(sd[i2 + 1] * sd[i2 + 1] + v3);
      // The dropped detail also reaches the next stages inside their input: the runner carries it on.
      carriedVarK2[i0] = v0 === v0 ? v0 : 0;
      carriedVarK2[i0 + 1] = v1 === v1 ? v1 : 0;
      carriedVarK2[i2] = v2 === v2 ? v2 : 0;
      carriedVarK2[i2 + 1] = v3 === v3 ? v3 : 0;
    }
  }
  return { lstK, sigmaK, carriedVarK2 };
}
