import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend.ts';
import { allocBatch, makePair, orientPair, writePatch } from './patches.ts';
import { SRDA_SIZES } from './srda-net.ts';
import { orientTensor, SrdaTrainer, type TrainBatch } from './train.ts';
import { orientArray, orientWindow, ORIENTATIONS } from '../core/raster/orient.ts';
import { blockMean2 } from './inputs.ts';
import { loadSrdaWeights } from './weights.ts';

/** A fixed closed-loop batch: a fine field with NDVI-driven texture, block-averaged to coarse. */
function fixedBatch(n: number, p: number): TrainBatch {
  const fw = 2 * p + 8;
  const truth = new Float32Array(fw * fw);
  const ndvi = new Float32Array(fw * fw);
  for (let y = 0; y < fw; y++) {
    for (let x = 0; x < fw; x++) {
      const v = 0.5 * Math.sin(x * 1.3) * Math.cos(y * 0.9) + 0.3;
      ndvi[y * fw + x] = v;
      truth[y * fw + x] = 305 - 8 * v + 0.05 * x;
    }
  }
  const w = fw / 2;
  const pair = makePair('fixed', blockMean2(truth, w, w), w, w, truth, { ndvi });
  const batch = allocBatch(n, p);
  for (let b = 0; b < n; b++) writePatch(batch, b, pair, b % 4, (b * 3) % 4);
  return batch;
}

