import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Affine } from '../core/geo/affine.ts';
import { crsFromEpsg, MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import type { Progress } from '../core/progress.ts';
import type { Crs, Raster } from '../core/raster/raster.ts';
import { readGeoTiff } from './geotiff-read.ts';
import { fflateCodec, webStreamsCodec, type DeflateCodec } from './deflate-codec.ts';
import { encodeGeoTiffChunks, writeGeoTiff, writeGeoTiffAsync, writeGeoTiffTo } from './geotiff-write.ts';
import { hasGdal } from '../test-support/gdal.ts';


const dir = mkdtempSync(path.join(tmpdir(), 'srda-io-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A smooth field with a NaN hole and a few NaN pixels, deterministic. */
function field(width: number, height: number, transform: Affine, crs: Crs, base = 290): Raster {
  const data = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++)
      data[r * width + c] =
        base + 10 * Math.sin(c / 17) + 5 * Math.cos(r / 11) + ((r * 31 + c * 7) % 13) * 0.01;
  }
  for (let r = 10; r < 20; r++) for (let c = 30; c < 45; c++) data[r * width + c] = Number.NaN;
  data[0] = Number.NaN;
  return { width, height, transform, crs, data };
}

function ourStats(data: Float32Array): {
  min: number;
  max: number;
  mean: number;
  std: number;
  valid: number;
} {
  let n = 0;
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (Number.isNaN(v)) continue;
    n++;
    s += v;
    s2 += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / n;
  return { min, max, mean, std: Math.sqrt(s2 / n - mean * mean), valid: n };
}

const cases: Array<{
  name: string;
  crs: Crs;
  transform: Affine;
  width: number;
  height: number;
  wktHas: RegExp;
}> = [
  {
    name: 'epsg4326',
    crs: crsFromEpsg(4326),
    transform: [90.2, 0.008333333333, 0, 24.008333333333, 0, -0.008333333333],
    width: 49,
    height: 49,
    wktHas: /ID\["EPSG",4326\]\]$/,
  },
  {
    name: 'utm29n',
    crs: crsFromEpsg(32629),
    transform: [481875, 30, 0, 4287705, 0, -30],
    width: 300,
    height: 270,
    wktHas: /UTM zone 29N/,
  },
  {
    name: 'sinusoidal',
    crs: MODIS_SINUSOIDAL,
    transform: [-4447802.079066, 926.625433138333, 0, 0, 0, -926.625433138333],
    width: 520,
    height: 300,
    wktHas: /Sinusoidal[\s\S]*6371007\.181/,
  },
];

