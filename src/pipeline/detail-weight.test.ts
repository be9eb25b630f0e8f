import { describe, expect, it } from 'vitest';
import { maxAbsDifference } from '../core/raster/metrics.ts';
import { dhakaScene, hasData, readShippedWeights } from '../test-support/data.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { dmsMethod } from './baselines/dms.ts';
import { fitDetailAlpha, fitDetailMix, fitDetailWeight, LOOP_MARGIN_PX, loopWindows, MAX_LOOP_PIXELS, weightedSigma, withDetailMix, withDetailWeight } from './detail-weight.ts';
import { tsharpMethod } from './baselines/tsharp.ts';
import { detailWeightMessage } from './do-no-harm.ts';
import { runDownscale } from './downscale.ts';
import type { StageMethod } from './method.ts';
import type { Scene } from './scene.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { prepareScene } from './prepare.ts';
import { synthScene } from './test-scenes.ts';
import { createSrdaMethod } from './methods/srda.ts';

/** Bicubic with sigma 1 everywhere; every even output column (in the scene's frame) declares a carried variance of 0.25. */
function carryingBicubic(scene: Scene): StageMethod {
  return {
    id: 'bicubic',
    label: 'bicubic, carrying',
    usesAux: [],
    haloCoarsePx: bicubicMethod.haloCoarsePx,
    runStage: (i, o) => bicubicMethod.runStage(i, o),
    runStageWithSigma: async (i, o) => {
      const l = await bicubicMethod.runStage(i, o);
      const col0 = Math.round((i.fineGrid.transform[0] - scene.levels[0].grid.transform[0]) / i.fineGrid.transform[1]);
      return { lstK: l, sigmaK: new Float32Array(l.length).fill(1), carriedVarK2: l.map((_, j) => ((col0 + (j % i.fineGrid.width)) % 2 === 0 ? 0.25 : 0)) };
    },
  };
}

describe('fitDetailAlpha', () => {
  it('recovers the share of detail that fits the reference (hand-worked) and skips NaN pixels', () => {
    const b = Float32Array.from([300, 301, 302, 303, 299]);
    const s = Float32Array.from([302, 300, 305, 303, Number.NaN]);
    // reference = bicubic + 0.25 x (srda - bicubic)
    const t = Float32Array.from([300.5, 300.75, 302.75, 303, 0]);
    const f = fitDetailAlpha(t, s, b);
    expect(f.alpha).toBeCloseTo(0.25, 6);
    expect(f.n).toBe(4);
    expect(f.blendedRmseK).toBeCloseTo(0, 5);
    // bicubic misses by 0.5, 0.25, 0.75, 0 -> RMSE sqrt((0.25 + 0.0625 + 0.5625) / 4)
    expect(f.bicubicRmseK).toBeCloseTo(Math.sqrt(0.875 / 4), 6);
  });

  it('clips to 0 when the detail points the wrong way and to 1 when more would help; 0 without detail', () => {
    const b = Float32Array.from([300, 300, 300]);
    const s = Float32Array.from([301, 299, 300]);
    expect(fitDetailAlpha(Float32Array.from([299, 301, 300]), s, b).alpha).toBe(0);
    expect(fitDetailAlpha(Float32Array.from([303, 297, 300]), s, b).alpha).toBe(1);
    expect(fitDetailAlpha(Float32Array.from([303, 297, 300]), b, b).alpha).toBe(0);
  });
});

