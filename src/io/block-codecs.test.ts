import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodeBlock, decodeBlockInto, undoFloatPredictor, type BlockForm } from './block-codecs.ts';
import { fflateCodec } from './deflate-codec.ts';

/** The TIFF floating-point predictor undone as the spec states it, byte by byte (libtiff's order). */
function reference(bytes: Uint8Array, rowSamples: number, rows: number, stride: number, bps: number): Uint8Array {
  const b = bytes.slice();
  const rowBytes = rowSamples * bps;
  const out = new Uint8Array(b.length);
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    for (let i = stride; i < rowBytes; i++) b[base + i] = (b[base + i] + b[base + i - stride]) & 0xff;
    // Planes most significant first -> little-endian samples.
    for (let i = 0; i < rowSamples; i++) for (let k = 0; k < bps; k++) out[base + i * bps + k] = b[base + (bps - 1 - k) * rowSamples + i];
  }
  return out;
}

describe('undoFloatPredictor', () => {
  it('gives the byte-wise result on word-aligned rows (the word path) and on the others', () => {
    let seed = 11;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    // [samples per row, rows, stride, bytes per sample, byte offset of the block in its buffer]
    const cases: Array<[number, number, number, number, number]> = [
      [256, 4, 1, 4, 0],
      [16, 3, 1, 4, 0],
      [20, 5, 1, 4, 4],
      [17, 4, 1, 4, 0],
      [16, 2, 1, 4, 2],
      [32, 4, 2, 4, 0],
      [8, 8, 1, 2, 0],
      [12, 2, 1, 8, 0],
    ];
    for (const [rs, rows, stride, bps, off] of cases) {
      const buf = new Uint8Array(off + rs * rows * bps).map(rand);
      const block = new Uint8Array(buf.buffer, off, rs * rows * bps);
      const want = reference(block, rs, rows, stride, bps);
      expect(undoFloatPredictor(block, rs, rows, stride, bps)).toEqual(want);
    }
  });

  it('round-trips float32 values through the predictor, carries across byte planes included', () => {
    const values = new Float32Array(64).map((_, i) => (i % 5 === 0 ? -1e-30 : 273.15 + Math.sin(i) * 40));
    const le = new Uint8Array(values.buffer);
    // Forward predictor: planes MSB first, then differences along the row.
    const planes = new Uint8Array(le.length);
    for (let i = 0; i < 64; i++) for (let k = 0; k < 4; k++) planes[k * 64 + i] = le[i * 4 + 3 - k];
    const diff = planes.map((v, i) => (v - (i > 0 ? planes[i - 1] : 0)) & 0xff);
    expect(new Float32Array(undoFloatPredictor(diff, 64, 1, 1, 4).buffer)).toEqual(values);
  });
});

describe('decodeBlockInto', () => {
  it("gives decodeBlock's bytes in a view of a larger buffer, for predictors 1-3 and both byte orders", async () => {
    let seed = 5;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    // [samples per row, rows, samples per pixel, bytes per sample, predictor, little-endian]
    const cases: Array<[number, number, number, number, number, boolean]> = [
      [64, 6, 1, 4, 3, true],
      [64, 6, 1, 4, 3, false],
      [18, 3, 1, 4, 3, true],
      [24, 4, 3, 4, 3, true],
      [12, 2, 1, 8, 3, true],
      [40, 5, 1, 2, 2, true],
      [40, 5, 2, 2, 2, false],
      [30, 3, 1, 4, 1, false],
      [30, 3, 1, 1, 1, true],
    ];
    for (const [rowSamples, rows, samplesInBlock, bytesPerSample, predictor, littleEndian] of cases) {
      const form: BlockForm = { compression: 8, predictor, bytesPerSample, rowSamples, samplesInBlock, littleEndian };
      const plain = new Uint8Array(rowSamples * rows * bytesPerSample).map(rand);
      const raw = zlibSync(plain);
      const want = await decodeBlock(raw, form, rows, undefined);
      // At an aligned offset of a buffer that holds other bytes, which must stay as they are.
      const at = 8 * (1 + (rand() % 4));
      const buffer = new Uint8Array(at + plain.length + 16).fill(0xa5);
      const dst = new Uint8Array(buffer.buffer, at, plain.length);
      for (const codec of [undefined, fflateCodec]) {
        await decodeBlockInto(raw, form, rows, codec, dst, new Uint32Array(rowSamples));
        expect(Array.from(dst), JSON.stringify(form)).toEqual(Array.from(want));
        expect(buffer.subarray(0, at).every((v) => v === 0xa5)).toBe(true);
        expect(buffer.subarray(at + plain.length).every((v) => v === 0xa5)).toBe(true);
      }
      // A short stream is zero-padded there as in a new array; a damaged one fails the same way.
      const short = zlibSync(plain.subarray(0, plain.length >> 1));
      await decodeBlockInto(short, form, rows, fflateCodec, dst, new Uint32Array(rowSamples));
      expect(Array.from(dst)).toEqual(Array.from(await decodeBlock(short, form, rows, undefined)));
      const bad = raw.slice();
      bad[bad.length - 2] ^= 0xff;
      const why = await decodeBlock(bad, form, rows, undefined).then(() => 'read', (e: Error) => e.message);
      expect(why).toMatch(/Adler-32/);
      await expect(decodeBlockInto(bad, form, rows, undefined, dst, new Uint32Array(rowSamples))).rejects.toThrow(why);
    }
  });
});