describe.skipIf(!hasGdal())('writeGeoTiff checked by GDAL', () => {
  for (const c of cases) {
    it(`writes ${c.name} that GDAL and readGeoTiff read back identically`, async () => {
      const raster = field(c.width, c.height, c.transform, c.crs);
      const bytes = writeGeoTiff([{ raster, name: 'lst_stage1', units: 'K' }], {
        metadata: { METHOD: 'test' },
      });
      const file = path.join(dir, `${c.name}.tif`);
      writeFileSync(file, bytes);
      const info = JSON.parse(
        execFileSync('gdalinfo', ['-json', '-stats', file], {
          env: { ...process.env, GDAL_PAM_ENABLED: 'NO' },
        }).toString(),
      );
      expect(info.size).toEqual([c.width, c.height]);
      info.geoTransform.forEach((v: number, i: number) => expect(v).toBeCloseTo(c.transform[i], 9));
      expect(info.coordinateSystem.wkt).toMatch(c.wktHas);
      const band = info.bands[0];
      expect(band.type).toBe('Float32');
      expect(band.noDataValue).toBe(-9999);
      expect(band.description).toBe('lst_stage1');
      expect(band.unit).toBe('K');
      expect(info.metadata[''].METHOD).toBe('test');
      expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', PREDICTOR: '3' });
      const ours = ourStats(raster.data);
      // gdalinfo -json prints statistics with 3 decimals.
      expect(Math.abs(band.minimum - ours.min)).toBeLessThanOrEqual(1e-3);
      expect(Math.abs(band.maximum - ours.max)).toBeLessThanOrEqual(1e-3);
      expect(Math.abs(band.mean - ours.mean)).toBeLessThanOrEqual(1e-3);
      expect(Math.abs(band.stdDev - ours.std)).toBeLessThanOrEqual(1e-3);
      expect(Number(band.metadata[''].STATISTICS_VALID_PERCENT)).toBeCloseTo(
        (100 * ours.valid) / (c.width * c.height),
        2,
      );

      // GDAL's own projection of the grid agrees with proj4's reading of our CRS (sinusoidal corner).
      const back = await readGeoTiff(bytes.slice().buffer, file);
      expect(back.crs.epsg).toBe(c.crs.epsg);
      if (c.crs.epsg === undefined) expect(back.crs).toEqual(MODIS_SINUSOIDAL);
      back.transform.forEach((v, i) => expect(v).toBeCloseTo(c.transform[i], 9));
      expect(back.bands[0].name).toBe('lst_stage1');
      expect(back.bands[0].role).toBe('lst');
      expect(back.bands[0].scaleSource).toBe('none');
      expect(Array.from(back.bands[0].raster.data)).toEqual(Array.from(raster.data));
    });
  }

  it('writes several bands with descriptions, planar-separate, and they read back in order', async () => {
    const t: Affine = [0, 500, 0, 1000, 0, -500];
    const a = field(70, 40, t, crsFromEpsg(32616), 280);
    const b = field(70, 40, t, crsFromEpsg(32616), 300);
    const bytes = writeGeoTiff(
      [
        { raster: a, name: 'NDVI' },
        { raster: b, name: 'LST_Day_1km' },
      ],
      { tileSizePx: 32 },
    );
    const file = path.join(dir, 'multi.tif');
    writeFileSync(file, bytes);
    const info = JSON.parse(
      execFileSync('gdalinfo', ['-json', '-stats', file], {
        env: { ...process.env, GDAL_PAM_ENABLED: 'NO' },
      }).toString(),
    );
    expect(info.bands.map((x: { description: string }) => x.description)).toEqual(['NDVI', 'LST_Day_1km']);
    expect(info.bands[0].block).toEqual([32, 32]);
    expect(Math.abs(info.bands[1].mean - ourStats(b.data).mean)).toBeLessThanOrEqual(1e-3);
    const back = await readGeoTiff(new Blob([bytes.slice()]), file);
    expect(back.bands.map((x) => x.role)).toEqual(['ndvi', 'lst']);
    expect(Array.from(back.bands[1].raster.data)).toEqual(Array.from(b.data));
  });

  it('writes rotated grids with a ModelTransformation that GDAL reads', () => {
    const t: Affine = [1000, 10, 2, 5000, 1, -10];
    const bytes = writeGeoTiff(field(40, 30, t, crsFromEpsg(32633)));
    const file = path.join(dir, 'rotated.tif');
    writeFileSync(file, bytes);
    const info = JSON.parse(
      execFileSync('gdalinfo', ['-json', file], {
        env: { ...process.env, GDAL_PAM_ENABLED: 'NO' },
      }).toString(),
    );
    info.geoTransform.forEach((v: number, i: number) => expect(v).toBeCloseTo(t[i], 9));
  });
});

describe('readGeoTiff from a Blob the way browsers read a File', () => {
  it('reads windows through lazy FileReader slices (minimal FileReader stand-in)', async () => {
    class BlobReader {
      result: ArrayBuffer | null = null;
      onload: (() => void) | null = null;
      onerror: ((e: unknown) => void) | null = null;
      onabort: (() => void) | null = null;
      readAsArrayBuffer(blob: Blob): void {
        blob.arrayBuffer().then((r) => {
          this.result = r;
          this.onload?.();
        }, this.onerror ?? undefined);
      }
      abort(): void {}
    }
    const g = globalThis as { FileReader?: unknown };
    const had = 'FileReader' in g;
    g.FileReader = BlobReader;
    try {
      const t: Affine = [500000, 30, 0, 4200000, 0, -30];
      const raster = field(700, 500, t, crsFromEpsg(32629));
      const bytes = writeGeoTiff(raster);
      let sliced = 0;
      class CountingBlob extends Blob {
        override slice(start?: number, end?: number, type?: string): Blob {
          sliced += (end ?? this.size) - (start ?? 0);
          return super.slice(start, end, type);
        }
      }
      const spy = new CountingBlob([bytes.slice()]);
      const win = await readGeoTiff(spy, 'file.tif', {
        window: { col: 300, row: 260, width: 40, height: 30 },
      });
      expect(win.bands[0].raster.data[0]).toBe(raster.data[260 * 700 + 300]);
      expect(win.transform[0]).toBe(500000 + 300 * 30);
      // Only the header, IFD and the one tile under the window were read, not the whole file.
      expect(sliced).toBeLessThan(bytes.length / 2);
    } finally {
      if (!had) delete g.FileReader;
    }
  });
});

