import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { crsFromEpsg } from '../core/geo/crs.ts';
import type { Raster } from '../core/raster/raster.ts';
import type { BlockForm } from '../io/block-codecs.ts';
import type { Dataset } from '../io/dataset.ts';
import { fflateCodec, webStreamsCodec, type BlockSpan, type DeflateCodec } from '../io/deflate-codec.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { writeGeoTiffAsync, type GeoTiffBandInput } from '../io/geotiff-write.ts';
import { channelLog, channelWorkers, type ChannelLog } from '../test-support/channel-workers.ts';
import { dataPath, hasData, readBand, SHARED_DATA } from '../test-support/data.ts';
import { poolDeflateCodec } from './deflate-pool.ts';
import { serveDeflate, type DeflatePort } from './deflate-serve.ts';

const DHAKA_LST = ['dhaka-mod11a2-mod13q1-2024-citypath', 'MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'];

/** Deflate "workers" on the two ends of MessageChannels, serving CompressionStream (or `codec`). */
const deflateWorkers = (log: ChannelLog, codec: DeflateCodec = webStreamsCodec): (() => DeflatePort) =>
  channelWorkers(log, (port: DeflatePort) => serveDeflate(port, codec));

const sameValues = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && a.every((v, i) => (Number.isNaN(v) ? Number.isNaN(b[i]) : v === b[i]));

describe.skipIf(!hasData(...DHAKA_LST))('deflate workers', () => {
  it("write the writer's own bytes with both workers compressing, and read the file back to the same values", async () => {
    const lst = await readBand(dataPath(...DHAKA_LST));
    const bands: GeoTiffBandInput[] = [{ raster: lst, name: 'LST', units: 'K' }];
    const opts = { nodata: -9999, cog: true, tileSizePx: 16 };
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log), 2, webStreamsCodec);
    try {
      const there = await writeGeoTiffAsync(bands, { ...opts, codec: pool });
      const here = await writeGeoTiffAsync(bands, { ...opts, codec: webStreamsCodec });
      expect(Buffer.from(there).equals(Buffer.from(here))).toBe(true);
      // Every tile went to a worker, shared between the two.
      expect(log.requests.every((r) => r >= 5)).toBe(true);
      const sent = log.requests.reduce((s, r) => s + r, 0);
      const back = (await readGeoTiff(there.slice().buffer, 'lst.tif', { codec: pool })).bands[0].raster;
      expect(log.requests.reduce((s, r) => s + r, 0)).toBeGreaterThan(sent);
      expect(sameValues(back.data, lst.data)).toBe(true);
    } finally {
      pool.close();
    }
    expect(log.terminated).toBe(2);
  });

  it('leaves the caller its bytes, and rejects a damaged stream instead of inflating it', async () => {
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log), 1, webStreamsCodec);
    try {
      const block = new Uint8Array(4096).map((_, i) => (i * 7) % 13);
      const z = await pool.deflate(block, 6);
      expect(block.length).toBe(4096);
      expect(block[100]).toBe((100 * 7) % 13);
      expect(Array.from(await pool.inflate!(z, 4096))).toEqual(Array.from(block));
      const bad = z.slice();
      bad[bad.length - 1] ^= 0xff;
      await expect(pool.inflate!(bad, 4096)).rejects.toThrow();
      // A stream longer than the block holds is refused.
      await expect(pool.inflate!(z, 100)).rejects.toThrow(/more than 100/);
    } finally {
      pool.close();
    }
  });

  it("rejects a failed worker's blocks, sends later ones to the other, and runs on this thread once all are gone or closed", async () => {
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log), 2, webStreamsCodec);
    const block = new Uint8Array(65536).map((_, i) => i % 251);
    const expected = await webStreamsCodec.deflate(block, 6);
    const first = pool.deflate(block, 6);
    log.fail[0]('out of memory');
    await expect(first).rejects.toThrow(/deflate worker stopped \(out of memory\)/);
    expect(pool.workers).toBe(1);
    expect(Buffer.from(await pool.deflate(block, 6)).equals(Buffer.from(expected))).toBe(true);
    expect(log.requests).toEqual([1, 1]);
    pool.close();
    expect(pool.workers).toBe(0);
    expect(log.terminated).toBe(2);
    expect(Buffer.from(await pool.deflate(block, 6)).equals(Buffer.from(expected))).toBe(true);
    expect(log.requests).toEqual([1, 1]);
  });

  it("passes the writer's level and match search on to the worker's codec", async () => {
    const seen: unknown[] = [];
    const recording: DeflateCodec = {
      name: 'recording fflate',
      deflate: (bytes, level, strategy) => {
        seen.push([level, strategy]);
        return fflateCodec.deflate(bytes, level, strategy);
      },
    };
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log, recording), 1, fflateCodec);
    try {
      const block = new Uint8Array(1000).fill(7);
      expect(Array.from(await fflateCodec.inflate!(await pool.deflate(block, 1, 'rle'), 1000))).toEqual(Array.from(block));
      await pool.deflate(block, 9);
      expect(seen).toEqual([[1, 'rle'], [9, undefined]]);
    } finally {
      pool.close();
    }
  });
});

