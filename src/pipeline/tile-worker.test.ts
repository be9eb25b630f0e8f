import { describe, expect, it } from 'vitest';
import { runDownscale, type DownscaleResult } from './downscale.ts';
import type { StageMethod } from './method.ts';
import { loadMethod } from './methods.ts';
import { prepareScene } from './prepare.ts';
import { synthScene, testGrid, testRaster, tileChannel } from './test-scenes.ts';
import { poolMethod } from './tile-pool.ts';
import { withDetailWeight } from './detail-weight.ts';
import { connectTileWorker, serveTileWorker, type TilePort, type WorkerMethod } from './tile-worker.ts';

/** 32x32 LST at 1 km with NDVI at 250 m: two stages, 4 + 16 tiles of 8 coarse px. */
function scene() {
  const { ndvi } = synthScene(128, 128, 250);
  const lst = testRaster(testGrid(32, 32, 1000), (c, r) => 300 + 0.3 * c - 0.2 * r + (c === 5 && r === 7 ? Number.NaN : 0));
  return prepareScene({ lst, aux: { ndvi } });
}

/** Every stage's LST of `pooled` equals `alone`'s bit for bit (NaN where it has NaN). */
function expectSameLst(alone: DownscaleResult, pooled: DownscaleResult): void {
  expect(pooled.stages.length).toBe(alone.stages.length);
  for (let k = 0; k < alone.stages.length; k++) {
    const x = alone.stages[k].lst.data;
    const y = pooled.stages[k].lst.data;
    expect(y.length).toBe(x.length);
    expect(x.every((v, i) => Object.is(v, y[i]))).toBe(true);
  }
}

/**
 * A worker serving the bicubic baseline whose method raises `notice` at its `after`-th tile, as
 * SRDA-Net's runner does when it halves its tiles after running out of memory.
 */
function worker(base: StageMethod, notice: string, after: number): TilePort {
  const { main, worker: end } = tileChannel();
  serveTileWorker(end, async () => {
    const notices: string[] = [];
    let tiles = 0;
    const m: WorkerMethod = {
      ...base,
      // The worker reports a backend; the baseline runs in plain TypeScript, like tfjs's cpu.
      backend: { name: 'cpu', skipped: [] },
      notices,
      runStage: async (input, options) => {
        if (++tiles === after) notices.push(notice);
        if (input.coarseLst.data.every((v) => v !== v)) throw new Error('tile without LST');
        return base.runStage(input, options);
      },
    };
    return m;
  });
  return main;
}

describe('SRDA-Net tile workers', () => {
  it('carry the notices their method raises back to the pool, each text once, without changing the output', async () => {
    const bicubic = await loadMethod('bicubic');
    const oom = 'SRDA-Net ran out of memory on wasm (Out of memory); continued with 128 px tiles.';
    const lost = 'SRDA-Net: the webgl backend failed (device lost: context lost); continued on wasm.';
    const init = { type: 'init' as const, weights: { url: 'unused' } };
    const a = await connectTileWorker(worker(bicubic, oom, 2), init);
    const b = await connectTileWorker(worker(bicubic, oom, 3), init);
    const c = await connectTileWorker(worker(bicubic, lost, 1), init);
    const pool = poolMethod(bicubic, [a.runner, b.runner, c.runner]);
    expect(pool.notices).toEqual([]);
    const sc = scene();
    const pooled = await runDownscale(sc, { method: pool, tileCoarsePx: 8 });
    const alone = await runDownscale(sc, { method: bicubic, tileCoarsePx: 8 });
    expect(pool.tilesPerWorker.every((n) => n >= 3)).toBe(true);
    expect([...pool.notices].sort()).toEqual([lost, oom].sort());
    expectSameLst(alone, pooled);
    await pool.close();
  });

  it('load their method with the init message\'s backend and orientations (absent: not passed, the runner\'s default)', async () => {
    const bicubic = await loadMethod('bicubic');
    const seen: unknown[] = [];
    for (const init of [
      { type: 'init' as const, weights: { url: 'unused' }, backend: 'wasm' as const, orientations: 8 },
      { type: 'init' as const, weights: { url: 'unused' } },
    ]) {
      const { main, worker: end } = tileChannel();
      serveTileWorker(end, async (_weights, options) => {
        seen.push(options);
        return { ...bicubic, backend: { name: 'cpu', skipped: [] }, notices: [] };
      });
      await (await connectTileWorker(main, init)).runner.close();
    }
    expect(seen).toEqual([{ backend: 'wasm', wasmPaths: undefined, orientations: 8 }, { backend: undefined, wasmPaths: undefined }]);
  });

  it('carry notices back with a failed tile too', async () => {
    const bicubic = await loadMethod('bicubic');
    const note = 'SRDA-Net ran out of memory on wasm (Out of memory); continued with 64 px tiles.';
    const { runner } = await connectTileWorker(worker(bicubic, note, 1), { type: 'init', weights: { url: 'unused' } });
    const empty = testRaster(testGrid(4, 4, 1000), () => Number.NaN);
    const input = { coarseLst: empty, fineGrid: testGrid(8, 8, 500), fineAux: {}, coarseAux: {} };
    await expect(runner.runTile(input)).rejects.toThrow('tile without LST');
    expect(runner.notices).toEqual([note]);
  });
});

