import { describe, expect, it } from 'vitest';
import { fflateCodec, webStreamsCodec, type DeflateCodec } from '../io/deflate-codec.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { writeGeoTiffAsync, type GeoTiffBandInput } from '../io/geotiff-write.ts';
import { dataPath, hasData, readBand } from '../test-support/data.ts';
import { poolDeflateCodec, serveDeflate, type DeflatePort } from './deflate-pool.ts';

const DHAKA_LST = ['dhaka-mod11a2-mod13q1-2024-citypath', 'MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'];

interface Log {
  requests: number[];
  terminated: number;
  fail: Array<(why: string) => void>;
}

/** Deflate "workers" on the two ends of MessageChannels (structured clone and transfer as between threads), serving CompressionStream. */
function channelWorkers(log: Log, codec: DeflateCodec = webStreamsCodec): () => DeflatePort {
  return () => {
    const { port1, port2 } = new MessageChannel();
    const n = log.requests.push(0) - 1;
    const wrap = (p: MessagePort, caller: boolean): DeflatePort => ({
      postMessage: (msg, transfer) => {
        if (caller) log.requests[n]++;
        p.postMessage(msg, transfer);
      },
      onMessage: (handler) => {
        p.addEventListener('message', (e) => handler((e as MessageEvent).data));
        p.start();
      },
      onFailure: (handler) => void log.fail.push(handler),
      terminate: () => {
        log.terminated++;
        port1.close();
        port2.close();
      },
    });
    serveDeflate(wrap(port2, false), codec);
    return wrap(port1, true);
  };
}

const sameValues = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && a.every((v, i) => (Number.isNaN(v) ? Number.isNaN(b[i]) : v === b[i]));

describe.skipIf(!hasData(...DHAKA_LST))('deflate workers', () => {
  it("write the writer's own bytes with both workers compressing, and read the file back to the same values", async () => {
    const lst = await readBand(dataPath(...DHAKA_LST));
    const bands: GeoTiffBandInput[] = [{ raster: lst, name: 'LST', units: 'K' }];
    const opts = { nodata: -9999, cog: true, tileSizePx: 16 };
    const log: Log = { requests: [], terminated: 0, fail: [] };
    const pool = poolDeflateCodec(channelWorkers(log), 2, webStreamsCodec);
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
    const log: Log = { requests: [], terminated: 0, fail: [] };
    const pool = poolDeflateCodec(channelWorkers(log), 1, webStreamsCodec);
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
    const log: Log = { requests: [], terminated: 0, fail: [] };
    const pool = poolDeflateCodec(channelWorkers(log), 2, webStreamsCodec);
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
    const log: Log = { requests: [], terminated: 0, fail: [] };
    const pool = poolDeflateCodec(channelWorkers(log, recording), 1, fflateCodec);
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
    const log: Log = { requests: [], terminated: 0, fail: [] };
    const pool = poolDeflateCodec(channelWorkers(log), 1, webStreamsCodec, { moveWholeDeflateInput: true });
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
