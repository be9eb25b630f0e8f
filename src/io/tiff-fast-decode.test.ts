import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Affine } from '../core/geo/affine.ts';
import { MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import { zlibSync } from 'fflate';
import { decodeBlock } from './block-codecs.ts';
import { fflateCodec, type DeflateCodec } from './deflate-codec.ts';
import { readGeoTiff } from './geotiff-read.ts';
import { writeGeoTiff } from './geotiff-write.ts';
import { decodeWindow, type BlockLayout } from './tiff-fast-decode.ts';

const dataDir = path.resolve(import.meta.dirname, '../../../shared/data');
const stripsFile = path.join(dataDir, 'modis-aster-h18v04-sifcnnsr/84/MOD09GQ_NDVI_250m.tif');

/** Windows that start and end inside blocks, span several, or sit in one. */
function windowsOf(width: number, height: number) {
  return [
    { col: 0, row: 0, width, height },
    { col: 3, row: 5, width: width - 7, height: height - 9 },
    { col: 17, row: 1, width: 20, height: 3 },
    { col: width - 5, row: height - 2, width: 5, height: 2 },
    { col: 1, row: 0, width: 1, height },
  ];
}

/** Reads `bytes` window by window with the built-in decoder and with geotiff.js: the same bits. */
async function expectSameAsGeotiffJs(bytes: ArrayBuffer, name: string, width: number, height: number): Promise<void> {
  for (const window of windowsOf(width, height)) {
    const fast = await readGeoTiff(bytes, name, { window });
    const ref = await readGeoTiff(bytes, name, { window, useGeotiffJsDecoder: true });
    const a = fast.bands[0].raster.data;
    const r = ref.bands[0].raster.data;
    expect(a.length, JSON.stringify(window)).toBe(window.width * window.height);
    expect(Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)), JSON.stringify(window)).toEqual(
      Array.from(new Uint32Array(r.buffer, r.byteOffset, r.length)),
    );
  }
}

describe('decodeWindow with the floating-point predictor', () => {
  it('decodes windows of tiled float32 blocks into the band as geotiff.js does (NaN, -0, nodata, edge tiles)', async () => {
    const [w, h] = [53, 41];
    const data = new Float32Array(w * h).map((_, i) => 250 + ((i * 7919) % 997) / 13);
    data[0] = -0;
    data[5] = Number.NaN;
    data[w + 2] = -1e-30;
    data[w * 20 + 30] = 3.4e38;
    const raster = { width: w, height: h, transform: [0, 1000, 0, 0, 0, -1000] as const, crs: MODIS_SINUSOIDAL, data };
    const file = writeGeoTiff({ ...raster, transform: [...raster.transform] }, { cog: false, tileSizePx: 16 });
    const bytes = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
    await expectSameAsGeotiffJs(bytes, 'predictor3-tiles.tif', w, h);
    const whole = (await readGeoTiff(bytes, 'predictor3-tiles.tif')).bands[0].raster.data;
    expect(Object.is(whole[0], 0)).toBe(true);
    expect(whole[w * 20 + 30]).toBe(Math.fround(3.4e38));
    expect(whole[7]).toBe(data[7]);
  });

  it.skipIf(!existsSync(stripsFile))('decodes windows of a real float32 predictor-3 file in strips as geotiff.js does', async () => {
    const b = readFileSync(stripsFile);
    const bytes = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    const ds = await readGeoTiff(bytes, stripsFile);
    expect(ds.layout.sampleFormat).toBe(3);
    await expectSameAsGeotiffJs(bytes, stripsFile, ds.width, ds.height);
  });
});

/** A codec that decodes Deflate blocks as the deflate workers do, here a turn later (`decodeBlocks`), its calls counted. */
function blockDecoding(): DeflateCodec & { calls: number } {
  const c: DeflateCodec & { calls: number } = {
    ...fflateCodec,
    calls: 0,
    decodeBlocks: async (raw, spans, form) => {
      c.calls++;
      await new Promise((r) => setTimeout(r, 0));
      const bytes = raw as Uint8Array;
      return Promise.all(spans.map((s) => decodeBlock(bytes.subarray(s.start, s.start + s.length), form, s.rows, fflateCodec)));
    },
  };
  return c;
}

