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

  it('fails finish with the error of an overview write or a spill read in the copy, with no read left in flight', async () => {
    const r = field(1800, 1800);
    let seed = 11;
    for (let i = 0; i < r.data.length; i++) if (r.data[i] === r.data[i]) r.data[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 21;
    for (const fail of ['read', 'overviews'] as const) {
      const spill = memorySpill();
      let reads = 0;
      let inFlight = 0;
      const failing: TileSpill = {
        write: (pieces, at) => spill.write(pieces, at),
        read: async (at, n, into) => {
          reads++;
          inFlight++;
          await new Promise((res) => setTimeout(res, 5));
          inFlight--;
          if (fail === 'read' && reads === 2) throw new Error('spill read broke');
          return spill.read(at, n, into);
        },
      };
      const sink = memorySink();
      let headerSize = 0;
      const s = streamGeoTiff(r, [{}], { write: (pieces, at) => {
        // The first write of finish is the smallest overview's, right after the header.
        if (!headerSize) headerSize = at;
        if (fail === 'overviews' && at === headerSize) return new Promise<void>((_, rej) => setTimeout(() => rej(new Error('overview write broke')), 8));
        return sink.write(pieces, at);
      } }, failing, { codec, level: 1 });
      await s.push([r.data]);
      await expect(s.finish()).rejects.toThrow(fail === 'read' ? 'spill read broke' : 'overview write broke');
      expect(inFlight).toBe(0);
    }
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
      // 2 bands x (4 + 5 + 2 tiles), none twice; then, once the caller's turn is over, in the COG the
      // overview tiles whose full-resolution tiles are all in: 2 bands x level 1's tiles (1, 0) and
      // (1, 2) (515x300, over tile row 2's tiles 0-1 and 4); rows off a tile row are left to push.
      expect(calls).toBe(22);
      await new Promise((res) => setTimeout(res, 5));
      const cutAhead = cog ? 26 : 22;
      expect(calls).toBe(cutAhead);
      s.ahead(100, bands.map((b) => b.data.slice(100 * width, 356 * width)), 0, 1030);
      expect(calls).toBe(cutAhead);
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

  it('makes each overview tile once its full-resolution tiles are all in ahead, before any push, and pushes then compress nothing', async () => {
    // 1030x600, 256 px tiles: 5 x 3 tiles; overviews 515x300 (3 x 2 tiles), 258x150 (2 x 1), 129x75 (1).
    const bands = [field(1030, 600), field(1030, 600, 300)];
    const want = await whole(bands, { codec });
    const { width, height } = bands[0];
    let calls = 0;
    const counting: DeflateCodec = { name: 'counting', deflate: (b, l, st) => (calls++, fflateCodec.deflate(b, l, st)) };
    const sink = memorySink();
    const s = streamGeoTiff(bands[0], bands.map((_, i) => ({ name: `b${i}`, units: 'K' })), sink, memorySpill(), { codec: counting });
    const rowsOf = (r0: number) => bands.map((b) => b.data.slice(r0 * width, Math.min(height, r0 + 256) * width));
    // Column by column, the last tile row first; the top-left level-1 tile waits for tile (1, 1).
    for (const r0 of [512, 0, 256]) for (let c = 0; c < width; c += 256) if (!(r0 === 256 && c === 256)) s.ahead(r0, rowsOf(r0), c, Math.min(width, c + 256));
    // The overviews' share is made once the caller's turn is over.
    expect(calls).toBe(2 * 14);
    await new Promise((res) => setTimeout(res, 5));
    // Per band: the full resolution less tile (1, 1); level 1 less its tile (0, 0); level 2's tile
    // (0, 1) (over columns 4-7), not its tile (0, 0); level 3 not yet.
    expect(calls).toBe(2 * (14 + 5 + 1));
    s.ahead(256, rowsOf(256), 256, 512);
    await new Promise((res) => setTimeout(res, 5));
    expect(calls).toBe(2 * (15 + 6 + 2 + 1));
    const before = calls;
    for (let r = 0; r < height; r += 77) await s.push(bands.map((b) => b.data.slice(r * width, Math.min(height, r + 77) * width)));
    const size = await s.finish();
    expect(calls).toBe(before);
    expect(sameBytes(sink.bytes(), want)).toBe(true);
    expect(sink.bytes().length).toBe(size);
  });

  it('copies a one-band COG\'s spill once every overview tile is made, before the last rows, and sends the later tiles straight to the file: the same bytes', async () => {
    for (const [w, h, failRead] of [[1030, 600, false], [700, 512, false], [1030, 600, true]] as const) {
      const r = field(w, h);
      const want = await whole([r], { codec });
      const inner = memorySpill();
      let spilled = 0;
      let reads = 0;
      const spill: TileSpill = {
        write: (pieces, at) => {
          spilled = Math.max(spilled, at + pieces.reduce((n, p) => n + p.length, 0));
          return inner.write(pieces, at);
        },
        read: (at, n, into) => {
          reads++;
          if (failRead) throw new Error('spill read broke');
          return inner.read(at, n, into);
        },
      };
      const sink = memorySink();
      let early = 0;
      let finishing = false;
      const counting: GeoTiffSink = { write: (pieces, at) => ((early += finishing ? 0 : 1), sink.write(pieces, at)) };
      const s = streamGeoTiff(r, [{ name: 'b0', units: 'K' }], counting, spill, { codec, maxTilesInFlight: 2 });
      const rowsOf = (r0: number) => [r.data.slice(r0 * w, Math.min(h, r0 + 256) * w)];
      if (h === 600) {
        // Tile row 0 pushed (into the spill), then tile rows 1 and 2 ahead: the overviews are whole.
        await s.push(rowsOf(0));
        s.ahead(256, rowsOf(256), 0, w);
        s.ahead(512, rowsOf(512), 0, w);
        await new Promise((res) => setTimeout(res, 20));
        expect(reads).toBeGreaterThan(0);
        await s.push([r.data.slice(256 * w)]);
      } else {
        // Rows only: the last tile row (a whole one) completes the overviews before finish.
        await s.push([r.data]);
        await new Promise((res) => setTimeout(res, 20));
      }
      // The file is written before finish: the spill's copy, and in the first case tiles as they come.
      expect(reads).toBeGreaterThan(0);
      if (!failRead) expect(early).toBeGreaterThan(h === 600 ? reads : 0);
      finishing = true;
      if (failRead) {
        await expect(s.finish()).rejects.toThrow('spill read broke');
        await s.settle();
        continue;
      }
      const size = await s.finish();
      expect(sameBytes(sink.bytes(), want)).toBe(true);
      expect(sink.bytes().length).toBe(size);
      // The spill holds only the tiles flushed before the overviews were known: less than the file's full resolution.
      expect(spilled).toBeGreaterThan(0);
      if (h === 600) expect(spilled).toBeLessThan(want.length / 2);
    }
  });

  it('makes the overviews from rows where a tile size of few powers of two meets many levels (16 px tiles, 6 levels), ahead or not, the same bytes', async () => {
    const bands = [field(513, 771)];
    const opts = { codec, tileSizePx: 16, level: 1 };
    const want = await whole(bands, opts);
    expect(sameBytes(await streamed(bands, opts, [50]), want)).toBe(true);
    const sink = memorySink();
    const s = streamGeoTiff(bands[0], [{ name: 'b0', units: 'K' }], sink, memorySpill(), opts);
    const { width, height } = bands[0];
    for (let r0 = 0; r0 < height; r0 += 16) {
      s.ahead(r0, [bands[0].data.slice(r0 * width, Math.min(height, r0 + 16) * width)], 0, width);
      await s.push([bands[0].data.slice(r0 * width, Math.min(height, r0 + 16) * width)]);
    }
    await s.finish();
    expect(sameBytes(sink.bytes(), want)).toBe(true);
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
