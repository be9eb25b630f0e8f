import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { maxAbsDifference } from '../core/raster/metrics.ts';
import { inverseOrientation, orientArray, orientedSize } from '../core/raster/orient.ts';
import { createSrdaRunner, type SrdaRunner } from './runner.ts';
import { initParams, SRDA_SIZES } from './srda-net.ts';
import { encodeSrdaWeights, type SrdaWeightsSource } from './weights.ts';

function stage(w: number, h: number) {
  const coarseLstK = new Float32Array(w * h).map((_, i) => 300 + 3 * Math.sin(i / 5) + (i % 7) * 0.2);
  coarseLstK[3] = Number.NaN;
  const ndvi = new Float32Array(4 * w * h).map((_, i) => 0.3 + 0.3 * Math.sin(i * 0.37));
  return { width: w, height: h, coarseLstK, fineAux: { ndvi } };
}

/**
 * Makes the active backend's next read-back fail with `error` (a lost GPU device reads as in
 * tfjs-webgpu): `read`, and on wasm its heap views (`typedArrayFromHeap`, through which the runner
 * writes a tile's input and reads its output).
 */
function failNextRead(error = new Error('GPUBuffer.mapAsync failed: the device was lost (test)')): void {
  const backend = tf.backend() as unknown as { read: (...a: unknown[]) => Promise<unknown>; typedArrayFromHeap?: (...a: unknown[]) => unknown };
  const { read, typedArrayFromHeap: fromHeap } = backend;
  const restore = (): void => {
    backend.read = read;
    if (fromHeap) backend.typedArrayFromHeap = fromHeap;
  };
  backend.read = () => {
    restore();
    return Promise.reject(error);
  };
  if (fromHeap)
    backend.typedArrayFromHeap = () => {
      restore();
      throw error;
    };
}

