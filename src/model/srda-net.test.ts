import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend.ts';
import { boxMean, countParams, forwardSrda, inferSrda, initParams, INPUT_CHANNELS, layerSpecs, macsPerCoarsePixel, MODEL_AUX, outputChannels, splitFuseWeights, SRDA_SIZES, type SrdaConfig, type SrdaSize } from './srda-net.ts';

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

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`gives the same output through the training (custom-gradient) and inference (fused) paths (${backend})`, async () => {
      await selectBackend({ only: backend });
      try {
        for (const size of ['tiny', 'small'] as SrdaSize[]) {
          const cfg = SRDA_SIZES[size];
          const params = initParams(cfg, 5);
          params['out/w'].assign(tf.randomNormal(params['out/w'].shape, 0, 0.2, 'float32', 6));
          const parts = splitFuseWeights(params);
          const [d, scale] = tf.tidy(() => {
            const x = tf.randomNormal([1, 24, 20, INPUT_CHANNELS], 0, 0.5, 'float32', 7) as tf.Tensor4D;
            const ref = forwardSrda(cfg, params, x, true);
            return [tf.max(tf.abs(tf.sub(ref, inferSrda(cfg, { ...params, ...parts }, x, false)))), tf.max(tf.abs(ref))];
          });
          expect((await scale.data())[0]).toBeGreaterThan(0.1); // a residual large enough to tell them apart
          expect((await d.data())[0]).toBeLessThan(1e-5);
          tf.dispose([d, scale, ...Object.values(parts), ...Object.values(params)]);
        }
      } finally {
        await tf.setBackend('cpu');
      }
    });
  }

  // The fused inference pass written plainly, every intermediate kept until the tidy ends; a fuse
  // layer (1x1 over a concatenation) as the sum of its parts' 1x1 convolutions, in part order.
  const keptAll = (cfg: SrdaConfig, p: Record<string, tf.Tensor>, x: tf.Tensor4D): tf.Tensor4D => {
    const spec = new Map(layerSpecs(cfg).map((l) => [l.name, l]));
    const conv = (name: string, v: tf.Tensor4D, relu = false): tf.Tensor4D =>
      tf.fused.conv2d({ x: v, filter: p[`${name}/w`] as tf.Tensor4D, strides: 1, pad: 'same', dilations: spec.get(name)!.dil, bias: p[`${name}/b`], activation: relu ? 'relu' : 'linear' });
    const fuseOf = (name: string, parts: tf.Tensor4D[], relu = false): tf.Tensor4D => {
      const w = p[`${name}/w`];
      const cin = w.shape[2]! / parts.length;
      const terms = parts.map((v, i) =>
        tf.fused.conv2d({ x: v, filter: tf.slice(w, [0, 0, i * cin, 0], [-1, -1, cin, -1]) as tf.Tensor4D, strides: 1, pad: 'valid', bias: i === 0 ? p[`${name}/b`] : undefined }),
      );
      const sum = terms.slice(1).reduce((s, t) => tf.add(s, t), terms[0]);
      return relu ? tf.relu(sum) : sum;
    };
    const head = conv('head', x);
    let f = head;
    for (let i = 0; i < cfg.blocks; i++) f = tf.add(f, conv(`block${i}_b`, conv(`block${i}_a`, f, true)));
    const u = fuseOf('msca_fuse', [1, 2, 4].map((d) => conv(`msca_d${d}`, f, true)));
    const mid = tf.add<tf.Tensor4D>(f, tf.mul(u, tf.sigmoid(conv('msca_ca2', conv('msca_ca1', boxMean(u, cfg.caKernel), true)))));
    const ctx = boxMean(mid, cfg.ctxKernel);
    const last = tf.add<tf.Tensor4D>(tf.mul(mid, tf.mul(tf.sigmoid(conv('gca_gate', ctx)), 2)), conv('gca_t2', conv('gca_t1', ctx, true)));
    return conv('out', conv('mfrm_conv', fuseOf('mfrm_fuse', [head, mid, last], true), true));
  };

  it('infers the same with the fuse weights cut once (splitFuseWeights) as with them cut per call', async () => {
    const cfg = SRDA_SIZES.tiny;
    const params = initParams(cfg, 11);
    params['out/w'].assign(tf.randomNormal(params['out/w'].shape, 0, 0.2, 'float32', 12));
    const parts = splitFuseWeights(params);
    expect(Object.keys(parts).sort()).toEqual(['mfrm_fuse/w0', 'mfrm_fuse/w1', 'mfrm_fuse/w2', 'msca_fuse/w0', 'msca_fuse/w1', 'msca_fuse/w2']);
    expect(parts['mfrm_fuse/w1'].shape).toEqual([1, 1, cfg.width, cfg.width]);
    const x = tf.randomNormal([1, 22, 18, INPUT_CHANNELS], 0, 0.5, 'float32', 13) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const [a, b] = [tf.tidy(() => inferSrda(cfg, params, x, false)), tf.tidy(() => inferSrda(cfg, { ...params, ...parts }, x, false))];
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([a, b, x, ...Object.values(parts), ...Object.values(params)]);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`infers bit-identically to the pass that keeps every feature map, holding under half their peak memory (${backend})`, async () => {
      await selectBackend({ only: backend });
      try {
        for (const size of ['tiny', 'small'] as SrdaSize[]) {
          const cfg = SRDA_SIZES[size];
          const params = initParams(cfg, 8);
          params['out/w'].assign(tf.randomNormal(params['out/w'].shape, 0, 0.2, 'float32', 9));
          const x = tf.randomNormal([1, 40, 36, INPUT_CHANNELS], 0, 0.5, 'float32', 10) as tf.Tensor4D;
          // tf.profile returns the same object each call: take its numbers before the next.
          const ref = await tf.profile(() => tf.tidy(() => keptAll(cfg, params, x)));
          const [refOut, refPeak] = [ref.result as tf.Tensor, ref.peakBytes - tf.memory().numBytes];
          const own = x.clone();
          const before = tf.memory().numTensors;
          const run = await tf.profile(() => tf.tidy(() => inferSrda(cfg, params, own, true)));
          const [out, peak] = [run.result as tf.Tensor, run.peakBytes - tf.memory().numBytes];
          expect(own.isDisposed).toBe(true);
          expect(tf.memory().numTensors).toBe(before); // the output in, its input out
          expect(Array.from(await out.data())).toEqual(Array.from(await refOut.data()));
          // The peak above what is left after each (the output): the intermediates held at once.
          expect(peak).toBeLessThan(0.5 * refPeak);
          tf.dispose([x, out, refOut, ...Object.values(params)]);
        }
      } finally {
        await tf.setBackend('cpu');
      }
    });
  }
});
