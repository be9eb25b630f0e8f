import { keysTaps } from '../core/raster/resample.ts';
import { MODEL_AUX, INPUT_CHANNELS, type ModelAuxName } from './srda-net.ts';
import { maskedBoxMean } from '../core/raster/focal.ts';
import { meanOfValid4 } from '../core/raster/aggregate.ts';
import { f32Of, u8Of, type Scratch } from '../core/scratch.ts';

/** LST normalisation scale: the network sees (LST - local mean) / LST_SCALE_K. */
export const LST_SCALE_K = 10;
/** Window (coarse px, odd) of the local mean removed from LST and DEM. */
export const NORM_WINDOW_PX = 15;

/**
 * A whole scene prepared once for the network (all arrays row-major, coarse `w` x `h`, fine
 * `2w` x `2h`). Tiles and training patches read windows of it, so tiled and untiled inputs agree.
 */
export interface PreparedScene {
  w: number;
  h: number;
  /** Coarse LST in K with gaps filled by the local mean (no NaN). */
  lstFilled: Float32Array;
  /** 1 where the coarse LST was valid. */
  lstMask: Uint8Array;
  /** Local mean (NORM_WINDOW_PX box over valid pixels) of the coarse LST, K. */
  lstMean: Float32Array;
  /** Fine auxiliary layers normalised to the model's ranges, NaN invalid; absent = undefined. */
  aux: Partial<Record<ModelAuxName, Float32Array>>;
}

/** Fine auxiliary layers in physical units (NDVI, NDWI unitless, albedo and reflectance 0..1, DEM metres), NaN invalid. */
export type FineAux = Partial<Record<ModelAuxName, Float32Array>>;

/** Block mean (factor 2) of a fine field over its valid pixels; NaN where a block has none. Into `out` where given. */
export function blockMean2(fine: Float32Array, w: number, h: number, out: Float32Array = new Float32Array(w * h)): Float32Array {
  const fw = 2 * w;
  for (let y = 0; y < h; y++) {
    const top = 2 * y * fw;
    const o = y * w;
    for (let x = 0; x < w; x++) {
      const i = top + 2 * x;
      out[o + x] = meanOfValid4(fine[i], fine[i + 1], fine[i + fw], fine[i + fw + 1], 1);
    }
  }
  return out;
}

function fillNaN(v: Float32Array, fallback: Float32Array, last: number, out: Float32Array): Float32Array {
  for (let i = 0; i < v.length; i++) {
    const a = v[i];
    out[i] = Number.isNaN(a) ? (Number.isNaN(fallback[i]) ? last : fallback[i]) : a;
  }
  return out;
}

function sceneMean(v: Float32Array): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isNaN(v[i])) {
      s += v[i];
      c++;
    }
  }
  return c > 0 ? s / c : 0;
}

/** A coarse window, rows [y0, y1) x cols [x0, x1). */
export interface CoarseWindow {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * Builds the network's inputs for a whole stage: fills LST gaps, computes local means, normalises
 * auxiliary layers (NDVI, NDWI clipped to -1..1; albedo and red/NIR/SWIR reflectance clipped to
 * 0..1, then (a - 0.2) * 5; DEM anomaly from its local mean, per 100 m).
 * @param coarseLstK coarse LST in K, `w*h`, NaN invalid
 * @param fineAux fine layers, `4*w*h` each
 * @param region the coarse window the caller reads input windows from (`buildInputWindow`): the
 *   auxiliary layers are normalised there only (0 elsewhere). The coarse LST fields and the local
 *   means are always whole, so every value inside is the same as without `region`.
 * @param scratch where the scene's arrays are taken from (a tile worker's, kept from tile to tile):
 *   the result is then valid until the next call with the same pool.
 */
