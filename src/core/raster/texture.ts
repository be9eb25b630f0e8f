/**
 * Each fine pixel minus the mean of the valid pixels of its `f` x `f` block; NaN in blocks with
 * fewer than `minValid` valid pixels (and where the pixel is NaN).
 */
export function blockTexture(v: Float32Array, fw: number, fh: number, f: number, minValid: number): Float32Array {
  const out = new Float32Array(v.length).fill(Number.NaN);
  for (let by = 0; by < Math.floor(fh / f); by++) {
    for (let bx = 0; bx < Math.floor(fw / f); bx++) {
      let s = 0;
      let c = 0;
      for (let y = by * f; y < by * f + f; y++) {
        for (let x = bx * f; x < bx * f + f; x++) {
          const a = v[y * fw + x];
          if (a === a) {
            s += a;
            c++;
          }
        }
      }
      if (c < minValid) continue;
      const m = s / c;
      for (let y = by * f; y < by * f + f; y++) for (let x = bx * f; x < bx * f + f; x++) out[y * fw + x] = v[y * fw + x] - m;
    }
  }
  return out;
}