describe('writeGeoTiff', () => {
  it('refuses bands on different grids', () => {
    const a = field(20, 20, [0, 1, 0, 20, 0, -1], crsFromEpsg(4326));
    const b = field(21, 20, [0, 1, 0, 20, 0, -1], crsFromEpsg(4326));
    expect(() => writeGeoTiff([a, b])).toThrow(/not on the grid/);
  });

  it('writes and reads a 4800x4800 float32 raster in a few seconds of CPU', async () => {
    const n = 4800;
    const t: Affine = [-4447802.079066, 231.656358, 0, 0, 0, -231.656358];
    const raster = field(n, n, t, MODIS_SINUSOIDAL);
    // CPU time, not wall time: the test machines are shared and often oversubscribed.
    const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
    let c = process.cpuUsage();
    const bytes = writeGeoTiff(raster);
    const writeMs = cpuMs(process.cpuUsage(c));
    c = process.cpuUsage();
    const back = await readGeoTiff(bytes.buffer as ArrayBuffer, 'big.tif');
    const readMs = cpuMs(process.cpuUsage(c));
    c = process.cpuUsage();
    const win = await readGeoTiff(bytes.buffer as ArrayBuffer, 'big.tif', {
      window: { col: 1000, row: 2000, width: 300, height: 200 },
    });
    const windowMs = cpuMs(process.cpuUsage(c));
    console.log(
      `4800x4800 CPU time: write ${writeMs.toFixed(0)} ms (${(bytes.length / 1e6).toFixed(1)} MB), read ${readMs.toFixed(0)} ms, 300x200 window ${windowMs.toFixed(0)} ms`,
    );
    expect(back.bands[0].raster.data[4800 * 2000 + 1234]).toBe(raster.data[4800 * 2000 + 1234]);
    expect(win.width).toBe(300);
    expect(win.transform[0]).toBeCloseTo(t[0] + 1000 * t[1], 6);
    expect(win.transform[3]).toBeCloseTo(t[3] + 2000 * t[5], 6);
    expect(win.bands[0].raster.data[0]).toBe(raster.data[2000 * n + 1000]);
    expect(readMs).toBeLessThan(6000);
    expect(writeMs).toBeLessThan(10000);
    expect(windowMs).toBeLessThan(readMs / 5);
  }, 120000);
});

