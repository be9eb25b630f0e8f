import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import type { Raster } from '../core/raster/raster.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { writeGeoTiffAsync, type GeoTiffBandInput } from '../io/geotiff-write.ts';
import { dataPath, hasData, readBand } from '../test-support/data.ts';
import { serveGeoTiffWriter, writeGeoTiffOnWorker, type WriterPort } from './geotiff-writer.ts';

const DHAKA_LST = ['dhaka-mod11a2-mod13q1-2024-citypath', 'MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'];

/** A write "worker" on the two ends of a MessageChannel (structured clone and transfer as between threads). */
function channelWorker(log: { terminated: number; posted: number }): () => WriterPort {
  return () => {
    const { port1, port2 } = new MessageChannel();
    const wrap = (p: MessagePort): WriterPort => ({
      postMessage: (msg, transfer) => {
        log.posted++;
        p.postMessage(msg, transfer);
      },
      onMessage: (handler) => {
        p.addEventListener('message', (e) => handler((e as MessageEvent).data));
        p.start();
      },
      terminate: () => {
        log.terminated++;
        port1.close();
        port2.close();
      },
    });
    serveGeoTiffWriter(wrap(port2));
    return wrap(port1);
  };
}

describe.skipIf(!hasData(...DHAKA_LST))('GeoTIFF write worker', () => {
  it('writes the same bytes as the writer in this thread, leaves the caller its raster and ends the worker', async () => {
    const lst: Raster = await readBand(dataPath(...DHAKA_LST));
    const before = lst.data.slice();
    const bands: GeoTiffBandInput[] = [{ raster: lst, name: 'LST', units: 'K' }];
    const log = { terminated: 0, posted: 0 };
    const opts = { nodata: -9999, cog: true, tileSizePx: 64 };
    const there = await writeGeoTiffOnWorker(channelWorker(log), 'lst.tif', bands, opts);
    const here = await writeGeoTiffAsync(bands, opts);
    expect(there.length).toBe(here.length);
    expect(Buffer.from(there).equals(Buffer.from(here))).toBe(true);
    // The caller's data were copied, not moved, and are unchanged.
    expect(lst.data.length).toBe(before.length);
    expect(Buffer.from(lst.data.buffer).equals(Buffer.from(before.buffer))).toBe(true);
    expect(log.terminated).toBe(1);
    // And the file reads back as the raster.
    const back = (await readGeoTiff(there.slice().buffer, 'lst.tif')).bands[0].raster;
    expect([back.width, back.height]).toEqual([lst.width, lst.height]);
    let differ = 0;
    for (let i = 0; i < lst.data.length; i++) {
      const a = lst.data[i];
      const b = back.data[i];
      if (!(Number.isNaN(a) ? Number.isNaN(b) : a === b)) differ++;
    }
    expect(differ).toBe(0);
  });

  it("rejects with the writer's error, naming the file, for a raster it cannot write", async () => {
    const lst = await readBand(dataPath(...DHAKA_LST));
    // Data shorter than the grid says.
    const bad: Raster = { ...lst, data: lst.data.subarray(0, 10) };
    const log = { terminated: 0, posted: 0 };
    const e = await writeGeoTiffOnWorker(channelWorker(log), 'bad.tif', [{ raster: bad }], {}).catch((x: unknown) => x);
    expect(isAppError(e)).toBe(true);
    expect((e as Error).message).toMatch(/^Writing bad\.tif failed: .*not on the grid/);
    expect((e as { file?: string }).file).toBe('bad.tif');
    expect(log.terminated).toBe(1);
  });

  it('a cancelled write rejects CANCELLED and ends the worker', async () => {
    const lst = await readBand(dataPath(...DHAKA_LST));
    const log = { terminated: 0, posted: 0 };
    const ctrl = new AbortController();
    const p = writeGeoTiffOnWorker(channelWorker(log), 'lst.tif', [{ raster: lst }], {}, { signal: ctrl.signal });
    ctrl.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(log.terminated).toBe(1);
    // Already cancelled: no worker is started.
    await expect(writeGeoTiffOnWorker(channelWorker(log), 'lst.tif', [{ raster: lst }], {}, { signal: ctrl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(log.posted).toBe(1);
  });
});