describe('decodeWindow with decoding threads', () => {
  it('tells each band’s rows once, each once all its blocks are placed (tiles, strips, planes, windows)', async () => {
    const [w, h, spp] = [40, 30, 2];
    for (const [tiled, planar, bw, bh] of [
      [true, 1, 16, 16],
      [true, 2, 16, 8],
      [false, 1, 40, 7],
      [false, 2, 40, 4],
    ] as const) {
      const value = (band: number, r: number, c: number) => band * 1000 + r * w + c + 0.5;
      // The file: each block's samples (edges padded, strips cut short), zlib-compressed, back to back.
      const blocks: Uint8Array[] = [];
      const planes = planar === 2 ? spp : 1;
      const across = Math.ceil(w / bw);
      const down = Math.ceil(h / bh);
      for (let p = 0; p < planes; p++)
        for (let by = 0; by < down; by++)
          for (let bx = 0; bx < across; bx++) {
            const rows = tiled ? bh : Math.min(bh, h - by * bh);
            const per = planar === 2 ? 1 : spp;
            const s = new Float32Array(bw * rows * per);
            for (let r = 0; r < rows; r++)
              for (let c = 0; c < bw; c++)
                for (let k = 0; k < per; k++) s[(r * bw + c) * per + k] = value(planar === 2 ? p : k, by * bh + r, bx * bw + c);
            blocks.push(zlibSync(new Uint8Array(s.buffer)));
          }
      const file = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
      const offsets: number[] = [];
      blocks.reduce((at, b) => (file.set(b, at), offsets.push(at), at + b.length), 0);
      const layout: BlockLayout = {
        width: w,
        height: h,
        samplesPerPixel: spp,
        bitsPerSample: 32,
        sampleFormat: 3,
        compression: 8,
        predictor: 1,
        planar,
        tiled,
        blockWidth: bw,
        blockHeight: bh,
        offsets,
        byteCounts: blocks.map((b) => b.length),
        littleEndian: true,
      };
      for (const win of windowsOf(w, h)) {
        const codec = blockDecoding();
        const told: number[][] = [[], []];
        const bands = await decodeWindow(layout, win, (o, n) => file.subarray(o, o + n), undefined, undefined, codec, undefined, (got, b, from, to) => {
          // Every sample told is final already.
          for (let i = from; i < to; i++)
            expect(got[b][i]).toBe(value(b, win.row + Math.floor(i / win.width), win.col + (i % win.width)));
          for (let i = from; i < to; i++) told[b].push(i);
        });
        const what = `${tiled ? 'tiles' : 'strips'} planar ${planar} ${JSON.stringify(win)}`;
        expect(codec.calls, what).toBeGreaterThan(0);
        for (let b = 0; b < spp; b++) {
          expect(bands[b][win.width * win.height - 1], what).toBe(value(b, win.row + win.height - 1, win.col + win.width - 1));
          expect(told[b].sort((x, y) => x - y), what).toEqual(Array.from({ length: win.width * win.height }, (_, i) => i));
        }
      }
    }
  });

  it('decodes float32 bands ahead, row by row, to the bits of the band decoded whole (nodata, NaN, -0, windows)', async () => {
    const [w, h] = [53, 41];
    const data = new Float32Array(w * h).map((_, i) => (i % 11 === 0 ? Number.NaN : 250 + ((i * 7919) % 997) / 13));
    data[1] = -0;
    data[w + 2] = -1e-30;
    data[w * 20 + 30] = 3.4e38;
    data[w * 30 + 3] = Number.POSITIVE_INFINITY;
    const raster = { width: w, height: h, transform: [0, 1000, 0, 0, 0, -1000] as Affine, crs: MODIS_SINUSOIDAL, data };
    // NaN written as the nodata -9999, read back as NaN.
    const file = writeGeoTiff(raster, { cog: false, tileSizePx: 16 });
    const bytes = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
    for (const window of windowsOf(w, h)) {
      const codec = blockDecoding();
      const ahead = (await readGeoTiff(bytes, 'plain.tif', { window, codec })).bands[0].raster.data;
      const whole = (await readGeoTiff(bytes, 'plain.tif', { window, codec: fflateCodec })).bands[0].raster.data;
      expect(codec.calls).toBeGreaterThan(0);
      expect(Array.from(new Uint32Array(ahead.buffer, ahead.byteOffset, ahead.length))).toEqual(
        Array.from(new Uint32Array(whole.buffer, whole.byteOffset, whole.length)),
      );
    }
    const all = (await readGeoTiff(bytes, 'plain.tif', { codec: blockDecoding() })).bands[0].raster.data;
    expect(Object.is(all[1], 0)).toBe(true);
    expect(Number.isNaN(all[0]) && Number.isNaN(all[w * 30 + 3])).toBe(true);
    expect(all[2]).toBe(data[2]);
  });
});
