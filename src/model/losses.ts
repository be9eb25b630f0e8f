import * as tf from '@tensorflow/tfjs-core';

/** Charbonnier epsilon in normalised LST units (x 10 K): 1e-3 = 0.01 K. */
export const CHARBONNIER_EPS = 1e-3;
/** SSIM stabilisers for data in normalised units (dynamic range L = 1, i.e. 10 K). */
export const SSIM_C1 = 1e-4;
export const SSIM_C2 = 9e-4;

function maskedMean(v: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(v, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/**
 * Charbonnier loss: mean over valid pixels of sqrt((y - t)^2 + eps^2).
 * @param pred, target same shape; `mask` broadcastable, 1 valid / 0 invalid
 */
export function charbonnierLoss(pred: tf.Tensor, target: tf.Tensor, mask: tf.Tensor, eps = CHARBONNIER_EPS): tf.Scalar {
  return tf.tidy(() => maskedMean(tf.sqrt(tf.add(tf.square(tf.sub(pred, target)), eps * eps)), mask));
}

/**
 * Degradation (energy-conservation) loss: the fine field's 2x2 block mean must equal the coarse
 * input. Charbonnier penalty over valid coarse pixels.
 * @param fine [N, 2h, 2w, 1]; coarse, coarseMask [N, h, w, 1]
 */
export function degradationLoss(fine: tf.Tensor4D, coarse: tf.Tensor4D, coarseMask: tf.Tensor4D, eps = CHARBONNIER_EPS): tf.Scalar {
  return tf.tidy(() => charbonnierLoss(tf.avgPool(fine, 2, 2, 'valid'), coarse, coarseMask, eps));
}

const GAUSS_SIZE = 7;
const GAUSS_SIGMA = 1.5;

function gaussKernels(): [tf.Tensor4D, tf.Tensor4D] {
  const g: number[] = [];
  const r = (GAUSS_SIZE - 1) / 2;
  for (let i = -r; i <= r; i++) g.push(Math.exp(-(i * i) / (2 * GAUSS_SIGMA * GAUSS_SIGMA)));
  const s = g.reduce((a, b) => a + b, 0);
  const n = g.map((v) => v / s);
  return [tf.tensor4d(n, [GAUSS_SIZE, 1, 1, 1]), tf.tensor4d(n, [1, GAUSS_SIZE, 1, 1])];
}

function blur(x: tf.Tensor4D, k: [tf.Tensor4D, tf.Tensor4D]): tf.Tensor4D {
  return tf.conv2d(tf.conv2d(x, k[0], 1, 'valid'), k[1], 1, 'valid');
}

/**
 * SSIM maps (7x7 Gaussian window, sigma 1.5, valid region only) of two single-channel fields.
 * Returns contrast-structure `cs` and luminance `l` maps, each [N, H-6, W-6, 1].
 */
export function ssimMaps(x: tf.Tensor4D, y: tf.Tensor4D): { cs: tf.Tensor4D; l: tf.Tensor4D } {
  return tf.tidy(() => {
    const k = gaussKernels();
    const mx = blur(x, k);
    const my = blur(y, k);
    const sxx = tf.sub(blur(tf.mul(x, x), k), tf.mul(mx, mx));
    const syy = tf.sub(blur(tf.mul(y, y), k), tf.mul(my, my));
    const sxy = tf.sub(blur(tf.mul(x, y), k), tf.mul(mx, my));
    const cs = tf.div(tf.add(tf.mul(sxy, 2), SSIM_C2), tf.add(tf.add(sxx, syy), SSIM_C2)) as tf.Tensor4D;
    const l = tf.div(tf.add(tf.mul(tf.mul(mx, my), 2), SSIM_C1), tf.add(tf.add(tf.mul(mx, mx), tf.mul(my, my)), SSIM_C1)) as tf.Tensor4D;
    return { cs, l };
  });
}

/** Mask of window positions whose whole 7x7 window is valid (no gradient). */
function windowMask(mask: tf.Tensor4D): tf.Tensor4D {
  const k = gaussKernels();
  return tf.cast(tf.greaterEqual(blur(mask, k), 1 - 1e-4), 'float32') as tf.Tensor4D;
}

/**
 * Multi-scale SSIM loss, 1 - mean over `scales` of the masked mean SSIM term: contrast-structure at
 * the finer scales, full SSIM (luminance x cs) at the coarsest (Wang et al. 2003, averaged rather
 * than multiplied so negative cs values cannot produce NaN). Scales halve by 2x2 averaging.
 * The fields are anomalies (normalised LST minus a local mean, around 0); `offset` (default 1,
 * i.e. 10 K) is added to both so the luminance term stays in its positive domain, where an
 * inverted field cannot score as similar.
 * @param x, y, mask [N, H, W, 1] with H, W >= 7 * 2^(scales-1)
 */
export function msssimLoss(x: tf.Tensor4D, y: tf.Tensor4D, mask: tf.Tensor4D, scales = 3, offset = 1): tf.Scalar {
  return tf.tidy(() => {
    let xs = tf.add(x, offset) as tf.Tensor4D;
    let ys = tf.add(y, offset) as tf.Tensor4D;
    let ms = mask;
    let total: tf.Scalar = tf.scalar(0);
    for (let j = 0; j < scales; j++) {
      const { cs, l } = ssimMaps(xs, ys);
      const term = j === scales - 1 ? tf.mul(cs, l) : cs;
      total = tf.add(total, maskedMean(term, windowMask(ms)));
      if (j < scales - 1) {
        xs = tf.avgPool(xs, 2, 2, 'valid');
        ys = tf.avgPool(ys, 2, 2, 'valid');
        ms = tf.cast(tf.greaterEqual(tf.avgPool(ms, 2, 2, 'valid'), 1 - 1e-4), 'float32') as tf.Tensor4D;
      }
    }
    return tf.sub(1, tf.div(total, scales)) as tf.Scalar;
  });
}

/**
 * Adaptive fusion with learned log-variances (Kendall, Gal & Cipolla 2018):
 * sum_i exp(-s_i) * L_i + s_i. `logVars` is a [n] tensor (trainable), `losses` n scalars.
 */
export function adaptiveFusion(losses: tf.Scalar[], logVars: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const l = tf.stack(losses) as tf.Tensor1D;
    return tf.sum(tf.add(tf.mul(tf.exp(tf.neg(logVars)), l), logVars)) as tf.Scalar;
  });
}

