import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { Hdf4File } from './hdf4-file.ts';
import { readHdf4 } from './hdf4-read.ts';
import { catalogHdf4, readSdsSamples } from './hdf4-sds.ts';
import { hasGdal } from '../test-support/gdal.ts';

const dataDir = path.resolve(import.meta.dirname, '../../../shared/data');
const hdfFiles = existsSync(dataDir)
  ? readdirSync(dataDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) =>
        readdirSync(path.join(dataDir, d.name))
          .filter((n) => n.endsWith('.hdf'))
          .map((n) => path.join(dataDir, d.name, n)),
      )
  : [];


const tmp = mkdtempSync(path.join(tmpdir(), 'srda-hdf4-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, GDAL_PAM_ENABLED: 'NO' };

const TYPED: Record<string, (b: ArrayBuffer) => ArrayLike<number>> = {
  Byte: (b) => new Uint8Array(b),
  Int8: (b) => new Int8Array(b),
  Int16: (b) => new Int16Array(b),
  UInt16: (b) => new Uint16Array(b),
  Int32: (b) => new Int32Array(b),
  UInt32: (b) => new Uint32Array(b),
  Float32: (b) => new Float32Array(b),
  Float64: (b) => new Float64Array(b),
};

/** GDAL's view of one SDS: raw samples (ENVI dump, native order) and what gdalinfo reports. */
function gdalSds(file: string, name: string, out: string): GdalInfo & { samples: ArrayLike<number> } {
  const info = JSON.parse(
    execFileSync('gdalinfo', ['-json', file], { env, maxBuffer: 1 << 26 }).toString(),
  ) as { metadata: { SUBDATASETS: Record<string, string> } };
  const sub = Object.values(info.metadata.SUBDATASETS).find(
    (v) => v.startsWith('HDF4') && (v.endsWith(`:${name}`) || v.endsWith(`:"${name}"`)),
  );
  if (!sub) throw new Error(`GDAL lists no subdataset ${name} in ${file}`);
  const bin = path.join(out, name.replace(/ /g, '_') + '.bin');
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', sub, bin], { env });
  const j = JSON.parse(
    execFileSync('gdalinfo', ['-json', '-proj4', sub], { env, maxBuffer: 1 << 26 }).toString(),
  ) as {
    geoTransform: number[];
    coordinateSystem: { proj4: string };
    size: [number, number];
    bands: { type: string; scale?: number; offset?: number; noDataValue?: number }[];
  };
  const b = j.bands[0];
  const buf = readFileSync(bin);
  return {
    gt: j.geoTransform,
    proj4: j.coordinateSystem.proj4,
    dtype: b.type,
    scale: b.scale ?? null,
    offset: b.offset ?? null,
    nodata: b.noDataValue ?? null,
    size: j.size,
    samples: TYPED[b.type](buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)),
  };
}

interface GdalInfo {
  gt: number[];
  proj4: string;
  dtype: string;
  scale: number | null;
  offset: number | null;
  nodata: number | null;
  size: [number, number];
}

describe.skipIf(hdfFiles.length === 0 || !hasGdal())(
  'readHdf4 against GDAL HDF4 driver (every .hdf in ../shared/data)',
  () => {
    for (const file of hdfFiles) {
      it(`reads ${path.basename(file)} with GDAL's grid, CRS and samples`, async () => {
        const bytes = new Uint8Array(readFileSync(file));
        const name = path.basename(file);
        const datasets = await readHdf4(bytes, name);
        const bands = datasets.flatMap((d) => d.bands.map((b) => ({ d, b })));
        expect(bands.length).toBeGreaterThan(0);
        // Also one layer of every number type in the file, read raw (selection does not change samples).
        const f = new Hdf4File(bytes, name);
        const cat = catalogHdf4(f);
        const byType = new Map(cat.sds.map((s) => [s.numberType.code, s]));
        const names = [
          ...new Set([...bands.map((x) => x.b.name), ...[...byType.values()].map((s) => s.name)]),
        ];
        const out = path.join(tmp, name);
        mkdirSync(out, { recursive: true });
        const gdal = Object.fromEntries(names.map((n) => [n, gdalSds(file, n, out)]));
        for (const sdsName of names) {
          const sds = cat.sds.find((x) => x.name === sdsName)!;
          // GDAL 3.6 reports HDF int8 as Byte (PIXELTYPE=SIGNEDBYTE): same bits, read them signed.
          const g = gdal[sdsName].samples;
          const ref = sds.numberType.code === 20 && g instanceof Uint8Array ? new Int8Array(g.buffer) : g;
          const mine = readSdsSamples(f, sds);
          expect(mine.length, sdsName).toBe(ref.length);
          // Bit for bit: GDAL applies no scaling to the samples it returns.
          let diff = 0;
          for (let i = 0; i < ref.length; i++) if (!Object.is(mine[i], ref[i])) diff++;
          expect(diff, `${name} ${sdsName}: samples differing from GDAL`).toBe(0);
        }
        for (const { d, b } of bands) {
          const g = gdal[b.name];
          expect([d.width, d.height]).toEqual(g.size);
          for (let i = 0; i < 6; i++) expect(d.transform[i]).toBeCloseTo(g.gt[i], 6);
          expect(g.proj4).toContain('+proj=sinu');
          expect(d.crs.proj4).toContain('+proj=sinu');
          expect(g.proj4).toContain('+R=6371007.181');
          expect(d.crs.proj4).toContain('+R=6371007.181');
          // Physical values: GDAL's scale/offset (MOD13: its scale is the divisor) applied to its samples.
          const ref = g.samples;
          const gScale = g.scale ?? 1;
          const scale = gScale > 1 ? 1 / gScale : gScale;
          if (b.role !== 'lst-qc') expect(b.scale, b.name).toBeCloseTo(scale, 12);
          const s = cat.sds.find((x) => x.name === b.name)!;
          const vr = s.attributes.valid_range as number[] | undefined;
          let valid = 0;
          for (let i = 0; i < ref.length; i++) {
            const v = ref[i];
            const invalid =
              b.role !== 'lst-qc' && (v === g.nodata || (vr !== undefined && (v < vr[0] || v > vr[1])));
            const want = invalid ? Number.NaN : b.role === 'lst-qc' ? v : Math.fround(v * b.scale + b.offset);
            if (!Object.is(b.raster.data[i], want))
              throw new Error(`${name} ${b.name} pixel ${i}: ${b.raster.data[i]} vs GDAL ${want} (DN ${v})`);
            if (!invalid) valid++;
          }
          if (b.role === 'lst') expect(valid, `${b.name} has valid pixels`).toBeGreaterThan(0);
        }
      }, 120_000);
    }
  },
);

describe('readHdf4 on damaged input', () => {
  it('names the file and the damage for a file that is not HDF4', async () => {
    const err = await readHdf4(new Uint8Array(64), 'x.hdf').catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('CORRUPT_HDF');
    expect((err as Error).message).toContain('x.hdf');
  });

  it.skipIf(hdfFiles.length === 0)(
    'rejects a truncated MOD11A1 with CORRUPT_HDF, never a partial read',
    async () => {
      const bytes = new Uint8Array(readFileSync(hdfFiles.find((f) => f.includes('MOD11A1'))!));
      for (const keep of [100, 5000, bytes.length >> 1, bytes.length - 10]) {
        const err = await readHdf4(bytes.slice(0, keep), 'cut.hdf').catch((e: unknown) => e);
        expect(isAppError(err), `kept ${keep} bytes`).toBe(true);
        expect((err as { code: string }).code).toBe('CORRUPT_HDF');
        expect((err as Error).message).toMatch(/cut\.hdf: .*download the file again/);
      }
    },
  );
});
