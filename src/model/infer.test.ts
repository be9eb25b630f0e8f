import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend.ts';
import { runSrda, runSrdaStage, srdaHaloCoarsePx } from './infer.ts';
import { buildInputWindow, buildNetworkInputs, LST_SCALE_K, presentChannels } from './inputs.ts';
import { inferSrda, INPUT_CHANNELS, outputChannels, receptiveRadius, SIGMA_FLOOR } from './srda-net.ts';
import type { SrdaModel } from './weights.ts';
import { maxAbsDifference } from '../core/raster/metrics.ts';
import { Scratch } from '../core/scratch.ts';
import { sigmaFromRaw } from './sigma-head.ts';
import { abortAfterProgress } from '../test-support/abort.ts';
import { sceneInput, testModel } from './test-inputs.ts';


describe('SRDA-Net inference', () => {
  let model: SrdaModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = testModel();
  });
  afterAll(() => model.dispose());

  it('returns the fine grid with NaN under invalid coarse LST and leaks no tensor', async () => {
    const input = sceneInput(30, 26);
    const before = tf.memory().numTensors;
    const out = await runSrda(model, input);
    expect(tf.memory().numTensors).toBe(before);
    expect(out.length).toBe(4 * 30 * 26);
    expect(Number.isNaN(out[2 * 6 * 60 + 2 * 12])).toBe(true);
    const valid = Array.from(out).filter((v) => !Number.isNaN(v));
    expect(valid.length).toBe(4 * (30 * 26 - 24));
    expect(valid.every((v) => Number.isFinite(v) && v > 250 && v < 350)).toBe(true);
  });

  it('gives the same output tiled (with the receptive-field halo) as untiled', async () => {
    const input = sceneInput(44, 38);
    const whole = await runSrda(model, input, { tileCoarsePx: 1000 });
    const tiled = await runSrda(model, input, { tileCoarsePx: 12 });
    expect(maxAbsDifference(whole, tiled)).toBeLessThan(1e-4);
    // Without a halo the seams show: the test can fail.
    const seams = await runSrda(model, input, { tileCoarsePx: 12, haloCoarsePx: 0 });
    expect(maxAbsDifference(whole, seams)).toBeGreaterThan(1e-3);
    expect(srdaHaloCoarsePx(model.config)).toBeGreaterThan(receptiveRadius(model.config));
  });

  it('with a core window runs only that (plus the receptive radius): same values there, NaN around it', async () => {
    const input = sceneInput(44, 38);
    const whole = await runSrda(model, input);
    const core = { col: 9, row: 7, width: 20, height: 17 };
    const part = await runSrda(model, { ...input, core });
    let inside = 0;
    for (let fy = 0; fy < 76; fy++) {
      for (let fx = 0; fx < 88; fx++) {
        const i = fy * 88 + fx;
        const inCore = fx >= 2 * core.col && fx < 2 * (core.col + core.width) && fy >= 2 * core.row && fy < 2 * (core.row + core.height);
        if (!inCore) expect(part[i]).toBeNaN();
        else if (!Number.isNaN(whole[i])) {
          expect(part[i]).toBe(whole[i]);
          inside++;
        }
      }
    }
    expect(inside).toBeGreaterThan(4 * 20 * 17 - 4 * 24);
    await expect(runSrda(model, { ...input, core: { col: 30, row: 0, width: 20, height: 5 } })).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('writes into the caller\'s arrays given as `into`, the same values as in new ones, and ignores one of another size', async () => {
    const input = { ...sceneInput(24, 20), core: { col: 4, row: 3, width: 12, height: 10 } };
    const fresh = (await runSrdaStage(model, input)).lstK;
    const into = new Float32Array(4 * 24 * 20).fill(123);
    const before = tf.memory().numTensors;
    const out = (await runSrdaStage(model, { ...input, into: { lstK: into } })).lstK;
    expect(tf.memory().numTensors).toBe(before);
    expect(out).toBe(into);
    // NaN outside the core as in a new array, not what the buffer held.
    expect(out.every((v, i) => Object.is(v, fresh[i]))).toBe(true);
    expect(fresh.some((v) => v === v) && fresh.some((v) => v !== v)).toBe(true);
    const wrong = new Float32Array(10);
    expect((await runSrdaStage(model, { ...input, into: { lstK: wrong } })).lstK).not.toBe(wrong);
  });

  it('leaves absent layers out of the head convolution with the same result as feeding their zero channels', async () => {
    const input = sceneInput(22, 18);
    const out = await runSrda(model, input);
    // Reference: the full INPUT_CHANNELS window (absent layers as zero channels) through the network.
    const s = buildNetworkInputs(input.coarseLstK, 22, 18, input.fineAux);
    const win = buildInputWindow(s, 0, 18, 0, 22);
    const r = tf.tidy(() => inferSrda(model.config, model.params, tf.tensor4d(win.data, [1, 18, 22, INPUT_CHANNELS]), false));
    const rv = await r.data();
    r.dispose();
    const C = outputChannels(model.config);
    let compared = 0;
    for (let fy = 0; fy < 36; fy++) {
      for (let fx = 0; fx < 44; fx++) {
        if (!s.lstMask[(fy >> 1) * 22 + (fx >> 1)]) continue;
        const want = win.bicubic[fy * 44 + fx] + LST_SCALE_K * rv[((fy >> 1) * 22 + (fx >> 1)) * C + (fy & 1) * 2 + (fx & 1)];
        expect(Math.abs(out[fy * 44 + fx] - want)).toBeLessThan(1e-4);
        compared++;
      }
    }
    expect(compared).toBe(4 * (22 * 18 - 24));
  });

  it('builds in the compact layout exactly the present layers\' channels of the full layout, in presentChannels order', () => {
    const input = sceneInput(22, 18);
    const s = buildNetworkInputs(input.coarseLstK, 22, 18, input.fineAux);
    const full = buildInputWindow(s, 3, 15, 2, 20);
    const keep = presentChannels(['ndvi', 'dem']);
    expect(keep).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 18, 19, 20, 21, 34, 37]);
    const compact = buildInputWindow(s, 3, 15, 2, 20, undefined, true);
    expect([full.channels, compact.channels]).toEqual([INPUT_CHANNELS, keep.length]);
    expect(compact.bicubic).toEqual(full.bicubic);
    const picked = new Float32Array(12 * 18 * keep.length);
    for (let p = 0; p < 12 * 18; p++) keep.forEach((c, k) => (picked[p * keep.length + k] = full.data[p * INPUT_CHANNELS + c]));
    expect(compact.data).toEqual(picked);
    // Dropping a layer (training's channel dropout) leaves it out of the compact layout as well.
    const dropped = buildInputWindow(s, 3, 15, 2, 20, new Set(['dem'] as const), true);
    expect(dropped.channels).toBe(6 + 5);
    expect(dropped.data[6 + 4]).toBeGreaterThan(0); // NDVI's mask, now the 11th channel
  });

  it('skips tiles without valid LST and reports progress per tile', async () => {
    const input = sceneInput(40, 20);
    for (let y = 0; y < 20; y++) for (let x = 20; x < 40; x++) input.coarseLstK[y * 40 + x] = Number.NaN;
    const seen: number[] = [];
    const phrases = new Set<string>();
    const out = await runSrda(model, input, { tileCoarsePx: 20, onProgress: (p) => (seen.push(p.done), phrases.add(`${p.stage} ${p.detail}`)) });
    expect(seen).toEqual([1, 2]);
    // Its own word for its tiles, which the closed-loop check and the CLI print after the method's name (it said 'srda').
    expect([...phrases]).toEqual(['network tile 1/2', 'network tile 2/2']);
    for (let y = 0; y < 40; y++)
      for (let x = 40; x < 80; x++) expect(Number.isNaN(out[y * 80 + x])).toBe(true);
  });

  it('stops after the tile it is on when cancelled mid-run, leaking no tensor', async () => {
    const cancel = abortAfterProgress(2);
    const before = tf.memory().numTensors;
    const run = runSrda(model, sceneInput(30, 26), { tileCoarsePx: 10, ...cancel });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(cancel.seen).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('agrees between the cpu and wasm backends within 1e-3 K', async () => {
    const input = sceneInput(36, 30);
    const cpu = await runSrda(model, input);
    const choice = await selectBackend({ only: 'wasm' });
    expect(choice.backend).toBe('wasm');
    const before = tf.memory().numTensors;
    const wasm = await runSrda(model, input);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    expect(maxAbsDifference(cpu, wasm)).toBeLessThan(1e-3);
  });

  it('on wasm builds the network input in its tensor and reads the output in the heap: the same values as through arrays, neither copy kept', async () => {
    const input = sceneInput(26, 22);
    await selectBackend({ only: 'wasm' });
    try {
      const scratch = new Scratch();
      const before = tf.memory().numTensors;
      const { lstK, sigmaK } = await runSrdaStage(model, { ...input, scratch });
      expect(tf.memory().numTensors).toBe(before);
      // Reference: the window built into an array, copied into a tensor, the output downloaded.
      const ref = new Scratch();
      const s = buildNetworkInputs(input.coarseLstK, 26, 22, input.fineAux, { y0: 0, y1: 22, x0: 0, x1: 26 }, ref);
      const win = buildInputWindow(s, 0, 22, 0, 26, undefined, true, ref);
      const keep = presentChannels(['ndvi', 'dem']);
      const r = tf.tidy(() => inferSrda(model.config, { ...model.inferParams, 'head/w': tf.gather(model.params['head/w'], keep, 2) }, tf.tensor4d(win.data, [1, 22, 26, win.channels]), true));
      const rv = await r.data();
      r.dispose();
      const C = outputChannels(model.config);
      const scale = LST_SCALE_K * (model.meta.sigmaScale ?? 1);
      let compared = 0;
      for (let fy = 0; fy < 44; fy++) {
        for (let fx = 0; fx < 52; fx++) {
          const i = fy * 52 + fx;
          if (!s.lstMask[(fy >> 1) * 26 + (fx >> 1)]) {
            expect(lstK[i]).toBeNaN();
            continue;
          }
          const k = ((fy >> 1) * 26 + (fx >> 1)) * C + (fy & 1) * 2 + (fx & 1);
          expect(lstK[i]).toBe(Math.fround(win.bicubic[i] + LST_SCALE_K * rv[k]));
          expect(sigmaK![i]).toBe(Math.fround(sigmaFromRaw(rv[k + 4], scale, SIGMA_FLOOR)));
          compared++;
        }
      }
      expect(compared).toBe(4 * (26 * 22 - 24));
      // The pool keeps the same work arrays but for the input window (nor a copy of the output).
      expect(scratch.bytes).toBe(ref.bytes - win.data.byteLength);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
