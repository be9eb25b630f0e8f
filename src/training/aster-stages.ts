import { bicubicUp2Window, blockMean2 } from '../model/inputs.ts';
import { makePair, type ClosedLoopPair } from '../model/patches.ts';
import type { AsterPair } from './aster-pairs.ts';

/** Bicubic factor-2 upsample of a whole coarse field with residual correction (2x2 means equal the input). */
export function bicubicRc2(coarse: Float32Array, w: number, h: number): Float32Array {
  const up = bicubicUp2Window(coarse, w, h, 0, h, 0, w);
  const fw = 2 * w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * fw + 2 * x;
      const d = coarse[y * w + x] - (up[i] + up[i + 1] + up[i + fw] + up[i + fw + 1]) / 4;
      up[i] += d;
      up[i + 1] += d;
      up[i + fw] += d;
      up[i + fw + 1] += d;
    }
  }
  return up;
}

/**
 * The two training stages of a MODIS-ASTER pair at the real scale:
 * stage 1, 1 km -> 500 m (MODIS in; the target's 500 m means out; NDVI at 500 m), and
 * stage 2, 500 m -> 250 m (the target's 500 m means in, bicubic + residual correction of MODIS
 * where ASTER has no data; the 250 m target out; NDVI at 250 m).
 */
export function asterStagePairs(p: AsterPair): [ClosedLoopPair, ClosedLoopPair] {
  const { w, h } = p;
  const t500 = blockMean2(p.targetK, 2 * w, 2 * h);
  const ndvi500 = blockMean2(p.ndvi, 2 * w, 2 * h);
  // A 500 m pixel of the target counts only when all 4 of its 250 m pixels are valid.
  const full = blockMean2(
    p.targetK.map((v) => (Number.isNaN(v) ? 1 : 0)),
    2 * w,
    2 * h,
  );
  for (let i = 0; i < t500.length; i++) if (full[i] > 0) t500[i] = Number.NaN;
  const stage1 = makePair(`${p.id}@1km`, p.modisK, w, h, t500, { ndvi: ndvi500 });
  const base = bicubicRc2(p.modisK, w, h);
  const in500 = new Float32Array(t500.length);
  for (let i = 0; i < in500.length; i++) in500[i] = Number.isNaN(t500[i]) ? base[i] : t500[i];
  const stage2 = makePair(`${p.id}@500m`, in500, 2 * w, 2 * h, p.targetK, { ndvi: p.ndvi });
  return [stage1, stage2];
}