describe('writeGeoTiffAsync and writeGeoTiffTo', () => {
  const raster = field(700, 530, [500000, 250, 0, 4000000, 0, -250], crsFromEpsg(32636));

  it('write the bytes writeGeoTiff writes with the same compressor, COG and plain, reporting every row of tiles of every level', async () => {
    for (const cog of [true, false]) {
      const want = writeGeoTiff([{ raster, name: 'LST', units: 'K' }], { cog, tileSizePx: 128 });
      const seen: Progress[] = [];
      const got = await writeGeoTiffAsync([{ raster, name: 'LST', units: 'K' }], { cog, tileSizePx: 128, codec: fflateCodec }, { onProgress: (p) => seen.push(p) });
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      // 700x530 in 128 px tiles: 5 rows; COG overviews 350x265 (3 rows), 175x133 (2), 88x67 (1).
      expect(seen.map((p) => p.done)).toEqual(Array.from({ length: cog ? 12 : 6 }, (_, i) => i));
      expect(seen.every((p) => p.total === (cog ? 11 : 5))).toBe(true);
      const pieces = [...(await encodeGeoTiffChunks([{ raster, name: 'LST', units: 'K' }], { cog, tileSizePx: 128, codec: fflateCodec }))];
      expect(Buffer.concat(pieces.map((c) => Buffer.from(c))).equals(Buffer.from(want))).toBe(true);
    }
  });

  it('counts a row of tiles once its tiles are in the sink: 0 before the first, all of them only when every tile is written', async () => {
    const slow: DeflateCodec = {
      name: 'slow fflate',
      deflate: async (bytes, level) => {
        await new Promise((r) => setTimeout(r, 1));
        return fflateCodec.deflate(bytes, level);
      },
    };
    let tilesWritten = 0;
    const seen: Array<{ done: number; total: number; tilesWritten: number }> = [];
    // 700x530 in 128 px tiles, no overview: 5 rows of 6 tiles; 8 in flight is more than a row.
    await writeGeoTiffTo(raster, { write: () => void tilesWritten++ }, { cog: false, tileSizePx: 128, codec: slow, maxTilesInFlight: 8 }, {
      onProgress: (p) => seen.push({ done: p.done, total: p.total, tilesWritten }),
    });
    expect(seen.map((p) => p.done)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen.every((p) => p.total === 5)).toBe(true);
    // Row k is reported when its 6 tiles are written (before: as cut, with 0, 5, 11, 17 and 23 written: 5/5 with 7 tiles still compressing).
    expect(seen.map((p) => p.tilesWritten)).toEqual([0, 6, 12, 18, 24, 30]);
    // The header comes after the last row: one write more than the tiles.
    expect(tilesWritten).toBe(31);
  });

  it('streams tiles in increasing offsets, the header last at 0, and never compresses more than maxTilesInFlight at once', async () => {
    let running = 0;
    let most = 0;
    const slow: DeflateCodec = {
      name: 'slow fflate',
      deflate: async (bytes, level) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 1));
        running--;
        return fflateCodec.deflate(bytes, level);
      },
    };
    const writes: Array<{ at: number; size: number }> = [];
    const parts: Array<{ at: number; pieces: Uint8Array[] }> = [];
    const size = await writeGeoTiffTo(raster, {
      write: (pieces, at) => {
        writes.push({ at, size: pieces.reduce((n, p) => n + p.length, 0) });
        parts.push({ at, pieces });
      },
    }, { tileSizePx: 128, codec: slow, maxTilesInFlight: 3 });
    expect(most).toBe(3);
    const header = writes.pop()!;
    expect(header.at).toBe(0);
    expect(writes[0].at).toBe(header.size);
    for (let i = 1; i < writes.length; i++) expect(writes[i].at).toBe(writes[i - 1].at + writes[i - 1].size);
    expect(writes[writes.length - 1].at + writes[writes.length - 1].size).toBe(size);
    const file = new Uint8Array(size);
    for (const { at, pieces } of parts) for (let p = at, k = 0; k < pieces.length; p += pieces[k].length, k++) file.set(pieces[k], p);
    const back = (await readGeoTiff(file.buffer, 'streamed.tif')).bands[0].raster;
    expect(sameBits(back.data, raster.data)).toBe(true);
  });

  it('writes with the platform CompressionStream a file that reads back to the same pixels', async () => {
    const bytes = await writeGeoTiffAsync(raster, { tileSizePx: 128, codec: webStreamsCodec });
    const back = (await readGeoTiff(bytes.buffer as ArrayBuffer, 'web.tif', { codec: fflateCodec })).bands[0].raster;
    expect(sameBits(back.data, raster.data)).toBe(true);
    const again = (await readGeoTiff(bytes.buffer as ArrayBuffer, 'web.tif', { codec: webStreamsCodec })).bands[0].raster;
    expect(sameBits(again.data, raster.data)).toBe(true);
  });

  it('stops mid-run when cancelled, after the row of tiles it is on', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const run = writeGeoTiffAsync(raster, { tileSizePx: 128 }, {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done === 3) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toEqual([0, 1, 2, 3]);
  });
});

/** Same float32 bit patterns, NaN where NaN. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || (a[i] !== a[i] && b[i] !== b[i]))) return false;
  return true;
}
