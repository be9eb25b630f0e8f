import { describe, expect, it, vi } from 'vitest';
import { isAppError } from '../core/errors.ts';
import type { Raster } from '../core/raster/raster.ts';
import { channelLog, channelWorkers, type ChannelLog } from '../test-support/channel-workers.ts';
import { dataPath, hasData, readBand } from '../test-support/data.ts';
import { layerViewHere, poolLayerMaker, serveLayers, type LayerPort } from './layer-pool.ts';
import { WGS84 } from '../core/geo/crs.ts';
import { beginSceneLayers, clearLayers, getLayerRaster, layerIds, makeLayer, makeRunLayers, type LayerMeta } from './layers.ts';

/**
 * Counts the blocks of rows of each display reprojection, calling `onStep` with the raster after
 * each, and the blocks of values of each layer's statistics (`onStatsStep`, with the values).
 */
const steps = vi.hoisted(() => ({ onStep: (_r: { width: number }): void => undefined, onStatsStep: (_d: Float32Array): void => undefined }));
vi.mock('./display.ts', async (importOriginal) => {
  const display = await importOriginal<typeof import('./display.ts')>();
  function* counted<T>(inner: Generator<void, T>, onStep: () => void): Generator<void, T> {
    for (;;) {
      const next = inner.next();
      if (next.done) return next.value;
      onStep();
      yield;
    }
  }
  return {
    ...display,
    toDisplayInSteps: (r: Raster) => counted(display.toDisplayInSteps(r), () => steps.onStep(r)),
    layerStatsInSteps: (d: Float32Array) => counted(display.layerStatsInSteps(d), () => steps.onStatsStep(d)),
  };
});

const DHAKA = 'dhaka-mod11a2-mod13q1-2024-citypath';
const LST = [DHAKA, 'MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'];
const NDVI = [DHAKA, 'MOD13Q1.061', 'MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif'];

/** Layer "workers" on the two ends of MessageChannels. */
const layerWorkers = (log: ChannelLog): (() => LayerPort) => channelWorkers(log, (port: LayerPort) => serveLayers(port));

const sameValues = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

const meta = (id: string): LayerMeta => ({ id, label: `Layer ${id}`, kind: 'output', stage: 1, isFinal: true, pixelSizeM: 250, fileStem: id });

/** A raster the map cannot place: its pixels have no size, so toDisplay refuses it. */
const unplaceable = (r: Raster): Raster => ({ ...r, transform: [r.transform[0], 0, 0, r.transform[3], 0, 0] });

