import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv2dSame } from './conv-grad.ts';
import { selectBackend } from './backend.ts';

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

describe('conv2dSame custom gradient', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const [k, dil] of [
    [3, 1],
    [3, 2],
    [3, 4],
    [1, 1],
    [5, 1],
  ] as const) {
    it(`matches the built-in conv2d gradient for a ${k}x${k} kernel, dilation ${dil}`, async () => {
      const x = tf.randomNormal([2, 9, 11, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const w = tf.randomNormal([k, k, 3, 5], 0, 1, 'float32', 8) as tf.Tensor4D;
      const dyW = tf.randomNormal([2, 9, 11, 5], 0, 1, 'float32', 9);
      const before = tf.memory().numTensors;
      // The built-in gradient has no dilation: compare against the equivalent undilated kernel
      // (taps at multiples of the dilation, zeros between) and sample its filter gradient.
      const ke = dil * (k - 1) + 1;
      const expand = (ww: tf.Tensor): tf.Tensor4D => {
        if (dil === 1) return ww as tf.Tensor4D;
        const idx: number[] = [];
        for (let i = 0; i < k; i++) idx.push(i * dil);
        const sel = tf.oneHot(idx, ke).transpose() as tf.Tensor2D; // [ke, k]
        const [, , ci, co] = ww.shape;
        const rows = tf.matMul(sel, ww.reshape([k, k * ci * co])).reshape([ke, k, ci, co]).transpose([1, 0, 2, 3]);
        const both = tf.matMul(sel, rows.reshape([k, ke * ci * co])).reshape([ke, ke, ci, co]);
        return both.transpose([1, 0, 2, 3]) as tf.Tensor4D;
      };
      const refRaw = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, expand(ww), 1, 'same'), dyW)));
      const ref = (args: tf.Tensor[]) => refRaw(args);
      const mine = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv2dSame(xx as tf.Tensor4D, ww as tf.Tensor4D, dil), dyW)));
      const [rx, rw] = ref([x, w]);
      const [mx, mw] = mine([x, w]);
      const yRef = tf.tidy(() => tf.conv2d(x, expand(w), 1, 'same'));
      const yMine = conv2dSame(x, w, dil);
      expect(await maxAbsDiff(yRef, yMine)).toBeLessThan(1e-4);
      expect(await maxAbsDiff(rx, mx)).toBeLessThan(1e-4);
      expect(await maxAbsDiff(rw, mw)).toBeLessThan(1e-3);
      tf.dispose([rx, rw, mx, mw, yRef, yMine]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w, dyW]);
    });
  }

  it('gives the same gradients on the wasm backend (which lacks Conv2DBackpropFilter)', async () => {
    const x = tf.randomNormal([2, 10, 9, 4], 0, 1, 'float32', 17) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 6], 0, 1, 'float32', 18) as tf.Tensor4D;
    const dyW = tf.randomNormal([2, 10, 9, 6], 0, 1, 'float32', 19);
    const f = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv2dSame(xx as tf.Tensor4D, ww as tf.Tensor4D, 2), dyW)));
    const [cx, cw] = f([x, w]);
    const ref = [await cx.data(), await cw.data()];
    await selectBackend({ only: 'wasm' });
    const [wx, ww] = f([x, w]);
    const got = [await wx.data(), await ww.data()];
    await tf.setBackend('cpu');
    for (let i = 0; i < 2; i++) {
      let m = 0;
      for (let j = 0; j < ref[i].length; j++) m = Math.max(m, Math.abs(ref[i][j] - got[i][j]));
      expect(m).toBeLessThan(1e-3);
    }
    tf.dispose([x, w, dyW, cx, cw, wx, ww]);
  });
});