describe('deflate workers moving blocks', () => {
  it('move a block that spans its buffer when asked to, copy one that does not, and inflate from a copy', async () => {
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log), 1, webStreamsCodec, { moveWholeDeflateInput: true });
    try {
      const whole = new Uint8Array(4096).map((_, i) => (i * 7) % 13);
      const expected = Array.from(whole);
      const z = await pool.deflate(whole, 6);
      // Detached: handed to the worker without a copy.
      expect(whole.length).toBe(0);
      expect(Array.from(await fflateCodec.inflate!(z, 4096))).toEqual(expected);
      const file = new Uint8Array(8192).map((_, i) => (i * 5) % 11);
      const part = file.subarray(1000, 5096);
      const zPart = await pool.deflate(part, 6);
      expect(part.length).toBe(4096);
      expect(Array.from(await fflateCodec.inflate!(zPart, 4096))).toEqual(Array.from(part));
      const stream = (await webStreamsCodec.deflate(part, 6)).slice();
      await pool.inflate!(stream, 4096);
      expect(stream.length).toBeGreaterThan(0);
    } finally {
      pool.close();
    }
  });
});

describe('deflate workers on a cancelled write', () => {
  /** A 1024 x 1024 float32 field: 256 tiles of 64 px, 16 to a row. */
  const field = (): Raster => ({
    width: 1024,
    height: 1024,
    transform: [500000, 30, 0, 2600000, 0, -30],
    crs: crsFromEpsg(32646),
    data: Float32Array.from({ length: 1024 * 1024 }, (_, i) => 290 + (i % 97) / 7 + (i >> 10) / 50),
  });

  it('never send a block whose signal fired before it was handed over, and reject it as cancelled', async () => {
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log, fflateCodec), 1, fflateCodec);
    try {
      const ctrl = new AbortController();
      ctrl.abort();
      const e = await pool.deflate(new Uint8Array(4096).fill(7), 6, undefined, undefined, ctrl.signal).catch((x: unknown) => x);
      expect(isAppError(e) && e.code).toBe('CANCELLED');
      expect(log.requests).toEqual([0]);
    } finally {
      pool.close();
    }
  });

  it("drop the tiles they have not started once the writer's signal fires, and deflate the next block at once, the same bytes as before", async () => {
    const ctrl = new AbortController();
    let started = 0;
    let atAbort = -1;
    const counting: DeflateCodec = {
      name: 'fflate, counted',
      deflate: (bytes, level) => {
        started++;
        if (started === 3) {
          ctrl.abort();
          atAbort = started;
        }
        return fflateCodec.deflate(bytes, level);
      },
    };
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log, counting), 1, fflateCodec, { moveWholeDeflateInput: true });
    try {
      const write = writeGeoTiffAsync([{ raster: field(), name: 'LST', units: 'K' }], { tileSizePx: 64, cog: false, codec: pool }, { signal: ctrl.signal });
      const e = await write.catch((x: unknown) => x);
      expect(isAppError(e) && e.code).toBe('CANCELLED');
      // Before, the worker compressed every tile sent and the writer went on to the end of the row of 16: 13 more.
      expect(started - atAbort).toBe(0);
      const block = new Uint8Array(65536).map((_, i) => (i * 7) % 251);
      const expected = await fflateCodec.deflate(block, 6);
      expect(Buffer.from(await pool.deflate(block.slice(), 6)).equals(Buffer.from(expected))).toBe(true);
      expect(started - atAbort).toBe(1);
    } finally {
      pool.close();
    }
  });
});

