import { describe, expect, it } from 'vitest';
import { aggregateMean } from '../core/raster/aggregate.ts';
import type { Grid } from '../core/raster/raster.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { runDownscale, type StageResult, type StageSink, type StreamedStageResult } from './downscale.ts';
import type { StageMethod } from './method.ts';
import { prepareScene } from './prepare.ts';
import { pasteTile, planTiles } from '../core/raster/tiling.ts';
import { addCarried, addCarriedToBands, BAND_COARSE_COLS, BAND_COARSE_ROWS, bandedOutput, carriedBands, carriedFolder, pasteCarried, type StageSink as BandSink } from './stage-bands.ts';
import { synthScene } from './test-scenes.ts';

/** A scene whose last stage is several bands high, with a cloud, a dead row and an empty corner (skipped tiles). */
function scene() {
  const { ndvi, lst } = synthScene(1200, 1096, 250);
  const coarse = aggregateMean(lst, 4);
  for (let r = 40; r < 61; r++) for (let c = 30; c < 77; c++) coarse.data[r * coarse.width + c] = Number.NaN;
  for (let c = 0; c < coarse.width; c++) coarse.data[137 * coarse.width + c] = Number.NaN;
  for (let r = 0; r < 30; r++) for (let c = 250; c < coarse.width; c++) coarse.data[r * coarse.width + c] = Number.NaN;
  return prepareScene({ lst: coarse, aux: { ndvi } });
}

/**
 * Bicubic with an uncertainty and a carried variance made from each fine pixel's coarse parent (as
 * SRDA-Net's weighted mix reports them), run `concurrency` tiles at once, each after a random delay,
 * so tiles finish out of order.
 */
function sigmaMethod(concurrency: number, seed = 1): StageMethod {
  let s = seed;
  const delay = () => new Promise((res) => setTimeout(res, ((s = (s * 16807) % 2147483647) % 5)));
  return {
    ...bicubicMethod,
    concurrency,
    runStageWithSigma: async (input, o) => {
      if (concurrency > 1) await delay();
      const lstK = await bicubicMethod.runStage(input, o);
      const { width: cw, data } = input.coarseLst;
      const sigmaK = new Float32Array(lstK.length);
      const carriedVarK2 = new Float32Array(lstK.length);
      for (let i = 0; i < lstK.length; i++) {
        const r = Math.floor(i / (2 * cw));
        const t = data[(r >> 1) * cw + ((i - r * 2 * cw) >> 1)];
        sigmaK[i] = t === t ? 0.2 + Math.abs(t - 305) * 0.03 : Number.NaN;
        carriedVarK2[i] = t === t ? 0.01 * (1 + (i % 7)) : 0;
      }
      return { lstK, sigmaK, carriedVarK2 };
    },
  };
}

/**
 * A sink that keeps what it is given and what was called (into `calls`, shared with the caller's
 * log where given). `opening`: its open takes `ms` to resolve, or rejects after it.
 */
function recordingSink(fail?: { atBand: number }, opening?: { ms: number; fails?: boolean }, calls: string[] = []) {
  const bands: Array<{ row: number; lst: Float32Array; sigma?: Float32Array }> = [];
  let grid: Grid | undefined;
  const sink: StageSink = {
    open: async (info) => {
      calls.push(`open ${info.stage} ${info.hasSigma}`);
      grid = info.grid;
      if (!opening) return;
      await new Promise((res) => setTimeout(res, opening.ms));
      if (opening.fails) throw new Error('cannot create the output');
      calls.push('opened');
    },
    rows: async (b) => {
      if (fail && bands.length === fail.atBand) throw new Error('disk full');
      await new Promise((res) => setTimeout(res, 1));
      bands.push(b);
      calls.push(`rows ${b.row}`);
    },
    close: async () => void calls.push('close'),
    abort: async () => void calls.push('abort'),
  };
  return { sink, calls, bands, joined: (key: 'lst' | 'sigma') => joinBands(grid!, bands, key) };
}

/** The bands' rows, in place on the fine grid. */
function joinBands(grid: Grid, bands: Array<{ row: number; lst: Float32Array; sigma?: Float32Array }>, key: 'lst' | 'sigma'): Float32Array {
  const out = new Float32Array(grid.width * grid.height);
  for (const b of bands) out.set(b[key]!, b.row * grid.width);
  return out;
}

