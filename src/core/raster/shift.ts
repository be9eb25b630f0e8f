// Sub-pixel shifts of a field and the correlation used to find them.

/** Pearson correlation over pixels valid in both; NaN with fewer than 30. */
export function correlation(a: Float32Array, b: Float32Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== x || y !== y) continue;
    n++;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  if (n < 30) return Number.NaN;
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : Number.NaN;
}

/** Samples a field at (x + dx, y + dy) (pixel units) bilinearly; NaN outside or next to NaN. */
export function shiftBilinear(v: Float32Array, w: number, h: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(v.length).fill(Number.NaN);
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    const y0 = Math.floor(sy);
    const ty = sy - y0;
    if (y0 < 0 || y0 + 1 >= h) continue;
    for (let x = 0; x < w; x++) {
      const sx = x + dx;
      const x0 = Math.floor(sx);
      const tx = sx - x0;
      if (x0 < 0 || x0 + 1 >= w) continue;
      const a = v[y0 * w + x0];
      const b = v[y0 * w + x0 + 1];
      const c = v[(y0 + 1) * w + x0];
      const d = v[(y0 + 1) * w + x0 + 1];
      out[y * w + x] = (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * c + tx * d);
    }
  }
  return out;
}
