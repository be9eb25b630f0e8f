import * as tf from '@tensorflow/tfjs-core';
import { conv2dSame } from './conv-grad.ts';

/**
 * Auxiliary channels every SRDA-Net model takes, in this order, each with an availability mask.
 * Missing layers are fed as zeros with mask 0 (the model was trained with random channel dropout).
 */
export const MODEL_AUX = ['ndvi', 'ndwi', 'albedo', 'dem', 'red', 'nir', 'swir'] as const;
export type ModelAuxName = (typeof MODEL_AUX)[number];

/** Architecture hyper-parameters. All sizes in coarse pixels. */
export interface SrdaConfig {
  /** Feature channels of the trunk. */
  width: number;
  /** Residual blocks (two 3x3 convolutions each) in the trunk. */
  blocks: number;
  /** Box window (coarse px, odd) of the MSCA channel-attention pooling. */
  caKernel: number;
  /** Box window (coarse px, odd) of the GCA context pooling. */
  ctxKernel: number;
  /**
   * Predict a per-pixel uncertainty beside the residual: 4 more output channels, the softplus of
   * which is the standard deviation (normalised LST units) of a Gaussian trained by likelihood.
   */
  sigma?: boolean;
}

export type SrdaSize = 'tiny' | 'small' | 'base';

/**
 * The model sizes. `tiny` ships as the default (models/srda-net/); `srda-lst train` trains `small`
 * unless `--size` says otherwise. `tiny` had one residual block until the shipped weights' step
 * 88000 and has two since (`srda-lst train --grow-blocks 2` grew that checkpoint).
 */
export const SRDA_SIZES: Record<SrdaSize, SrdaConfig> = {
  tiny: { width: 16, blocks: 2, caKernel: 7, ctxKernel: 15, sigma: true },
  small: { width: 24, blocks: 2, caKernel: 7, ctxKernel: 15, sigma: true },
  base: { width: 32, blocks: 3, caKernel: 7, ctxKernel: 15, sigma: true },
};

/** The name of a config among `SRDA_SIZES`, or 'custom' (e.g. a checkpoint grown by residual blocks). */
export function sizeOf(cfg: SrdaConfig): SrdaSize | 'custom' {
  const same = (a: SrdaConfig, b: SrdaConfig) => a.width === b.width && a.blocks === b.blocks && a.caKernel === b.caKernel && a.ctxKernel === b.ctxKernel && !!a.sigma === !!b.sigma;
  return (Object.keys(SRDA_SIZES) as SrdaSize[]).find((k) => same(SRDA_SIZES[k], cfg)) ?? 'custom';
}

/** Input channels per coarse pixel: LST, LST mask, 4 bicubic sub-pixels, 4 sub-pixels + 1 mask per aux. */
export const INPUT_CHANNELS = 6 + 5 * MODEL_AUX.length;
/** Residual channels per coarse pixel: the 4 fine sub-pixels, depth-to-space order (dy*2+dx). */
export const OUTPUT_CHANNELS = 4;

/** All output channels of a config: the 4 residuals, then (with `sigma`) 4 raw uncertainty channels. */
export function outputChannels(cfg: SrdaConfig): number {
  return cfg.sigma ? 2 * OUTPUT_CHANNELS : OUTPUT_CHANNELS;
}

/** Smallest predicted standard deviation, normalised units (x LST_SCALE_K): 0.002 = 0.02 K. */
export const SIGMA_FLOOR = 0.002;

/** One convolution layer of the network: `k`x`k` kernel, `cin` -> `cout`, dilation `dil`. */
export interface ConvSpec {
  name: string;
  k: number;
  cin: number;
  cout: number;
  dil: number;
}