describe('a tile worker with a queue depth of 2', () => {
  it('is handed two tiles at once, runs them one after the other, and the output does not change', async () => {
    const bicubic = await loadMethod('bicubic');
    const { main, worker: end } = tileChannel();
    let running = 0;
    let overlapped = 0;
    serveTileWorker(end, async () => ({
      ...bicubic,
      backend: { name: 'cpu', skipped: [] },
      notices: [],
      runStage: async (input, options) => {
        if (running++ > 0) overlapped++;
        // A tile that awaits mid-way, as a tfjs forward pass may: the next must still wait for it.
        await new Promise((r) => setTimeout(r, 2));
        const out = await bicubic.runStage(input, options);
        running--;
        return out;
      },
    }));
    const { runner } = await connectTileWorker(main, { type: 'init', weights: { url: 'unused' } });
    const pool = poolMethod(bicubic, [{ ...runner, queueDepth: 2 }]);
    expect(pool.concurrency).toBe(2);
    expect(pool.workers).toBe(1);
    let inFlight = 0;
    let peak = 0;
    const counted = {
      ...pool,
      runStage: async (...a: Parameters<typeof pool.runStage>) => {
        peak = Math.max(peak, ++inFlight);
        try {
          return await pool.runStage(...a);
        } finally {
          inFlight--;
        }
      },
    };
    const s = scene();
    const pooled = await runDownscale(s, { method: counted, tileCoarsePx: 8 });
    const alone = await runDownscale(s, { method: bicubic, tileCoarsePx: 8 });
    expect(peak).toBe(2);
    expect(overlapped).toBe(0);
    expect(pool.tilesPerWorker).toEqual([pooled.stages.reduce((n, st) => n + st.tiles, 0)]);
    expect(pool.tilesPerWorker[0]).toBeGreaterThan(4);
    pooled.stages.forEach((st, i) => expect(st.lst.data).toEqual(alone.stages[i].lst.data));
    await pool.close();
  });
});

describe('the closed-loop detail weight on a pool', () => {
  it('is mixed in the worker, with sigma and carried variance bit-identical to withDetailWeight on this thread, also for a runner that cannot mix', async () => {
    const bicubic = await loadMethod('bicubic');
    // A stand-in for SRDA-Net with an uncertainty head: bicubic plus detail, sigma 0.3 K.
    const detailed: StageMethod = {
      ...bicubic,
      runStage: async (i, o) => (await bicubic.runStage(i, o)).map((v, j) => v + 0.8 * Math.sin(j * 0.7) - 0.3 * ((j >> 3) % 3)),
      runStageWithSigma: async (i, o) => {
        const lstK = await detailed.runStage(i, o);
        return { lstK, sigmaK: new Float32Array(lstK.length).fill(0.3) };
      },
    };
    const { main, worker: end } = tileChannel();
    serveTileWorker(end, async () => ({ ...detailed, backend: { name: 'cpu', skipped: [] }, notices: [] }));
    let weightedTiles = 0;
    const counting: TilePort = {
      ...main,
      postMessage: (m, t) => {
        if ((m as { detailWeight?: number }).detailWeight === 0.4) weightedTiles++;
        main.postMessage(m, t);
      },
    };
    const { runner } = await connectTileWorker(counting, { type: 'init', weights: { url: 'unused' } });
    expect(runner.runTileWeighted).toBeDefined();
    const plain = { runTile: detailed.runStage, runTileWithSigma: detailed.runStageWithSigma!, close: () => undefined };
    const pool = poolMethod(detailed, [runner, plain]);
    const s = scene();
    const pooled = await runDownscale(s, { method: withDetailWeight(pool, 0.4), tileCoarsePx: 8 });
    const here = await runDownscale(s, { method: withDetailWeight(detailed, 0.4), tileCoarsePx: 8 });
    expect(pool.tilesPerWorker.every((n) => n > 0)).toBe(true);
    expect(weightedTiles).toBe(pool.tilesPerWorker[0]);
    for (let k = 0; k < here.stages.length; k++) {
      for (const [x, y] of [[here.stages[k].lst.data, pooled.stages[k].lst.data], [here.stages[k].sigma!.data, pooled.stages[k].sigma!.data]]) {
        expect(x.some((v) => v === v)).toBe(true);
        expect(x.every((v, i) => Object.is(v, y[i]))).toBe(true);
      }
    }
    // The weight did something: the mix is not SRDA-Net's output as it is.
    const full = await runDownscale(s, { method: detailed, tileCoarsePx: 8 });
    expect(full.stages[1].lst.data.some((v, i) => v === v && v !== pooled.stages[1].lst.data[i])).toBe(true);
    await pool.close();
  });
});