describe('the closed loop of a large scene', () => {
  it('runs on 3 x 3 even windows with margins inside the scene, spread over it, together at most MAX_LOOP_PIXELS; small scenes whole', () => {
    const whole = { col: 0, row: 0, width: 400, height: 300 };
    expect(loopWindows(400, 300)).toEqual([{ run: whole, score: whole }]);
    const ws = loopWindows(1201, 1200);
    expect(ws).toHaveLength(9);
    expect(ws.reduce((n, w) => n + w.run.width * w.run.height, 0)).toBeLessThanOrEqual(MAX_LOOP_PIXELS);
    for (const { run, score } of ws) {
      for (const v of [run.col, run.row, run.width, run.height, score.col, score.row, score.width, score.height]) expect(v % 2).toBe(0);
      expect(run.col + run.width).toBeLessThanOrEqual(1200);
      expect(run.row + run.height).toBeLessThanOrEqual(1200);
      // The scored part has the full margin of run pixels on every side.
      expect(score.col - run.col).toBe(LOOP_MARGIN_PX);
      expect(score.row - run.row).toBe(LOOP_MARGIN_PX);
      expect(run.col + run.width - (score.col + score.width)).toBe(LOOP_MARGIN_PX);
      expect(run.row + run.height - (score.row + score.height)).toBe(LOOP_MARGIN_PX);
    }
    // One window per third of each axis.
    expect([...new Set(ws.map((w) => Math.floor((3 * (w.score.col + w.score.width / 2)) / 1200)))]).toEqual([0, 1, 2]);
    expect([...new Set(ws.map((w) => Math.floor((3 * (w.score.row + w.score.height / 2)) / 1200)))]).toEqual([0, 1, 2]);
    // A long, narrow scene: windows as wide as the scene (no room for side margins), spread along it.
    const narrow = loopWindows(100, 6000);
    expect(narrow).toHaveLength(3);
    for (const w of narrow) expect(w.run).toMatchObject({ col: 0, width: 100 });
    for (const w of narrow) expect(w.score).toMatchObject({ col: 0, width: 100 });
    expect(narrow[2].run.row + narrow[2].run.height).toBeLessThanOrEqual(6000);
  });

  it('fits the weight on the scored pixels of those windows: fewer than the scene, the same weight where the detail is uniformly good', async () => {
    // 800 x 800 coarse px (640 000 > MAX_LOOP_PIXELS); LST an exact linear function of NDVI, so TsHARP's detail fits fully.
    const { ndvi, lst } = synthScene(1600, 1600, 250);
    const scene = prepareScene({ lst: aggregateMean(lst, 2), aux: { ndvi } });
    const w = await fitDetailWeight(scene, tsharpMethod);
    expect(w).toBeDefined();
    expect(w!.pixels).toBe(loopWindows(800, 800).reduce((n, x) => n + x.score.width * x.score.height, 0));
    expect(w!.pixels).toBeLessThan(MAX_LOOP_PIXELS / 2);
    expect(w!.alpha).toBeGreaterThan(0.95);
    expect(w!.blendedRmseK).toBeLessThan(w!.bicubicRmseK / 2);
  }, 120_000);

  it('runs the windows together on a method that takes tiles at once (a pool), with the fit of one after another', async () => {
    const { ndvi, lst } = synthScene(1600, 1600, 250);
    const scene = prepareScene({ lst: aggregateMean(lst, 2), aux: { ndvi } });
    let inFlight = 0;
    let most = 0;
    let calls = 0;
    // Bicubic plus a detail of its own; later windows answer sooner, so they finish out of order.
    const detailed = (concurrency?: number): StageMethod => ({
      id: 'srda',
      label: 'bicubic with detail',
      usesAux: ['ndvi'],
      haloCoarsePx: bicubicMethod.haloCoarsePx,
      ...(concurrency ? { concurrency } : {}),
      runStage: async (i, o) => {
        const wait = 40 - 4 * calls++;
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, Math.max(0, wait)));
        inFlight--;
        const b = await bicubicMethod.runStage(i, o);
        const nd = i.fineAux.ndvi!.data;
        return b.map((v, j) => v + 2 * (nd[j] - 0.4));
      },
    });
    const one = await fitDetailWeight(scene, detailed());
    expect(most).toBe(1);
    calls = 0;
    const two = await fitDetailWeight(scene, detailed(2));
    expect(most).toBe(2);
    expect(two).toEqual(one);
    // The detail reached the fit: SRDA-Net's stand-in and bicubic differ on the loop.
    expect(one!.srdaRmseK).not.toBe(one!.bicubicRmseK);
  }, 120_000);
});