describe.skipIf(!hasData(...LST) || !hasData(...NDVI))('layer workers', () => {
  it('make the same values, display grid, statistics and legend as makeLayer on this thread, two at a time', async () => {
    const rasters = [await readBand(dataPath(...LST)), await readBand(dataPath(...NDVI))];
    const log = channelLog();
    const maker = poolLayerMaker(layerWorkers(log), 2);
    try {
      const views = await Promise.all(rasters.map((r, i) => maker.make(r, `Layer ${i}`)));
      // Each layer: a buffer the worker allocated and wrote for the copy, then the copy in it.
      expect(log.requests).toEqual([2, 2]);
      rasters.forEach((r, i) => {
        const here = makeLayer(meta(`l${i}`), r, []);
        const v = views[i];
        // The raster stays whole here (its values were copied, not moved).
        expect(r.data.length).toBe(r.width * r.height);
        expect(sameValues(v.data, here.data)).toBe(true);
        expect(v.data.buffer).not.toBe(r.data.buffer);
        expect([v.display.width, v.display.height, v.display.bounds]).toEqual([here.display.width, here.display.height, here.display.bounds]);
        expect(sameValues(v.display.data, here.display.data)).toBe(true);
        expect(v.stats).toEqual(here.stats);
        expect(v.stats.histogram.counts.length).toBe(64);
      });
    } finally {
      maker.close();
      clearLayers();
    }
  });

  it("reject a layer the map cannot place with the worker's code and the layer's name, and go on with the next", async () => {
    const lst = await readBand(dataPath(...LST));
    const maker = poolLayerMaker(layerWorkers(channelLog()), 1);
    try {
      const bad = await maker.make(unplaceable(lst), 'LST 250 m (SRDA-Net)').catch((e: unknown) => e);
      expect(isAppError(bad) && bad.code).toBe('UNSUPPORTED_CRS');
      expect((bad as Error).message).toMatch(/^The map layer "LST 250 m \(SRDA-Net\)" could not be made: .*Web Mercator/);
      // What the app shows (ui/messages.ts describeError puts the hint after the code's words).
      expect((bad as { hint?: string }).hint).toMatch(/^The map layer “LST 250 m \(SRDA-Net\)” could not be made, so this run's layers are not shown; the results shown before are kept\. Reproject/);
      const good = await maker.make(lst, 'Input LST');
      expect(good.stats.validFraction).toBeGreaterThan(0);
    } finally {
      maker.close();
    }
  });

  it('reject the pending layers of a worker that stops, naming them, and make later ones on this thread', async () => {
    const lst = await readBand(dataPath(...LST));
    const log = channelLog();
    const maker = poolLayerMaker(layerWorkers(log), 1);
    const pending = maker.make(lst, 'Uncertainty (1 sigma) 250 m').catch((e: unknown) => e);
    log.fail[0]('out of memory');
    const e = await pending;
    expect(isAppError(e) && e.code).toBe('INTERNAL');
    expect((e as Error).message).toBe('The map layer "Uncertainty (1 sigma) 250 m" could not be made: the layer worker stopped (out of memory)');
    expect(maker.workers).toBe(0);
    const here = await maker.make(lst, 'Input LST');
    expect(sameValues(here.data, lst.data)).toBe(true);
    expect(here.data.buffer).not.toBe(lst.data.buffer);
    maker.close();
    const none = poolLayerMaker(() => {
      throw new Error('workers are not allowed here');
    }, 2);
    expect(none.workers).toBe(0);
    expect((await none.make(lst, 'Input LST')).stats).toEqual(here.stats);
  });

  it("keep the earlier run's layers for export when a layer of the next run cannot be made", async () => {
    const lst = await readBand(dataPath(...LST));
    const ndvi = await readBand(dataPath(...NDVI));
    try {
      beginSceneLayers('earlier');
      const first = await makeRunLayers([{ meta: meta('lst-1000m'), raster: lst }], { id: 'a' }, [], async () => 1);
      expect(first.meanwhile).toBe(1);
      expect(first.layers.map((l) => l.id)).toEqual(['lst-1000m']);
      const failed = await makeRunLayers(
        [
          { meta: meta('lst-250m'), raster: ndvi },
          { meta: { ...meta('sigma-250m'), label: 'Uncertainty (1 sigma) 250 m' }, raster: unplaceable(lst) },
        ],
        { id: 'b' },
        [],
        async () => 2,
      ).catch((e: unknown) => e);
      expect((failed as Error).message).toMatch(/^The map layer "Uncertainty \(1 sigma\) 250 m" could not be made/);
      expect(layerIds()).toEqual(['lst-1000m']);
      expect(getLayerRaster('lst-1000m')?.raster).toBe(lst);
      expect(getLayerRaster('lst-1000m', 'a')?.raster).toBe(lst);
      // Cancelled while its layers were made: the same.
      const ctrl = new AbortController();
      const cancelled = await makeRunLayers([{ meta: meta('lst-250m'), raster: ndvi }], { id: 'c', signal: ctrl.signal }, [], async () => ctrl.abort()).catch((e: unknown) => e);
      expect(isAppError(cancelled) && cancelled.code).toBe('CANCELLED');
      expect(layerIds()).toEqual(['lst-1000m']);
      // Cancelled while the layer workers are still at it: the run ends on the cancel, not when they finish
      // (before, it waited for every layer view; here one that never comes: the test timed out).
      const busy = new AbortController();
      const stuck = { make: () => new Promise<never>(() => undefined), workers: 2, close: () => undefined };
      const waiting = makeRunLayers([{ meta: meta('lst-250m'), raster: ndvi }], { id: 'd', signal: busy.signal }, [], async () => 3, stuck);
      setTimeout(() => busy.abort(), 10);
      const ended = await waiting.catch((e: unknown) => e);
      expect(isAppError(ended) && ended.code).toBe('CANCELLED');
      expect(layerIds()).toEqual(['lst-1000m']);
    } finally {
      clearLayers();
    }
  });
});

describe('layer workers: the copy of the values', () => {
  it('goes into a buffer a worker allocated and wrote, of the raster’s size, and comes back with the layer holding the raster’s values', async () => {
    const raster: Raster = {
      width: 64,
      height: 48,
      transform: [90, 0.01, 0, 23, 0, -0.01],
      crs: WGS84,
      data: Float32Array.from({ length: 64 * 48 }, (_, i) => (i % 97 === 0 ? NaN : 280 + (i % 31))),
    };
    const requests: Array<{ touch?: number; bytes?: number }> = [];
    const maker = poolLayerMaker(
      channelWorkers(channelLog(), (port: LayerPort) => {
        serveLayers({
          ...port,
          onMessage: (handler) =>
            port.onMessage((m) => {
              const req = m as { touch?: number; raster?: { data: ArrayBuffer } };
              requests.push('touch' in req ? { touch: req.touch } : { bytes: req.raster!.data.byteLength });
              handler(m);
            }),
        });
      }),
      1,
    );
    try {
      const v = await maker.make(raster, 'Input LST');
      expect(requests).toEqual([{ touch: raster.data.byteLength }, { bytes: raster.data.byteLength }]);
      expect(sameValues(v.data, raster.data)).toBe(true);
      expect(v.data.buffer).not.toBe(raster.data.buffer);
      expect(raster.data.length).toBe(64 * 48);
      expect(v.stats).toEqual(layerViewHere(raster).stats);
    } finally {
      maker.close();
    }
  });
});

describe('layer workers: a cancelled layer', () => {
  /** A WGS 84 raster whose display reprojection takes several blocks of rows (3000 x 3000 px). */
  const big = (): Raster => ({
    width: 3000,
    height: 3000,
    transform: [90, 0.001, 0, 23, 0, -0.001],
    crs: WGS84,
    data: Float32Array.from({ length: 3000 * 3000 }, (_, i) => (i % 101 === 0 ? NaN : 280 + (i % 37) + (i % 3000) / 300)),
  });
  const small: Raster = { width: 64, height: 48, transform: [90, 0.01, 0, 23, 0, -0.01], crs: WGS84, data: Float32Array.from({ length: 64 * 48 }, (_, i) => 290 + (i % 13)) };
  const sameView = (a: { data: Float32Array; display: { width: number; height: number; bounds: unknown; data: Float32Array }; stats: unknown }, b: typeof a): void => {
    expect(sameValues(a.data, b.data)).toBe(true);
    expect([a.display.width, a.display.height, a.display.bounds]).toEqual([b.display.width, b.display.height, b.display.bounds]);
    expect(sameValues(a.display.data, b.display.data)).toBe(true);
    expect(a.stats).toEqual(b.stats);
  };

  /**
   * Makes `raster` on a pool worker with a small layer waiting behind it, aborting at the first of its
   * steps that `watch` reports: the layer ends CANCELLED within one more step, the small one is made
   * as on this thread, and the worker then makes `raster` whole again, the same as `here`.
   */
  async function stopsWithinOneStep(raster: Raster, here: ReturnType<typeof layerViewHere>, watch: (onStep: (() => void) | undefined) => void): Promise<void> {
    const maker = poolLayerMaker(layerWorkers(channelLog()), 1);
    try {
      const ctrl = new AbortController();
      let done = 0;
      let atAbort = 0;
      watch(() => {
        done++;
        if (done === 1) {
          ctrl.abort();
          atAbort = done;
        }
      });
      const cancelled = maker.make(raster, 'LST 250 m', ctrl.signal).catch((e: unknown) => e);
      const next = maker.make(small, 'Input LST');
      const e = await cancelled;
      expect(isAppError(e) && e.code).toBe('CANCELLED');
      sameView(await next, layerViewHere(small));
      expect(done - atAbort).toBeLessThanOrEqual(1);
      watch(undefined);
      sameView(await maker.make(raster, 'LST 250 m', new AbortController().signal), here);
    } finally {
      watch(undefined);
      maker.close();
    }
  }

  it('stops on its worker within one block of rows of the abort, and the worker makes the next layer', async () => {
    const raster = big();
    let total = 0;
    steps.onStep = (r) => void (r.width === raster.width && total++);
    const here = layerViewHere(raster);
    expect(total).toBeGreaterThanOrEqual(3);
    // Before, the worker went on to the end (total - 1 more blocks of rows) and the layer resolved.
    await stopsWithinOneStep(raster, here, (on) => {
      steps.onStep = (r) => void (on && r.width === raster.width && on());
    });
  });

  it('stops within one block of values of its statistics after the abort, and the next layer and a later whole one are made as before', async () => {
    const raster = big();
    let total = 0;
    steps.onStatsStep = (d) => void (d.length === raster.data.length && total++);
    const here = layerViewHere(raster);
    // 9 M values: 2 blocks of the first pass, 5 of the histogram's.
    expect(total).toBeGreaterThanOrEqual(3);
    // Before, the statistics ran in one piece once begun (no block of them yielded) and the layer resolved.
    await stopsWithinOneStep(raster, here, (on) => {
      steps.onStatsStep = (d) => void (on && d.length === raster.data.length && on());
    });
  });

  it('is never sent when its signal fired before make', async () => {
    const log = channelLog();
    const maker = poolLayerMaker(layerWorkers(log), 1);
    try {
      const ctrl = new AbortController();
      ctrl.abort();
      const e = await maker.make(small, 'Input LST', ctrl.signal).catch((x: unknown) => x);
      expect(isAppError(e) && e.code).toBe('CANCELLED');
      expect(log.requests).toEqual([0]);
    } finally {
      maker.close();
    }
  });
});