describe('result buffers handed back to a tile worker', () => {
  it('are written with later tiles\' results, a smaller tile\'s in a larger buffer, which do not change', async () => {
    const bicubic = await loadMethod('bicubic');
    // A stand-in for SRDA-Net: writes its prediction into `input.into` where given, as runSrdaStage does.
    const detailed: StageMethod = {
      ...bicubic,
      runStageWithSigma: async (i, o) => {
        const b = await bicubic.runStage(i, o);
        const lstK = i.into?.lstK?.length === b.length ? i.into.lstK : new Float32Array(b.length);
        const sigmaK = i.into?.sigmaK?.length === b.length ? i.into.sigmaK : new Float32Array(b.length);
        b.forEach((v, j) => ((lstK[j] = v + 0.5 * Math.sin(j)), (sigmaK[j] = 0.2)));
        return { lstK, sigmaK };
      },
    };
    const { main, worker: end } = tileChannel();
    serveTileWorker(end, async () => ({ ...detailed, backend: { name: 'cpu', skipped: [] }, notices: [] }));
    let handedBack = 0;
    const counting: TilePort = {
      ...main,
      postMessage: (m, t) => {
        handedBack += (m as { spare?: ArrayBuffer[] }).spare?.length ?? 0;
        main.postMessage(m, t);
      },
    };
    const { runner } = await connectTileWorker(counting, { type: 'init', weights: { url: 'unused' } });
    const pool = poolMethod(detailed, [runner]);
    // Every buffer the pool returned, to see later results written into earlier ones (the in-process channel moves nothing).
    const seen = new Set<ArrayBufferLike>();
    let reused = 0;
    const weighted = withDetailWeight(pool, 0.6);
    const watched = Object.assign(Object.create(weighted) as typeof weighted, {
      runStageWithSigma: async (i: Parameters<typeof pool.runStage>[0]) => {
        const p = await weighted.runStageWithSigma!(i);
        for (const a of [p.lstK, p.sigmaK, p.carriedVarK2]) if (a && seen.has(a.buffer)) reused++;
        for (const a of [p.lstK, p.sigmaK, p.carriedVarK2]) if (a) seen.add(a.buffer);
        return p;
      },
    });
    const s = scene();
    const pooled = await runDownscale(s, { method: watched, tileCoarsePx: 8 });
    const here = await runDownscale(s, { method: withDetailWeight(detailed, 0.6), tileCoarsePx: 8 });
    expect(handedBack).toBeGreaterThan(0);
    expect(reused).toBeGreaterThan(0);
    // 80 tiles of three arrays in at most three tiles' worth of buffers: an edge tile's smaller
    // output goes into an interior tile's buffer (spares taken by exact size made 18).
    expect(seen.size).toBeLessThanOrEqual(9);
    for (let k = 0; k < here.stages.length; k++) {
      for (const [x, y] of [[here.stages[k].lst.data, pooled.stages[k].lst.data], [here.stages[k].sigma!.data, pooled.stages[k].sigma!.data]]) {
        expect(x.some((v) => v === v)).toBe(true);
        expect(x.every((v, i) => Object.is(v, y[i]))).toBe(true);
      }
    }
    await pool.close();
  });
});

