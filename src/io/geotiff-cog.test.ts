import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fromArrayBuffer } from 'geotiff';
import { afterAll, describe, expect, it } from 'vitest';
import { crsFromEpsg, MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import type { Raster } from '../core/raster/raster.ts';
import { readGeoTiff } from './geotiff-read.ts';
import { halveMeanInto, planGeoTiff } from './geotiff-plan.ts';
import { cutTileRow } from './tiff-cut.ts';
import { halveMean, writeGeoTiff } from './geotiff-write.ts';

/** Debian's python3-gdal lives beside the system python; a pyenv `python3` first on PATH lacks it. */
const PYTHONS = [process.env.GDAL_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);

function gdalPython(): string | undefined {
  for (const py of PYTHONS) {
    try {
      execFileSync(py, ['-c', 'import numpy, osgeo_utils.samples.validate_cloud_optimized_geotiff'], {
        stdio: 'ignore',
      });
      return py;
    } catch {
      // next candidate
    }
  }
  return undefined;
}

const python = gdalPython();
const dir = mkdtempSync(path.join(tmpdir(), 'srda-io-cog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A smooth field with isolated NaN pixels and an all-NaN rectangle, deterministic. */
function field(width: number, height: number, base = 290): Raster {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++)
    data[i] = i % 97 === 0 ? Number.NaN : base + 5 * Math.sin(i / 31) + (i % 13) * 0.01;
  for (let r = 40; r < 73; r++) for (let c = 100; c < 161; c++) data[r * width + c] = Number.NaN;
  return {
    width,
    height,
    transform: [-7783653.64, 231.656, 0, 1111950.52, 0, -231.656],
    crs: MODIS_SINUSOIDAL,
    data,
  };
}

function validate(file: string): string {
  return execFileSync(
    python!,
    ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', file],
    {
      encoding: 'utf8',
    },
  );
}

describe('halveMean', () => {
  it('gives halveMeanInto the whole raster\'s values over windows on even rows and columns, odd edges and NaN blocks included', () => {
    const w = 37;
    const h = 23;
    const data = new Float32Array(w * h);
    for (let i = 0; i < data.length; i++) data[i] = i % 7 === 0 || (i > 100 && i < 140) ? Number.NaN : Math.fround(280 + Math.sin(i) * 9.7);
    const want = halveMean(data, w, h);
    const w2 = Math.ceil(w / 2);
    const got = new Float32Array(want.length).fill(-1);
    // Windows of 8 x 6 (the last ones short, at the raster's odd edges), into a buffer of the half size.
    for (let r = 0; r < h; r += 8) for (let c = 0; c < w; c += 6) halveMeanInto(data, w, r, c, Math.min(8, h - r), Math.min(6, w - c), got, w2, r / 2, c / 2);
    expect(Array.from(got).map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual(Array.from(want).map((v) => (Number.isNaN(v) ? 'NaN' : v)));
    expect(got.some((v) => Number.isNaN(v))).toBe(true);
  });

  it('averages the valid pixels of each 2x2 block, keeps partial edge blocks and all-NaN blocks as NaN', () => {
    const n = Number.NaN;
    // 3x3 -> 2x2: [1 2 | 3] / [5 NaN | 7] // [NaN NaN | 9]
    const out = halveMean(new Float32Array([1, 2, 3, 5, n, 7, n, n, 9]), 3, 3);
    expect(Array.from(out.subarray(0, 3))).toEqual([Math.fround(8 / 3), 5, n]);
    expect(out[3]).toBe(9);
  });
});

describe('planGeoTiff overview tiles', () => {
  it('are the tiles of whole halveMean levels, the first overview made by tile rows (odd sizes, two bands, NaN)', () => {
    // 16 px tiles: six levels (147x83 down to 5x3), each odd somewhere.
    const a = field(293, 165);
    const b = { ...a, data: a.data.map((v) => v * 0.5 + 1) };
    const bands = [{ raster: a }, { raster: b }];
    const plan = planGeoTiff(bands, { cog: true, tileSizePx: 16 });
    const got: string[] = [];
    for (const t of plan.tiles()) if ('bytes' in t) got.push(`${t.image}:${Buffer.from(t.bytes).toString('hex')}`);
    const levels = [{ w: 293, h: 165, data: [a.data, b.data] }];
    while (Math.max(levels[levels.length - 1].w, levels[levels.length - 1].h) > 16) {
      const l = levels[levels.length - 1];
      levels.push({ w: Math.ceil(l.w / 2), h: Math.ceil(l.h / 2), data: l.data.map((d) => halveMean(d, l.w, l.h)) });
    }
    expect(levels.length).toBe(6);
    const want: string[] = [];
    for (let k = levels.length - 1; k >= 0; k--)
      for (const d of levels[k].data)
        for (let ty = 0; ty < Math.ceil(levels[k].h / 16); ty++)
          for (const t of cutTileRow(d, levels[k].w, levels[k].h, ty, 16, -9999, 3)) want.push(`${k}:${Buffer.from(t).toString('hex')}`);
    expect(got.length).toBe(want.length);
    expect(got).toEqual(want);
  });
});

describe('writeGeoTiff cloud-optimised layout', () => {
  it('writes internal overviews down to one tile that geotiff.js sees, with full-resolution values unchanged', async () => {
    const r = field(1000, 601);
    const bytes = writeGeoTiff(r);
    const tiff = await fromArrayBuffer(bytes.slice().buffer);
    expect(await tiff.getImageCount()).toBe(3);
    const sizes = [];
    for (let i = 0; i < 3; i++) {
      const img = await tiff.getImage(i);
      sizes.push([img.getWidth(), img.getHeight(), img.getTileWidth()]);
    }
    expect(sizes).toEqual([
      [1000, 601, 256],
      [500, 301, 256],
      [250, 151, 256],
    ]);
    const back = await readGeoTiff(bytes.slice().buffer, 'cog.tif');
    const got = back.bands[0].raster.data;
    let diff = 0;
    for (let i = 0; i < got.length; i++) if (!Object.is(got[i], r.data[i])) diff++;
    expect(diff).toBe(0);
  });

  it('writes one plain image when cog is false, and a COG no bigger than plain plus a third for overviews', () => {
    const r = field(700, 500);
    const plain = writeGeoTiff(r, { cog: false });
    const cog = writeGeoTiff(r);
    expect(new DataView(plain.buffer).getUint32(4, true)).not.toBe(192);
    expect(new TextDecoder().decode(cog.subarray(8, 38))).toBe('GDAL_STRUCTURAL_METADATA_SIZE=');
    expect(cog.length).toBeGreaterThan(plain.length);
    expect(cog.length).toBeLessThan(plain.length * 1.4);
  });
});

describe.skipIf(!python)('writeGeoTiff cloud-optimised layout checked by GDAL', () => {
  const cases: Array<{ name: string; bands: Raster[]; opts: Parameters<typeof writeGeoTiff>[1] }> = [
    { name: 'odd-size', bands: [field(1000, 601)], opts: {} },
    {
      name: 'two-bands-128',
      bands: [field(530, 530), { ...field(530, 530, 300), crs: crsFromEpsg(32629) }],
      opts: { tileSizePx: 128 },
    },
    { name: 'uncompressed', bands: [field(300, 280)], opts: { compression: 'none' } },
    { name: 'one-tile', bands: [field(200, 120)], opts: {} },
  ];
  for (const c of cases) {
    it(`passes GDAL's COG validator with --full-check (${c.name})`, () => {
      const file = path.join(dir, `${c.name}.tif`);
      writeFileSync(
        file,
        writeGeoTiff(
          c.bands.map((raster, i) => ({ raster, name: `b${i}` })),
          c.opts,
        ),
      );
      const out = validate(file);
      expect(out).toContain('is a valid cloud optimized GeoTIFF');
      expect(out).not.toMatch(/warning/i);
    });
  }

  it('GDAL reads the full resolution exactly as the plain layout, and the overviews as gdaladdo -r average computes them', () => {
    const r = field(1024, 640);
    const cog = path.join(dir, 'cmp-cog.tif');
    const plain = path.join(dir, 'cmp-plain.tif');
    writeFileSync(cog, writeGeoTiff(r));
    writeFileSync(plain, writeGeoTiff(r, { cog: false }));
    execFileSync('gdaladdo', ['-q', '-r', 'average', plain, '2', '4']);
    const script = `
import sys, json
import numpy as np
from osgeo import gdal
A = gdal.Open(sys.argv[1]); B = gdal.Open(sys.argv[2])
a = A.GetRasterBand(1); b = B.GetRasterBand(1)
res = {'full_equal': bool(np.array_equal(a.ReadAsArray(), b.ReadAsArray())), 'nodata': a.GetNoDataValue(), 'ovr': []}
for i in range(a.GetOverviewCount()):
    x = a.GetOverview(i).ReadAsArray().astype('f8'); y = b.GetOverview(i).ReadAsArray().astype('f8')
    res['ovr'].append([list(x.shape), float(np.abs(x - y).max()), int((x == -9999).sum()), int((y == -9999).sum())])
print(json.dumps(res))`;
    const res = JSON.parse(execFileSync(python!, ['-c', script, cog, plain], { encoding: 'utf8' })) as {
      full_equal: boolean;
      nodata: number;
      ovr: Array<[number[], number, number, number]>;
    };
    expect(res.full_equal).toBe(true);
    expect(res.nodata).toBe(-9999);
    expect(res.ovr.map((o) => o[0])).toEqual([
      [320, 512],
      [160, 256],
    ]);
    for (const [, maxDiff, ourNodata, gdalNodata] of res.ovr) {
      expect(maxDiff).toBeLessThan(1e-4);
      expect(ourNodata).toBe(gdalNodata);
      expect(ourNodata).toBeGreaterThan(0);
    }
  });
});
