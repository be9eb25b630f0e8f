import * as tf from '@tensorflow/tfjs-core';

/**
 * 2-D convolution, stride 1, 'same' zero padding, NHWC, with a hand-written gradient that needs
 * only kernels the wasm backend has (it lacks Conv2DBackpropFilter):
 * - input gradient: a 'same' convolution of dy with the spatially flipped, in/out-transposed
 *   kernel (exact for odd kernel sizes, where 'same' padding is symmetric), dilation kept;
 * - filter gradient: a strided 'valid' convolution of the zero-padded input (channels and batch
 *   swapped) with dy as the kernel.
 *
 * @param x input [N, H, W, Cin]
 * @param w kernel [k, k, Cin, Cout], k odd
 * @param dilation dilation rate (>= 1)
 * @returns [N, H, W, Cout]; the caller owns it.
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, dilation = 1): tf.Tensor4D {
  const k = w.shape[0];
  if (k % 2 !== 1 || w.shape[1] !== k)
    throw new Error(`conv2dSame needs an odd square kernel, got ${w.shape.join('x')}`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x4 = args[0] as tf.Tensor4D;
    const w4 = args[1] as tf.Tensor4D;
    (args[2] as tf.GradSaveFunc)([x4, w4]);
    const value = k === 1 ? conv1x1(x4, w4) : tf.conv2d(x4, w4, 1, 'same', 'NHWC', dilation);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const dy4 = dy;
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [inputGrad(dy4, ws, dilation), filterGrad(xs, dy4, k, dilation)];
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

function conv1x1(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [n, h, wd, cin] = x.shape;
  const cout = w.shape[3];
  return tf.tidy(() =>
    tf.reshape(tf.matMul(tf.reshape(x, [n * h * wd, cin]), tf.reshape(w, [cin, cout])), [n, h, wd, cout]),
  );
}

function inputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, dilation: number): tf.Tensor4D {
  return tf.tidy(() => {
    const wT = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return wT.shape[0] === 1 ? conv1x1(dy, wT) : tf.conv2d(dy, wT, 1, 'same', 'NHWC', dilation);
  });
}

function filterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, dilation: number): tf.Tensor4D {
  // dW[ky,kx,ci,co] = sum over n,y,x of xpad[n, y + ky*d, x + kx*d, ci] * dy[n, y, x, co]: a 'valid'
  // convolution of the padded input (channels as batch, batch as channels) with dy as the kernel,
  // strided by the dilation. Far faster on wasm than transposed matMuls of shifted copies.
  return tf.tidy(() => {
    const pad = (dilation * (k - 1)) / 2;
    const xp =
      pad > 0
        ? tf.pad(x, [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ])
        : x;
    const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, H+2p, W+2p, N]
    const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H, W, N, Cout]
    const g = tf.conv2d(xt, f, dilation, 'valid'); // [Cin, k, k, Cout]
    return tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
