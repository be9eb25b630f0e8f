import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrayBufferOf, findMtlBeside, loadDataset, loadDatasets, readFileArrayBuffer } from './load.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dataDir = path.resolve(repoRoot, '../shared/data');

function mean(data: Float32Array): number {
  let s = 0;
  let n = 0;
  for (const v of data) {
    if (Number.isNaN(v)) continue;
    s += v;
    n++;
  }
  return s / n;
}

describe.skipIf(!existsSync(dataDir))('cli/load', () => {
  const tm = path.join(dataDir, 'landsat5-tm-para-19880814-rstoolbox');

  it('finds the Landsat MTL beside a band file, and none beside non-Landsat files', async () => {
    expect(await findMtlBeside(path.join(tm, 'LT52240631988227CUB02_B6.TIF'))).toMatch(
      /LANDSAT_SCENE_ID = "LT52240631988227CUB02"/,
    );
    expect(
      await findMtlBeside(path.join(dataDir, 'landsat8-l1-pensacola-20150804-sattestdata/l8_B4.tif')),
    ).toMatch(/SUN_ELEVATION = 64\.74/);
    expect(
      await findMtlBeside(
        path.join(dataDir, 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor/LST_20190704.tif'),
      ),
    ).toBeUndefined();
  });

  it('loads TM band 6 as brightness temperature (README: mean 296.3 K)', async () => {
    const d = await loadDataset(path.join(tm, 'LT52240631988227CUB02_B6.TIF'));
    expect([d.bands[0].role, d.bands[0].calibration, d.bands[0].units]).toEqual([
      'lst',
      'brightness-temperature',
      'K',
    ]);
    expect(mean(d.bands[0].raster.data)).toBeCloseTo(296.3, 1);
    expect(d.warnings.join(' ')).toMatch(/K1 607\.76/);
  });

  it('loads the Pensacola B10 as brightness temperature (README: mean 286.7 K) on the PixelIsPoint-corrected grid', async () => {
    const d = await loadDataset(path.join(dataDir, 'landsat8-l1-pensacola-20150804-sattestdata/l8_B10.tif'));
    expect(mean(d.bands[0].raster.data)).toBeCloseTo(286.7, 1);
    expect(d.transform).toEqual([452475, 30, 0, 3408645, 0, -30]);
  });

  it('reports missing files and directories as BAD_ARGUMENT naming the path, without stopping the others', async () => {
    const missing = path.join(dataDir, 'nope.tif');
    await expect(loadDataset(missing)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', file: missing });
    await expect(loadDataset(tm)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', file: tm });
    const results = await loadDatasets([missing, path.join(tm, 'LT52240631988227CUB02_B3.TIF')]);
    expect('error' in results[0] && results[0].error.code).toBe('BAD_ARGUMENT');
    expect('dataset' in results[1] && results[1].dataset.bands[0].role).toBe('red');
  });
});

describe('readFileArrayBuffer', () => {
  it('gives the file bytes in the buffer readFile filled, and a copy of exactly the bytes for a pooled Buffer', async () => {
    const file = path.join(repoRoot, 'package.json');
    const bytes = new Uint8Array(await readFileArrayBuffer(file));
    expect(Buffer.from(bytes).equals(readFileSync(file))).toBe(true);
    // A small Buffer.from lives in Node's shared pool: its ArrayBuffer holds other bytes too.
    const pooled = Buffer.from('abc');
    expect(pooled.buffer.byteLength).toBeGreaterThan(3);
    const own = arrayBufferOf(pooled);
    expect(Array.from(new Uint8Array(own))).toEqual([97, 98, 99]);
    const whole = Buffer.allocUnsafeSlow(5).fill(7);
    expect(arrayBufferOf(whole)).toBe(whole.buffer);
  });
});