describe('createSrdaRunner', () => {
  let weights: SrdaWeightsSource;
  let runner: SrdaRunner;
  let baseline: number;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const params = initParams(SRDA_SIZES.tiny, 5);
    // A non-trivial output layer, so that predictions depend on the weights.
    params['out/w'].assign(tf.randomNormal(params['out/w'].shape, 0, 0.2, 'float32', 6));
    weights = await encodeSrdaWeights(SRDA_SIZES.tiny, 'tiny', params);
    Object.values(params).forEach((v) => v.dispose());
    baseline = tf.memory().numTensors;
    runner = await createSrdaRunner(weights, { backend: 'wasm', tileCoarsePx: 12 });
  });
  afterAll(() => runner.dispose());

  it('starts the asked backend and predicts a stage and its sigma as typed arrays, leaking no tensor per call', async () => {
    expect(runner.backend.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(runner.hasSigma).toBe(true);
    const before = tf.memory().numTensors;
    const out = await runner.predict(stage(30, 20));
    expect(tf.memory().numTensors).toBe(before);
    expect(out.lstK).toBeInstanceOf(Float32Array);
    expect(out.lstK.length).toBe(4 * 30 * 20);
    expect(out.sigmaK?.length).toBe(4 * 30 * 20);
    // NaN exactly under the invalid coarse pixel (row 0, column 3), in both layers.
    expect(Number.isNaN(out.lstK[6])).toBe(true);
    expect(Number.isNaN(out.sigmaK![6])).toBe(true);
    const valid = Array.from(out.lstK.keys()).filter((i) => i !== 6 && i !== 7 && i !== 66 && i !== 67);
    expect(valid.every((i) => Number.isFinite(out.lstK[i]) && out.sigmaK![i] > 0)).toBe(true);
  });

  it('stops a prediction mid-run (after its first tile) and leaks nothing', async () => {
    const ac = new AbortController();
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const run = runner.predict(stage(40, 40), {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.done);
        if (p.done === 1) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toEqual([1]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops fine-tuning mid-run, keeps the pretrained weights and leaks nothing', async () => {
    const s = stage(32, 32);
    const pretrained = (await runner.predict(s)).lstK;
    const ac = new AbortController();
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const run = runner.finetune(
      { width: 32, height: 32, lstK: s.coarseLstK, aux: {} },
      { steps: 6, signal: ac.signal, onProgress: (p) => (seen.push(p.done), p.done === 2 && ac.abort()) },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    expect(runner.finetuneReport).toBeUndefined();
    expect(maxAbsDifference(pretrained, (await runner.predict(s)).lstK)).toBe(0);
  });

  it('fine-tunes, reports whether the tuned weights were kept, and releases the weights it replaced', async () => {
    const before = tf.memory().numTensors;
    const s = stage(32, 32);
    const report = await runner.finetune({ width: 32, height: 32, lstK: s.coarseLstK, aux: {} }, { steps: 3 });
    expect(runner.finetuneReport).toBe(report);
    expect(report.kept).toBe(report.rmseAfterK < report.rmseBeforeK);
    expect(tf.memory().numTensors).toBe(before);
    // Fine-tuning is no backend trouble: nothing to tell the user beyond the report.
    expect(runner.notices).toEqual([]);
  });

  it('moves to the next backend when the device is lost mid-run, with the same output and no leak', async () => {
    await tf.setBackend('cpu');
    const onCpu = await createSrdaRunner(weights, { backend: 'cpu', fallbackBackends: ['wasm'] });
    const onWasm = await createSrdaRunner(weights, { backend: 'wasm' });
    try {
      await tf.setBackend('cpu');
      const s = stage(24, 20);
      const before = tf.memory().numTensors;
      failNextRead();
      const out = await onCpu.predict(s);
      expect(tf.getBackend()).toBe('wasm');
      expect(onCpu.backend.name).toBe('wasm');
      expect(onCpu.backend.skipped).toEqual([{ backend: 'cpu', reason: expect.stringMatching(/^device lost: GPUBuffer/) }]);
      expect(onCpu.notices).toEqual([expect.stringMatching(/the cpu backend failed \(device lost: .*\); continued on wasm\.$/)]);
      expect(onCpu.backend.fallbackReason).toBe(onCpu.notices[0]);
      // The weights moved: the cpu copy released, a wasm copy loaded (same count), nothing else left.
      expect(tf.memory().numTensors).toBe(before);
      expect(maxAbsDifference(out.lstK, (await onWasm.predict(s)).lstK)).toBeLessThan(1e-3);
    } finally {
      onCpu.dispose();
      onWasm.dispose();
    }
  });

  it('does not move on failures that are not the backend\'s (a bug stays a bug)', async () => {
    const before = tf.memory().numTensors;
    await tf.setBackend('wasm');
    failNextRead(new TypeError("Cannot read properties of undefined (reading 'data')"));
    await expect(runner.predict(stage(10, 10))).rejects.toThrow(TypeError);
    expect(runner.notices).toEqual([]);
    expect(runner.backend.name).toBe('wasm');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with orientations 8 predicts the mean of its own single passes on the eight oriented inputs, turned back', async () => {
    // Both on wasm (an earlier test may have moved `runner` to another backend).
    const eight = await createSrdaRunner(weights, { backend: 'wasm', tileCoarsePx: 12, orientations: 8 });
    const single = await createSrdaRunner(weights, { backend: 'wasm', tileCoarsePx: 12, orientations: 1 });
    try {
      expect(eight.orientations).toBe(8);
      expect(single.orientations).toBe(1);
      const input = stage(30, 20);
      const n = 4 * 30 * 20;
      const before = tf.memory().numTensors;
      const ens = await eight.predict(input);
      expect(tf.memory().numTensors).toBe(before);
      const sum = new Float32Array(n);
      const sumSq = new Float32Array(n);
      for (let k = 0; k < 8; k++) {
        const o = orientedSize(30, 20, k);
        const one = await single.predict({ width: o.w, height: o.h, coarseLstK: orientArray(input.coarseLstK, 30, 20, k), fineAux: { ndvi: orientArray(input.fineAux.ndvi, 60, 40, k) } });
        const lst = orientArray(one.lstK, 2 * o.w, 2 * o.h, inverseOrientation(k));
        const sigma = orientArray(one.sigmaK!, 2 * o.w, 2 * o.h, inverseOrientation(k));
        for (let i = 0; i < n; i++) {
          sum[i] += lst[i];
          sumSq[i] += sigma[i] * sigma[i];
        }
      }
      expect(ens.lstK).toEqual(sum.map((v) => v / 8));
      expect(ens.sigmaK).toEqual(sumSq.map((v) => Math.sqrt(v / 8)));
      expect(maxAbsDifference(ens.lstK, (await single.predict(input)).lstK)).toBeGreaterThan(1e-3);
    } finally {
      eight.dispose();
      single.dispose();
    }
  });

  it('refuses orientations other than 1, 2 or 8 before starting anything', async () => {
    const before = tf.memory().numTensors;
    for (const orientations of [3, 0, 7.5]) await expect(createSrdaRunner(weights, { backend: 'wasm', orientations })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('releases every tensor it owns on dispose, and refuses calls afterwards', async () => {
    const other = await createSrdaRunner(weights, { backend: 'wasm' });
    expect(tf.memory().numTensors).toBeGreaterThan(baseline + 1);
    runner.dispose();
    other.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    await expect(other.predict(stage(8, 8))).rejects.toThrow(/after dispose/);
  });

  it('stops while starting when cancelled, keeping no weights', async () => {
    const ac = new AbortController();
    const before = tf.memory().numTensors;
    const start = createSrdaRunner(weights, {
      backend: 'wasm',
      signal: ac.signal,
      onProgress: (p) => p.detail === 'weights' && ac.abort(),
    });
    await expect(start).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
