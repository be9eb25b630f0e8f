import { describe, expect, it } from 'vitest';
import type { Raster } from '../core/raster/raster.ts';
import { upsample } from '../core/raster/resample.ts';
import { fflateCodec } from '../io/deflate-codec.ts';
import { writeGeoTiffAsync } from '../io/geotiff-write.ts';
import { testGrid, testRaster } from '../pipeline/test-scenes.ts';
import { recordBufferTransfers } from '../test-support/buffer-transfer.ts';
import { dataPath, hasData, readBand } from '../test-support/data.ts';
import { geoTiffBlobSink, writeGeoTiffBlob } from './geotiff-blob.ts';

const DHAKA_LST = ['dhaka-mod11a2-mod13q1-2024-citypath', 'MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'];

describe.skipIf(!hasData(...DHAKA_LST))('GeoTIFF as a Blob', () => {
  it("holds writeGeoTiffAsync's bytes, over several chunks, and cancels like it", async () => {
    // Dhaka's LST x16: 784x784 (2.4 MB of float32), 64 px tiles: over a hundred tiles, gathered
    // into Blobs of 100 kB.
    const lst: Raster = upsample(await readBand(dataPath(...DHAKA_LST)), 16, 'bicubic');
    const big: Raster = { ...lst, data: Float32Array.from(lst.data) };
    const bands = [{ raster: big, name: 'LST', units: 'K' }];
    for (const opts of [
      { nodata: -9999, cog: true, tileSizePx: 64 },
      { cog: false, compression: 'none' as const, tileSizePx: 64 },
    ]) {
      const blob = await writeGeoTiffBlob(bands, opts, {}, 100_000);
      const bytes = await writeGeoTiffAsync(bands, opts);
      expect(blob.size).toBe(bytes.length);
      expect(blob.type).toBe('image/tiff');
      expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    }
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(writeGeoTiffBlob(bands, {}, { signal: ctrl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('GeoTIFF Blob sink', () => {
  it('keeps none of the pieces it is given: the writer may write into them again once write returns', async () => {
    const sink = geoTiffBlobSink(10);
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 255);
    // Pieces smaller than, across and larger than a chunk, each scribbled over once written.
    const cuts = [8, 8, 3, 12, 1, 24];
    let at = 8;
    for (const n of cuts) {
      const piece = bytes.slice(at, at + n);
      const other = bytes.slice(at, at + 1);
      await sink.write([other.subarray(0, 0), piece], at);
      piece.fill(0);
      at += n;
    }
    const head = bytes.slice(0, 8);
    await sink.write([head], 0);
    head.fill(0);
    const blob = sink.finish(64);
    expect(Array.from(new Uint8Array(await blob.arrayBuffer()))).toEqual(Array.from(bytes));
    expect(() => geoTiffBlobSink(10).finish(0)).toThrow(/no header/);
  });
});

describe('GeoTIFF writer, overviews', () => {
  it('frees each overview it made once cut, never the caller\'s raster, and writes the same bytes', async () => {
    // 300x300 with NaN holes, 64 px tiles: three overviews (150, 75, 38 px; the first made by tile rows into one buffer, freed once its tiles are cut).
    const raster = testRaster(testGrid(300, 300, 1000), (c, r) => ((c * 7 + r * 13) % 17 === 0 ? Number.NaN : 280 + Math.sin(c / 9) * 5 + ((c * r) % 23) / 7));
    const bands = [{ raster, name: 'LST', units: 'K' }];
    const opts = { nodata: -9999, cog: true, tileSizePx: 64, codec: fflateCodec };
    const expected = await writeGeoTiffAsync(bands, opts);
    const t = recordBufferTransfers();
    try {
      const blob = await writeGeoTiffBlob(bands, opts, {}, 20_000);
      expect(Buffer.from(await blob.arrayBuffer()).equals(Buffer.from(expected))).toBe(true);
      expect(t.released.map((b) => b.byteLength)).toEqual([0, 0, 0]);
      expect(raster.data.length).toBe(300 * 300);
    } finally {
      t.restore();
    }
  });
});
