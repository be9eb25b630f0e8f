import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../core/random.ts';
import { throwIfAborted, yieldToEventLoop, type RunOptions } from '../core/progress.ts';
import { blockMean2, type FineAux } from './inputs.ts';
import { allocBatch, makePair, writePatch } from './patches.ts';
import { MODEL_AUX } from './srda-net.ts';
import { SrdaTrainer } from './train.ts';
import { createSrdaModel, type SrdaModel } from './weights.ts';

/** Options of per-scene fine-tuning. */
export interface FinetuneOptions extends RunOptions {
  steps: number;
  /** Patches per step (default 4) of `patchPx` coarse pixels of the loop (default 24). */
  batch?: number;
  patchPx?: number;
  /** Adam learning rate (default 5e-5: small, the pretrained weights are a good start). */
  lr?: number;
  seed?: number;
}

/** What fine-tuning did: steps, time, and the Charbonnier loss (normalised) over the first/last 10% of steps. */
export interface FinetuneReport {
  steps: number;
  seconds: number;
  lossStart: number;
  lossEnd: number;
  /** Closed-loop RMSE (K) on held-out blocks of the scene (never fitted), before and after. */
  rmseBeforeK: number;
  rmseAfterK: number;
  /** False when fine-tuning did not lower that RMSE: the pretrained weights are kept. */
  kept: boolean;
}

/**
 * Fine-tunes SRDA-Net on the user's own scene in closed loop at the coarse scale (the paper's
 * training scheme): the stage's coarse LST (`width` x `height`, K) is the truth, its 2x2 block
 * mean the input, and the auxiliary layers aggregated to the coarse grid are the guides. Returns
 * a new model (the caller owns it and the original). Progress `{stage: 'fine-tune'}` per step;
 * `signal` cancels between steps.
 */
export async function finetuneSrda(
  model: SrdaModel,
  scene: { width: number; height: number; lstK: Float32Array; aux: FineAux },
  options: FinetuneOptions,
): Promise<{ model: SrdaModel; report: FinetuneReport }> {
  const w = Math.floor(scene.width / 2);
  const h = Math.floor(scene.height / 2);
  const crop = (a: Float32Array): Float32Array => {
    const out = new Float32Array(4 * w * h);
    for (let y = 0; y < 2 * h; y++) out.set(a.subarray(y * scene.width, y * scene.width + 2 * w), y * 2 * w);
    return out;
  };
  const truth = crop(scene.lstK);
  const aux: FineAux = {};
  for (const k of MODEL_AUX) if (scene.aux[k]) aux[k] = crop(scene.aux[k]!);
  const coarse = blockMean2(truth, w, h);
  // A coarse pixel of the loop must be fully observed, like a real coarse measurement.
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const q = [truth[2 * y * 2 * w + 2 * x], truth[2 * y * 2 * w + 2 * x + 1], truth[(2 * y + 1) * 2 * w + 2 * x], truth[(2 * y + 1) * 2 * w + 2 * x + 1]];
      if (q.some(Number.isNaN)) coarse[y * w + x] = Number.NaN;
    }
  }
  // Hold out a checkerboard of 4x4-coarse-pixel blocks of the truth: fine-tuning fits the other
  // blocks, and its weights are kept only if the held-out blocks improve (no overfit to the loop).
  const truthFit = truth.slice();
  const truthVal = truth.slice();
  for (let fy = 0; fy < 2 * h; fy++) {
    for (let fx = 0; fx < 2 * w; fx++) {
      const held = ((fy >> 3) + (fx >> 3)) % 2 === 1;
      (held ? truthFit : truthVal)[fy * 2 * w + fx] = Number.NaN;
    }
  }
  const pair = makePair('scene', coarse, w, h, truthFit, aux);
  const valPair = { ...pair, truthK: truthVal };
  const p = Math.min(options.patchPx ?? 24, Math.max(16, 4 * Math.floor(Math.min(w, h) / 4)));
  const n = options.batch ?? 4;
  const rng = new Rng(options.seed ?? 7);
  const draw = (src = pair) => {
    const b = allocBatch(n, p);
    for (let i = 0; i < n; i++) {
      const y0 = h >= p ? rng.int(0, h - p) : -rng.int(0, p - h);
      const x0 = w >= p ? rng.int(0, w - p) : -rng.int(0, p - w);
      writePatch(b, i, src, y0, x0);
    }
    return b;
  };
  const evalBatch = draw(valPair);
  const trainer = SrdaTrainer.fromModel(model, options.seed ?? 7);
  const t0 = Date.now();
  const losses: number[] = [];
  try {
    const before = await trainer.evaluateBatch(evalBatch);
    for (let s = 0; s < options.steps; s++) {
      throwIfAborted(options.signal);
      const l = await trainer.trainStep(draw(), options.lr ?? 5e-5);
      losses.push(l.charbonnier);
      options.onProgress?.({ stage: 'fine-tune', done: s + 1, total: options.steps, detail: `charbonnier ${l.charbonnier.toFixed(4)}` });
      if (s % 10 === 9) await yieldToEventLoop();
    }
    const after = await trainer.evaluateBatch(evalBatch);
    const k = Math.max(1, Math.round(losses.length / 10));
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
    // Keep the tuned weights only if the held-out blocks of the scene's closed loop improve.
    const kept = after.rmseK < before.rmseK;
    const src = kept ? trainer.params : model.params;
    const params = tf.tidy(() => Object.fromEntries(Object.entries(src).map(([key, v]) => [key, v.clone()])));
    return {
      model: createSrdaModel(model.config, model.size, params, model.meta),
      report: {
        steps: options.steps,
        seconds: (Date.now() - t0) / 1000,
        lossStart: mean(losses.slice(0, k)),
        lossEnd: mean(losses.slice(-k)),
        rmseBeforeK: before.rmseK,
        rmseAfterK: after.rmseK,
        kept,
      },
    };
  } finally {
    trainer.dispose();
  }
}