describe('weightedSigma', () => {
  it('adds the dropped share of the corrected detail in quadrature (hand-worked), per 2x2 block', () => {
    // Two 2x2 blocks side by side (fine grid 4 wide, 2 high); row-major.
    const sigma = Float32Array.from([1, 1, 0.5, 0.5, 1, 1, 0.5, 0.5]);
    const bic = new Float32Array(8).fill(300);
    // Block 1: detail +1, -1, 0, 0 (block mean 0). Block 2: a uniform +2 the correction removes.
    const srda = Float32Array.from([301, 299, 302, 302, 300, 300, 302, 302]);
    const out = weightedSigma(sigma, srda, bic, 0.5, 4);
    expect(out[0]).toBeCloseTo(Math.sqrt(1 + 0.25), 6);
    expect(out[1]).toBeCloseTo(Math.sqrt(1 + 0.25), 6);
    expect(out[4]).toBeCloseTo(1, 6);
    expect(out[5]).toBeCloseTo(1, 6);
    for (const i of [2, 3, 6, 7]) expect(out[i]).toBeCloseTo(0.5, 6);
    // alpha 1 keeps SRDA-Net's sigma; alpha 0 adds the whole corrected detail.
    expect(Array.from(weightedSigma(sigma, srda, bic, 1, 4))).toEqual(Array.from(sigma));
    expect(weightedSigma(sigma, srda, bic, 0, 4)[0]).toBeCloseTo(Math.sqrt(2), 6);
  });

  it('is NaN where SRDA-Net, bicubic or sigma is NaN, and the block mean skips those pixels', () => {
    const sigma = Float32Array.from([1, 1, Number.NaN, 1]);
    const srda = Float32Array.from([302, Number.NaN, 300, 300]);
    const bic = Float32Array.from([300, 300, 300, 300]);
    const out = weightedSigma(sigma, srda, bic, 0.5, 2);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeNaN();
    // Block mean of d over the valid pixels: (2 + 0 + 0) / 3.
    expect(out[0]).toBeCloseTo(Math.sqrt(1 + (0.5 * (2 - 2 / 3)) ** 2), 6);
    expect(out[3]).toBeCloseTo(Math.sqrt(1 + (0.5 * (2 / 3)) ** 2), 6);
  });
});

describe('the runner carries the variance a stage declares on to later stages', () => {
  it("adds stage 1's carried variance to stage 2's sigma, each fine pixel taking its coarse pixel's, tiled as untiled", async () => {
    const { ndvi, lst } = synthScene(128, 96, 250);
    const scene = prepareScene({ lst: aggregateMean(lst, 4), aux: { ndvi } });
    const carrying = carryingBicubic(scene);
    for (const tileCoarsePx of [1024, 8]) {
      const r = await runDownscale(scene, { method: carrying, tileCoarsePx });
      expect(r.stages[0].tiles).toBe(tileCoarsePx === 8 ? 12 : 1);
      expect(Array.from(new Set(r.stages[0].sigma!.data))).toEqual([1]);
      const s2 = r.stages[1].sigma!;
      let checked = 0;
      for (let row = 0; row < s2.height; row++)
        for (let c = 0; c < s2.width; c++) {
          const want = (c >> 1) % 2 === 0 ? Math.sqrt(1.25) : 1;
          expect(s2.data[row * s2.width + c]).toBeCloseTo(want, 6);
          checked++;
        }
      expect(checked).toBe(128 * 96);
    }
  });

  it('passes the sum on through a middle stage (3 stages): the last stage gets stage 1 and stage 2 variance', async () => {
    const { ndvi, lst } = synthScene(128, 96, 250);
    const scene = prepareScene({ lst: aggregateMean(lst, 8), aux: { ndvi } });
    expect(scene.stages).toBe(3);
    const carrying = carryingBicubic(scene);
    for (const tileCoarsePx of [1024, 8]) {
      const r = await runDownscale(scene, { method: carrying, tileCoarsePx });
      const s3 = r.stages[2].sigma!;
      for (let row = 0; row < s3.height; row += 7)
        for (let c = 0; c < s3.width; c++) {
          // Stage 2's own (its even columns) plus stage 1's (its even columns), as each stage-3 pixel's ancestors.
          const v = ((c >> 1) % 2 === 0 ? 0.25 : 0) + ((c >> 2) % 2 === 0 ? 0.25 : 0);
          expect(s3.data[row * s3.width + c]).toBeCloseTo(Math.sqrt(1 + v), 6);
        }
    }
  });
});

