import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { adaptiveFusion, charbonnierLoss, degradationLoss, gaussianNll, msssimLoss, SSIM_C1 } from './losses.ts';

async function value(t: tf.Tensor): Promise<number> {
  const v = (await t.data())[0];
  t.dispose();
  return v;
}

describe('losses', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('Charbonnier is the masked mean of sqrt(d^2 + eps^2)', async () => {
    const p = tf.tensor1d([1, 2]);
    const t = tf.tensor1d([1, 0]);
    // (sqrt(0 + 1e-6) + sqrt(4 + 1e-6)) / 2 = (0.001 + 2.00000025) / 2
    expect(await value(charbonnierLoss(p, t, tf.tensor1d([1, 1]), 1e-3))).toBeCloseTo(1.000500125, 6);
    // Only the first pixel is valid: sqrt(1e-6) = 1e-3.
    expect(await value(charbonnierLoss(p, t, tf.tensor1d([1, 0]), 1e-3))).toBeCloseTo(1e-3, 7);
  });

  it('degradation loss compares the 2x2 block mean with the coarse input', async () => {
    const fine = tf.tensor4d([1, 2, 3, 6, 0, 0, 0, 0], [1, 2, 4, 1]); // blocks: [1,2;0,0]=0.75, [3,6;0,0]=2.25
    const coarse = tf.tensor4d([0.75, 1.25], [1, 1, 2, 1]);
    const mask = tf.tensor4d([1, 1], [1, 1, 2, 1]);
    // |0.75-0.75| -> 1e-3, |2.25-1.25| = 1 -> sqrt(1 + 1e-6)
    expect(await value(degradationLoss(fine, coarse, mask, 1e-3))).toBeCloseTo((1e-3 + Math.sqrt(1 + 1e-6)) / 2, 6);
    const maskOne = tf.tensor4d([0, 1], [1, 1, 2, 1]);
    expect(await value(degradationLoss(fine, coarse, maskOne, 1e-3))).toBeCloseTo(Math.sqrt(1 + 1e-6), 6);
  });

  it('MS-SSIM loss is 0 for identical fields and follows the luminance term for constants', async () => {
    const x = tf.randomNormal([1, 32, 32, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const ones = tf.ones([1, 32, 32, 1]) as tf.Tensor4D;
    expect(await value(msssimLoss(x, x, ones))).toBeCloseTo(0, 5);
    // Constant fields 0.1 and 0.2: cs = 1 at every scale, l = (2*0.02 + C1)/(0.05 + C1) at the last.
    const a = tf.fill([1, 32, 32, 1], 0.1) as tf.Tensor4D;
    const b = tf.fill([1, 32, 32, 1], 0.2) as tf.Tensor4D;
    const l = (0.04 + SSIM_C1) / (0.05 + SSIM_C1);
    expect(await value(msssimLoss(a, b, ones, 1, 0))).toBeCloseTo(1 - l, 5);
    expect(await value(msssimLoss(a, b, ones, 3, 0))).toBeCloseTo(1 - (1 + 1 + l) / 3, 5);
    // With the default +1 offset: l = (2*1.1*1.2 + C1)/(1.1^2 + 1.2^2 + C1).
    const l1 = (2.64 + SSIM_C1) / (2.65 + SSIM_C1);
    expect(await value(msssimLoss(a, b, ones, 1))).toBeCloseTo(1 - l1, 5);
  });

  it('MS-SSIM loss is large for an inverted field and ignores masked-out windows', async () => {
    const x = tf.tidy(() => tf.mul(tf.randomNormal([1, 28, 28, 1], 0, 1, 'float32', 5), 3)) as tf.Tensor4D;
    const ones = tf.ones([1, 28, 28, 1]) as tf.Tensor4D;
    // cs = (-2 s + C2)/(2 s + C2) ~ -1 with s >> C2 and l > 0 (offset): loss well above 1.
    expect(await value(msssimLoss(x, tf.neg(x) as tf.Tensor4D, ones, 1))).toBeGreaterThan(1.3);
    // Corrupt the right half but mask it out: only windows fully in the left half count.
    const mask = tf.tidy(() => tf.concat([tf.ones([1, 28, 14, 1]), tf.zeros([1, 28, 14, 1])], 2)) as tf.Tensor4D;
    const y = tf.tidy(() => tf.concat([tf.slice(x, [0, 0, 0, 0], [1, 28, 14, 1]), tf.randomNormal([1, 28, 14, 1], 0, 1, 'float32', 6)], 2)) as tf.Tensor4D;
    expect(await value(msssimLoss(x, y, mask, 1))).toBeCloseTo(0, 5);
  });

  it('adaptive fusion is sum exp(-s) L + s and its log-variances are trainable', async () => {
    const ls = [tf.scalar(1), tf.scalar(2), tf.scalar(3)];
    const s = tf.tensor1d([0, Math.log(2), -1]);
    // 1 + 0 + 1 + ln 2 + 3e - 1
    expect(await value(adaptiveFusion(ls, s))).toBeCloseTo(1 + 1 + Math.log(2) + 3 * Math.E - 1, 5);
    const v = tf.variable(tf.zeros([3]));
    const { grads, value: total } = tf.variableGrads(() => adaptiveFusion(ls, v as tf.Tensor1D), [v]);
    // d/ds_i = 1 - exp(-s_i) L_i = [0, -1, -2] at s = 0
    expect(Array.from(await grads[v.name].data())).toEqual([0, -1, -2]);
    tf.dispose([total, grads[v.name], v]);
  });

  it('Gaussian NLL is lowest when sigma equals the error and the mean is the target', async () => {
    const t = tf.tensor1d([1, 2, 3, 4]);
    const mask = tf.ones([4]);
    const at = async (mu: number[], sigma: number) => {
      const l = tf.tidy(() => gaussianNll(tf.tensor1d(mu), t, tf.fill([4], sigma), mask));
      const v = (await l.data())[0];
      l.dispose();
      return v;
    };
    const off = [1.5, 2.5, 3.5, 4.5]; // error 0.5 everywhere
    expect(await at(off, 0.5)).toBeLessThan(await at(off, 0.25));
    expect(await at(off, 0.5)).toBeLessThan(await at(off, 1));
    // 0.5 (e / s)^2 + log s at e = s = 0.5
    expect(await at(off, 0.5)).toBeCloseTo(0.5 + Math.log(0.5), 5);
    expect(await at([1, 2, 3, 4], 0.5)).toBeLessThan(await at(off, 0.5));
    tf.dispose([t, mask]);
  });

  it('beta-NLL at beta = 1 gives the mean the squared-error gradient and sigma the plain gradient scaled by sigma^2', async () => {
    const t = tf.tensor1d([1, 2, 3, 4]);
    const mask = tf.ones([4]);
    const mu = tf.variable(tf.tensor1d([1.5, 1.5, 3.5, 3]));
    const sig = tf.variable(tf.tensor1d([0.5, 1, 2, 4]));
    const grads = async (beta: number) => {
      const g = tf.variableGrads(() => gaussianNll(mu, t, sig, mask, beta), [mu, sig]);
      const out = { value: (await g.value.data())[0], mu: Array.from(await g.grads[mu.name].data()), sigma: Array.from(await g.grads[sig.name].data()) };
      tf.dispose([g.value, g.grads[mu.name], g.grads[sig.name]]);
      return out;
    };
    const plain = await grads(0);
    const b1 = await grads(1);
    const e = [0.5, -0.5, 0.5, -1];
    const s = [0.5, 1, 2, 4];
    // mean of (mu - t) over 4 pixels: the squared error's gradient, whatever sigma is
    b1.mu.forEach((g, i) => expect(g).toBeCloseTo(e[i] / 4, 5));
    // the plain likelihood divides it by sigma^2
    plain.mu.forEach((g, i) => expect(g).toBeCloseTo(e[i] / (s[i] * s[i]) / 4, 5));
    b1.sigma.forEach((g, i) => expect(g).toBeCloseTo(plain.sigma[i] * s[i] * s[i], 5));
    // the value is each pixel's term times sigma^2
    const terms = e.map((x, i) => (0.5 * (x / s[i]) ** 2 + Math.log(s[i])) * s[i] * s[i]);
    expect(b1.value).toBeCloseTo(terms.reduce((a, b) => a + b, 0) / 4, 5);
    tf.dispose([t, mask, mu, sig]);
  });
});
