import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { checkOrientations, runSrdaStage, type SrdaStageInput } from './infer.ts';
import type { FineAux } from './inputs.ts';
import type { SrdaModel } from './weights.ts';
import { DEFAULT_ORIENTATIONS, inverseOrientation, orientArray, orientedSize } from '../core/raster/orient.ts';
import { maxAbsDifference } from '../core/raster/metrics.ts';
import { Scratch } from '../core/scratch.ts';
import { abortAfterProgress } from '../test-support/abort.ts';
import { sceneInput, testModel } from './test-inputs.ts';

/** `input` in orientation `k`: coarse LST and fine guides oriented alike. */
function oriented(input: SrdaStageInput, k: number): SrdaStageInput {
  const { width: w, height: h } = input;
  const fineAux: FineAux = {};
  for (const [name, a] of Object.entries(input.fineAux) as [keyof FineAux, Float32Array][]) fineAux[name] = orientArray(a, 2 * w, 2 * h, k);
  const o = orientedSize(w, h, k);
  return { width: o.w, height: o.h, coarseLstK: orientArray(input.coarseLstK, w, h, k), fineAux };
}

describe('SRDA-Net over eight orientations', () => {
  let model: SrdaModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = testModel();
  });
  afterAll(() => model.dispose());

  it('equals the mean of eight single passes on the oriented input, oriented back (sigma: root of the mean of sigma^2)', async () => {
    const input = sceneInput(30, 26, { asymmetric: true });
    const n = 4 * 30 * 26;
    const before = tf.memory().numTensors;
    const ens = await runSrdaStage(model, input, { orientations: 8 });
    expect(tf.memory().numTensors).toBe(before);
    // By hand: each orientation's single pass, oriented back with the inverse orientation, summed in float32 in order.
    const sum = new Float32Array(n);
    const sumSq = new Float32Array(n);
    for (let k = 0; k < 8; k++) {
      const o = oriented(input, k);
      const one = await runSrdaStage(model, o);
      const lst = orientArray(one.lstK, 2 * o.width, 2 * o.height, inverseOrientation(k));
      const sigma = orientArray(one.sigmaK!, 2 * o.width, 2 * o.height, inverseOrientation(k));
      for (let i = 0; i < n; i++) {
        sum[i] += lst[i];
        sumSq[i] += sigma[i] * sigma[i];
      }
    }
    let valid = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(sum[i])) {
        expect(ens.lstK[i]).toBeNaN();
        expect(ens.sigmaK![i]).toBeNaN();
        continue;
      }
      expect(ens.lstK[i]).toBe(Math.fround(sum[i] / 8));
      expect(ens.sigmaK![i]).toBe(Math.fround(Math.sqrt(sumSq[i] / 8)));
      valid++;
    }
    expect(valid).toBe(4 * (30 * 26 - 24));
    // And it is not one pass: the orientations disagree by more than rounding.
    const single = await runSrdaStage(model, input);
    expect(maxAbsDifference(single.lstK, ens.lstK)).toBeGreaterThan(1e-3);
  });

  it('is equivariant: the ensemble of an oriented input is the oriented ensemble', async () => {
    const input = sceneInput(24, 20, { asymmetric: true });
    const ens = await runSrdaStage(model, input, { orientations: 8 });
    for (const k of [3, 6]) {
      const o = oriented(input, k);
      const ensO = await runSrdaStage(model, o, { orientations: 8 });
      const expected = orientArray(ens.lstK, 48, 40, k);
      expect(maxAbsDifference(ensO.lstK, expected)).toBeLessThan(1e-4);
      expect(maxAbsDifference(ensO.sigmaK!, orientArray(ens.sigmaK!, 48, 40, k))).toBeLessThan(1e-4);
    }
  });

  it('gives the same output tiled (each orientation\'s tiles with their halo) as untiled, with and without a core window', async () => {
    const input = sceneInput(44, 38, { asymmetric: true });
    const whole = await runSrdaStage(model, input, { tileCoarsePx: 1000, orientations: 8 });
    const tiled = await runSrdaStage(model, input, { tileCoarsePx: 12, orientations: 8 });
    expect(maxAbsDifference(whole.lstK, tiled.lstK)).toBeLessThan(1e-4);
    expect(maxAbsDifference(whole.sigmaK!, tiled.sigmaK!)).toBeLessThan(1e-4);
    // Without a halo the seams show: the test can fail.
    const seams = await runSrdaStage(model, input, { tileCoarsePx: 12, haloCoarsePx: 0, orientations: 8 });
    expect(maxAbsDifference(whole.lstK, seams.lstK)).toBeGreaterThan(1e-3);
    // A core window off-centre (each orientation moves it elsewhere in its grid): the same values there, NaN around it.
    const core = { col: 5, row: 9, width: 23, height: 14 };
    const part = await runSrdaStage(model, { ...input, core }, { tileCoarsePx: 10, orientations: 8 });
    let inside = 0;
    for (let fy = 0; fy < 76; fy++) {
      for (let fx = 0; fx < 88; fx++) {
        const i = fy * 88 + fx;
        const inCore = fx >= 2 * core.col && fx < 2 * (core.col + core.width) && fy >= 2 * core.row && fy < 2 * (core.row + core.height);
        if (!inCore) expect(part.lstK[i]).toBeNaN();
        else if (!Number.isNaN(whole.lstK[i])) {
          expect(Math.abs(part.lstK[i] - whole.lstK[i])).toBeLessThan(1e-4);
          inside++;
        }
      }
    }
    expect(inside).toBeGreaterThan(4 * 23 * 14 - 4 * 24);
  });

  it('with orientations 1 is the single pass, bit for bit', async () => {
    const input = sceneInput(30, 26, { asymmetric: true });
    const a = await runSrdaStage(model, input);
    const b = await runSrdaStage(model, input, { orientations: 1 });
    expect(b.lstK).toEqual(a.lstK);
    expect(b.sigmaK).toEqual(a.sigmaK);
  });

  it('writes into the caller\'s arrays and a scratch pool with the same values as without', async () => {
    const input = sceneInput(30, 26, { asymmetric: true });
    const plain = await runSrdaStage(model, input, { orientations: 8 });
    const into = { lstK: new Float32Array(4 * 30 * 26), sigmaK: new Float32Array(4 * 30 * 26) };
    const scratch = new Scratch();
    for (let r = 0; r < 2; r++) {
      const out = await runSrdaStage(model, { ...input, into, scratch }, { orientations: 8 });
      expect(out.lstK).toBe(into.lstK);
      expect(out.sigmaK).toBe(into.sigmaK);
      expect(out.lstK).toEqual(plain.lstK);
      expect(out.sigmaK).toEqual(plain.sigmaK);
    }
  });

  it('reports progress over all eight passes and stops when cancelled mid-run, leaking no tensor', async () => {
    const seen: { done: number; total: number }[] = [];
    await runSrdaStage(model, sceneInput(30, 26, { asymmetric: true }), { tileCoarsePx: 15, orientations: 8, onProgress: (p) => seen.push({ done: p.done, total: p.total }) });
    // 2 x 2 tiles per orientation, whichever way the grid is turned.
    expect(seen.map((p) => p.done)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(seen.every((p) => p.total === 32)).toBe(true);
    const cancel = abortAfterProgress(6);
    const before = tf.memory().numTensors;
    await expect(runSrdaStage(model, sceneInput(30, 26, { asymmetric: true }), { tileCoarsePx: 15, orientations: 8, ...cancel })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(cancel.seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses any other number of orientations with BAD_ARGUMENT naming 1, 2 and 8', async () => {
    for (const n of [0, 3, 4, 1.5, Number.NaN, -8, 16]) {
      expect(() => checkOrientations(n)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: `SRDA-Net orientations must be 1, 2 or 8, not ${String(n)}.` }));
      await expect(runSrdaStage(model, sceneInput(20, 20, { asymmetric: true }), { orientations: n })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    }
    // Absent: the app's and the CLI's default, whatever it is.
    expect(checkOrientations(undefined)).toBe(DEFAULT_ORIENTATIONS);
    expect(checkOrientations(2)).toBe(2);
    expect(checkOrientations(8)).toBe(8);
  });
});

