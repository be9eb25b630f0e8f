import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import { readGeoTiff, type RandomAccessBytes } from '../io/geotiff-read.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { arrayBufferOf, fileBytes, findMtlBeside, loadDataset, loadDatasets, readFileArrayBuffer, readGeoTiffFile } from './load.ts';
import { nodeZlibCodec } from './native-deflate.ts';
import { nodeReadCodec } from './read-workers.ts';

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

describe('cli/load: a GeoTIFF read piece by piece', () => {
  /** 700 x 530 float32 with NaN, in 64 px tiles (9 rows of 11 blocks) or strips; values differ in every block. */
  const tiff = (cog: boolean): Uint8Array => {
    const [width, height] = [700, 530];
    const data = new Float32Array(width * height);
    for (let i = 0; i < data.length; i++) data[i] = i % 97 === 0 ? Number.NaN : 280 + 9 * Math.sin(i / 37) + (i % 13) * 0.021 + Math.floor(i / width) * 0.5;
    return writeGeoTiff({ width, height, transform: [-7783653.64, 231.656, 0, 1111950.52, 0, -231.656], crs: MODIS_SINUSOIDAL, data }, { cog, tileSizePx: 64 });
  };
  const bits = (a: ArrayLike<number>) => new Uint32Array(new Float32Array(a).buffer);
  /** The first pixel whose bits differ, -1 when none (toEqual on 371 000 values takes seconds). */
  const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
    const [x, y] = [bits(a), bits(b)];
    if (x.length !== y.length) return 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
    return -1;
  };

  it('reads the same bits as the whole file does, through row buffers reused in turn', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'srda-load-'));
    try {
      for (const cog of [false, true]) {
        const bytes = tiff(cog);
        const file = path.join(dir, `t${cog ? 'cog' : ''}.tif`);
        await writeFile(file, bytes);
        const whole = await readGeoTiff(bytes.slice().buffer, 't.tif');
        // nodeReadCodec: the blocks read from the open file and decoded on the CLI's read workers.
        for (const codec of [undefined, nodeZlibCodec, nodeReadCodec]) {
          const piecewise = await readGeoTiffFile(file, 't.tif', codec ? { codec } : {});
          expect(firstDiff(piecewise.bands[0].raster.data, whole.bands[0].raster.data)).toBe(-1);
          expect([piecewise.width, piecewise.height, piecewise.transform]).toEqual([whole.width, whole.height, whole.transform]);
        }
        // The blocks are read a row at a time into two buffers (never a buffer per block or the whole file).
        const fh = await open(file, 'r');
        try {
          const inner = fileBytes(fh, bytes.length);
          const into = new Set<Uint8Array>();
          let bigReads = 0;
          const counting: RandomAccessBytes = {
            byteLength: inner.byteLength,
            read: (offset, length, buf) => {
              if (buf) into.add(buf);
              else if (length > 4096) bigReads++;
              return inner.read(offset, length, buf);
            },
          };
          const got = await readGeoTiff(counting, 't.tif', { codec: nodeZlibCodec });
          expect(firstDiff(got.bands[0].raster.data, whole.bands[0].raster.data)).toBe(-1);
          expect([into.size, bigReads]).toEqual([2, 0]);
        } finally {
          await fh.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads or refuses with an AppError each of 40 damaged copies (bytes flipped in the IFDs and blocks, cut short)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'srda-load-'));
    try {
      const bytes = tiff(true);
      let seed = 7;
      const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
      for (let k = 0; k < 40; k++) {
        const bad = bytes.slice(0, k % 5 === 4 ? 16 + rand(bytes.length - 16) : bytes.length);
        for (let f = 0; f < 6; f++) bad[k % 2 === 0 ? rand(Math.min(bad.length, 4096)) : rand(bad.length)] ^= 1 << rand(8);
        const file = path.join(dir, `bad-${k}.tif`);
        await writeFile(file, bad);
        for (const codec of [nodeZlibCodec, nodeReadCodec]) {
          const got = await readGeoTiffFile(file, `bad-${k}.tif`, { codec }).catch((e: unknown) => e);
          if (got instanceof Error) {
            expect(isAppError(got), `${got.message}`).toBe(true);
            expect(got.message).toContain(`bad-${k}.tif`);
          }
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a truncated file with CORRUPT_TIFF naming it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'srda-load-'));
    try {
      const bytes = tiff(true);
      for (const keep of [0.7, 0.02]) {
        const file = path.join(dir, `cut-${keep}.tif`);
        await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * keep)));
        const e = await loadDataset(file).catch((err: unknown) => err);
        expect(isAppError(e) && e.code).toBe('CORRUPT_TIFF');
        expect((e as Error).message).toContain(file);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
