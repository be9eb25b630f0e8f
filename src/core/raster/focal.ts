// Focal (moving-window) statistics of a field with NaN gaps.

/** Masked box mean via an integral image; where the window has no valid pixel returns NaN. */
export function maskedBoxMean(v: Float32Array, w: number, h: number, k: number): Float32Array {
  const r = (k - 1) >> 1;
  const W = w + 1;
  const sum = new Float64Array(W * (h + 1));
  // Counts are whole numbers: int32 holds them exactly, in half the memory of float64.
  const cnt = new Int32Array(W * (h + 1));
  for (let y = 0; y < h; y++) {
    let rs = 0;
    let rc = 0;
    const src = y * w;
    const up = y * W + 1;
    const at = up + W;
    for (let x = 0; x < w; x++) {
      const a = v[src + x];
      if (a === a) {
        rs += a;
        rc++;
      }
      sum[at + x] = sum[up + x] + rs;
      cnt[at + x] = cnt[up + x] + rc;
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const a = Math.max(0, y - r) * W;
    const b = Math.min(h, y + r + 1) * W;
    const o = y * w;
    for (let x = 0; x < w; x++) {
      const x0 = x < r ? 0 : x - r;
      const x1 = x + r + 1 > w ? w : x + r + 1;
      const c = cnt[b + x1] - cnt[a + x1] - cnt[b + x0] + cnt[a + x0];
      const s = sum[b + x1] - sum[a + x1] - sum[b + x0] + sum[a + x0];
      out[o + x] = c > 0 ? s / c : Number.NaN;
    }
  }
  return out;
}
