import { describe, expect, it } from 'vitest';
import { MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import type { Raster } from '../core/raster/raster.ts';
import { fflateCodec, type DeflateCodec } from './deflate-codec.ts';
import { memorySpill, streamGeoTiff, type TileSpill } from './geotiff-stream.ts';
import { writeGeoTiffAsync, type GeoTiffSink, type WriteGeoTiffOptions } from './geotiff-write.ts';
import { readGeoTiff } from './geotiff-read.ts';

/** A smooth field with scattered NaN and an all-NaN rectangle (where the raster is big enough). */
function field(width: number, height: number, base = 290): Raster {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = i % 89 === 0 ? Number.NaN : base + 4 * Math.sin(i / 29) + (i % 11) * 0.013;
  for (let r = 5; r < Math.min(height, 60); r++) for (let c = 3; c < Math.min(width, 90); c++) data[r * width + c] = Number.NaN;
  return { width, height, transform: [-7783653.64, 231.656, 0, 1111950.52, 0, -231.656], crs: MODIS_SINUSOIDAL, data };
}

/** A sink that keeps the file in memory, as written. */
function memorySink(): GeoTiffSink & { bytes: () => Uint8Array } {
  const parts: Array<{ at: number; pieces: Uint8Array[] }> = [];
  return {
    write: (pieces, at) => void parts.push({ at, pieces: pieces.map((p) => p.slice()) }),
    bytes: () => {
      const end = Math.max(...parts.map((p) => p.at + p.pieces.reduce((n, x) => n + x.length, 0)));
      const out = new Uint8Array(end);
      for (const { at, pieces } of parts) {
        let p = at;
        for (const x of pieces) {
          out.set(x, p);
          p += x.length;
        }
      }
      return out;
    },
  };
}

/** Streams the rasters' rows in chunks of `chunkRows` (cycling through the list) and returns the file. */
async function streamed(bands: Raster[], opts: WriteGeoTiffOptions, chunkRows: number[], spill: TileSpill | undefined = memorySpill()): Promise<Uint8Array> {
  const sink = memorySink();
  const { width, height } = bands[0];
  const s = streamGeoTiff(bands[0], bands.map((_, i) => ({ name: `b${i}`, units: 'K' })), sink, spill, opts);
  let r = 0;
  for (let i = 0; r < height; i++) {
    const n = Math.min(chunkRows[i % chunkRows.length], height - r);
    await s.push(bands.map((b) => b.data.slice(r * width, (r + n) * width)));
    r += n;
  }
  const size = await s.finish();
  const bytes = sink.bytes();
  expect(bytes.length).toBe(size);
  return bytes;
}

const whole = (bands: Raster[], opts: WriteGeoTiffOptions) => writeGeoTiffAsync(bands.map((raster, i) => ({ raster, name: `b${i}`, units: 'K' })), opts);

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

describe('streamGeoTiff', () => {
  const codec: DeflateCodec = fflateCodec;
  const sizes: Array<[number, number]> = [
    [37, 23],
    [300, 257],
    [513, 771],
    [1030, 600],
  ];
  for (const [w, h] of sizes) {
    for (const cog of [true, false]) {
      it(`writes the bytes writeGeoTiffAsync writes for a ${w}x${h} raster with NaN areas (${cog ? 'COG' : 'plain'}), whatever the rows per push`, async () => {
        const bands = [field(w, h)];
        const opts = { cog, codec, maxTilesInFlight: 3 };
        const ref = await whole(bands, opts);
        for (const chunks of [[1], [7, 256, 3], [h]]) expect(sameBytes(await streamed(bands, opts, chunks), ref)).toBe(true);
      });
    }
  }

  it('writes two bands as writeGeoTiffAsync does, COG and plain, with level 6 and a 128 px tile', async () => {
    const bands = [field(530, 401), field(530, 401, 300)];
    for (const cog of [true, false]) {
      const opts = { cog, codec, level: 6, tileSizePx: 128 };
      expect(sameBytes(await streamed(bands, opts, [33]), await whole(bands, opts))).toBe(true);
    }
  });

  it('copies a spill larger than its copy buffer (8 MiB) into the COG as writeGeoTiffAsync writes it', async () => {
    // Noise barely compresses: ~13 MB of full-resolution tiles in the spill, copied in two pieces.
    const r = field(1800, 1800);
    let seed = 7;
    for (let i = 0; i < r.data.length; i++) if (r.data[i] === r.data[i]) r.data[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 21;
    const opts = { codec, level: 1 };
    const spill = memorySpill();
    let spilled = 0;
    const counting: TileSpill = {
      write: (pieces, at) => {
        spilled = Math.max(spilled, at + pieces.reduce((n, p) => n + p.length, 0));
        return spill.write(pieces, at);
      },
      read: (at, n, into) => spill.read(at, n, into),
    };
    expect(sameBytes(await streamed([r], opts, [100], counting), await whole([r], opts))).toBe(true);
    expect(spilled).toBeGreaterThan(8 * 2 ** 20);
  });

  it('writes uncompressed tiles as writeGeoTiffAsync does', async () => {
    const bands = [field(300, 290)];
    const opts = { compression: 'none' as const, codec };
    expect(sameBytes(await streamed(bands, opts, [100]), await whole(bands, opts))).toBe(true);
  });

  it('gives back the full-resolution values as read, and NaN where the rows were NaN', async () => {
    const r = field(600, 333);
    const back = await readGeoTiff((await streamed([r], { codec }, [50])).slice().buffer, 'stream.tif');
    const got = back.bands[0].raster.data;
    let diff = 0;
    for (let i = 0; i < got.length; i++) if (!Object.is(got[i], r.data[i])) diff++;
    expect(diff).toBe(0);
  });

  it('needs no spill for a plain one-band file and refuses a COG without one', async () => {
    const bands = [field(400, 300)];
    expect(sameBytes(await streamed(bands, { cog: false, codec }, [64], undefined), await whole(bands, { cog: false, codec }))).toBe(true);
    expect(() => streamGeoTiff(bands[0], [{}], memorySink(), undefined, { codec })).toThrow(/spill/);
  });

  it('refuses rows that are not whole, too many rows, and a finish before the last row', async () => {
    const r = field(100, 40);
    const s1 = streamGeoTiff(r, [{}], memorySink(), memorySpill(), { codec });
    await expect(s1.push([new Float32Array(150)])).rejects.toThrow(/whole 100-pixel rows/);
    const s2 = streamGeoTiff(r, [{}], memorySink(), memorySpill(), { codec });
    await s2.push([r.data.slice(0, 3000)]);
    await expect(s2.finish()).rejects.toThrow(/30 of 40 rows/);
    const s3 = streamGeoTiff(r, [{}], memorySink(), memorySpill(), { codec });
    await expect(s3.push([new Float32Array(4100)])).rejects.toThrow(/more than 40 rows/);
  });

  it('stops with CANCELLED when the signal is aborted, after the compressions under way end', async () => {
    const r = field(700, 700);
    let running = 0;
    let maxRunning = 0;
    const slow: DeflateCodec = {
      name: 'slow',
      deflate: async (b, l) => {
        maxRunning = Math.max(maxRunning, ++running);
        await new Promise((res) => setTimeout(res, 2));
        running--;
        return fflateCodec.deflate(b, l);
      },
    };
    const s = streamGeoTiff(r, [{}], memorySink(), memorySpill(), { codec: slow, maxTilesInFlight: 4 });
    const ac = new AbortController();
    await s.push([r.data.slice(0, 700 * 300)], { signal: ac.signal });
    ac.abort();
    await expect(s.push([r.data.slice(700 * 300, 700 * 400)], { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    await s.settle();
    expect(running).toBe(0);
    expect(maxRunning).toBeLessThanOrEqual(4);
    await expect(s.finish()).rejects.toThrow(/after a failure/);
  });

  it('takes tiles cut ahead, tile rows and columns in any order, and writes the same bytes, each tile compressed once', async () => {
    for (const cog of [true, false]) {
      const bands = [field(1030, 600), field(1030, 600, 300)];
      const want = await whole(bands, { cog, codec });
      const { width, height } = bands[0];
      let calls = 0;
      const counting: DeflateCodec = { name: 'counting', deflate: (b, l, st) => (calls++, fflateCodec.deflate(b, l, st)) };
      const sink = memorySink();
      const s = streamGeoTiff(bands[0], bands.map((_, i) => ({ name: `b${i}`, units: 'K' })), sink, memorySpill(), { cog, codec: counting });
      const rowsOf = (r0: number) => bands.map((b) => b.data.slice(r0 * width, Math.min(height, r0 + 256) * width));
      // Tile rows 2 (the short last one, 88 rows), then 1, then part of 0; column spans that end inside a tile take only the whole tiles before.
      s.ahead(512, rowsOf(512), 700, 1030);
      s.ahead(256, rowsOf(256), 0, 600);
      s.ahead(512, rowsOf(512), 0, 700);
      s.ahead(256, rowsOf(256), 512, 1030);
      s.ahead(0, rowsOf(0), 256, 768);
      // 2 bands x (4 + 5 + 2 tiles), none twice; rows off a tile row are left to push.
      expect(calls).toBe(22);
      s.ahead(100, bands.map((b) => b.data.slice(100 * width, 356 * width)), 0, 1030);
      expect(calls).toBe(22);
      expect(() => s.ahead(0, [bands[0].data.slice(0, 10 * width), bands[1].data.slice(0, 10 * width)], 0, 1030)).toThrow(/256 whole 1030-pixel rows/);
      for (let r = 0; r < height; r += 100) await s.push(bands.map((b) => b.data.slice(r * width, Math.min(height, r + 100) * width)));
      // A tile row already cut is not cut again.
      s.ahead(0, rowsOf(0), 0, 1030);
      const size = await s.finish();
      expect(sameBytes(sink.bytes(), want)).toBe(true);
      expect(sink.bytes().length).toBe(size);
      // Every tile compressed exactly once: as many compressions as a stream without ahead.
      const plain = calls;
      calls = 0;
      const s2 = streamGeoTiff(bands[0], bands.map((_, i) => ({ name: `b${i}`, units: 'K' })), memorySink(), memorySpill(), { cog, codec: counting });
      await s2.push(bands.map((b) => b.data));
      await s2.finish();
      expect(plain).toBe(calls);
    }
  });

  it('fails push or finish with the error of a tile compressed ahead, and settle waits for the others', async () => {
    const r = field(600, 300);
    let running = 0;
    let n = 0;
    // The second compression (a tile cut ahead) fails.
    const failing: DeflateCodec = {
      name: 'failing',
      deflate: async (b, l) => {
        const k = ++n;
        running++;
        await new Promise((res) => setTimeout(res, 3));
        running--;
        if (k === 2) throw new Error('deflate broke');
        return fflateCodec.deflate(b, l);
      },
    };
    const s = streamGeoTiff(r, [{}], memorySink(), memorySpill(), { codec: failing });
    s.ahead(0, [r.data.slice(0, 256 * 600)], 0, 600);
    expect(n).toBe(3);
    await expect(
      (async () => {
        await s.push([r.data.slice()]);
        await s.finish();
      })(),
    ).rejects.toThrow('deflate broke');
    await s.settle();
    expect(running).toBe(0);
    // After a failure, nothing more is started.
    const before = n;
    s.ahead(256, [r.data.slice(256 * 600)], 0, 600);
    expect(running).toBe(0);
    expect(n).toBe(before);
  });
});
