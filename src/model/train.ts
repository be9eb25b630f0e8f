import * as tf from '@tensorflow/tfjs-core';
// Training needs what tfjs-core alone does not register: the op gradients and the chained tensor
// methods (x.reshape(), x.mul()) that the loss and gradient code use ("x.reshape is not a function"
// without them). The @tensorflow/tfjs package registers both on the same tfjs-core, in Node (its
// bundle) and in the app (its ES modules). Only training loads this module (the runner imports
// fine-tuning on first use), so inference workers stay on tfjs-core.
import '@tensorflow/tfjs';
import { forwardSrda, inferSrda, initParams, INPUT_CHANNELS, OUTPUT_CHANNELS, SIGMA_FLOOR, type SrdaConfig } from './srda-net.ts';
import { adaptiveFusion, charbonnierLoss, constantOf, degradationLoss, gaussianNll, msssimLoss } from './losses.ts';
import { inverseOrientation } from '../core/raster/orient.ts';
import { LST_SCALE_K } from './inputs.ts';
import { decodeSrdaTensors, encodeSrdaWeights, type SrdaModel, type SrdaModelJson } from './weights.ts';
import { growResidualBlocks } from './grow.ts';

/**
 * One training batch of closed-loop patches, all normalised (LST in units of LST_SCALE_K relative
 * to each coarse pixel's local mean). Coarse patch `h` x `w`, fine `2h` x `2w`, `n` patches.
 */
export interface TrainBatch {
  n: number;
  h: number;
  w: number;
  /** Network input [n, h, w, INPUT_CHANNELS]; channel 0 = coarse LST, 1 = its mask. */
  input: Float32Array;
  /** Bicubic upsample, normalised, [n, 2h, 2w]. */
  bicubicN: Float32Array;
  /** Fine truth, normalised, [n, 2h, 2w] (any value where `fineMask` is 0). */
  truthN: Float32Array;
  /** 1 where the fine truth is valid, [n, 2h, 2w]. */
  fineMask: Float32Array;
  /**
   * The same patches turned by one orientation (`orientation`, core/raster/orient.ts), for the
   * consistency term: patch b of `batch` is patch b of this batch in that orientation.
   */
  twin?: { batch: TrainBatch; orientation: number };
  /**
   * The same patches in each other orientation (sampler `views`), for a teacher's orientation
   * ensemble (`SrdaTrainer` `teacher`): patch b of view j is patch b of this batch turned by j.
   */
  views?: { batch: TrainBatch; orientation: number }[];
}

/** Loss terms of one step (normalised units) and the adaptive weights exp(-s_i). */
export interface StepLosses {
  total: number;
  degradation: number;
  charbonnier: number;
  msssim: number;
  /** Gaussian negative log-likelihood of the residual-corrected output (models with `sigma`; else 0). */
  nll: number;
  /** Mean predicted standard deviation, K (models with `sigma`; else 0). */
  sigmaK: number;
  /** Orientation-consistency term (batches with a `twin` and a consistency weight; else 0). */
  consistency: number;
  weights: [number, number, number];
  logVars: [number, number, number];
}

/** Names of the loss terms, in the order of the adaptive log-variances. */
export const LOSS_TERMS = ['degradation', 'charbonnier', 'msssim'] as const;

let nextTrainer = 0;
type GradMap = Parameters<tf.AdamOptimizer['applyGradients']>[0];