describe('deflate workers on a cancelled read', () => {
  /** A 2048 x 2048 float32 GeoTIFF in 256 px Deflate tiles (64 blocks of 256 kB: 8 requests of 8, 4 in flight), written by fflate. */
  const bigTiff = async (): Promise<ArrayBuffer> => {
    const raster: Raster = {
      width: 2048,
      height: 2048,
      transform: [500000, 30, 0, 2600000, 0, -30],
      crs: crsFromEpsg(32646),
      data: Float32Array.from({ length: 2048 * 2048 }, (_, i) => 290 + (i % 89) / 7 + (i >> 11) / 50),
    };
    const bytes = await writeGeoTiffAsync([{ raster, name: 'LST', units: 'K' }], { tileSizePx: 256, cog: false, codec: fflateCodec });
    return bytes.slice().buffer;
  };
  /** fflate on the workers, its blocks counted; `onBlock(n)` runs as the n-th starts. */
  const countedInflate = (onBlock: (n: number) => void) => {
    const c = { started: 0 };
    const codec: DeflateCodec = {
      ...fflateCodec,
      name: 'fflate, counted',
      // unzlibSync into a buffer of the block's size stops there: the block decoder may hand it every block.
      isBounded: true,
      inflate: (raw, expected) => {
        onBlock(++c.started);
        return fflateCodec.inflate!(raw, expected);
      },
    };
    return { c, codec };
  };
  const form: BlockForm = { compression: 8, predictor: 1, bytesPerSample: 1, rowSamples: 16, samplesInBlock: 1, littleEndian: true };

  it('never send blocks to decode whose signal fired before they were handed over, and reject them as cancelled', async () => {
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log, fflateCodec), 1, fflateCodec);
    try {
      const ctrl = new AbortController();
      ctrl.abort();
      const block = await fflateCodec.deflate(new Uint8Array(64).fill(3), 6);
      const e = await pool.decodeBlocks!(block, [{ start: 0, length: block.length, rows: 4 }], form, ctrl.signal).catch((x: unknown) => x);
      expect(isAppError(e) && e.code).toBe('CANCELLED');
      expect(log.requests).toEqual([0]);
    } finally {
      pool.close();
    }
  });

  it("stop decoding the blocks in flight once the read's signal fires, and read the same file whole afterwards, the same values as on this thread", async () => {
    const tiff = await bigTiff();
    const ctrl = new AbortController();
    let atAbort = -1;
    const { c, codec } = countedInflate((n) => {
      if (n === 3) {
        ctrl.abort();
        atAbort = n;
      }
    });
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log, codec), 1, fflateCodec);
    try {
      const e = await readGeoTiff(tiff, 'big.tif', { codec: pool, signal: ctrl.signal }).catch((x: unknown) => x);
      expect(isAppError(e) && e.code).toBe('CANCELLED');
      // Let whatever the worker still had run to its end before counting.
      await new Promise((r) => setTimeout(r, 200));
      // At most the rest of ~512 kB (2 blocks) of each of the 4 requests in flight. Before, the
      // worker decoded every block sent (32): 29 more after the abort.
      expect(c.started - atAbort).toBeLessThanOrEqual(8);
      const after = c.started;
      const whole = (await readGeoTiff(tiff, 'big.tif', { codec: pool })).bands[0].raster.data;
      expect(c.started - after).toBe(64);
      const here = (await readGeoTiff(tiff, 'big.tif', { codec: fflateCodec })).bands[0].raster.data;
      expect(Buffer.from(whole.buffer, whole.byteOffset, whole.byteLength).equals(Buffer.from(here.buffer, here.byteOffset, here.byteLength))).toBe(true);
    } finally {
      pool.close();
    }
  });
});

