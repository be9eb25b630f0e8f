import { describe, expect, it } from 'vitest';
import { upsample } from '../core/raster/resample.ts';
import { webStreamsCodec } from '../io/deflate-codec.ts';
import { planGeoTiff } from '../io/geotiff-plan.ts';
import { dataPath, hasData, readBand } from '../test-support/data.ts';
import { expectInflatesBack, noise } from '../test-support/deflate-bytes.ts';
import { floatDeflate } from './float-deflate.ts';
import { rleDeflate } from './rle-deflate.ts';

const DHAKA_LST = ['dhaka-mod11a2-mod13q1-2024-citypath', 'MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'];

/** Rows of `rowBytes` whose first half repeats the row above except every 7th byte, the second half noise. */
function rowsLikeATile(rows: number, rowBytes: number, seed: number): Uint8Array {
  const out = noise(rows * rowBytes, seed, 0);
  const half = rowBytes / 2;
  for (let r = 1; r < rows; r++)
    for (let c = 0; c < half; c++) if (c % 7) out[r * rowBytes + c] = out[(r - 1) * rowBytes + c];
  return out;
}

describe('floatDeflate', () => {
  const cases: Array<[string, Uint8Array, number]> = [
    ['nothing', new Uint8Array(0), 0],
    ['one byte', new Uint8Array([200]), 0],
    ['a run longer than a match, across blocks', new Uint8Array(70_000).fill(7), 1000],
    ['runs of every length from 1 to 300', Uint8Array.from(Array.from({ length: 300 }, (_, r) => Array<number>(r + 1).fill(r % 256)).flat()), 0],
    ['noise, one byte past a block, searched everywhere', noise(2 ** 16 + 1, 1), 0],
    ['rows that repeat the row above, across blocks', rowsLikeATile(300, 1024, 2), 1024],
    ['a row as long as the window', rowsLikeATile(4, 2 ** 15, 3), 2 ** 15],
    ['a period of 5 bytes, found by the hash', Uint8Array.from({ length: 100_000 }, (_, i) => [1, 2, 3, 4, 9][i % 5]), 0],
    ['a row length that does not divide the bytes', rowsLikeATile(50, 1024, 4).subarray(0, 50 * 1024 - 3), 1024],
  ];

  it.each(cases)('gives a zlib stream that zlib, fflate and DecompressionStream inflate back: %s', async (_, bytes, rowBytes) => {
    await expectInflatesBack(floatDeflate(bytes, rowBytes), bytes);
  });

  it('gives each block the same stream whatever blocks came before (both encoders reuse their work arrays and output buffer)', () => {
    const streams = (order: typeof cases) =>
      new Map(order.map(([name, bytes, rowBytes]) => [name, [floatDeflate(bytes, rowBytes), rleDeflate(bytes)].map((z) => Buffer.from(z).toString('hex'))]));
    const forward = streams(cases);
    const backward = streams([...cases].reverse());
    for (const [name] of cases) expect(backward.get(name), name).toEqual(forward.get(name));
  });

  it('finds the matches a row up and the repeats the hash sees', () => {
    const rows = rowsLikeATile(256, 1024, 5);
    // Half of each row is noise, the other half (bar every 7th byte) the row above: matches of 6 bytes.
    expect(floatDeflate(rows, 1024).length).toBeLessThan(rows.length * 0.75);
    expect(floatDeflate(rows, 1024).length).toBeLessThan(rleDeflate(rows).length * 0.75);
    const periodic = Uint8Array.from({ length: 100_000 }, (_, i) => [1, 2, 3, 4, 9][i % 5]);
    expect(floatDeflate(periodic, 0).length).toBeLessThan(1_000);
  });
});

describe.skipIf(!hasData(...DHAKA_LST))("floatDeflate on the writer's LST tiles", () => {
  it('inflates back and comes within 5 % of zlib level 6, smaller than the run-length Deflate', async () => {
    const lst = upsample(await readBand(dataPath(...DHAKA_LST)), 4, 'bicubic');
    const plan = planGeoTiff({ ...lst, data: Float32Array.from(lst.data) }, { cog: true, tileSizePx: 64 });
    let float = 0;
    let native = 0;
    let rle = 0;
    for (const t of plan.tiles()) {
      if (!('bytes' in t)) continue;
      const z = floatDeflate(t.bytes, plan.rowBytes);
      await expectInflatesBack(z, t.bytes);
      float += z.length;
      native += (await webStreamsCodec.deflate(t.bytes, 6)).length;
      rle += rleDeflate(t.bytes).length;
    }
    expect(float).toBeLessThan(native * 1.05);
    expect(float).toBeLessThan(rle);
  });
});