/**
 * Gaussian negative log-likelihood per valid pixel, mean of 0.5 ((t - mu) / sigma)^2 + log sigma
 * (constant dropped). Its minimiser is the conditional mean with the conditional standard
 * deviation as sigma, so the mean does not invent texture the inputs cannot explain.
 * With `beta` > 0 each pixel's term is weighted by sigma^(2 beta), held constant (beta-NLL,
 * Seitzer et al. 2022): the plain likelihood lets the mean give up where sigma is large, which is
 * where the squared error is; at beta = 1 the mean's gradient is that of the squared error, while
 * sigma's minimiser is still the conditional standard deviation.
 * @param mu, target, sigma same shape (sigma > 0, normalised units); `mask` 1 valid / 0 invalid
 */
export function gaussianNll(mu: tf.Tensor, target: tf.Tensor, sigma: tf.Tensor, mask: tf.Tensor, beta = 0): tf.Scalar {
  return tf.tidy(() => {
    const nll = tf.add(tf.mul(0.5, tf.square(tf.div(tf.sub(target, mu), sigma))), tf.log(sigma));
    return maskedMean(beta > 0 ? tf.mul(nll, constantOf(tf.pow(sigma, 2 * beta))) : nll, mask);
  });
}

/** `x` as a constant of the gradient: the same values, no gradient flows through it. */
export const constantOf = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([]);
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as unknown as (...args: (tf.Tensor | tf.GradSaveFunc)[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] }) as (x: tf.Tensor) => tf.Tensor;
