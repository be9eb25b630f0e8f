import { describe, expect, it } from 'vitest';
import type { Raster } from '../core/raster/raster.ts';
import { upsample } from '../core/raster/resample.ts';
import { writeGeoTiffAsync } from '../io/geotiff-write.ts';
import { dataPath, hasData, readBand } from '../test-support/data.ts';
import { writeGeoTiffBlob } from './geotiff-blob.ts';

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
