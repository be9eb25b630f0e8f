/** Float32 NaN (any payload): exponent all ones and a non-zero fraction. */
const isNaNBits = (w: number): boolean => (w & 0x7fffffff) > 0x7f800000;

/** Per-byte difference `a - b` (mod 256) of the four bytes of two 32-bit words, in one subtraction (SWAR). */
const byteDiff = (a: number, b: number): number => ((a | 0x80808080) - (b & 0x7f7f7f7f)) ^ ((a ^ ~b) & 0x80808080);

/**
 * Cuts row `ty` of `ts`x`ts` tiles out of one band, each a byte array of its own (a new buffer, or
 * `buffer(4 ts^2)`'s, every byte of which it writes): NaN -> nodata, edge
 * tiles padded with nodata, and with `predictor` 3 the TIFF floating-point predictor (byte planes
 * MSB first, then byte differences along the row, each plane's first byte following the previous
 * plane's last). One pass over the source words per tile: four pixels make one little-endian word
 * of each plane, differenced by a per-byte subtraction and stored as a word.
 */
export function* cutTileRow(
  data: Float32Array,
  width: number,
  height: number,
  ty: number,
  ts: number,
  nodata: number,
  predictor: number,
  buffer: (byteLength: number) => ArrayBuffer = (n) => new ArrayBuffer(n),
): Generator<Uint8Array, void, void> {
  // One padded row of the tile, as words (NaN already replaced), shared by the row's tiles.
  const row = new Uint32Array(ts);
  for (let tx = 0; tx < Math.ceil(width / ts); tx++) yield cutTile(data, width, height, ty, tx, ts, nodata, predictor, row, buffer);
}

/** Tile `tx` of `cutTileRow`'s row `ty`, the same bytes. `row`: `ts` words of scratch, where the caller has them. */
export function cutTile(
  data: Float32Array,
  width: number,
  height: number,
  ty: number,
  tx: number,
  ts: number,
  nodata: number,
  predictor: number,
  row = new Uint32Array(ts),
  buffer: (byteLength: number) => ArrayBuffer = (n) => new ArrayBuffer(n),
): Uint8Array {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const fill = new Uint32Array(new Float32Array([nodata]).buffer)[0];
  const rows = Math.min(ts, height - ty * ts);
  const cols = Math.min(ts, width - tx * ts);
  const out = new Uint32Array(buffer(4 * ts * ts), 0, ts * ts);
  if (cols < ts) row.fill(fill, cols);
  for (let r = 0; r < ts; r++) {
    if (r < rows && cols === ts && predictor === 3) {
      // A whole row of the source: read where it lies, without the padded copy.
      predictRow(words, (ty * ts + r) * width + tx * ts, ts, out, r * ts, fill);
      continue;
    }
    if (r < rows) {
      const src = (ty * ts + r) * width + tx * ts;
      for (let c = 0; c < cols; c++) {
        const w = words[src + c];
        row[c] = isNaNBits(w) ? fill : w;
      }
    } else if (r === rows) row.fill(fill);
    if (predictor === 3) predictRow(row, 0, ts, out, r * ts, fill);
    else out.set(row, r * ts);
  }
  return new Uint8Array(out.buffer, 0, 4 * ts * ts);
}

/**
 * One tile row of float words (`n` words of `src` from `from`, NaN -> `fill`) -> the predictor's
 * bytes at word `at` of `out` (`n` a multiple of 4): plane k (byte 3 - k of each word, MSB first)
 * at bytes `4 * at + k * n`, each byte minus the one before it in that order.
 */
function predictRow(src: Uint32Array, from: number, n: number, out: Uint32Array, at: number, fill: number): void {
  const q = n >> 2;
  const lastWord = src[from + n - 1];
  const last = isNaNBits(lastWord) ? fill : lastWord;
  // The byte before each plane: none (0) for the first, the row's last word's byte of the plane before.
  let p0 = 0;
  let p1 = last >>> 24;
  let p2 = (last >>> 16) & 0xff;
  let p3 = (last >>> 8) & 0xff;
  for (let j = 0; j < q; j++) {
    const s = from + 4 * j;
    let w0 = src[s];
    let w1 = src[s + 1];
    let w2 = src[s + 2];
    let w3 = src[s + 3];
    if (isNaNBits(w0)) w0 = fill;
    if (isNaNBits(w1)) w1 = fill;
    if (isNaNBits(w2)) w2 = fill;
    if (isNaNBits(w3)) w3 = fill;
    const a0 = (w0 >>> 24) | ((w1 >>> 24) << 8) | ((w2 >>> 24) << 16) | ((w3 >>> 24) << 24);
    const a1 = ((w0 >>> 16) & 0xff) | ((w1 >>> 8) & 0xff00) | (w2 & 0xff0000) | ((w3 << 8) & 0xff000000);
    const a2 = ((w0 >>> 8) & 0xff) | (w1 & 0xff00) | ((w2 << 8) & 0xff0000) | ((w3 << 16) & 0xff000000);
    const a3 = (w0 & 0xff) | ((w1 & 0xff) << 8) | ((w2 & 0xff) << 16) | (w3 << 24);
    out[at + j] = byteDiff(a0, (a0 << 8) | p0);
    out[at + q + j] = byteDiff(a1, (a1 << 8) | p1);
    out[at + 2 * q + j] = byteDiff(a2, (a2 << 8) | p2);
    out[at + 3 * q + j] = byteDiff(a3, (a3 << 8) | p3);
    p0 = a0 >>> 24;
    p1 = a1 >>> 24;
    p2 = a2 >>> 24;
    p3 = a3 >>> 24;
  }
}
