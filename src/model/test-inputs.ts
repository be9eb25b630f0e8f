import * as tf from '@tensorflow/tfjs';
import type { SrdaStageInput } from './infer.ts';
import { initParams, SRDA_SIZES } from './srda-net.ts';
import { createSrdaModel, type SrdaModel } from './weights.ts';

// Inputs and models the model's tests share.

/** A 12 x 10 coarse scene (tests of patches and the sampler) with one gap, its 24 x 20 truth and NDVI / DEM. */
export function rawScene() {
  const w = 12;
  const h = 10;
  const truth = Float32Array.from({ length: 4 * w * h }, (_, i) => 290 + 6 * Math.sin(i * 0.37) + (i % 7));
  const coarse = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 2 * y * 2 * w + 2 * x;
      coarse[y * w + x] = (truth[i] + truth[i + 1] + truth[i + 2 * w] + truth[i + 2 * w + 1]) / 4;
    }
  coarse[3 * w + 4] = Number.NaN;
  const ndvi = Float32Array.from(truth, (t) => (300 - t) / 20);
  const dem = Float32Array.from({ length: 4 * w * h }, (_, i) => 100 + (i % 31));
  return { w, h, truth, coarse, ndvi, dem };
}

/**
 * A `w` x `h` stage input with a cloud (coarse LST NaN) and a missing NDVI pixel, NDVI and DEM on the
 * fine grid. `asymmetric`: no mirror or transpose symmetry either (each orientation then gives the
 * network another input).
 */
export function sceneInput(w: number, h: number, options: { asymmetric?: boolean } = {}): SrdaStageInput {
  const a = options.asymmetric === true;
  const lst = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) lst[y * w + x] = 300 + 3 * Math.sin(x / 3 + (a ? 0.4 : 0)) + 2 * Math.cos(y / 4) + ((x * 7 + y * 13) % 5) * 0.3 + (a ? 0.05 * x : 0);
  for (let y = 5; y < 9; y++) for (let x = 10; x < 16; x++) lst[y * w + x] = Number.NaN; // a cloud
  const ndvi = new Float32Array(4 * w * h);
  const dem = new Float32Array(4 * w * h);
  for (let i = 0; i < ndvi.length; i++) {
    ndvi[i] = 0.4 * Math.sin(i * 0.37) + 0.2;
    dem[i] = 100 + 50 * Math.cos(i * 0.011);
  }
  ndvi[17] = Number.NaN;
  return { width: w, height: h, coarseLstK: lst, fineAux: { ndvi, dem } };
}

/** A tiny model with a non-trivial output layer, so tiling errors would show. */
export function testModel(): SrdaModel {
  const cfg = SRDA_SIZES.tiny;
  const params = initParams(cfg, 11);
  params['out/w'].assign(tf.randomNormal(params['out/w'].shape, 0, 0.2, 'float32', 12));
  return createSrdaModel(cfg, 'tiny', params);
}
