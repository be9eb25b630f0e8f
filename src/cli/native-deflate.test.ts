import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Raster } from '../core/raster/raster.ts';
import { fflateCodec } from '../io/deflate-codec.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { nodeZlibCodec, writeGeoTiffFile } from './native-deflate.ts';
import { openOutDir } from './out-dir.ts';

const DATA = path.resolve(__dirname, '../../../shared/data');
const LST = path.join(DATA, 'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif');
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-native-deflate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Debian's python3-gdal (the pyenv `python3` on PATH may lack it). */
const python = ['/usr/bin/python3', 'python3'].find((py) => {
  try {
    execFileSync(py, ['-c', 'import numpy, osgeo_utils.samples.validate_cloud_optimized_geotiff'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

const ab = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || (a[i] !== a[i] && b[i] !== b[i]))) return false;
  return true;
}

describe.skipIf(!existsSync(LST))('node:zlib Deflate in the CLI on the h14v09 MOD11A1 LST (1200x1200, Deflate tiles)', () => {
  let lst: Raster;

  it('inflates the input blocks natively to the values fflate gives', async () => {
    const bytes = ab(readFileSync(LST));
    const native = (await readGeoTiff(bytes, 'LST_Day_1km.tif', { codec: nodeZlibCodec })).bands[0].raster;
    const js = (await readGeoTiff(bytes, 'LST_Day_1km.tif', { codec: fflateCodec })).bands[0].raster;
    expect(sameBits(native.data, js.data)).toBe(true);
    expect(native.data.some((v) => v > 250)).toBe(true);
    lst = native;
  });

  it.skipIf(!python)('writes a COG, tiles streamed to disk, that GDAL validates and reads (overviews too) exactly as the fflate file', async () => {
    const out = await openOutDir(path.join(tmp, 'out'));
    const native = await out.write('native.tif', (fh) => writeGeoTiffFile(fh, [{ raster: lst, name: 'LST', units: 'K' }], { level: 1 }));
    await out.release();
    const js = path.join(tmp, 'fflate.tif');
    writeFileSync(js, writeGeoTiff([{ raster: lst, name: 'LST', units: 'K' }]));
    const check = execFileSync(python!, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', native], { encoding: 'utf8' });
    expect(check).toContain('is a valid cloud optimized GeoTIFF');
    const compare = [
      'import sys, numpy as np',
      'from osgeo import gdal',
      'da, db = gdal.Open(sys.argv[1]), gdal.Open(sys.argv[2])',
      'a, b = da.GetRasterBand(1), db.GetRasterBand(1)',
      'levels = [(a, b)] + [(a.GetOverview(i), b.GetOverview(i)) for i in range(a.GetOverviewCount())]',
      'print(a.GetOverviewCount(), all(np.array_equal(x.ReadAsArray(), y.ReadAsArray()) for x, y in levels))',
    ].join('\n');
    expect(execFileSync(python!, ['-c', compare, native, js], { encoding: 'utf8' }).trim()).toBe('3 True');
    // And back through the project's reader with fflate: the values written.
    const back = (await readGeoTiff(ab(readFileSync(native)), 'native.tif', { codec: fflateCodec })).bands[0].raster;
    expect(sameBits(back.data, lst.data)).toBe(true);
  });

  it.skipIf(!python)('writes the run-length strategy (the uncertainty files): other bytes, a valid COG, the same values through fflate', async () => {
    const out = await openOutDir(path.join(tmp, 'rle'));
    const rle = await out.write('rle.tif', (fh) => writeGeoTiffFile(fh, lst, { strategy: 'rle' }));
    const dflt = await out.write('default.tif', (fh) => writeGeoTiffFile(fh, lst));
    await out.release();
    const [a, b] = [readFileSync(rle), readFileSync(dflt)];
    expect(a.equals(b)).toBe(false);
    const check = execFileSync(python!, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', rle], { encoding: 'utf8' });
    expect(check).toContain('is a valid cloud optimized GeoTIFF');
    const back = (await readGeoTiff(ab(a), 'rle.tif', { codec: fflateCodec })).bands[0].raster;
    expect(sameBits(back.data, lst.data)).toBe(true);
  });

  it('leaves no file, partial or temporary, when the write is cancelled midway', async () => {
    const dir = path.join(tmp, 'cancelled');
    const out = await openOutDir(dir);
    const ac = new AbortController();
    const rows: number[] = [];
    const run = out.write('lst.tif', (fh) =>
      writeGeoTiffFile(fh, lst, {}, { signal: ac.signal, onProgress: (p) => {
        rows.push(p.done);
        if (p.done === 4) ac.abort();
      } }),
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await out.release();
    expect(rows).toEqual([0, 1, 2, 3, 4]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('nodeZlibCodec', () => {
  it('refuses a stream longer than the block, so the reader takes its bounded path', async () => {
    const z = await nodeZlibCodec.deflate(new Uint8Array(1000).fill(7), 6);
    expect(await fflateCodec.inflate!(z, 1000)).toEqual(new Uint8Array(1000).fill(7));
    await expect(nodeZlibCodec.inflate!(z, 999)).rejects.toThrow();
    const damaged = z.slice();
    damaged[damaged.length - 1] ^= 0xff;
    await expect(nodeZlibCodec.inflate!(damaged, 1000)).rejects.toThrow();
  });

  it('gives the bytes one-shot zlib gives and takes them back, for blocks far larger than zlib\'s 16 KiB output chunk', async () => {
    // A predictor-like 1 MiB block: smooth high bytes, noisy low bytes (compresses to a few hundred KiB).
    const block = new Uint8Array(1 << 20);
    for (let i = 0, x = 12345; i < block.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      block[i] = i % 4 < 2 ? (i >> 14) & 0xff : x >>> 24;
    }
    for (const level of [2, 6]) {
      const z = await nodeZlibCodec.deflate(block, level);
      expect(z.length).toBeGreaterThan(64 * 1024);
      expect(Buffer.from(z).equals(deflateSync(block, { level }))).toBe(true);
      expect(Buffer.from(await nodeZlibCodec.inflate!(z, block.length)).equals(Buffer.from(block))).toBe(true);
    }
  });

  it('deflates with zlib\'s Z_RLE when asked for the run-length strategy', async () => {
    const block = new Uint8Array(1 << 16);
    for (let i = 0, x = 99; i < block.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      block[i] = i % 4 === 0 ? (i >> 10) & 0xff : (x >>> 28) + (i % 3);
    }
    const z = await nodeZlibCodec.deflate(block, 2, 'rle');
    expect(Buffer.from(z).equals(deflateSync(block, { level: 2, strategy: constants.Z_RLE }))).toBe(true);
    expect(Buffer.from(z).equals(deflateSync(block, { level: 2 }))).toBe(false);
  });
});