/**
 * `recordingSink` that also takes column blocks: each block's values as offered (copied then) go
 * into `blocks`, its call into `calls`; the `failAt`th block (from 0) throws.
 */
function columnSink(failAt?: number) {
  const rec = recordingSink();
  const blocks: Array<{ row: number; col: number; width: number; lst: Float32Array; sigma?: Float32Array; callIndex: number }> = [];
  const cut = (a: Float32Array, col: number, width: number, fw: number) => {
    const out = new Float32Array((a.length / fw) * width);
    for (let r = 0; r < a.length / fw; r++) out.set(a.subarray(r * fw + col, r * fw + col + width), r * width);
    return out;
  };
  let fw = 0;
  const open = rec.sink.open.bind(rec.sink);
  rec.sink.open = (info) => {
    fw = info.grid.width;
    return open(info);
  };
  rec.sink.columns = ({ row, col, width, lst, sigma }) => {
    if (blocks.length === failAt) throw new Error('block broke');
    blocks.push({ row, col, width, lst: cut(lst, col, width, fw), ...(sigma ? { sigma: cut(sigma, col, width, fw) } : {}), callIndex: rec.calls.length });
    rec.calls.push(`cols ${row} ${col}`);
  };
  return { ...rec, blocks };
}

const bitsEqual = (a: Float32Array, b: Float32Array): boolean => {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

describe('runDownscale with a last-stage sink', () => {
  it('streams the last stage in ordered bands bit for bit as the whole stage, energy errors included, tiles out of order through a pool', async () => {
    const whole = await runDownscale(scene(), { method: sigmaMethod(1), tileCoarsePx: 40 });
    const rec = recordingSink();
    const streamed = await runDownscale(scene(), { method: sigmaMethod(3), tileCoarsePx: 40, lastStageSink: rec.sink });
    const last = whole.stages[1];
    const st = streamed.stages[1] as StreamedStageResult;
    expect(st.streamed).toBe(true);
    expect(st.hasSigma).toBe(true);
    expect(st.skippedTiles).toBeGreaterThan(0);
    expect(st.skippedTiles).toBe(last.skippedTiles);
    // Stage 1 is whole (it feeds stage 2), and the same.
    expect(bitsEqual((streamed.stages[0] as StageResult).lst.data, whole.stages[0].lst.data)).toBe(true);
    const fh = last.lst.height;
    const rows = Array.from({ length: Math.ceil(fh / (2 * BAND_COARSE_ROWS)) }, (_, b) => 2 * BAND_COARSE_ROWS * b);
    expect(rows.length).toBeGreaterThan(3);
    expect(rec.calls).toEqual(['open 2 true', ...rows.map((r) => `rows ${r}`), 'close']);
    expect(bitsEqual(rec.joined('lst'), last.lst.data)).toBe(true);
    expect(bitsEqual(rec.joined('sigma'), last.sigma!.data)).toBe(true);
    expect(st.energy).toEqual(last.energy);
    expect(st.energyBeforeCorrection).toEqual(last.energyBeforeCorrection);
    expect(st.energy.blocks).toBeGreaterThan(1000);
  });

  it('offers each column block once, corrected as it will be handed over, before its band, bit for bit as the whole stage', async () => {
    for (const tileCoarsePx of [40, 200]) {
      // The method's carried variance depends on the tiles: each tiling against its own whole run.
      const whole = await runDownscale(scene(), { method: sigmaMethod(1), tileCoarsePx });
      const last = whole.stages[1];
      const fw = last.lst.width;
      const rec = columnSink();
      const streamed = await runDownscale(scene(), { method: sigmaMethod(3, tileCoarsePx), tileCoarsePx, lastStageSink: rec.sink });
      const cw = fw / 2;
      const nCols = Math.ceil(cw / BAND_COARSE_COLS);
      const nBands = Math.ceil(last.lst.height / (2 * BAND_COARSE_ROWS));
      expect(nCols).toBeGreaterThan(3);
      expect(rec.blocks.length).toBe(nBands * nCols);
      expect(new Set(rec.blocks.map((b) => `${b.row} ${b.col}`)).size).toBe(nBands * nCols);
      for (const b of rec.blocks) {
        expect(b.col % (2 * BAND_COARSE_COLS)).toBe(0);
        expect(b.width).toBe(Math.min(2 * BAND_COARSE_COLS, fw - b.col));
        // Offered before its band is handed over, with the band's final values (LST and sigma).
        expect(b.callIndex).toBeLessThan(rec.calls.indexOf(`rows ${b.row}`));
        const rows = b.lst.length / b.width;
        const want = new Float32Array(rows * b.width);
        const wantSigma = new Float32Array(rows * b.width);
        for (let r = 0; r < rows; r++) {
          want.set(last.lst.data.subarray((b.row + r) * fw + b.col, (b.row + r) * fw + b.col + b.width), r * b.width);
          wantSigma.set(last.sigma!.data.subarray((b.row + r) * fw + b.col, (b.row + r) * fw + b.col + b.width), r * b.width);
        }
        expect(bitsEqual(b.lst, want)).toBe(true);
        expect(bitsEqual(b.sigma!, wantSigma)).toBe(true);
      }
      expect(bitsEqual(rec.joined('lst'), last.lst.data)).toBe(true);
      expect(bitsEqual(rec.joined('sigma'), last.sigma!.data)).toBe(true);
      expect(streamed.stages[1].energy).toEqual(last.energy);
      expect(streamed.stages[1].energyBeforeCorrection).toEqual(last.energyBeforeCorrection);
      expect(rec.calls[rec.calls.length - 1]).toBe('close');
    }
  });

  it('stops the run with a failed column block and aborts the sink, no band handed over after it', async () => {
    const rec = columnSink(7);
    await expect(runDownscale(scene(), { method: sigmaMethod(2), tileCoarsePx: 40, lastStageSink: rec.sink })).rejects.toThrow('block broke');
    expect(rec.blocks.length).toBe(7);
    expect(rec.calls[rec.calls.length - 1]).toBe('abort');
    expect(rec.calls).not.toContain('close');
    const failedAt = rec.calls.length - 1;
    expect(rec.calls.slice(rec.blocks[6].callIndex + 1, failedAt).filter((c) => c.startsWith('cols'))).toEqual([]);
  });

  it('gives no sigma band for a method without one, and keeps the whole rasters in radiance mode and without correction', async () => {
    const rec = recordingSink();
    const r = await runDownscale(scene(), { method: 'bicubic', tileCoarsePx: 64, lastStageSink: rec.sink });
    expect(rec.calls[0]).toBe('open 2 false');
    expect(rec.bands.every((b) => b.sigma === undefined)).toBe(true);
    const whole = await runDownscale(scene(), { method: 'bicubic', tileCoarsePx: 64 });
    expect(bitsEqual(rec.joined('lst'), whole.stages[1].lst.data)).toBe(true);
    expect(r.stages[1].streamed).toBe(true);
    for (const o of [{ residualMode: 'radiance' as const }, { residualCorrection: false }]) {
      const unused = recordingSink();
      const kept = await runDownscale(scene(), { method: 'bicubic', tileCoarsePx: 64, lastStageSink: unused.sink, ...o });
      expect(unused.calls).toEqual([]);
      expect(kept.stages[1].streamed).toBeUndefined();
      expect((kept.stages[1] as StageResult).lst.data.length).toBe(whole.stages[1].lst.data.length);
    }
  });

  it('aborts the sink, after the band it is writing, when the run is cancelled in the last stage', async () => {
    const rec = recordingSink();
    const ac = new AbortController();
    const run = runDownscale(scene(), { method: sigmaMethod(2), tileCoarsePx: 40, lastStageSink: rec.sink }, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.stage === 'stage 2' && p.done === Math.floor(p.total / 2)) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(rec.calls[0]).toBe('open 2 true');
    expect(rec.calls[rec.calls.length - 1]).toBe('abort');
    expect(rec.calls).not.toContain('close');
  });

  it('stops the run with the sink failure and aborts the sink', async () => {
    const rec = recordingSink({ atBand: 1 });
    await expect(runDownscale(scene(), { method: sigmaMethod(2), tileCoarsePx: 40, lastStageSink: rec.sink })).rejects.toThrow('disk full');
    expect(rec.calls).toEqual(['open 2 true', 'rows 0', 'abort']);
  });

  it('runs the first tiles while the sink opens; the first band waits for the open', async () => {
    const log: string[] = [];
    const base = sigmaMethod(2);
    const method: StageMethod = { ...base, runStageWithSigma: (i, o) => (log.push('tile'), base.runStageWithSigma!(i, o)) };
    const rec = recordingSink(undefined, { ms: 40 }, log);
    const streamed = await runDownscale(scene(), { method, tileCoarsePx: 40, lastStageSink: rec.sink });
    const whole = await runDownscale(scene(), { method: sigmaMethod(1), tileCoarsePx: 40 });
    const open = log.indexOf('open 2 true');
    const opened = log.indexOf('opened');
    expect(log.slice(open, opened)).toContain('tile');
    expect(log.findIndex((c) => c.startsWith('rows'))).toBeGreaterThan(opened);
    expect(log[log.length - 1]).toBe('close');
    expect(bitsEqual(rec.joined('lst'), whole.stages[1].lst.data)).toBe(true);
    expect(bitsEqual(rec.joined('sigma'), whole.stages[1].sigma!.data)).toBe(true);
    expect(streamed.stages[1].energy).toEqual(whole.stages[1].energy);
  });

  it('stops the run with a failed open at its next tile and aborts the sink', async () => {
    const log: string[] = [];
    const base = sigmaMethod(2);
    const method: StageMethod = { ...base, runStageWithSigma: (i, o) => (log.push('tile'), base.runStageWithSigma!(i, o)) };
    const rec = recordingSink(undefined, { ms: 20, fails: true }, log);
    await expect(runDownscale(scene(), { method, tileCoarsePx: 40, lastStageSink: rec.sink })).rejects.toThrow('cannot create the output');
    const stage2 = log.slice(log.indexOf('open 2 true'));
    expect(stage2.filter((c) => c === 'tile').length).toBeLessThan(60);
    expect(stage2.some((c) => c.startsWith('rows'))).toBe(false);
    expect(log[log.length - 1]).toBe('abort');
  });
});

describe('carried variance in bands', () => {
  // A coarse grid 300 x 290 (a stage's fine grid 600 x 580: 5 bands of 128 rows), tiles of 70 + halo 3.
  const cw = 300;
  const ch = 290;
  const tiles = planTiles(cw, ch, 70, 3);
  const tileValues = (t: (typeof tiles)[number]): Float32Array => {
    const a = new Float32Array(4 * t.padded.width * t.padded.height);
    for (let i = 0; i < a.length; i++) a[i] = ((i * 7 + t.index * 13) % 11) * 0.01;
    return a;
  };

  it('pastes tiles into bands holding exactly what the whole array holds, a band no tile wrote left absent', () => {
    const whole = new Float32Array(4 * cw * ch);
    const bands = carriedBands(2 * cw, 2 * ch);
    expect(bands.bands.length).toBe(Math.ceil((2 * ch) / BAND_COARSE_ROWS));
    // Skip the tiles of the last band's rows only: that band stays absent.
    const lastBand0 = (bands.bands.length - 1) * BAND_COARSE_ROWS;
    for (const t of tiles) {
      if (2 * (t.core.row + t.core.height) > lastBand0) continue;
      const v = tileValues(t);
      pasteTile(whole, 2 * cw, v, t, 2);
      pasteCarried(bands, v, t);
    }
    expect(bands.bands[bands.bands.length - 1]).toBeUndefined();
    for (let b = 0; b < bands.bands.length - 1; b++) {
      const band = bands.bands[b]!;
      expect(bitsEqual(band, whole.subarray(b * BAND_COARSE_ROWS * 2 * cw, b * BAND_COARSE_ROWS * 2 * cw + band.length))).toBe(true);
    }
    expect(() => pasteCarried(bands, new Float32Array(5), tiles[0])).toThrow(/carried variance has 5 values/);
  });

  it('adds earlier variance into a stage sigma and its carried bands as addCarried does on whole arrays', () => {
    const prev = new Float32Array(cw * ch).map((_, i) => (i % 5 === 0 ? 0 : (i % 9) * 0.02));
    const sigmaA = new Float32Array(4 * cw * ch).map((_, i) => 0.3 + (i % 13) * 0.01);
    const sigmaB = sigmaA.slice();
    const own = new Float32Array(4 * cw * ch);
    const bands = carriedBands(2 * cw, 2 * ch);
    for (const t of tiles.slice(0, -3)) {
      const v = tileValues(t);
      pasteTile(own, 2 * cw, v, t, 2);
      pasteCarried(bands, v, t);
    }
    const next = addCarried(sigmaA, own, prev, cw, false)!;
    expect(addCarriedToBands(sigmaB, bands, prev, cw)).toBe(bands);
    expect(bitsEqual(sigmaB, sigmaA)).toBe(true);
    const joined = new Float32Array(next.length);
    bands.bands.forEach((b, i) => joined.set(b!, i * BAND_COARSE_ROWS * 2 * cw));
    expect(bitsEqual(joined, next)).toBe(true);
  });

  it('folds carried bands into a whole last stage sigma tile by tile as addCarried does at its end, each band let go once its tiles are in', () => {
    // The last stage's coarse grid is the carried bands' fine grid: 600 x 580.
    const scw = 2 * cw;
    const sch = 2 * ch;
    const stTiles = planTiles(scw, sch, 100, 3);
    const whole = new Float32Array(scw * sch).map((_, i) => (i % 5 === 0 ? 0 : (i % 9) * 0.02));
    const carried = carriedBands(scw, sch);
    for (let b = 0; b < carried.bands.length; b++) carried.bands[b] = whole.slice(b * BAND_COARSE_ROWS * scw, Math.min(sch, (b + 1) * BAND_COARSE_ROWS) * scw);
    const sigmaA = new Float32Array(4 * scw * sch).map((_, i) => (i % 101 === 0 ? Number.NaN : 0.3 + (i % 13) * 0.01));
    const sigmaB = sigmaA.slice();
    addCarried(sigmaA, undefined, whole, scw, true);
    const fold = carriedFolder(stTiles, carried, scw);
    const n = carried.bands.length;
    for (const [i, t] of stTiles.entries()) {
      fold(t, sigmaB);
      if (i === stTiles.length - 2) {
        expect(carried.bands[0]).toBeUndefined();
        expect(carried.bands[n - 1]).toBeDefined();
      }
    }
    expect(carried.bands.every((b) => b === undefined)).toBe(true);
    expect(bitsEqual(sigmaB, sigmaA)).toBe(true);
  });

  it('lets each carried band go once the streamed stage has finished its rows, the last kept until its tiles are in', async () => {
    // The streamed stage's coarse grid is the carried bands' fine grid.
    const scw = 2 * cw;
    const sch = 2 * ch;
    const stTiles = planTiles(scw, sch, 100, 3);
    const carried = carriedBands(scw, sch);
    for (let b = 0; b < carried.bands.length; b++) carried.bands[b] = new Float32Array(Math.min(BAND_COARSE_ROWS, sch - b * BAND_COARSE_ROWS) * scw).fill(0.04);
    const coarse = new Float32Array(scw * sch).fill(300);
    const sink: BandSink = { open: () => undefined, rows: async () => undefined, close: async () => undefined, abort: async () => undefined };
    const out = bandedOutput(stTiles, coarse, scw, sch, true, carried, sink);
    const n = carried.bands.length;
    for (const [i, t] of stTiles.entries()) {
      const fine = new Float32Array(4 * t.padded.width * t.padded.height).fill(300);
      out.paste(t, fine, new Float32Array(fine.length).fill(0.3));
      if (i === stTiles.length - 2) {
        expect(carried.bands[0]).toBeUndefined();
        expect(carried.bands[n - 1]).toBeDefined();
      }
    }
    await out.done();
    expect(carried.bands.every((b) => b === undefined)).toBe(true);
  });

  it('streams a three-stage run bit for bit as the whole run (the middle stage carries its variance in bands)', async () => {
    const { ndvi, lst } = synthScene(1200, 1096, 250);
    const sc = () => prepareScene({ lst: aggregateMean(lst, 8), aux: { ndvi } });
    expect(sc().stages).toBe(3);
    const whole = await runDownscale(sc(), { method: sigmaMethod(1), tileCoarsePx: 40 });
    const rec = recordingSink();
    const streamed = await runDownscale(sc(), { method: sigmaMethod(3), tileCoarsePx: 40, lastStageSink: rec.sink });
    const last = whole.stages[2];
    expect((streamed.stages[2] as StreamedStageResult).streamed).toBe(true);
    expect(bitsEqual((streamed.stages[1] as StageResult).sigma!.data, whole.stages[1].sigma!.data)).toBe(true);
    expect(bitsEqual(rec.joined('lst'), last.lst.data)).toBe(true);
    expect(bitsEqual(rec.joined('sigma'), last.sigma!.data)).toBe(true);
  });
});
