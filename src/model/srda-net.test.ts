import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { countParams, forwardSrda, initParams, INPUT_CHANNELS, layerSpecs, macsPerCoarsePixel, MODEL_AUX, outputChannels, SRDA_SIZES, type SrdaSize } from './srda-net.ts';

describe('SRDA-Net architecture', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const size of ['tiny', 'small', 'base'] as SrdaSize[]) {
    it(`maps [n, h, w, ${INPUT_CHANNELS}] to a [n, h, w, 4] residual plus 4 uncertainty channels (${size})`, () => {
      const cfg = SRDA_SIZES[size];
      const params = initParams(cfg, 3);
      const before = tf.memory().numTensors;
      const y = tf.tidy(() => forwardSrda(cfg, params, tf.randomNormal([2, 20, 24, INPUT_CHANNELS]) as tf.Tensor4D));
      expect(y.shape).toEqual([2, 20, 24, 8]);
      expect(outputChannels({ ...cfg, sigma: false })).toBe(4);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const n = Object.values(params).reduce((s, p) => s + p.size, 0);
      expect(n).toBe(countParams(cfg));
      tf.dispose(Object.values(params));
    });
  }

  it('has the GCA, MSCA (dilations 1/2/4) and MFRM layers, and grows in cost with size', () => {
    const names = layerSpecs(SRDA_SIZES.small).map((l) => l.name);
    for (const n of ['msca_d1', 'msca_d2', 'msca_d4', 'msca_ca1', 'gca_t1', 'gca_gate', 'mfrm_fuse', 'out']) expect(names).toContain(n);
    expect(layerSpecs(SRDA_SIZES.small).find((l) => l.name === 'msca_d4')!.dil).toBe(4);
    const macs = (['tiny', 'small', 'base'] as const).map((s) => macsPerCoarsePixel(SRDA_SIZES[s]));
    expect(macs[0]).toBeLessThan(macs[1]);
    expect(macs[1]).toBeLessThan(macs[2]);
    expect(macs[1]).toBeLessThan(150_000); // the wasm full-tile budget per coarse pixel
  });

  it('starts close to the bicubic upsample (near-zero residual) with an uncertainty of about 1 K', async () => {
    const cfg = SRDA_SIZES.tiny;
    const params = initParams(cfg, 4);
    const out = tf.tidy(() => forwardSrda(cfg, params, tf.randomNormal([1, 16, 16, INPUT_CHANNELS], 0, 0.3) as tf.Tensor4D));
    const res = tf.tidy(() => tf.max(tf.abs(tf.slice(out, [0, 0, 0, 0], [1, 16, 16, 4]))));
    const raw = tf.tidy(() => tf.mean(tf.slice(out, [0, 0, 0, 4], [1, 16, 16, 4])));
    expect((await res.data())[0]).toBeLessThan(0.05);
    // softplus(-2.25) = 0.1 normalised = 1 K
    expect(Math.log1p(Math.exp((await raw.data())[0]))).toBeCloseTo(0.1, 2);
    tf.dispose([out, res, raw, ...Object.values(params)]);
  });

  it('takes red, NIR and SWIR reflectance as channels beside NDVI, NDWI, albedo and DEM', () => {
    expect([...MODEL_AUX]).toEqual(['ndvi', 'ndwi', 'albedo', 'dem', 'red', 'nir', 'swir']);
    expect(INPUT_CHANNELS).toBe(6 + 5 * 7);
  });

  it('gives the same output through the training (custom-gradient) and inference (fused) paths', async () => {
    const cfg = SRDA_SIZES.small;
    const params = initParams(cfg, 5);
    params['out/w'].assign(tf.randomNormal(params['out/w'].shape, 0, 0.2, 'float32', 6));
    const d = tf.tidy(() => {
      const x = tf.randomNormal([1, 24, 20, INPUT_CHANNELS], 0, 0.5, 'float32', 7) as tf.Tensor4D;
      return tf.max(tf.abs(tf.sub(forwardSrda(cfg, params, x, true), forwardSrda(cfg, params, x, false))));
    });
    expect((await d.data())[0]).toBeLessThan(1e-5);
    tf.dispose([d, ...Object.values(params)]);
  });
});
