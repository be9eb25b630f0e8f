import { orientArray, orientedSize } from '../core/raster/orient.ts';
import { buildInputWindow, LST_SCALE_K, buildNetworkInputs, type FineAux, type PreparedScene } from './inputs.ts';
import { INPUT_CHANNELS, type ModelAuxName } from './srda-net.ts';
import type { TrainBatch } from './train.ts';

/**
 * A closed-loop training pair: coarse LST (the network input) and the fine LST it came from
 * (the truth), with fine auxiliary layers. Coarse `w` x `h`, fine `2w` x `2h`.
 */
export interface ClosedLoopPair {
  name: string;
  w: number;
  h: number;
  prepared: PreparedScene;
  /** Fine truth in K, NaN invalid. */
  truthK: Float32Array;
}

/** Builds a training pair from coarse LST, fine truth and fine auxiliary layers (physical units). */
export function makePair(name: string, coarseLstK: Float32Array, w: number, h: number, truthK: Float32Array, fineAux: FineAux): ClosedLoopPair {
  return { name, w, h, prepared: buildNetworkInputs(coarseLstK, w, h, fineAux), truthK };
}

/**
 * `pair` in orientation `k` (core/raster/orient.ts; 0 = the pair itself): every coarse and fine
 * field mirrored / transposed alike. The network's input preparation (box means, bicubic, block
 * structure) commutes with the orientations, so this is the pair the oriented scene would give,
 * up to float rounding, at no cost of preparing it again.
 */
export function orientPair(pair: ClosedLoopPair, k: number): ClosedLoopPair {
  if (k === 0) return pair;
  const { w, h } = pair;
  const s = pair.prepared;
  const c = <A extends Float32Array | Uint8Array>(a: A) => orientArray(a, w, h, k);
  const f = (a: Float32Array) => orientArray(a, 2 * w, 2 * h, k);
  const aux: PreparedScene['aux'] = {};
  for (const [name, a] of Object.entries(s.aux) as [ModelAuxName, Float32Array | undefined][]) if (a) aux[name] = f(a);
  const o = orientedSize(w, h, k);
  return { name: `${pair.name}~${k}`, w: o.w, h: o.h, prepared: { w: o.w, h: o.h, lstFilled: c(s.lstFilled), lstMask: c(s.lstMask), lstMean: c(s.lstMean), aux }, truthK: f(pair.truthK) };
}

/** Allocates an empty batch of `n` patches of `p` x `p` coarse pixels. */
export function allocBatch(n: number, p: number): TrainBatch {
  return {
    n,
    h: p,
    w: p,
    input: new Float32Array(n * p * p * INPUT_CHANNELS),
    bicubicN: new Float32Array(n * 4 * p * p),
    truthN: new Float32Array(n * 4 * p * p),
    fineMask: new Float32Array(n * 4 * p * p),
  };
}

/**
 * Writes patch `b` of `batch`: the coarse window at (`y0`, `x0`) of size batch.h x batch.w of
 * `pair`, with the auxiliary layers in `dropAux` removed. The window may stick out of the pair
 * (scenes smaller than a patch): the outside is zero with masks 0, like padding at a tile edge.
 * Returns the fraction of the patch's fine pixels with valid truth.
 */
export function writePatch(batch: TrainBatch, b: number, pair: ClosedLoopPair, y0: number, x0: number, dropAux?: ReadonlySet<ModelAuxName>): number {
  const p = batch.h;
  const s = pair.prepared;
  const cy0 = Math.max(0, y0);
  const cy1 = Math.min(s.h, y0 + p);
  const cx0 = Math.max(0, x0);
  const cx1 = Math.min(s.w, x0 + p);
  const fp = 2 * p;
  const off = b * fp * fp;
  const inOff = b * p * p * INPUT_CHANNELS;
  batch.input.fill(0, inOff, inOff + p * p * INPUT_CHANNELS);
  batch.bicubicN.fill(0, off, off + fp * fp);
  batch.truthN.fill(0, off, off + fp * fp);
  batch.fineMask.fill(0, off, off + fp * fp);
  if (cy1 <= cy0 || cx1 <= cx0) return 0;
  const win = buildInputWindow(s, cy0, cy1, cx0, cx1, dropAux);
  const ww = cx1 - cx0;
  for (let y = 0; y < cy1 - cy0; y++) {
    const src = y * ww * INPUT_CHANNELS;
    batch.input.set(win.data.subarray(src, src + ww * INPUT_CHANNELS), inOff + ((cy0 - y0 + y) * p + (cx0 - x0)) * INPUT_CHANNELS);
  }
  let valid = 0;
  for (let fy = 0; fy < 2 * (cy1 - cy0); fy++) {
    for (let fx = 0; fx < 2 * ww; fx++) {
      const gy = 2 * cy0 + fy;
      const gx = 2 * cx0 + fx;
      const m = s.lstMean[(gy >> 1) * s.w + (gx >> 1)];
      const bic = (win.bicubic[fy * 2 * ww + fx] - m) / LST_SCALE_K;
      const t = pair.truthK[gy * 2 * s.w + gx];
      const ok = !Number.isNaN(t);
      const o = off + (gy - 2 * y0) * fp + (gx - 2 * x0);
      batch.bicubicN[o] = bic;
      batch.truthN[o] = ok ? (t - m) / LST_SCALE_K : bic;
      batch.fineMask[o] = ok ? 1 : 0;
      if (ok) valid++;
    }
  }
  return valid / (fp * fp);
}