describe('deflate workers handing blocks back', () => {
  it("lend a moved block's buffer, back with its stream, for the next block; the writer cuts its tiles into them and gives each tile's row", async () => {
    const log = channelLog();
    const rows: Array<number | undefined> = [];
    // The worker's codec notes each block's row (the browser's floatDeflate searches by it).
    const js = webStreamsCodec;
    const codec: DeflateCodec = { ...js, deflate: (bytes, level, strategy, rowBytes) => (rows.push(rowBytes), js.deflate(bytes, level, strategy, rowBytes)) };
    const pool = poolDeflateCodec(deflateWorkers(log, codec), 1, webStreamsCodec, { moveWholeDeflateInput: true, blockBuffersIdleMs: 30 });
    try {
      const first = new Uint8Array(pool.blockBuffer!(4096)).map((_, i) => (i * 7) % 13);
      const expected = Array.from(first);
      const z = pool.deflate(first, 2, undefined, 64);
      const next = pool.deflate(new Uint8Array(8192).fill(3), 2, undefined, 64);
      expect(first.length).toBe(0);
      expect(Array.from(await fflateCodec.inflate!(await z, 4096))).toEqual(expected);
      // While the next block is deflated: the first block's bytes, so its own buffer (a new one would
      // be zeros); once lent, or of another size, a new one.
      expect(Array.from(new Uint8Array(pool.blockBuffer!(4096)))).toEqual(expected);
      expect(new Uint8Array(pool.blockBuffer!(4096)).every((v) => v === 0)).toBe(true);
      // None deflated any more: kept for a while (`blockBuffersIdleMs`), then let go.
      await next;
      const kept = new Uint8Array(pool.blockBuffer!(8192)).fill(9);
      await pool.deflate(kept, 2);
      expect(new Uint8Array(pool.blockBuffer!(8192)).every((v) => v === 9)).toBe(true);
      const again = new Uint8Array(8192).fill(5);
      await pool.deflate(again, 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(new Uint8Array(pool.blockBuffer!(8192)).every((v) => v === 0)).toBe(true);
      expect(rows).toEqual([64, 64, undefined, undefined]);

      // A file's tiles: cut into lent buffers, the same file as the same encoder on this thread.
      const data = Float32Array.from({ length: 7000 }, (_, i) => 280 + ((i * 37) % 101) / 7);
      const raster: Raster = { width: 100, height: 70, transform: [90, 0.01, 0, 24, 0, -0.01], crs: crsFromEpsg(4326), data };
      const bands: GeoTiffBandInput[] = [{ raster, name: 'LST', units: 'K' }];
      const opts = { nodata: -9999, cog: true, tileSizePx: 32, maxTilesInFlight: 3 };
      let lent = 0;
      let reused = 0;
      const counted: DeflateCodec = {
        ...pool,
        blockBuffer: (n: number) => {
          const b = pool.blockBuffer!(n);
          lent++;
          // A tile's buffer back from the worker holds that tile's bytes; a new one is zeros.
          if (new Uint8Array(b).some((v) => v !== 0)) reused++;
          return b;
        },
      };
      const there = await writeGeoTiffAsync(bands, { ...opts, codec: counted });
      const here = await writeGeoTiffAsync(bands, { ...opts, codec: js });
      expect(Buffer.from(there).equals(Buffer.from(here))).toBe(true);
      // 4 x 3 tiles and the overviews' 2 x 2 and 1, each cut into a lent buffer, each with its row of 32 float32.
      expect(lent).toBe(17);
      // From the fourth tile on, tiles are cut while others are deflated, into those back by then
      // (how many depends on the replies' timing: 8-14 of 17 seen; none once the pool stops lending).
      expect(reused).toBeGreaterThan(0);
      expect(rows.slice(4)).toEqual(Array(17).fill(128));
    } finally {
      pool.close();
    }
  });
});

/** Float32 bit patterns (NaN payloads included) of every band, for exact comparison. */
const bits = (ds: Dataset): Uint32Array[] => ds.bands.map((b) => new Uint32Array(b.raster.data.buffer, b.raster.data.byteOffset, b.raster.data.length));
const sameBits = (a: Dataset, b: Dataset): boolean =>
  a.bands.length === b.bands.length &&
  bits(a).every((x, k) => {
    const y = bits(b)[k];
    return x.length === y.length && x.every((v, i) => v === y[i]);
  });

/** `codec` with its `decodeBlocks` calls counted (those given a Blob apart), and the most in flight at once. */
function countingDecodes(codec: DeflateCodec): DeflateCodec & { calls: number; blobCalls: number; blocks: number; most: number } {
  let now = 0;
  const c = {
    ...codec,
    calls: 0,
    blobCalls: 0,
    blocks: 0,
    most: 0,
    decodeBlocks: async (raw: Uint8Array | Blob, spans: readonly BlockSpan[], form: BlockForm) => {
      c.calls++;
      if (raw instanceof Blob) c.blobCalls++;
      c.blocks += spans.length;
      c.most = Math.max(c.most, ++now);
      try {
        return await codec.decodeBlocks!(raw, spans, form);
      } finally {
        now--;
      }
    },
  };
  return c;
}

const ASTER = ['modis-aster-h18v04-sifcnnsr', '84'];

describe.skipIf(!hasData(...ASTER))('GeoTIFF Deflate blocks decoded on the deflate workers', () => {
  it('give the bands of the reader on this thread bit for bit: float predictor-3 strips and tiles, whole and windowed', async () => {
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log), 2, webStreamsCodec);
    const counted = countingDecodes(pool);
    try {
      const files: Array<[string, ArrayBuffer]> = ['MOD09GQ_NDVI_250m.tif', 'ASTER_LST_250m.tif', 'MOD21A1D_LST_1km.tif'].map((f) => [
        f,
        new Uint8Array(readFileSync(dataPath(...ASTER, f))).buffer,
      ]);
      // Float32 predictor-3 COGs (the writer's layout, as the bench scene's): the 1 km LST in 16 px
      // tiles, and the ASTER LST repeated 4 x 4 (1496 x 1344 px) in 256 px tiles, several requests of blocks.
      const lst = (await readGeoTiff(files[2][1], files[2][0])).bands[0].raster;
      const small = await writeGeoTiffAsync([{ raster: lst, name: 'LST', units: 'K' }], { nodata: -9999, cog: true, tileSizePx: 16 });
      files.push(['small-cog.tif', small.slice().buffer]);
      const aster = (await readGeoTiff(files[1][1], files[1][0])).bands[0].raster;
      const [w, h] = [aster.width * 4, aster.height * 4];
      const data = new Float32Array(w * h);
      for (let r = 0; r < h; r++)
        for (let c = 0; c < w; c++) data[r * w + c] = aster.data[(r % aster.height) * aster.width + (c % aster.width)] + Math.floor(r / aster.height);
      const big = await writeGeoTiffAsync([{ raster: { ...aster, width: w, height: h, data }, name: 'LST', units: 'K' }], {
        nodata: -9999,
        cog: true,
        tileSizePx: 256,
      });
      files.push(['big-cog.tif', big.slice().buffer]);
      for (const [name, buffer] of files) {
        for (const window of [undefined, { col: 3, row: 5, width: 41, height: 29 }]) {
          const before = counted.calls;
          const here = await readGeoTiff(buffer, name, { codec: webStreamsCodec, window });
          const there = await readGeoTiff(buffer, name, { codec: counted, window });
          expect(counted.calls, name).toBeGreaterThan(before);
          expect(sameBits(here, there), `${name} ${JSON.stringify(window)}`).toBe(true);
          // And as the fflate path reads it (no codec inflating).
          expect(sameBits(here, await readGeoTiff(buffer, name, { codec: fflateCodec, window })), name).toBe(true);
          // A Blob (the app's dropped files) reads the same, the workers reading its slices themselves.
          const blobCalls = counted.blobCalls;
          expect(sameBits(here, await readGeoTiff(new Blob([buffer]), name, { codec: counted, window })), name).toBe(true);
          expect(counted.blobCalls, name).toBeGreaterThan(blobCalls);
        }
      }
      // Bands allocated and first written on a worker: zeroed, of the size asked.
      const sent = log.requests.reduce((a, b) => a + b, 0);
      const band = new Uint8Array(await pool.touchedBuffer!(5 * 4096 + 3));
      expect(band.length).toBe(5 * 4096 + 3);
      expect(band.every((v) => v === 0)).toBe(true);
      expect(log.requests.reduce((a, b) => a + b, 0)).toBe(sent + 1);
      // Both workers decoded; a few groups in flight at most, many blocks each.
      expect(log.requests.every((r) => r > 0)).toBe(true);
      expect(counted.most).toBeGreaterThan(1);
      expect(counted.most).toBeLessThanOrEqual(4);
      expect(counted.blocks).toBeGreaterThan(4 * counted.calls);
    } finally {
      pool.close();
    }
  });

  it('fail a damaged or truncated file with the CORRUPT_TIFF message of the reader on this thread', async () => {
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log), 2, webStreamsCodec);
    try {
      const file = new Uint8Array(readFileSync(dataPath(...ASTER, 'MOD09GQ_NDVI_250m.tif')));
      const damaged = file.slice();
      // Bytes in the middle of the file's blocks: a stream that no longer inflates or fails its Adler-32.
      for (let i = 0; i < 64; i++) damaged[Math.floor(file.length * 0.6) + i * 7] ^= 0x5a;
      const truncated = file.slice(0, Math.floor(file.length * 0.8));
      for (const [name, bytes] of [['damaged.tif', damaged], ['truncated.tif', truncated]] as const) {
        const outcome = (codec: DeflateCodec, blob = false) =>
          readGeoTiff(blob ? new Blob([bytes]) : bytes.slice().buffer, name, { codec }).then(
            () => 'read',
            (e: unknown) => (isAppError(e) ? `${e.code} ${e.file} ${e.message}` : String(e)),
          );
        const here = await outcome(webStreamsCodec);
        expect(here).toMatch(new RegExp(`^CORRUPT_TIFF ${name} `));
        expect(await outcome(pool)).toBe(here);
        // The workers reading the file's slices themselves (a dropped file).
        expect(await outcome(pool, true)).toBe(here);
      }
      expect(log.requests.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    } finally {
      pool.close();
    }
  });
});