/** The convolution layers of a config, in a fixed order (also the weight order on disk). */
export function layerSpecs(cfg: SrdaConfig): ConvSpec[] {
  const c = cfg.width;
  const half = Math.max(4, c >> 1);
  const quarter = Math.max(4, c >> 2);
  const specs: ConvSpec[] = [{ name: 'head', k: 3, cin: INPUT_CHANNELS, cout: c, dil: 1 }];
  for (let i = 0; i < cfg.blocks; i++) {
    specs.push({ name: `block${i}_a`, k: 3, cin: c, cout: c, dil: 1 });
    specs.push({ name: `block${i}_b`, k: 3, cin: c, cout: c, dil: 1 });
  }
  for (const d of [1, 2, 4]) specs.push({ name: `msca_d${d}`, k: 3, cin: c, cout: half, dil: d });
  specs.push({ name: 'msca_fuse', k: 1, cin: 3 * half, cout: c, dil: 1 });
  specs.push({ name: 'msca_ca1', k: 1, cin: c, cout: quarter, dil: 1 });
  specs.push({ name: 'msca_ca2', k: 1, cin: quarter, cout: c, dil: 1 });
  specs.push({ name: 'gca_t1', k: 1, cin: c, cout: quarter, dil: 1 });
  specs.push({ name: 'gca_t2', k: 1, cin: quarter, cout: c, dil: 1 });
  specs.push({ name: 'gca_gate', k: 1, cin: c, cout: c, dil: 1 });
  specs.push({ name: 'mfrm_fuse', k: 1, cin: 3 * c, cout: c, dil: 1 });
  specs.push({ name: 'mfrm_conv', k: 3, cin: c, cout: c, dil: 1 });
  specs.push({ name: 'out', k: 3, cin: c, cout: outputChannels(cfg), dil: 1 });
  return specs;
}

/** Trainable parameter count (weights + biases). */
export function countParams(cfg: SrdaConfig): number {
  return layerSpecs(cfg).reduce((s, l) => s + l.k * l.k * l.cin * l.cout + l.cout, 0);
}

/** Multiply-adds of the convolutions per coarse input pixel (one coarse pixel = 4 output pixels). */
export function macsPerCoarsePixel(cfg: SrdaConfig): number {
  return layerSpecs(cfg).reduce((s, l) => s + l.k * l.k * l.cin * l.cout, 0);
}

/**
 * Receptive-field radius in coarse pixels: how far an output depends on its input. Tiles need at
 * least this halo for tiled output to equal untiled output.
 */
export function receptiveRadius(cfg: SrdaConfig): number {
  const convs = 1 + 2 * cfg.blocks + 4 + 1 + 1; // head, blocks, MSCA dilation 4, MFRM conv, out
  return convs + (cfg.caKernel - 1) / 2 + (cfg.ctxKernel - 1) / 2;
}

let nextInstance = 0;

/** Named weight tensors (`<layer>/w` [k,k,cin,cout], `<layer>/b` [cout]). */
export type SrdaParams = Record<string, tf.Tensor>;

/**
 * Fresh He-initialised weights (deterministic for a seed). The output layer starts near zero so the
 * untrained network returns the bicubic upsample. Returns variables; the caller disposes them.
 */
export function initParams(cfg: SrdaConfig, seed = 1): Record<string, tf.Variable> {
  const params: Record<string, tf.Variable> = {};
  const prefix = `srda${nextInstance++}/`; // tfjs variable names are global and must be unique
  layerSpecs(cfg).forEach((l, i) => {
    let std = Math.sqrt(2 / (l.k * l.k * l.cin));
    if (l.name.endsWith('_b') || l.name === 'gca_t2') std *= 0.1;
    if (l.name === 'out') std = 1e-3;
    // tidy disposes the initialiser tensors; the variables survive it.
    tf.tidy(() => {
      params[`${l.name}/w`] = tf.variable(tf.randomNormal([l.k, l.k, l.cin, l.cout], 0, std, 'float32', seed * 1000 + i), true, `${prefix}${l.name}/w`);
      // Uncertainty channels start at 0.1 (1 K): softplus^-1(0.1) = -2.25.
      const bias = l.name === 'out' && cfg.sigma ? tf.concat([tf.zeros([OUTPUT_CHANNELS]), tf.fill([l.cout - OUTPUT_CHANNELS], -2.25)]) : tf.zeros([l.cout]);
      params[`${l.name}/b`] = tf.variable(bias, true, `${prefix}${l.name}/b`);
    });
  });
  return params;
}

/** Separable box mean, `k` odd, zero padding (counts the padding, identical on every backend). */
export function boxMean(x: tf.Tensor4D, k: number): tf.Tensor4D {
  const r = (k - 1) / 2;
  const p = tf.pad(x, [
    [0, 0],
    [r, r],
    [r, r],
    [0, 0],
  ]);
  return tf.avgPool(tf.avgPool(p, [k, 1], 1, 'valid'), [1, k], 1, 'valid');
}

/**
 * The stage network on the coarse grid: input [N, h, w, INPUT_CHANNELS] -> residual
 * [N, h, w, 4] in normalised LST units (x LST_SCALE_K), to be depth-to-spaced onto the fine grid
 * and added to the bicubic upsample; with `cfg.sigma` 4 more channels follow, the raw uncertainty
 * (standard deviation = softplus(raw) + SIGMA_FLOOR, normalised units). `training` routes convolutions through the custom-gradient
 * op (needed for backprop on wasm). Inference (`training` false) is `inferSrda`: fused conv + bias
 * (+ ReLU) kernels, with the same weights and results. Call inside `tf.tidy` (or dispose the result).
 */