describe.skipIf(!hasData('dhaka-mod11a2-mod13q1-2024-citypath'))('the closed-loop detail weight on a real scene (Dhaka DOY 097, shipped SRDA-Net)', () => {
  it('is never worse than bicubic or SRDA-Net in the loop it was fitted on, and the weighted run is that mix, energy-conserving', async () => {
    const scene = await dhakaScene();
    const srda = await createSrdaMethod(await readShippedWeights(), { backend: 'wasm' });
    try {
      const w = (await fitDetailWeight(scene, srda))!;
      expect(w).toBeDefined();
      expect(w.alpha).toBeGreaterThanOrEqual(0);
      expect(w.alpha).toBeLessThanOrEqual(1);
      expect(w.pixels).toBeGreaterThan(200);
      expect(w.blendedRmseK).toBeLessThanOrEqual(Math.min(w.srdaRmseK, w.bicubicRmseK) + 1e-6);
      expect([w.coarsePixelM / w.referencePixelM]).toEqual([2]);

      const mixed = withDetailWeight(srda, w.alpha);
      expect(mixed.backend.name).toBe('wasm');
      expect(mixed.label).toMatch(new RegExp(`${Math.round(100 * w.alpha)} % of its detail`));
      const run = (m: typeof bicubicMethod) => runDownscale(scene, { method: m, residualCorrection: true });
      const [r, s, b] = [await run(mixed), await run(srda), await run(bicubicMethod)];
      for (let k = 0; k < 2; k++) {
        expect(r.stages[k].energy.maxAbsK).toBeLessThan(1e-3);
        expect(r.stages[k].sigma).toBeDefined();
      }
      // Stage 1 is exactly the mix of the corrected fields (the correction is linear).
      const want = b.stages[0].lst.data.map((v, i) => v + w.alpha * (s.stages[0].lst.data[i] - v));
      expect(maxAbsDifference(r.stages[0].lst.data, want)).toBeLessThan(2e-3);
      // The sigma of a 40 % mix: SRDA-Net's plus the dropped 60 % of the corrected detail, in quadrature.
      const r40 = await run(withDetailWeight(srda, 0.4));
      const d = s.stages[0].lst.data.map((v, i) => 0.6 * (v - b.stages[0].lst.data[i]));
      const wantSigma = s.stages[0].sigma!.data.map((v, i) => Math.sqrt(v * v + d[i] * d[i]));
      expect(maxAbsDifference(r40.stages[0].sigma!.data, wantSigma)).toBeLessThan(2e-3);
      expect(maxAbsDifference(r40.stages[0].sigma!.data, s.stages[0].sigma!.data)).toBeGreaterThan(0.05);

      const msg = detailWeightMessage('MOD11A2_097.tif', w);
      expect(msg).toMatch(/^On MOD11A2_097\.tif, SRDA-Net alone is/);
      expect(msg).toMatch(w.alpha > 0 ? /keeps \d+ % of SRDA-Net's detail/ : /output is the bicubic result/);
    } finally {
      srda.dispose();
    }
  }, 120_000);
});

describe('fitDetailMix', () => {
  it('recovers two detail weights (hand-built reference) and keeps them in [0, 1]', () => {
    const n = 200;
    const b = new Float32Array(n).fill(300);
    const s = Float32Array.from({ length: n }, (_, i) => 300 + Math.sin(i));
    const d = Float32Array.from({ length: n }, (_, i) => 300 + Math.cos(0.37 * i));
    const t = b.map((v, i) => v + 0.3 * (s[i] - v) + 0.5 * (d[i] - v));
    const f = fitDetailMix(t, b, [s, d]);
    expect(f.weights[0]).toBeCloseTo(0.3, 5);
    expect(f.weights[1]).toBeCloseTo(0.5, 5);
    expect(f.rmseK).toBeLessThan(1e-4);
    const neg = fitDetailMix(b.map((v, i) => v - (s[i] - v) + 2 * (d[i] - v)), b, [s, d]);
    expect(neg.weights[0]).toBe(0);
    expect(neg.weights[1]).toBe(1);
  });
});

describe.skipIf(!hasData('dhaka-mod11a2-mod13q1-2024-citypath'))('withDetailMix on Dhaka DOY 097', () => {
  it('with weight 1 on DMS is the DMS run, with 0 the bicubic run, block means equal to the input', async () => {
    const scene = await dhakaScene();
    const run = (m: typeof bicubicMethod) => runDownscale(scene, { method: m, residualCorrection: true });
    const [dms, bic] = [await run(dmsMethod), await run(bicubicMethod)];
    const one = await run(withDetailMix([dmsMethod], [1], 'DMS via the mix'));
    const none = await run(withDetailMix([dmsMethod], [0], 'bicubic via the mix'));
    for (let k = 0; k < 2; k++) {
      expect(maxAbsDifference(one.stages[k].lst.data, dms.stages[k].lst.data)).toBeLessThan(1e-3);
      expect(maxAbsDifference(none.stages[k].lst.data, bic.stages[k].lst.data)).toBeLessThan(1e-3);
      expect(one.stages[k].energy.maxAbsK).toBeLessThan(1e-3);
    }
  }, 120_000);
});