export function buildNetworkInputs(coarseLstK: Float32Array, w: number, h: number, fineAux: FineAux, region?: CoarseWindow, scratch?: Scratch): PreparedScene {
  const lstMean0 = maskedBoxMean(coarseLstK, w, h, NORM_WINDOW_PX, scratch, 'inputs.lstMean0');
  const mean = sceneMean(coarseLstK);
  const lstMean = fillNaN(lstMean0, lstMean0, mean, f32Of(scratch, 'inputs.lstMean', w * h));
  const lstFilled = fillNaN(coarseLstK, lstMean, mean, f32Of(scratch, 'inputs.lstFilled', w * h));
  const lstMask = u8Of(scratch, 'inputs.lstMask', w * h);
  for (let i = 0; i < lstMask.length; i++) lstMask[i] = Number.isNaN(coarseLstK[i]) ? 0 : 1;
  const { y0, y1, x0, x1 } = region ?? { y0: 0, y1: h, x0: 0, x1: w };
  const fw = 2 * w;
  const aux: FineAux = {};
  for (const name of MODEL_AUX) {
    const src = fineAux[name];
    if (!src) continue;
    const n = f32Of(scratch, `inputs.${name}`, src.length);
    // The DEM's local mean over the whole input (the box means' sums run from its corner).
    const local = name === 'dem' ? maskedBoxMean(blockMean2(src, w, h, f32Of(scratch, 'inputs.demCoarse', w * h)), w, h, NORM_WINDOW_PX, scratch, 'inputs.demMean') : undefined;
    // The fine rows and columns of `region`.
    for (let fy = 2 * y0; fy < 2 * y1; fy++) {
      const row = fy * fw;
      const a = row + 2 * x0;
      const b = row + 2 * x1;
      if (local) {
        const lrow = (fy >> 1) * w;
        for (let fx = 2 * x0; fx < 2 * x1; fx++) n[row + fx] = (src[row + fx] - local[lrow + (fx >> 1)]) / 100;
      } else if (name === 'albedo' || name === 'red' || name === 'nir' || name === 'swir') {
        for (let i = a; i < b; i++) n[i] = (Math.min(1, Math.max(0, src[i])) - 0.2) * 5;
      } else {
        for (let i = a; i < b; i++) n[i] = Math.min(1, Math.max(-1, src[i]));
      }
    }
    aux[name] = n; // NaN stays NaN through min/max
  }
  return { w, h, lstFilled, lstMask, lstMean, aux };
}

/** Keys cubic (a = -0.5) weights of the factor-2 upsample: even fine index taps j-2..j+1, odd j-1..j+2. */
const W_EVEN = keysTaps(0.75);
const W_ODD = keysTaps(0.25);

/**
 * Bicubic factor-2 upsample (pixel-centre aligned, edges clamped) of a coarse field over the
 * coarse window rows [y0, y1) x cols [x0, x1); returns the fine window (2*(y1-y0) x 2*(x1-x0)).
 * Reads outside the window (up to 2 px) from the whole field, so windows agree with the whole.
 * With `scratch`, its arrays (the result valid until the next call with the same pool).
 */
export function bicubicUp2Window(v: Float32Array, w: number, h: number, y0: number, y1: number, x0: number, x1: number, scratch?: Scratch): Float32Array {
  const ww = x1 - x0;
  const wh = y1 - y0;
  const rows = wh + 4;
  const fw = 2 * ww;
  const tmp = f32Of(scratch, 'bicubicWindow.tmp', rows * fw);
  const [e0, e1, e2, e3] = W_EVEN;
  const [o0, o1, o2, o3] = W_ODD;
  // A coarse row's window plus 2 px either side, edges clamped: even fine index 2j reads pad[j..j+3],
  // odd 2j+1 pad[j+1..j+4]. Each sum starts from 0 and adds the taps in order, as a loop would.
  const pad = f32Of(scratch, 'bicubicWindow.pad', ww + 4);
  for (let r = 0; r < rows; r++) {
    const y = y0 - 2 + r;
    const row = (y < 0 ? 0 : y >= h ? h - 1 : y) * w;
    for (let k = 0; k < ww + 4; k++) {
      const x = x0 - 2 + k;
      pad[k] = v[row + (x < 0 ? 0 : x >= w ? w - 1 : x)];
    }
    const t0 = r * fw;
    for (let j = 0; j < ww; j++) {
      const a = pad[j];
      const b = pad[j + 1];
      const c = pad[j + 2];
      const d = pad[j + 3];
      tmp[t0 + 2 * j] = 0 + e0 * a + e1 * b + e2 * c + e3 * d;
      tmp[t0 + 2 * j + 1] = 0 + o0 * b + o1 * c + o2 * d + o3 * pad[j + 4];
    }
  }
  const out = f32Of(scratch, 'bicubicWindow', 4 * ww * wh);
  for (let i = 0; i < 2 * wh; i++) {
    const j = i >> 1; // window-relative coarse row; tmp row index = j + 2
    const odd = i & 1;
    const [w0, w1, w2, w3] = odd ? W_ODD : W_EVEN;
    const r0 = ((odd ? j - 1 : j - 2) + 2) * fw;
    const r1 = r0 + fw;
    const r2 = r1 + fw;
    const r3 = r2 + fw;
    const o = i * fw;
    for (let x = 0; x < fw; x++) out[o + x] = 0 + w0 * tmp[r0 + x] + w1 * tmp[r1 + x] + w2 * tmp[r2 + x] + w3 * tmp[r3 + x];
  }
  return out;
}

/** First of the 4 sub-pixel input channels of auxiliary layer `a` (index in MODEL_AUX). */
export const auxChannel = (a: number): number => 6 + 4 * a;
/** The availability-mask input channel of auxiliary layer `a` (index in MODEL_AUX). */
export const auxMaskChannel = (a: number): number => 6 + 4 * MODEL_AUX.length + a;