export function forwardSrda(cfg: SrdaConfig, params: SrdaParams, input: tf.Tensor4D, training = true): tf.Tensor4D {
  if (!training) return inferSrda(cfg, params, input, false);
  const spec = new Map(layerSpecs(cfg).map((l) => [l.name, l]));
  const conv = (name: string, x: tf.Tensor4D, relu = false): tf.Tensor4D => {
    const l = spec.get(name)!;
    const w = params[`${name}/w`] as tf.Tensor4D;
    const b = params[`${name}/b`] as tf.Tensor1D;
    const y = tf.add<tf.Tensor4D>(conv2dSame(x, w, l.dil), b);
    return relu ? tf.relu(y) : y;
  };
  // Training keeps every intermediate for the gradients.
  const block = <T extends tf.Tensor>(f: () => T): T => f();
  const head = conv('head', input);
  let f = head;
  for (let i = 0; i < cfg.blocks; i++) {
    const x = f;
    f = block(() => tf.add(x, conv(`block${i}_b`, conv(`block${i}_a`, x, true))));
  }
  // MSCA: three receptive fields, fused, re-weighted per channel from their local statistics.
  const pre = f;
  f = block(() => {
    const branches = [1, 2, 4].map((d) => conv(`msca_d${d}`, pre, true));
    const u = conv('msca_fuse', tf.concat(branches, 3));
    const ca = tf.sigmoid(conv('msca_ca2', conv('msca_ca1', boxMean(u, cfg.caKernel), true)));
    return tf.add(pre, tf.mul(u, ca));
  });
  const mid = f;
  // GCA: a wide pooled context of the fused LST+aux features, transformed, gated and added back.
  f = block(() => {
    const ctx = boxMean(mid, cfg.ctxKernel);
    const t = conv('gca_t2', conv('gca_t1', ctx, true));
    const gate = tf.sigmoid(conv('gca_gate', ctx));
    return tf.add(tf.mul(mid, tf.mul(gate, 2)), t);
  });
  // MFRM: features from three depths, fused with a 1x1 convolution, refined.
  const last = f;
  return block(() => {
    const fused = conv('mfrm_fuse', tf.concat([head, mid, last], 3), true);
    return conv('out', conv('mfrm_conv', fused, true));
  });
}

/** The layers whose 1x1 convolution reads a channel concatenation, and how many parts it has. */
const FUSE_PARTS = { msca_fuse: 3, mfrm_fuse: 3 } as const;

/** The key of part `i` of a fuse layer's weights in `splitFuseWeights`' result. */
const partKey = (name: string, i: number): string => `${name}/w${i}`;

/**
 * The weights of each fuse layer (MSCA, MFRM) cut along their input channels, one [1,1,cin/3,cout]
 * slice per concatenated part, under `<layer>/w0`, `/w1`, `/w2`: `inferSrda` reads them from its
 * params when present and otherwise slices the weights on every call. The caller owns the tensors.
 */
export function splitFuseWeights(params: SrdaParams): SrdaParams {
  const out: SrdaParams = {};
  for (const [name, n] of Object.entries(FUSE_PARTS)) {
    const w = params[`${name}/w`];
    const cin = w.shape[2]! / n;
    for (let i = 0; i < n; i++) out[partKey(name, i)] = tf.slice(w, [0, 0, i * cin, 0], [-1, -1, cin, -1]);
  }
  return out;
}

function fusePart(params: SrdaParams, name: string, i: number, n: number): tf.Tensor4D {
  const pre = params[partKey(name, i)];
  if (pre) return pre as tf.Tensor4D;
  const w = params[`${name}/w`];
  const cin = w.shape[2]! / n;
  return tf.slice(w, [0, 0, i * cin, 0], [-1, -1, cin, -1]) as tf.Tensor4D;
}

/**
 * The inference forward pass: the function of `forwardSrda` in fused conv + bias (+ ReLU) kernels,
 * the same result up to float rounding (the fuse layers sum over their parts in another order), but
 * each feature map is disposed as soon as no later operation needs it, and with `releaseInput` the
 * input after the head convolution. A 312 px tile (256 + halo) then holds a few 16-channel maps at
 * a time in the wasm heap instead of ~15. Pass `splitFuseWeights`' tensors in `params` to slice the
 * fuse weights once rather than per call. Call inside `tf.tidy` (or dispose the result).
 */