describe('SRDA-Net over two orientations (the identity and the 180-degree rotation)', () => {
  let model: SrdaModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = testModel();
  });
  afterAll(() => model.dispose());

  it('equals the mean of the identity pass and the 180-degree pass rotated back (sigma: root of the mean of sigma^2)', async () => {
    const input = sceneInput(30, 26, { asymmetric: true });
    const n = 4 * 30 * 26;
    const before = tf.memory().numTensors;
    const ens = await runSrdaStage(model, input, { orientations: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const id = await runSrdaStage(model, input);
    const turned = await runSrdaStage(model, oriented(input, 3));
    // Rotating by 180 degrees is its own inverse: mirror both axes again. Summed in float32 in order, as the ensemble does.
    const lstBack = orientArray(turned.lstK, 60, 52, 3);
    const sigmaBack = orientArray(turned.sigmaK!, 60, 52, 3);
    let valid = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(id.lstK[i])) {
        expect(ens.lstK[i]).toBeNaN();
        continue;
      }
      expect(ens.lstK[i]).toBe(Math.fround(Math.fround(id.lstK[i] + lstBack[i]) / 2));
      expect(ens.sigmaK![i]).toBe(Math.fround(Math.sqrt(Math.fround(Math.fround(id.sigmaK![i] * id.sigmaK![i]) + sigmaBack[i] * sigmaBack[i]) / 2)));
      valid++;
    }
    expect(valid).toBe(4 * (30 * 26 - 24));
    expect(maxAbsDifference(id.lstK, ens.lstK)).toBeGreaterThan(1e-3);
    expect(maxAbsDifference(ens.lstK, (await runSrdaStage(model, input, { orientations: 8 })).lstK)).toBeGreaterThan(1e-4);
  });

  it('gives the same output tiled as untiled, and reports progress as orientation i/2', async () => {
    const input = sceneInput(44, 38, { asymmetric: true });
    const whole = await runSrdaStage(model, input, { tileCoarsePx: 1000, orientations: 2 });
    const details: string[] = [];
    const seen: { done: number; total: number }[] = [];
    const tiled = await runSrdaStage(model, input, {
      tileCoarsePx: 12,
      orientations: 2,
      onProgress: (p) => {
        seen.push({ done: p.done, total: p.total });
        details.push(p.detail ?? '');
      },
    });
    expect(maxAbsDifference(whole.lstK, tiled.lstK)).toBeLessThan(1e-4);
    expect(maxAbsDifference(whole.sigmaK!, tiled.sigmaK!)).toBeLessThan(1e-4);
    // 4 x 4 tiles per orientation.
    expect(seen.map((p) => p.done)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(seen.every((p) => p.total === 32)).toBe(true);
    expect(details[0]).toMatch(/^orientation 1\/2, /);
    expect(details[31]).toMatch(/^orientation 2\/2, /);
  });
});