describe('SRDA-Net training', () => {
  beforeAll(async () => {
    await selectBackend({ only: 'wasm' });
  });

  it('trains on wasm with the custom conv gradient: losses finite and decreasing, no leaks', async () => {
    // The physics-constrained loss of models without an uncertainty head (adaptive fusion).
    const trainer = new SrdaTrainer({ ...SRDA_SIZES.tiny, sigma: false }, { seed: 2 });
    const batch = fixedBatch(2, 16);
    const first = await trainer.trainStep(batch, 3e-3); // creates the Adam slots
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 14; i++) last = await trainer.trainStep(batch, 3e-3);
    expect(tf.memory().numTensors).toBe(tensors);
    for (const v of [last.total, last.degradation, last.charbonnier, last.msssim]) expect(Number.isFinite(v)).toBe(true);
    expect(last.charbonnier).toBeLessThan(first.charbonnier * 0.8);
    // The adaptive weights moved away from 1 (the log-variances are trained).
    expect(Math.abs(last.logVars[1])).toBeGreaterThan(0.01);
    const ev = await trainer.evaluateBatch(batch);
    expect(ev.rmseK).toBeLessThan(ev.bicubicRmseK);
    expect(tf.memory().numTensors).toBe(tensors);
    trainer.dispose();
  });

  it('trains the uncertainty head with the Gaussian likelihood: NLL falls, sigma shrinks towards the error, no leaks', async () => {
    const trainer = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 3 });
    const batch = fixedBatch(2, 16);
    const first = await trainer.trainStep(batch, 3e-3);
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 14; i++) last = await trainer.trainStep(batch, 3e-3);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Number.isFinite(last.nll)).toBe(true);
    expect(last.nll).toBeLessThan(first.nll);
    expect(last.sigmaK).toBeLessThan(first.sigmaK);
    const ev = await trainer.evaluateBatch(batch);
    expect(ev.rmseK).toBeLessThan(ev.bicubicRmseK);
    expect(tf.memory().numTensors).toBe(tensors);
    trainer.dispose();
  });

  it('turns a tensor as orientArray turns a grid, in all eight orientations', () => {
    const data = Float32Array.from({ length: 2 * 3 * 5 }, (_, i) => i);
    const x = tf.tensor4d(data, [2, 3, 5, 1]);
    for (let k = 0; k < ORIENTATIONS; k++) {
      const got = orientTensor(x, k);
      const want = [0, 1].flatMap((b) => Array.from(orientArray(data.slice(b * 15, (b + 1) * 15), 5, 3, k)));
      expect(Array.from(got.dataSync()), `orientation ${k}`).toEqual(want);
      if (got !== x) got.dispose(); // orientation 0 gives x itself
    }
    x.dispose();
  });

  it('adds the orientation-consistency term on batches with a twin: finite, it falls with training, no leaks; weight 0 ignores the twin', async () => {
    const batch = fixedBatch(2, 16);
    // The twin: each patch turned by one orientation (fine fields turned as grids; the input by the sampler in training).
    const k = 5;
    const twin = fixedBatch(2, 16);
    const fp = 32;
    for (let b = 0; b < 2; b++) {
      for (const key of ['truthN', 'bicubicN', 'fineMask'] as const) twin[key].set(orientArray(batch[key].slice(b * fp * fp, (b + 1) * fp * fp), fp, fp, k), b * fp * fp);
    }
    const plain = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5 });
    const ignored = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5 });
    const a = await plain.trainStep(batch, 3e-3);
    const b = await ignored.trainStep({ ...batch, twin: { batch: twin, orientation: k } }, 3e-3);
    expect(b.total).toBe(a.total);
    expect(b.consistency).toBe(0);
    plain.dispose();
    ignored.dispose();

    const trainer = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5, consistency: 1 });
    const withTwin = { ...batch, twin: { batch: twin, orientation: k } };
    const first = await trainer.trainStep(withTwin, 3e-3);
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 14; i++) last = await trainer.trainStep(withTwin, 3e-3);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Number.isFinite(first.consistency)).toBe(true);
    expect(first.consistency).toBeGreaterThan(0);
    expect(last.consistency).toBeLessThan(first.consistency);
    trainer.dispose();
  });

  it("distils a teacher's eight-orientation ensemble on batches with views: at weight 1 the truth plays no part, the loss falls, no leaks; without views the teacher is ignored", async () => {
    const fw = 48;
    const truth = new Float32Array(fw * fw);
    const ndvi = new Float32Array(fw * fw);
    for (let i = 0; i < fw * fw; i++) {
      const x = i % fw;
      const y = Math.floor(i / fw);
      ndvi[i] = 0.5 * Math.sin(x * 1.3 + 0.4 * y) * Math.cos(y * 0.9) + 0.3;
      truth[i] = 305 - 8 * ndvi[i] + 0.07 * x - 0.03 * y;
    }
    const pair = makePair('views', blockMean2(truth, fw / 2, fw / 2), fw / 2, fw / 2, truth, { ndvi });
    // Two patches and their seven other views, as the sampler's `views` draws them.
    const at = [
      [2, 5],
      [7, 1],
    ];
    const write = (k: number): TrainBatch => {
      const b = allocBatch(2, 16);
      const turned = orientPair(pair, k);
      at.forEach(([y0, x0], i) => {
        const win = orientWindow({ col: x0, row: y0, width: 16, height: 16 }, pair.w, pair.h, k);
        writePatch(b, i, turned, win.row, win.col);
      });
      return b;
    };
    const batch: TrainBatch = { ...write(0), views: Array.from({ length: ORIENTATIONS - 1 }, (_, i) => ({ batch: write(i + 1), orientation: i + 1 })) };
    const source = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 9 });
    for (let i = 0; i < 3; i++) await source.trainStep(batch, 3e-3);
    const exported = await source.exportWeights('tiny');
    source.dispose();
    const teacher = await loadSrdaWeights(exported);

    // Without views there is no ensemble: the step is the plain one.
    const plain = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5 });
    const ignoring = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5, teacher: { model: teacher, weight: 1 } });
    const noViews = { ...batch, views: undefined };
    expect((await ignoring.trainStep(noViews, 3e-3)).total).toBe((await plain.trainStep(noViews, 3e-3)).total);
    plain.dispose();
    ignoring.dispose();

    // At weight 1 the target is the ensemble: another truth gives the same likelihood.
    const other = { ...batch, truthN: batch.truthN.map((v) => v + 0.3) };
    const a = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5, teacher: { model: teacher, weight: 1 } });
    const b = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5, teacher: { model: teacher, weight: 1 } });
    const first = await a.trainStep(batch, 3e-3);
    expect((await b.trainStep(other, 3e-3)).nll).toBeCloseTo(first.nll, 5);
    // ...whereas half-way the truth counts.
    const half = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5, teacher: { model: teacher, weight: 0.5 } });
    const halfOther = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5, teacher: { model: teacher, weight: 0.5 } });
    expect(Math.abs((await half.trainStep(batch, 3e-3)).nll - (await halfOther.trainStep(other, 3e-3)).nll)).toBeGreaterThan(1e-3);
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 12; i++) last = await a.trainStep(batch, 3e-3);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Number.isFinite(last.nll)).toBe(true);
    expect(last.nll).toBeLessThan(first.nll);
    for (const t of [a, b, half, halfOther]) t.dispose();
    teacher.dispose();
  });

  it('resumes from a checkpoint with identical weights and optimiser state', async () => {
    const batch = fixedBatch(2, 16);
    const a = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 5 });
    for (let i = 0; i < 3; i++) await a.trainStep(batch, 1e-3);
    const ckpt = await a.exportCheckpoint('tiny');
    const b = new SrdaTrainer(SRDA_SIZES.tiny, { seed: 6 });
    expect(await b.restoreCheckpoint(ckpt.modelJson, ckpt.weightData)).toBe(3);
    const la = await a.trainStep(batch, 1e-3);
    const lb = await b.trainStep(batch, 1e-3);
    expect(lb.total).toBeCloseTo(la.total, 5);
    expect(lb.charbonnier).toBeCloseTo(la.charbonnier, 6);
    a.dispose();
    b.dispose();
  });

  it('grows a checkpoint by a residual block: same output, and the first step moves every old weight exactly as the ungrown trainer does', async () => {
    const batch = fixedBatch(2, 16);
    const a = new SrdaTrainer({ ...SRDA_SIZES.tiny, blocks: 1 }, { seed: 7 });
    for (let i = 0; i < 3; i++) await a.trainStep(batch, 1e-3);
    const ckpt = await a.exportCheckpoint('custom');
    const same = await SrdaTrainer.fromCheckpoint(ckpt.modelJson, ckpt.weightData);
    const grown = await SrdaTrainer.fromCheckpoint(ckpt.modelJson, ckpt.weightData, { growBlocks: 2, seed: 3 });
    expect(grown.config.blocks).toBe(2);
    expect(grown.step).toBe(3);
    expect(Object.keys(grown.params)).toEqual(expect.arrayContaining(['block1_a/w', 'block1_b/w']));
    const before = await same.evaluateBatch(batch);
    expect((await grown.evaluateBatch(batch)).rmseK).toBeCloseTo(before.rmseK, 6);
    const tensors = tf.memory().numTensors;
    // The new block's second convolution is zero, so the old weights get the same gradients; with the
    // Adam moments at the right positions they take the same step (misplaced moments would not).
    await same.trainStep(batch, 1e-3);
    await grown.trainStep(batch, 1e-3);
    for (const [k, v] of Object.entries(same.params)) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(v, grown.params[k]))).dataSync()[0]);
      expect(d, k).toBeLessThan(1e-6);
    }
    // The new block starts learning.
    expect(tf.tidy(() => tf.max(tf.abs(grown.params['block1_b/w'])).dataSync()[0])).toBeGreaterThan(0);
    const next = await grown.exportCheckpoint('custom');
    expect(next.modelJson.config.blocks).toBe(2);
    const resumed = await SrdaTrainer.fromCheckpoint(next.modelJson, next.weightData, { growBlocks: 2 });
    expect(resumed.config.blocks).toBe(2);
    expect(tf.memory().numTensors).toBeGreaterThan(tensors); // the grown trainer made its Adam slots
    for (const t of [a, same, grown, resumed]) t.dispose();
  });
});