function setLearningRate(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

/** Depth-to-space of the first 4 channels (the residual) onto the fine grid, differentiable on every backend. */
export function depthToSpace2(r: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = r.shape;
  const r4 = c > OUTPUT_CHANNELS ? tf.slice(r, [0, 0, 0, 0], [n, h, w, OUTPUT_CHANNELS]) : r;
  return tf.reshape(tf.transpose(tf.reshape(r4, [n, h, w, 2, 2]), [0, 1, 3, 2, 4]), [n, 2 * h, 2 * w, 1]);
}

/**
 * A [N, H, W, C] tensor in orientation `k` (core/raster/orient.ts's convention: bit 0 mirrors
 * columns, bit 1 mirrors rows, bit 2 transposes after the mirrors), as orientArray does to a grid.
 */
export function orientTensor(x: tf.Tensor4D, k: number): tf.Tensor4D {
  let y = x;
  if (k & 1) y = tf.reverse(y, 2);
  if (k & 2) y = tf.reverse(y, 1);
  if (k & 4) y = tf.transpose(y, [0, 2, 1, 3]);
  return y;
}

/**
 * Residual-corrected prediction and standard deviation on the coarse grid, both [N, h, w, 4]
 * (normalised units): bicubic sub-pixels (input channels 2-5) plus the residual, shifted per coarse
 * pixel so its 4 sub-pixels average to the coarse input (channel 0). Linear, so training sees
 * exactly what the pipeline's residual correction makes of the output.
 */
export function correctedOutput(input: tf.Tensor4D, out: tf.Tensor4D): { mean: tf.Tensor4D; sigma?: tf.Tensor4D } {
  const [n, h, w, c] = out.shape;
  const coarse = tf.slice(input, [0, 0, 0, 0], [n, h, w, 1]);
  const bic = tf.slice(input, [0, 0, 0, 2], [n, h, w, 4]);
  const raw = tf.add(bic, tf.slice(out, [0, 0, 0, 0], [n, h, w, OUTPUT_CHANNELS]));
  const mean = tf.add(raw, tf.sub(coarse, tf.mean(raw, 3, true))) as tf.Tensor4D;
  if (c <= OUTPUT_CHANNELS) return { mean };
  const sigma = tf.add(tf.softplus(tf.slice(out, [0, 0, 0, OUTPUT_CHANNELS], [n, h, w, OUTPUT_CHANNELS])), SIGMA_FLOOR) as tf.Tensor4D;
  return { mean, sigma };
}

/** Options of `SrdaTrainer`. */
export interface TrainerOptions {
  seed?: number;
  /** beta of the beta-NLL objective (losses.ts `gaussianNll`); 0 = the plain likelihood. */
  betaNll?: number;
  /** Weight of the orientation-consistency term (batches with a `twin`); 0 = off. */
  consistency?: number;
  /**
   * Ensemble distillation: on batches with `views`, the likelihood's target is the fine truth moved
   * by `weight` (0-1) towards `model`'s residual-corrected prediction averaged over the eight
   * orientations (each view's prediction turned back). The student learns what the ensemble
   * predicts in one pass. Absent or weight 0: the truth alone.
   */
  teacher?: { model: SrdaModel; weight: number };
}

/**
 * Adam training of SRDA-Net with the physics-constrained loss and learned fusion weights.
 * Owns its variables; call `dispose()` when done.
 */
export class SrdaTrainer {
  /** beta of the beta-NLL objective (losses.ts `gaussianNll`); 0 = the plain likelihood. */
  private readonly betaNll: number;
  /** Weight of the orientation-consistency term (batches with a `twin`); 0 = off. */
  private readonly consistency: number;
  /** Frozen weights whose orientation ensemble is distilled (batches with `views`), and the share of the target it makes. */
  private readonly teacher?: { model: SrdaModel; weight: number };
  readonly config: SrdaConfig;
  readonly params: Record<string, tf.Variable>;
  readonly logVars: tf.Variable;
  private readonly opt: tf.AdamOptimizer;
  private readonly optLogVars: tf.AdamOptimizer;
  step = 0;

  constructor(config: SrdaConfig, options: TrainerOptions & { initial?: Record<string, tf.Tensor> } = {}) {
    this.betaNll = options.betaNll ?? 0;
    this.consistency = options.consistency ?? 0;
    if (options.teacher && options.teacher.weight > 0) this.teacher = options.teacher;
    this.config = config;
    this.params = initParams(config, options.seed ?? 1);
    if (options.initial) {
      for (const [k, v] of Object.entries(options.initial)) if (this.params[k]) this.params[k].assign(v);
    }
    this.logVars = tf.tidy(() => tf.variable(tf.zeros([3]), true, `logVars${nextTrainer++}`));
    this.opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    this.optLogVars = tf.train.adam(1e-2, 0.9, 0.999, 1e-8);
  }

  /** One Adam step on a batch at learning rate `lr` (log-variances use 10 x lr). */
  async trainStep(batch: TrainBatch, lr: number): Promise<StepLosses> {
    const { n, h, w } = batch;
    setLearningRate(this.opt, lr);
    setLearningRate(this.optLogVars, 10 * lr);
    const terms: tf.Scalar[] = [];
    const netVars = Object.values(this.params);
    const ensemble = this.teacher && batch.views ? this.teacherMean(batch, this.teacher.model) : undefined;
    const { value, grads } = tf.tidy(() => {
      const input = tf.tensor4d(batch.input, [n, h, w, INPUT_CHANNELS]);
      const bic = tf.tensor4d(batch.bicubicN, [n, 2 * h, 2 * w, 1]);
      const truth = tf.tensor4d(batch.truthN, [n, 2 * h, 2 * w, 1]);
      // The likelihood's target: the truth, or moved towards the teacher's ensemble.
      const target = ensemble ? tf.add(truth, tf.mul(this.teacher!.weight, tf.sub(ensemble, truth))) : truth;
      const fmask = tf.tensor4d(batch.fineMask, [n, 2 * h, 2 * w, 1]);
      const coarse = tf.slice(input, [0, 0, 0, 0], [n, h, w, 1]) as tf.Tensor4D;
      const cmask = tf.slice(input, [0, 0, 0, 1], [n, h, w, 1]) as tf.Tensor4D;
      if (this.config.sigma) {
        // Gaussian likelihood of the residual-corrected output: conditional mean + variance.
        const twin = this.consistency > 0 ? batch.twin : undefined;
        return tf.variableGrads(() => {
          const out = forwardSrda(this.config, this.params, input);
          const { mean, sigma } = correctedOutput(input, out);
          const pred = tf.add<tf.Tensor4D>(bic, depthToSpace2(out));
          const meanF = depthToSpace2(mean);
          const sigmaF = depthToSpace2(sigma!);
          let nll = gaussianNll(meanF, target, sigmaF, fmask, this.betaNll);
          let loss: tf.Scalar = nll;
          let cons: tf.Scalar = tf.scalar(0);
          if (twin) {
            // The twin patches, turned back, should give the same prediction: the likelihood is
            // averaged over both, and their squared difference in units of the predicted
            // variance (held constant) is added with weight `consistency`.
            const t = twin.batch;
            const input2 = tf.tensor4d(t.input, [n, h, w, INPUT_CHANNELS]);
            const truth2 = tf.tensor4d(t.truthN, [n, 2 * h, 2 * w, 1]);
            const fmask2 = tf.tensor4d(t.fineMask, [n, 2 * h, 2 * w, 1]);
            const c2 = correctedOutput(input2, forwardSrda(this.config, this.params, input2));
            const mean2F = depthToSpace2(c2.mean);
            const sigma2F = depthToSpace2(c2.sigma!);
            nll = tf.mul(0.5, tf.add(nll, gaussianNll(mean2F, truth2, sigma2F, fmask2, this.betaNll)));
            const undo = inverseOrientation(twin.orientation);
            const back = orientTensor(mean2F, undo);
            const var2 = tf.add(tf.square(sigmaF), tf.square(orientTensor(sigma2F, undo)));
            cons = maskedMeanScalar(tf.div(tf.square(tf.sub(meanF, back)), constantOf(var2)), fmask);
            loss = tf.add(nll, tf.mul(this.consistency, cons));
          }
          const extra = [degradationLoss(pred, coarse, cmask), charbonnierLoss(meanF, truth, fmask), tf.scalar(0), nll, maskedMeanScalar(sigmaF, fmask), cons];
          extra.forEach((l) => terms.push(tf.keep(l)));
          // logVars take part with zero gradient so both optimisers keep their slots.
          return tf.add(loss, tf.mul(0, tf.sum(this.logVars))) as tf.Scalar;
        }, [...netVars, this.logVars]);
      }
      return tf.variableGrads(() => {
        const pred = tf.add<tf.Tensor4D>(bic, depthToSpace2(forwardSrda(this.config, this.params, input)));
        const ls = [degradationLoss(pred, coarse, cmask), charbonnierLoss(pred, truth, fmask), msssimLoss(pred, truth, fmask)];
        ls.forEach((l) => terms.push(tf.keep(l)));
        return adaptiveFusion(ls, this.logVars as tf.Tensor1D);
      }, [...netVars, this.logVars]);
    });
    ensemble?.dispose();
    const lvGrad = grads[this.logVars.name];
    delete grads[this.logVars.name];
    this.opt.applyGradients(grads as unknown as GradMap);
    this.optLogVars.applyGradients({ [this.logVars.name]: lvGrad } as unknown as GradMap);
    const vals = await Promise.all(terms.map(async (t) => (await t.data())[0]));
    const lv = Array.from(await this.logVars.data()) as [number, number, number];
    const total = (await value.data())[0];
    tf.dispose([value, lvGrad, ...Object.values(grads), ...terms]);
    this.step++;
    return {
      total,
      degradation: vals[0],
      charbonnier: vals[1],
      msssim: vals[2],
      nll: vals[3] ?? 0,
      sigmaK: (vals[4] ?? 0) * LST_SCALE_K,
      consistency: vals[5] ?? 0,
      logVars: lv,
      weights: lv.map((s) => Math.exp(-s)) as [number, number, number],
    };
  }

  /**
   * `model`'s residual-corrected fine prediction for `batch`, averaged over the batch and its
   * `views` (each turned back to the batch's orientation): [n, 2h, 2w, 1], normalised units.
   */
  private teacherMean(batch: TrainBatch, model: SrdaModel): tf.Tensor4D {
    const { n, h, w } = batch;
    return tf.tidy(() => {
      const views = [{ batch, orientation: 0 }, ...(batch.views ?? [])];
      const back = views.map((v) => {
        const input = tf.tensor4d(v.batch.input, [n, h, w, INPUT_CHANNELS]);
        const { mean } = correctedOutput(input, inferSrda(model.config, model.inferParams, input, false));
        return orientTensor(depthToSpace2(mean), inverseOrientation(v.orientation));
      });
      return tf.div<tf.Tensor4D>(tf.addN(back), back.length);
    });
  }

  /**
   * Scores the current weights on a batch without training: RMSE (K) over valid fine pixels of the
   * network output and of the bicubic upsample it starts from.
   */
  async evaluateBatch(batch: TrainBatch): Promise<{ rmseK: number; bicubicRmseK: number }> {
    const { n, h, w } = batch;
    const t = tf.tidy(() => depthToSpace2(forwardSrda(this.config, this.params, tf.tensor4d(batch.input, [n, h, w, INPUT_CHANNELS]), false)));
    const r = (await t.data()) as Float32Array;
    t.dispose();
    // Models trained on residual-corrected output are scored after the correction, and so is bicubic.
    const bic = this.config.sigma ? residualCorrected(batch, batch.bicubicN) : batch.bicubicN;
    const pred = new Float32Array(r.length);
    for (let i = 0; i < r.length; i++) pred[i] = batch.bicubicN[i] + r[i];
    const out = this.config.sigma ? residualCorrected(batch, pred) : pred;
    let se = 0;
    let seB = 0;
    let c = 0;
    for (let i = 0; i < r.length; i++) {
      if (!batch.fineMask[i]) continue;
      const e = out[i] - batch.truthN[i];
      const eb = bic[i] - batch.truthN[i];
      se += e * e;
      seB += eb * eb;
      c++;
    }
    const s = LST_SCALE_K;
    return { rmseK: s * Math.sqrt(se / Math.max(c, 1)), bicubicRmseK: s * Math.sqrt(seB / Math.max(c, 1)) };
  }

  /** Every tensor needed to resume: weights, log-variances, both optimisers' moments. */
  async stateTensors(): Promise<tf.NamedTensorMap> {
    const out: tf.NamedTensorMap = { ...this.params, logVars: this.logVars };
    for (const [prefix, o] of [['opt', this.opt], ['optlv', this.optLogVars]] as const) {
      for (const nt of await o.getWeights()) out[`${prefix}:${nt.name}`] = nt.tensor;
    }
    return out;
  }

  /** Restores a state written by `stateTensors` (missing optimiser slots start fresh). */
  async restore(state: tf.NamedTensorMap, step: number): Promise<void> {
    for (const [k, v] of Object.entries(this.params)) if (state[k]) v.assign(state[k]);
    if (state.logVars) this.logVars.assign(state.logVars);
    for (const [prefix, o] of [['opt', this.opt], ['optlv', this.optLogVars]] as const) {
      const slots = Object.entries(state)
        .filter(([k]) => k.startsWith(`${prefix}:`))
        .map(([k, tensor]) => ({ name: k.slice(prefix.length + 1), tensor }));
      if (slots.length > 0) await o.setWeights(slots);
    }
    this.step = step;
  }

  /** Weights only, in the shipped model format (model.json fields + one shard). */
  async exportWeights(size: string, training?: Record<string, unknown>): Promise<{ modelJson: SrdaModelJson; weightData: ArrayBuffer }> {
    const lossLogVars = Array.from(await this.logVars.data()).map((v) => +v.toFixed(5));
    return encodeSrdaWeights(this.config, size, { ...this.params }, { ...training, lossLogVars });
  }

  /** Weights, log-variances and optimiser moments, to resume with `restoreCheckpoint`. */
  async exportCheckpoint(size: string, training?: Record<string, unknown>): Promise<{ modelJson: SrdaModelJson; weightData: ArrayBuffer }> {
    const state = await this.stateTensors();
    try {
      return await encodeSrdaWeights(this.config, size, state, { ...training, step: this.step }, 'checkpoint.bin');
    } finally {
      // getWeights() makes a fresh scalar for each optimiser's iteration count.
      tf.dispose(Object.entries(state).filter(([k]) => k.endsWith(':iter')).map(([, t]) => t));
    }
  }

  /** Restores a checkpoint written by `exportCheckpoint` (same config). Returns its step. */
  async restoreCheckpoint(modelJson: SrdaModelJson, weightData: ArrayBuffer): Promise<number> {
    const state = decodeSrdaTensors(modelJson, weightData);
    try {
      await this.restore(state, Number(modelJson.training?.step ?? 0));
    } finally {
      tf.dispose(Object.values(state));
    }
    return this.step;
  }

  /**
   * A trainer resumed from a checkpoint written by `exportCheckpoint`, with the checkpoint's own
   * architecture; with `growBlocks` above its residual blocks, grown to that many first
   * (`growResidualBlocks`: new blocks start as the identity, with fresh optimiser moments).
   */
  static async fromCheckpoint(
    modelJson: SrdaModelJson,
    weightData: ArrayBuffer,
    options: TrainerOptions & { growBlocks?: number } = {},
  ): Promise<SrdaTrainer> {
    let state = decodeSrdaTensors(modelJson, weightData);
    let config = modelJson.config;
    try {
      if ((options.growBlocks ?? 0) > config.blocks) {
        const grown = growResidualBlocks(config, state, options.growBlocks!, options.seed ?? 1);
        tf.dispose(Object.values(state).filter((t) => !Object.values(grown.state).includes(t)));
        ({ config, state } = grown);
      }
      const t = new SrdaTrainer(config, options);
      await t.restore(state, Number(modelJson.training?.step ?? 0));
      return t;
    } finally {
      tf.dispose(Object.values(state));
    }
  }

  /** A trainer starting from loaded weights and their final loss log-variances (per-scene fine-tuning). */
  static fromModel(model: SrdaModel, seed = 1): SrdaTrainer {
    const t = new SrdaTrainer(model.config, { seed, initial: model.params });
    const lv = model.meta.training?.lossLogVars;
    if (Array.isArray(lv) && lv.length === 3) tf.tidy(() => t.logVars.assign(tf.tensor1d(lv as number[])));
    return t;
  }

  dispose(): void {
    tf.dispose([...Object.values(this.params), this.logVars]);
    this.opt.dispose();
    this.optLogVars.dispose();
  }
}

function maskedMeanScalar(v: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(v, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/** A fine batch field shifted per 2x2 block so the block averages to the coarse input (channel 0). */
function residualCorrected(batch: TrainBatch, fine: Float32Array): Float32Array {
  const { n, h, w } = batch;
  const fw = 2 * w;
  const out = fine.slice();
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const c = batch.input[((b * h + y) * w + x) * INPUT_CHANNELS];
        const i0 = b * 4 * h * w + 2 * y * fw + 2 * x;
        const d = c - (fine[i0] + fine[i0 + 1] + fine[i0 + fw] + fine[i0 + fw + 1]) / 4;
        out[i0] += d;
        out[i0 + 1] += d;
        out[i0 + fw] += d;
        out[i0 + fw + 1] += d;
      }
    }
  }
  return out;
}
