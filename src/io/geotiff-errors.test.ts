import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../core/geo/crs.ts';
import { isAppError } from '../core/errors.ts';
import { readGeoTiff } from './geotiff-read.ts';
import { writeGeoTiff } from './geotiff-write.ts';
import { hasGdal } from '../test-support/gdal.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dataDir = path.resolve(repoRoot, '../shared/data');
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-io-err-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ab(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function expectCode(p: Promise<unknown>, code: string, fileName: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(isAppError(e)).toBe(true);
    if (!isAppError(e)) throw e;
    expect(e.code).toBe(code);
    expect(e.message).toContain(fileName);
    expect(e.file).toBe(fileName);
    return e.message;
  }
  throw new Error(`expected ${code} for ${fileName}, but it was read`);
}


const small = writeGeoTiff({
  width: 64,
  height: 48,
  transform: [10, 0.01, 0, 50, 0, -0.01],
  crs: crsFromEpsg(4326),
  data: new Float32Array(64 * 48).map((_, i) => 280 + (i % 37)),
});

describe('readGeoTiff cancellation and progress', () => {
  it('reports decode progress per block row and stops with CANCELLED when aborted', async () => {
    const tiled = writeGeoTiff(
      {
        width: 64,
        height: 64,
        transform: [0, 1, 0, 64, 0, -1],
        crs: crsFromEpsg(32629),
        data: new Float32Array(64 * 64).fill(300),
      },
      { tileSizePx: 16 },
    );
    const seen: number[] = [];
    const ok = await readGeoTiff(ab(tiled), 'p.tif', {
      onProgress: (p) => p.stage === 'decode' && seen.push(p.done),
    });
    expect(ok.bands[0].raster.data[4095]).toBe(300);
    expect(seen).toEqual([0, 1, 2, 3]);
    const ctl = new AbortController();
    const run = readGeoTiff(ab(tiled), 'p.tif', {
      signal: ctl.signal,
      onProgress: (p) => p.stage === 'decode' && p.done === 1 && ctl.abort(),
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('readGeoTiff on bad input', () => {
  it('rejects files that are not TIFFs with NOT_GEOTIFF and a conversion hint', async () => {
    await expectCode(
      readGeoTiff(ab(new TextEncoder().encode('ncols 10\nnrows 10\n')), 'dem.asc'),
      'NOT_GEOTIFF',
      'dem.asc',
    );
    await expectCode(readGeoTiff(new ArrayBuffer(0), 'empty.tif'), 'NOT_GEOTIFF', 'empty.tif');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(await expectCode(readGeoTiff(ab(png), 'map.png'), 'NOT_GEOTIFF', 'map.png')).toMatch(/PNG/);
  });

  it('rejects truncated and damaged copies of a written file with CORRUPT_TIFF', async () => {
    // The last 4 bytes of a cloud-optimised file repeat the end of its last tile (GDAL's block
    // trailer), so the last cut reaches into the tile data itself.
    for (const cut of [8, 100, Math.floor(small.length / 2), small.length - 5]) {
      await expectCode(
        readGeoTiff(ab(small.slice(0, cut)), `cut-${cut}.tif`),
        'CORRUPT_TIFF',
        `cut-${cut}.tif`,
      );
    }
    const garbled = small.slice();
    for (let i = garbled.length - 200; i < garbled.length - 20; i++) garbled[i] = (i * 97) & 0xff;
    await expectCode(readGeoTiff(ab(garbled), 'garbled.tif'), 'CORRUPT_TIFF', 'garbled.tif');
  });

  it('reports a raster without GeoTIFF tags as NO_GEOREFERENCE', async () => {
    // Strip the georeferencing tags by renaming them to private tag ids in the written IFD.
    const bytes = small.slice();
    const view = new DataView(bytes.buffer);
    const ifd = view.getUint32(4, true);
    const n = view.getUint16(ifd, true);
    for (let k = 0; k < n; k++) {
      const at = ifd + 2 + k * 12;
      const tag = view.getUint16(at, true);
      if ([33550, 33922, 34264, 34735, 34736, 34737].includes(tag)) view.setUint16(at, 65000 + k, true);
    }
    const msg = await expectCode(readGeoTiff(ab(bytes), 'plain.tif'), 'NO_GEOREFERENCE', 'plain.tif');
    expect(msg).toMatch(/gdal_translate -a_srs/);
  });
});

describe.skipIf(!hasGdal())('readGeoTiff on GDAL-made bad layouts', () => {
  const src = path.join(tmp, 'src.tif');
  writeFileSync(src, small);
  const gdal = (args: string[], out: string): string => {
    execFileSync('gdal_translate', ['-q', ...args, src, out], {
      env: { ...process.env, GDAL_PAM_ENABLED: 'NO' },
    });
    return out;
  };

  it('reports complex and 1-bit samples as UNSUPPORTED_LAYOUT', async () => {
    const complex = gdal(['-ot', 'CFloat32'], path.join(tmp, 'complex.tif'));
    await expectCode(readGeoTiff(ab(readFileSync(complex)), complex), 'UNSUPPORTED_LAYOUT', complex);
    const onebit = gdal(
      ['-ot', 'Byte', '-scale', '280', '317', '0', '1', '-co', 'NBITS=1'],
      path.join(tmp, 'onebit.tif'),
    );
    await expectCode(readGeoTiff(ab(readFileSync(onebit)), onebit), 'UNSUPPORTED_LAYOUT', onebit);
  });

  it('reports a GeoTIFF with the georeference stripped (PROFILE=BASELINE) as NO_GEOREFERENCE', async () => {
    const plain = gdal(['-co', 'PROFILE=BASELINE'], path.join(tmp, 'baseline.tif'));
    await expectCode(readGeoTiff(ab(readFileSync(plain)), plain), 'NO_GEOREFERENCE', plain);
  });

  it('reads GDAL LZW, Deflate+predictor 2 and strip layouts identically to geotiff.js', async () => {
    for (const [name, args] of [
      ['lzw.tif', ['-co', 'COMPRESS=LZW']],
      [
        'deflate-p2.tif',
        [
          '-ot',
          'Int16',
          '-co',
          'COMPRESS=DEFLATE',
          '-co',
          'PREDICTOR=2',
          '-co',
          'TILED=YES',
          '-co',
          'BLOCKXSIZE=16',
          '-co',
          'BLOCKYSIZE=16',
        ],
      ],
      ['lzw-p3-strips.tif', ['-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=3', '-co', 'BLOCKYSIZE=5']],
    ] as const) {
      const file = gdal([...args], path.join(tmp, name));
      const bytes = ab(readFileSync(file));
      const fast = await readGeoTiff(bytes, file);
      const ref = await readGeoTiff(bytes, file, { useGeotiffJsDecoder: true });
      expect(Array.from(fast.bands[0].raster.data)).toEqual(Array.from(ref.bands[0].raster.data));
      expect(fast.bands[0].raster.data[100]).toBe(280 + (100 % 37));
    }
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

describe.skipIf(!existsSync(dataDir))('readGeoTiff on the shared data folder', () => {
  const files = existsSync(dataDir) ? listFiles(dataDir) : [];
  const tiffs = files.filter((f) => /\.tiff?$/i.test(f));

  it('tells the user to convert every .nc and .hdf with gdal_translate (NOT_GEOTIFF)', async () => {
    const others = files.filter((f) => /\.(nc|hdf)$/i.test(f));
    expect(others.length).toBeGreaterThanOrEqual(7);
    for (const f of others) {
      const msg = await expectCode(readGeoTiff(ab(readFileSync(f)), f), 'NOT_GEOTIFF', f);
      expect(msg).toMatch(/gdal_translate/);
    }
  });

  it('rejects truncated copies of real GeoTIFFs (made in a temp dir) with CORRUPT_TIFF', async () => {
    for (const rel of [
      'dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif',
      'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif',
      'landsat8-l1-lisbon-20210525-remotesjl/LC08_cube.tiff',
      'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor/LST_20190704.tif',
    ]) {
      const whole = readFileSync(path.join(dataDir, rel));
      const out = path.join(tmp, `truncated-${path.basename(rel)}`);
      writeFileSync(out, whole.subarray(0, Math.floor(whole.length * 0.6)));
      await expectCode(readGeoTiff(ab(readFileSync(out)), out), 'CORRUPT_TIFF', out);
    }
  });

  it('decodes the shared GeoTIFFs (one per naming pattern) exactly as geotiff.js does', async () => {
    expect(tiffs.length).toBeGreaterThanOrEqual(90);
    // Time series differ only in dates (in names or in numbered folders such as modis-aster/<id>/):
    // one file per digit-free path covers every layout.
    const seen = new Set<string>();
    const sample = tiffs.filter((f) => {
      const key = f.replace(/\d+/g, '#');
      return seen.has(key) ? false : (seen.add(key), true);
    });
    expect(sample.length).toBeGreaterThanOrEqual(20);
    for (const f of sample) {
      const bytes = ab(readFileSync(f));
      const fast = await readGeoTiff(bytes, f);
      const ref = await readGeoTiff(bytes, f, { useGeotiffJsDecoder: true });
      fast.bands.forEach((b, i) => {
        const a = b.raster.data;
        const r = ref.bands[i].raster.data;
        let same = a.length === r.length;
        for (let k = 0; same && k < a.length; k++) same = Object.is(a[k], r[k]);
        expect(same, `${f} band ${i + 1}`).toBe(true);
      });
    }
  }, 400_000);
});
