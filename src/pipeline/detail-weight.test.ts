import { describe, expect, it } from 'vitest';
import { maxAbsDifference } from '../core/raster/metrics.ts';
import { dhakaScene, hasData, readShippedWeights } from '../test-support/data.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { dmsMethod } from './baselines/dms.ts';
import { fitDetailAlpha, fitDetailMix, fitDetailWeight, withDetailMix, withDetailWeight } from './detail-weight.ts';
import { detailWeightMessage } from './do-no-harm.ts';
import { runDownscale } from './downscale.ts';
import { createSrdaMethod } from './methods/srda.ts';

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

