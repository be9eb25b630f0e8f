import { describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../geo/crs.ts';
import { finishSteps, finishStepsAsync, STEP_PX } from '../progress.ts';
import { aggregateMean, aggregateMeanInSteps, aggregateMode, aggregateModeInSteps, aggregateStd, blockMean, blockMode, blockStd, degrade, degradeArray, gaussianBlur } from './aggregate.ts';
import type { Raster } from './raster.ts';

const N = Number.NaN;

describe('blockMean', () => {
  it('averages 2x2 blocks over valid pixels, one NaN ignored', () => {
    // prettier-ignore
    const d = Float32Array.of(
      1, 2, 10, 20,
      3, N, 30, 40,
      5, 6, 0, 0,
      7, 8, 0, 4);
    const r = blockMean(d, 4, 4, 2);
    expect(r.width).toBe(2);
    expect(Array.from(r.data)).toEqual([2, 25, 6.5, 1]);
  });

  it('makes a block NaN when more than the allowed fraction is invalid', () => {
    const d = Float32Array.of(1, N, N, 3);
    expect(blockMean(d, 2, 2, 2).data[0]).toBe(2); // exactly half invalid: kept
    expect(Number.isNaN(blockMean(d, 2, 2, 2, { maxInvalidFraction: 0.25 }).data[0])).toBe(true);
    expect(Number.isNaN(blockMean(Float32Array.of(1, N, N, N), 2, 2, 2).data[0])).toBe(true);
    expect(blockMean(Float32Array.of(1, N, N, N), 2, 2, 2, { maxInvalidFraction: 1 }).data[0]).toBe(1);
  });

  it('keeps partial edge blocks, judged on the pixels that exist', () => {
    const d = Float32Array.of(1, 2, 3, 4, 5, 6); // 3x2
    const r = blockMean(d, 3, 2, 2);
    expect(r.width).toBe(2);
    expect(r.height).toBe(1);
    expect(Array.from(r.data)).toEqual([3, 4.5]);
  });

  it('averages radiance (T^4) when asked, which weights hot pixels more', () => {
    const d = Float32Array.of(280, 320, 280, 320);
    const lin = blockMean(d, 2, 2, 2).data[0];
    const rad = blockMean(d, 2, 2, 2, { mode: 'radiance' }).data[0];
    expect(lin).toBe(300);
    expect(rad).toBeCloseTo(Math.pow((280 ** 4 + 320 ** 4) / 2, 0.25), 3);
    expect(rad).toBeGreaterThan(300.5);
  });
});

describe('blockStd and blockMode', () => {
  it('gives the population std of each block', () => {
    const d = Float32Array.of(1, 3, 1, 3); // mean 2, deviations 1
    expect(blockStd(d, 2, 2, 2).data[0]).toBeCloseTo(1, 12);
    expect(blockStd(Float32Array.of(5, 5, 5, N), 2, 2, 2).data[0]).toBe(0);
  });

  it('takes the most frequent class, ties to the smallest', () => {
    // prettier-ignore
    const d = Float32Array.of(
      12, 12, 4, 7,
      3, 12, 7, 4);
    const r = blockMode(d, 4, 2, 2);
    expect(Array.from(r.data)).toEqual([12, 4]);
  });
});

describe('raster aggregation', () => {
  const grid = {
    width: 4,
    height: 4,
    transform: [0, 250, 0, 1000, 0, -250] as const,
    crs: crsFromEpsg(32616),
  };
  const r: Raster = { ...grid, data: Float32Array.from({ length: 16 }, (_, i) => i) };

  it('puts the result on the coarsened grid', () => {
    const m = aggregateMean(r, 2);
    expect(m.transform).toEqual([0, 500, 0, 1000, 0, -500]);
    expect(Array.from(m.data)).toEqual([2.5, 4.5, 10.5, 12.5]);
    // Block (0, 1, 4, 5): mean 2.5, squared deviations 6.25, 2.25, 2.25, 6.25.
    expect(aggregateStd(r, 2).data[0]).toBeCloseTo(Math.sqrt(4.25), 6);
    expect(aggregateMode(r, 4).data[0]).toBe(0);
  });

  it('degrades with a Gaussian point spread that conserves a constant field and the mean of a ramp', () => {
    const flat: Raster = { ...grid, data: new Float32Array(16).fill(300) };
    const d = degrade(flat, 2, { psfSigmaFinePx: 1 });
    for (const v of d.data) expect(v).toBeCloseTo(300, 4);
    const noPsf = degrade(r, 2);
    expect(Array.from(noPsf.data)).toEqual(Array.from(aggregateMean(r, 2).data));
    const withPsf = degrade(r, 2, { psfSigmaFinePx: 1 });
    // The blur pulls block means toward their neighbours: corners move toward the centre value.
    expect(withPsf.data[0]).toBeGreaterThan(2.5);
    expect(withPsf.data[3]).toBeLessThan(12.5);
  });
});

describe('gaussianBlur', () => {
  it('keeps NaN pixels NaN and does not spread them', () => {
    const d = Float32Array.of(1, 1, 1, N, 1, 1, 1, 1, 1);
    const b = gaussianBlur(d, 3, 3, 1);
    expect(Number.isNaN(b[3])).toBe(true);
    for (const i of [0, 1, 2, 4, 5, 6, 7, 8]) expect(b[i]).toBeCloseTo(1, 6);
  });

  it('matches a hand-computed 1-D weighted mean at the edge', () => {
    const d = Float32Array.of(0, 10, 20, 30); // 4x1
    const b = gaussianBlur(d, 4, 1, 1);
    const w = [1, Math.exp(-0.5), Math.exp(-2), Math.exp(-4.5)];
    const expected = (0 * w[0] + 10 * w[1] + 20 * w[2] + 30 * w[3]) / (w[0] + w[1] + w[2] + w[3]);
    expect(b[0]).toBeCloseTo(expected, 4);
  });
});

describe('degradeArray', () => {
  it('averages factor x factor blocks (hand-worked 4x2 -> 2x1)', () => {
    const fine = new Float32Array([300, 302, 310, 310, 304, 306, 290, 294]);
    const c = degradeArray(fine, 4, 2, 2);
    expect(c.width).toBe(2);
    expect(c.height).toBe(1);
    expect(c.data[0]).toBeCloseTo(303, 4);
    expect(c.data[1]).toBeCloseTo(301, 4);
  });

  it('keeps a uniform field uniform under the point spread, and smooths an edge', () => {
    const flat = degradeArray(new Float32Array(64).fill(290), 8, 8, 2, { psfSigmaFinePx: 1.5 });
    for (const v of flat.data) expect(v).toBeCloseTo(290, 3);
    const edge = new Float32Array(64);
    for (let i = 0; i < 64; i++) edge[i] = i % 8 < 4 ? 280 : 300;
    const sharp = degradeArray(edge, 8, 8, 2);
    const soft = degradeArray(edge, 8, 8, 2, { psfSigmaFinePx: 1.5 });
    expect(sharp.data[1]).toBeCloseTo(280, 4);
    expect(soft.data[1]).toBeGreaterThan(281);
    expect(soft.data[2]).toBeLessThan(299);
  });

  it('averages emitted radiance in radiance mode (warmer than the linear mean)', () => {
    const fine = new Float32Array([280, 320, 280, 320]);
    const lin = degradeArray(fine, 2, 2, 2).data[0];
    const rad = degradeArray(fine, 2, 2, 2, { mode: 'radiance' }).data[0];
    expect(lin).toBeCloseTo(300, 4);
    expect(rad).toBeCloseTo(Math.pow((280 ** 4 + 320 ** 4) / 2, 0.25), 2);
    expect(rad).toBeGreaterThan(lin);
  });

  it('leaves blocks that are mostly NaN as NaN', () => {
    const fine = new Float32Array([Number.NaN, Number.NaN, Number.NaN, 300]);
    expect(Number.isNaN(degradeArray(fine, 2, 2, 2).data[0])).toBe(true);
  });
});

describe('aggregateMeanInSteps / aggregateModeInSteps', () => {
  // 2051 x 2101 px: by 2, 1026 x 1051 output pixels, 1022 rows (STEP_PX / 1026) a block: 2 blocks, the last partial, and partial edge blocks (by 3: one block).
  const grid = { width: 2051, height: 2101, transform: [500000, 30, 0, 4000000, 0, -30] as [number, number, number, number, number, number], crs: crsFromEpsg(32610) };
  const data = new Float32Array(grid.width * grid.height);
  for (let i = 0; i < data.length; i++) data[i] = i % 97 === 0 ? N : 280 + ((i * 7919) % 1000) / 37 + (i % 5) * 0.1;
  const r: Raster = { ...grid, data };
  const classes: Raster = { ...grid, data: data.map((v, i) => (v === v ? (i * 31) % 7 : N)) };
  const yields = (steps: Generator<void, Raster>): { out: Raster; n: number } => {
    let n = 0;
    for (;;) {
      const x = steps.next();
      if (x.done) return { out: x.value, n };
      n++;
    }
  };

  it('gives the same values, bit for bit, as the one-go forms, yielding between blocks of STEP_PX output pixels', () => {
    for (const f of [2, 3]) {
      const blocks = Math.ceil(Math.ceil(grid.height / f) / Math.floor(STEP_PX / Math.ceil(grid.width / f)));
      expect(blocks).toBe(f === 2 ? 2 : 1);
      for (const [steps, whole] of [
        [aggregateMeanInSteps(r, f), aggregateMean(r, f)],
        [aggregateMeanInSteps(r, f, { mode: 'radiance', maxInvalidFraction: 0 }), aggregateMean(r, f, { mode: 'radiance', maxInvalidFraction: 0 })],
        [aggregateModeInSteps(classes, f), aggregateMode(classes, f)],
      ] as const) {
        const { out, n } = yields(steps);
        expect(n).toBe(blocks - 1);
        expect([out.width, out.height, out.transform]).toEqual([whole.width, whole.height, whole.transform]);
        expect(Buffer.from(out.data.buffer).equals(Buffer.from(whole.data.buffer))).toBe(true);
      }
    }
    expect(finishSteps(aggregateMeanInSteps(r, 2)).data).toEqual(aggregateMean(r, 2).data);
  });

  it('stops with CANCELLED on an aborted signal, and on one aborted between two blocks', async () => {
    await expect(finishStepsAsync(aggregateMeanInSteps(r, 2), AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
    const ac = new AbortController();
    let blocks = 0;
    function* counted(): Generator<void, Raster> {
      const steps = aggregateMeanInSteps(r, 2);
      for (;;) {
        const x = steps.next();
        blocks++;
        if (x.done) return x.value;
        // The abort arrives while the event loop turns after the first block.
        if (blocks === 1) setTimeout(() => ac.abort(), 0);
        yield;
      }
    }
    await expect(finishStepsAsync(counted(), ac.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(blocks).toBeLessThan(3);
  });

  it('rejects a factor that is not a positive integer', () => {
    expect(() => finishSteps(aggregateMeanInSteps(r, 1.5))).toThrow(/factor must be a positive integer/);
  });
});
