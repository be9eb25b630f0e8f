import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import { readGeoTiff } from './geotiff-read.ts';
import { writeGeoTiff } from './geotiff-write.ts';

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
