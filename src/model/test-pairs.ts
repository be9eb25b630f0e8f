/** A 12 x 10 coarse scene (tests of patches and the sampler) with one gap, its 24 x 20 truth and NDVI / DEM. */
export function rawScene() {
  const w = 12;
  const h = 10;
  const truth = Float32Array.from({ length: 4 * w * h }, (_, i) => 290 + 6 * Math.sin(i * 0.37) + (i % 7));
  const coarse = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 2 * y * 2 * w + 2 * x;
      coarse[y * w + x] = (truth[i] + truth[i + 1] + truth[i + 2 * w] + truth[i + 2 * w + 1]) / 4;
    }
  coarse[3 * w + 4] = Number.NaN;
  const ndvi = Float32Array.from(truth, (t) => (300 - t) / 20);
  const dem = Float32Array.from({ length: 4 * w * h }, (_, i) => 100 + (i % 31));
  return { w, h, truth, coarse, ndvi, dem };
}