const corpusPython = '/usr/bin/python3';
const canBuildCorpus =
  hasData('dhaka-mod11a2-mod13q1-2024-citypath') &&
  spawnSync(corpusPython, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!canBuildCorpus)('the GDAL reader corpus decoded on the deflate workers', () => {
  it('reads every file (Deflate with predictors 1-3, both byte orders, strips, tiles, planes) or fails it as the reader on this thread does', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'srda-decode-corpus-'));
    const log = channelLog();
    const pool = poolDeflateCodec(deflateWorkers(log), 2, webStreamsCodec);
    try {
      const r = spawnSync(corpusPython, [path.resolve(import.meta.dirname, '../../e2e/fixtures/gdal-corpus.py'), SHARED_DATA, dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const cases = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Array<{ name: string; file: string }>;
      const outcome = async (file: string, codec: DeflateCodec, blob = false): Promise<Dataset | string> => {
        try {
          const bytes = new Uint8Array(readFileSync(path.join(dir, file)));
          return await readGeoTiff(blob ? new Blob([bytes]) : bytes.buffer, file, { codec });
        } catch (e) {
          return isAppError(e) ? `${e.code} ${e.message}` : `not an AppError: ${String(e)}`;
        }
      };
      const differ: string[] = [];
      let compared = 0;
      for (const c of cases) {
        if (!c.file?.endsWith('.tif')) continue;
        const here = await outcome(c.file, webStreamsCodec);
        // As an ArrayBuffer, and as a dropped file (a Blob the workers read their slices of).
        for (const there of [await outcome(c.file, pool), await outcome(c.file, pool, true)]) {
          if (typeof here === 'string' || typeof there === 'string') {
            if (here !== there) differ.push(`${c.name}: ${typeof here === 'string' ? here : 'read'} / ${typeof there === 'string' ? there : 'read'}`);
          } else if (!sameBits(here, there)) differ.push(`${c.name}: values differ`);
        }
        compared++;
      }
      expect(compared).toBeGreaterThan(30);
      expect(differ).toEqual([]);
      expect(log.requests.reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    } finally {
      pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
