import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { upsample } from '../core/raster/resample.ts';
import { webStreamsCodec, type DeflateCodec } from '../io/deflate-codec.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { writeGeoTiffAsync, type GeoTiffBandInput } from '../io/geotiff-write.ts';
import { dataPath, hasData, readBand } from '../test-support/data.ts';
import { expectInflatesBack, noise } from '../test-support/deflate-bytes.ts';
import { hasGdal } from '../test-support/gdal.ts';
import { codeLengths } from './huffman-codes.ts';
import { adler32 } from '../io/adler32.ts';
import { rleDeflate } from './rle-deflate.ts';
import { withJsDeflate } from './web-deflate.ts';

const DHAKA_LST = ['dhaka-mod11a2-mod13q1-2024-citypath', 'MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'];

describe('rleDeflate', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['nothing', new Uint8Array(0)],
    ['one byte', new Uint8Array([200])],
    ['a run longer than a match, across blocks', new Uint8Array(70_000).fill(7)],
    ['runs of every length from 1 to 300', Uint8Array.from(Array.from({ length: 300 }, (_, r) => Array<number>(r + 1).fill(r % 256)).flat())],
    ['noise with zeros, one byte past a block', noise(2 ** 16 + 1, 1)],
    ['noise', noise(300_000, 2, 0)],
  ];

  it.each(cases)('gives a zlib stream that zlib, fflate and DecompressionStream inflate back: %s', async (_, bytes) => {
    await expectInflatesBack(rleDeflate(bytes), bytes);
  });

  it("compresses as zlib's run-length strategy does, within 1 %", () => {
    const bytes = noise(500_000, 3, 0.5);
    const zlibRle = deflateSync(bytes, { level: 2, strategy: constants.Z_RLE }).length;
    expect(rleDeflate(bytes).length).toBeLessThan(zlibRle * 1.01);
    expect(rleDeflate(new Uint8Array(100_000)).length).toBeLessThan(200);
  });

  it("checksums as zlib's Adler-32", () => {
    const bytes = noise(20_000, 4, 0);
    const z = deflateSync(bytes);
    expect(adler32(bytes)).toBe(z.readUInt32BE(z.length - 4));
    expect(adler32(new Uint8Array(0))).toBe(1);
  });

  it('keeps Huffman codes within the bit limit and complete when frequencies are skewed', () => {
    // Fibonacci frequencies give an unlimited code 29 bits deep.
    const freq = new Uint32Array(30);
    freq[0] = 1;
    freq[1] = 1;
    for (let i = 2; i < 30; i++) freq[i] = freq[i - 1] + freq[i - 2];
    for (const [f, limit] of [
      [freq, 15],
      [freq.slice(0, 19), 7],
      [new Uint32Array([0, 0, 5]), 15],
    ] as const) {
      const lens = codeLengths(f, limit);
      expect(Math.max(...lens)).toBeLessThanOrEqual(limit);
      expect(lens.reduce((s, l) => s + (l ? 2 ** -l : 0), 0)).toBe(1);
      f.forEach((v, s) => v > 0 && expect(lens[s]).toBeGreaterThan(0));
    }
  });
});

function hasGdalPython(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import osgeo_utils.samples.validate_cloud_optimized_geotiff'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'srda-rle-deflate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasData(...DHAKA_LST))("the browser's JavaScript encoders in GeoTIFFs", () => {
  const codec: DeflateCodec = withJsDeflate(webStreamsCodec);

  it('give valid cloud-optimised GeoTIFFs that read back, here and in GDAL, to the same values as with CompressionStream', async () => {
    const lst = upsample(await readBand(dataPath(...DHAKA_LST)), 4, 'bicubic');
    const bands: GeoTiffBandInput[] = [{ raster: lst, name: 'LST', units: 'K' }];
    const opts = { nodata: -9999, cog: true, tileSizePx: 16 };
    const rle = await writeGeoTiffAsync(bands, { ...opts, strategy: 'rle', codec });
    const float = await writeGeoTiffAsync(bands, { ...opts, codec });
    const native = await writeGeoTiffAsync(bands, { ...opts, codec: webStreamsCodec });
    // Three encoders, three files.
    expect(new Set([rle, float, native].map((f) => Buffer.from(f).toString('base64'))).size).toBe(3);
    for (const [name, file] of [['rle.tif', rle], ['float.tif', float]] as const) {
      const back = (await readGeoTiff(file.slice().buffer, name)).bands[0].raster;
      expect(back.data.every((v, i) => (Number.isNaN(v) ? Number.isNaN(lst.data[i]) : v === lst.data[i]))).toBe(true);
    }
    if (!hasGdal()) return;
    const files = ['rle.tif', 'float.tif', 'native.tif'].map((f) => path.join(dir, f));
    [rle, float, native].forEach((f, i) => writeFileSync(files[i], f));
    const checksums = files.map((f) => execFileSync('gdalinfo', ['-checksum', f], { encoding: 'utf8' }).match(/Checksum=\d+|Overviews checksum: .*/g));
    // The full resolution and its overviews.
    expect(checksums[0]).toHaveLength(2);
    expect(checksums[0]).toEqual(checksums[2]);
    expect(checksums[1]).toEqual(checksums[2]);
    if (!hasGdalPython()) return;
    for (const f of files.slice(0, 2)) {
      const validated = execFileSync('/usr/bin/python3', ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', f], {
        encoding: 'utf8',
      });
      expect(validated).toMatch(/is a valid cloud optimized GeoTIFF/);
    }
  });
});
