import * as tf from '@tensorflow/tfjs';

/** Tensors alive on the active tfjs backend: tests above model/ compare it before and after a run. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