/** A network input window: `data` is [wh, ww, channels]; `bicubic` the fine upsample (K). */
export interface InputWindow {
  data: Float32Array;
  bicubic: Float32Array;
  ww: number;
  wh: number;
  /** Channels per pixel of `data`: INPUT_CHANNELS, or fewer in the compact layout. */
  channels: number;
}

/**
 * The input channels (of the INPUT_CHANNELS layout) that can be non-zero when the layers `present`
 * are: LST's 6, then the 4 sub-pixels of each present layer, then their masks, in MODEL_AUX order.
 * The compact layout of `buildInputWindow` holds these channels in this order.
 */
export function presentChannels(present: readonly ModelAuxName[]): number[] {
  const layers = MODEL_AUX.map((name, a) => (present.includes(name) ? a : -1)).filter((a) => a >= 0);
  return [0, 1, 2, 3, 4, 5, ...layers.flatMap((a) => [0, 1, 2, 3].map((q) => auxChannel(a) + q)), ...layers.map(auxMaskChannel)];
}

/**
 * Builds the network input for the coarse window rows [y0,y1) x cols [x0,x1) of a prepared scene.
 * `dropAux` removes layers as if absent (training-time channel dropout). `compact`: only the
 * channels of the layers present (`presentChannels`), which are the only ones that can be non-zero
 * (an absent layer's channels are zeros, its mask 0); otherwise all INPUT_CHANNELS. With
 * `scratch`, the window's arrays are its own (valid until the next call with the same pool).
 * `dataOf`: where the network input is written (`wh x ww x channels` zeros, e.g. a tensor's memory in
 * the wasm heap) instead of an array of its own.
 */
export function buildInputWindow(s: PreparedScene, y0: number, y1: number, x0: number, x1: number, dropAux?: ReadonlySet<ModelAuxName>, compact = false, scratch?: Scratch, dataOf?: (wh: number, ww: number, channels: number) => Float32Array): InputWindow {
  const ww = x1 - x0;
  const wh = y1 - y0;
  const bicubic = bicubicUp2Window(s.lstFilled, s.w, s.h, y0, y1, x0, x1, scratch);
  const used = MODEL_AUX.filter((name) => s.aux[name] && !dropAux?.has(name));
  const C = compact ? 6 + 5 * used.length : INPUT_CHANNELS;
  const data = dataOf ? dataOf(wh, ww, C) : f32Of(scratch, 'inputWindow', ww * wh * C);
  const fw = 2 * s.w;
  const bw = 2 * ww;
  for (let y = 0; y < wh; y++) {
    for (let x = 0; x < ww; x++) {
      const ci = (y0 + y) * s.w + x0 + x;
      const o = (y * ww + x) * C;
      const m = s.lstMean[ci];
      const b = 2 * y * bw + 2 * x;
      data[o] = (s.lstFilled[ci] - m) / LST_SCALE_K;
      data[o + 1] = s.lstMask[ci];
      data[o + 2] = (bicubic[b] - m) / LST_SCALE_K;
      data[o + 3] = (bicubic[b + 1] - m) / LST_SCALE_K;
      data[o + 4] = (bicubic[b + bw] - m) / LST_SCALE_K;
      data[o + 5] = (bicubic[b + bw + 1] - m) / LST_SCALE_K;
    }
  }
  // One pass per auxiliary layer (not a closure per pixel): this runs for every tile of every stage.
  for (let k = 0; k < used.length; k++) {
    const a = MODEL_AUX.indexOf(used[k]);
    const src = s.aux[used[k]]!;
    const ch = compact ? 6 + 4 * k : auxChannel(a);
    const maskCh = compact ? 6 + 4 * used.length + k : auxMaskChannel(a);
    for (let y = 0; y < wh; y++) {
      const row0 = 2 * (y0 + y) * fw;
      for (let x = 0; x < ww; x++) {
        const o = (y * ww + x) * C;
        const f = row0 + 2 * (x0 + x);
        let valid = 0;
        const v0 = src[f];
        const v1 = src[f + 1];
        const v2 = src[f + fw];
        const v3 = src[f + fw + 1];
        if (v0 === v0) {
          data[o + ch] = v0;
          valid++;
        }
        if (v1 === v1) {
          data[o + ch + 1] = v1;
          valid++;
        }
        if (v2 === v2) {
          data[o + ch + 2] = v2;
          valid++;
        }
        if (v3 === v3) {
          data[o + ch + 3] = v3;
          valid++;
        }
        data[o + maskCh] = valid / 4;
      }
    }
  }
  return { data, bicubic, ww, wh, channels: C };
}
