import { describe, expect, it } from 'vitest';
import { cutTileRow } from './tiff-cut.ts';

/** The TIFF floating-point predictor as the spec states it, byte by byte, on a whole tile. */
function referenceTile(data: Float32Array, width: number, height: number, tx: number, ty: number, ts: number, nodata: number, predictor: number): Uint8Array {
  const tile = new Float32Array(ts * ts).fill(nodata);
  for (let r = 0; r < ts; r++)
    for (let c = 0; c < ts; c++) {
      const y = ty * ts + r;
      const x = tx * ts + c;
      if (y < height && x < width) tile[r * ts + c] = Number.isNaN(data[y * width + x]) ? nodata : data[y * width + x];
    }
  const le = new Uint8Array(tile.buffer);
  if (predictor === 1) return le.slice();
  const out = new Uint8Array(ts * ts * 4);
  for (let r = 0; r < ts; r++) {
    const row = new Uint8Array(ts * 4);
    // Byte planes, most significant first (the words are little-endian in memory).
    for (let c = 0; c < ts; c++) for (let k = 0; k < 4; k++) row[k * ts + c] = le[(r * ts + c) * 4 + 3 - k];
    for (let i = 0; i < row.length; i++) out[r * ts * 4 + i] = (row[i] - (i > 0 ? row[i - 1] : 0)) & 0xff;
  }
  return out;
}

describe('cutTileRow', () => {
  it('cuts and predicts tiles as the byte-wise TIFF predictor does: edges, NaN payloads, infinities, -0', () => {
    for (const [width, height, ts] of [
      [1, 1, 16],
      [37, 21, 16],
      [64, 48, 32],
      [100, 70, 32],
    ]) {
      const data = new Float32Array(width * height);
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < data.length; i++) data[i] = 280 + Math.sin(i * 0.37) * 25 + i * 1e-3;
      for (let i = 0; i < data.length; i += 11) bits[i] = 0x7fc00000 + (i % 7);
      for (let i = 2; i < data.length; i += 17) bits[i] = 0xffc00003;
      for (let i = 3; i < data.length; i += 19) data[i] = -Infinity;
      for (let i = 4; i < data.length; i += 23) data[i] = -0;
      for (const predictor of [1, 3])
        for (const nodata of [-9999, 0.1])
          for (let ty = 0; ty < Math.ceil(height / ts); ty++) {
            const got = [...cutTileRow(data, width, height, ty, ts, nodata, predictor)];
            expect(got.length).toBe(Math.ceil(width / ts));
            got.forEach((bytes, tx) => expect(bytes).toEqual(referenceTile(data, width, height, tx, ty, ts, nodata, predictor)));
          }
    }
  });

  it('gives each tile its own bytes (tiles are compressed while later ones are cut)', () => {
    const data = new Float32Array(64 * 16).map((_, i) => i);
    const [a, b] = [...cutTileRow(data, 64, 16, 0, 32, -9999, 3)];
    expect(a.buffer).not.toBe(b.buffer);
    expect(a).not.toEqual(b);
  });
});