export function inferSrda(cfg: SrdaConfig, params: SrdaParams, input: tf.Tensor4D, releaseInput: boolean): tf.Tensor4D {
  const spec = new Map(layerSpecs(cfg).map((l) => [l.name, l]));
  const conv = (name: string, x: tf.Tensor4D, relu = false): tf.Tensor4D => {
    const w = params[`${name}/w`] as tf.Tensor4D;
    const b = params[`${name}/b`] as tf.Tensor1D;
    return tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', dilations: spec.get(name)!.dil, bias: b, activation: relu ? 'relu' : 'linear' });
  };
  // y, after disposing the tensors it was computed from that nothing later needs.
  const then = <T extends tf.Tensor>(y: T, ...used: tf.Tensor[]): T => {
    for (const t of used) t.dispose();
    return y;
  };
  // The AvgPool kernel itself: tf.avgPool casts its float32 result to float32, which tfjs-wasm's
  // Cast does as a copy of the whole map in JavaScript (~5 ms per 296 px tile).
  const avgPool = (x: tf.Tensor4D, filterSize: [number, number]): tf.Tensor4D =>
    tf.engine().runKernel(tf.AvgPool, { x }, { filterSize, strides: 1, pad: 'valid' }) as tf.Tensor4D;
  const box = (x: tf.Tensor4D, k: number): tf.Tensor4D => {
    const r = (k - 1) / 2;
    const p = tf.pad(x, [[0, 0], [r, r], [r, r], [0, 0]]);
    const a = then(avgPool(p, [k, 1]), p);
    return then(avgPool(a, [1, k]), a);
  };
  // A 1x1 convolution over the channel concatenation of `parts` (disposed), as the sum of one 1x1
  // convolution per part with its slice of the weights: the same sums in another order, without
  // the concatenated map (tfjs-wasm concatenates channels in JavaScript, ~10 % of a tile's time).
  const fuse = (name: string, parts: tf.Tensor4D[], relu: boolean): tf.Tensor4D => {
    let sum = tf.fused.conv2d({ x: parts[0], filter: fusePart(params, name, 0, parts.length), strides: 1, pad: 'valid', bias: params[`${name}/b`] });
    for (let i = 1; i < parts.length; i++) {
      const y = tf.fused.conv2d({ x: parts[i], filter: fusePart(params, name, i, parts.length), strides: 1, pad: 'valid' });
      sum = then(tf.add<tf.Tensor4D>(sum, y), sum, y);
    }
    for (const p of parts) p.dispose();
    return relu ? then(tf.relu(sum), sum) : sum;
  };
  const head = conv('head', input);
  if (releaseInput) input.dispose();
  let f = head;
  for (let i = 0; i < cfg.blocks; i++) {
    const a = conv(`block${i}_a`, f, true);
    const b = then(conv(`block${i}_b`, a), a);
    f = then(tf.add<tf.Tensor4D>(f, b), b, ...(f === head ? [] : [f]));
  }
  // MSCA (see forwardSrda). The fuse reads the branches one by one (see fuseParts).
  const pre = f;
  const branches = [1, 2, 4].map((d) => conv(`msca_d${d}`, pre, true));
  const u = fuse('msca_fuse', branches, false);
  const pooled = box(u, cfg.caKernel);
  const ca1 = then(conv('msca_ca1', pooled, true), pooled);
  const ca2 = then(conv('msca_ca2', ca1), ca1);
  const ca = then(tf.sigmoid(ca2), ca2);
  const weighted = then(tf.mul<tf.Tensor4D>(u, ca), u, ca);
  const mid = then(tf.add<tf.Tensor4D>(pre, weighted), weighted, ...(pre === head ? [] : [pre]));
  // GCA.
  const ctx = box(mid, cfg.ctxKernel);
  const t1 = conv('gca_t1', ctx, true);
  const t = then(conv('gca_t2', t1), t1);
  const g = then(conv('gca_gate', ctx), ctx);
  const gate = then(tf.sigmoid(g), g);
  const gate2 = then(tf.mul(gate, 2), gate);
  const gated = then(tf.mul<tf.Tensor4D>(mid, gate2), gate2);
  const last = then(tf.add<tf.Tensor4D>(gated, t), gated, t);
  // MFRM.
  const fused = fuse('mfrm_fuse', [head, mid, last], true);
  const refined = then(conv('mfrm_conv', fused, true), fused);
  return then(conv('out', refined), refined);
}