describe('tiles handed to a tile worker', () => {
  it('move the windows tileInput cut for them (coarse LST), never the scene arrays or a caller’s own input, and the output does not change', async () => {
    const bicubic = await loadMethod('bicubic');
    const { main, worker: end } = tileChannel();
    // As a real channel: what is in the transfer list is detached here, the rest cloned.
    const moved: ArrayBuffer[] = [];
    let tiles = 0;
    let lstMoved = 0;
    const port: TilePort = {
      postMessage: (msg, transfer) => {
        moved.push(...(transfer ?? []));
        if (msg.type === 'tile') {
          tiles++;
          if (transfer?.includes(msg.input.coarseLst.data.buffer as ArrayBuffer)) lstMoved++;
        }
        main.postMessage(structuredClone(msg, { transfer: transfer ?? [] }));
      },
      onMessage: (h) => main.onMessage(h),
    };
    serveTileWorker(end, async () => ({ ...bicubic, backend: { name: 'cpu', skipped: [] }, notices: [] }) as WorkerMethod);
    const { runner } = await connectTileWorker(port, { type: 'init', weights: { url: 'unused' } });
    const pool = poolMethod(bicubic, [runner]);
    const sc = scene();
    const scLst = sc.lst.data.slice();
    const pooled = await runDownscale(sc, { method: pool, tileCoarsePx: 8 });
    const alone = await runDownscale(scene(), { method: bicubic, tileCoarsePx: 8 });
    // 16 + 64 tiles, each with its coarse LST window moved.
    expect(tiles).toBe(80);
    expect(lstMoved).toBe(80);
    expect(sc.lst.data.length).toBe(scLst.length);
    expect(sc.lst.data.every((v, i) => Object.is(v, scLst[i]))).toBe(true);
    expectSameLst(alone, pooled);
    // An input the caller made itself is cloned: its arrays stay whole.
    moved.length = 0;
    const own = { coarseLst: testRaster(testGrid(8, 8, 1000), (c, r) => 290 + c + r), fineGrid: testGrid(16, 16, 500), fineAux: {}, coarseAux: {} };
    await runner.runTile(own);
    expect(own.coarseLst.data.length).toBe(64);
    expect(moved.includes(own.coarseLst.data.buffer as ArrayBuffer)).toBe(false);
    await pool.close();
  });

  it('hand the windows back with each answer, and later tiles are cut into them: the output does not change', async () => {
    const bicubic = await loadMethod('bicubic');
    const { main, worker: end } = tileChannel();
    // As a real channel: the transfer list detached here, the rest cloned (both ways).
    const clone = (port: TilePort): TilePort => ({
      postMessage: (msg, transfer) => port.postMessage(structuredClone(msg, { transfer: transfer ?? [] })),
      onMessage: (h) => port.onMessage(h),
    });
    serveTileWorker(clone(end), async () => ({ ...bicubic, backend: { name: 'cpu', skipped: [] }, notices: [] }) as WorkerMethod);
    const { runner } = await connectTileWorker(clone(main), { type: 'init', weights: { url: 'unused' } });
    const pool = poolMethod(bicubic, [runner]);
    const lend = pool.windowBuffer!.bind(pool);
    let asked = 0;
    let lent = 0;
    // NDVI on MODIS's steps of 1e-4, so the scene holds it packed and the tiles carry its int16 windows.
    const scene = () => {
      const { ndvi } = synthScene(128, 128, 250);
      const lst = testRaster(testGrid(32, 32, 1000), (c, r) => 300 + 0.3 * c - 0.2 * r + (c === 5 && r === 7 ? Number.NaN : 0));
      return prepareScene({ lst, aux: { ndvi: { ...ndvi, data: ndvi.data.map((v) => Math.fround(Math.round(v * 1e4) * 1e-4)) } } });
    };
    pool.windowBuffer = (bytes) => {
      asked++;
      const b = lend(bytes);
      if (b) lent++;
      return b;
    };
    const sc = scene();
    const scLst = sc.lst.data.slice();
    const pooled = await runDownscale(sc, { method: pool, tileCoarsePx: 8 });
    const alone = await runDownscale(scene(), { method: bicubic, tileCoarsePx: 8 });
    // Two windows a tile (coarse LST, packed NDVI), 80 tiles; edge tiles' windows are smaller,
    // so a reused buffer is larger than the window it holds and has an earlier tile's values in it.
    // Per tile its coarse LST window, and on stage 2 its packed NDVI window (stage 1's 500 m NDVI is
    // derived from the packed 250 m one, its windows decoded here): 16 + 2 x 64.
    expect(asked).toBe(144);
    // Only the first tile's and the first stage-2 tile's packed window are new (one tile in flight).
    expect(lent).toBe(140);
    expect(sc.lst.data.every((v, i) => Object.is(v, scLst[i]))).toBe(true);
    expectSameLst(alone, pooled);
    await pool.close();
  });
});
