// Focal (moving-window) statistics of a field with NaN gaps.

import { f32Of, f64Of, type Scratch } from '../scratch.ts';

/**
 * Masked box mean via an integral image; where the window has no valid pixel returns NaN. With
 * `scratch`, the integral images and the result (role `role`) are its arrays.
 */
export function maskedBoxMean(v: Float32Array, w: number, h: number, k: number, scratch?: Scratch, role = 'boxMean'): Float32Array {
  const r = (k - 1) >> 1;
  const W = w + 1;
  const sum = f64Of(scratch, 'boxMean.sum', W * (h + 1));
  const cnt = f64Of(scratch, 'boxMean.count', W * (h + 1));
  for (let y = 0; y < h; y++) {
    let rs = 0;
    let rc = 0;
    for (let x = 0; x < w; x++) {
      const a = v[y * w + x];
      if (!Number.isNaN(a)) {
        rs += a;
        rc += 1;
      }
      sum[(y + 1) * W + x + 1] = sum[y * W + x + 1] + rs;
      cnt[(y + 1) * W + x + 1] = cnt[y * W + x + 1] + rc;
    }
  }
  const out = f32Of(scratch, role, w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const c = cnt[y1 * W + x1] - cnt[y0 * W + x1] - cnt[y1 * W + x0] + cnt[y0 * W + x0];
      const s = sum[y1 * W + x1] - sum[y0 * W + x1] - sum[y1 * W + x0] + sum[y0 * W + x0];
      out[y * w + x] = c > 0 ? s / c : Number.NaN;
    }
  }
  return out;
}
