import * as tf from '@tensorflow/tfjs-core';
import type { SrdaConfig } from './srda-net.ts';

/**
 * A trainer state (weights, loss log-variances, Adam slots, as `SrdaTrainer.stateTensors` writes
 * them) grown to `blocks` residual blocks. Each new block starts as the identity: its first
 * convolution is He-initialised (seeded) and its second is zero, so the grown network computes
 * exactly what the old one did and training goes on from there. Adam keeps its moments by position
 * (the order of the weights), so zero moments for the new weights are inserted where the new
 * weights fall in that order; the old weights keep theirs. Returns new tensors (the caller owns
 * them) in the state's own key order; tensors of `state` that are carried over are the same objects.
 */
export function growResidualBlocks(cfg: SrdaConfig, state: tf.NamedTensorMap, blocks: number, seed = 1): { config: SrdaConfig; state: tf.NamedTensorMap } {
  if (!Number.isInteger(blocks) || blocks <= cfg.blocks) throw new Error(`growResidualBlocks: ${blocks} blocks is not more than the ${cfg.blocks} the state has`);
  const c = cfg.width;
  const last = `block${cfg.blocks - 1}_b/b`;
  const fresh: [string, () => tf.Tensor][] = [];
  for (let i = cfg.blocks; i < blocks; i++) {
    const std = Math.sqrt(2 / (9 * c));
    fresh.push([`block${i}_a/w`, () => tf.randomNormal([3, 3, c, c], 0, std, 'float32', seed * 1000 + i)]);
    fresh.push([`block${i}_a/b`, () => tf.zeros([c])]);
    fresh.push([`block${i}_b/w`, () => tf.zeros([3, 3, c, c])]);
    fresh.push([`block${i}_b/b`, () => tf.zeros([c])]);
  }
  const out: tf.NamedTensorMap = {};
  let inserted = 0;
  for (const [k, t] of Object.entries(state)) {
    out[k] = t;
    if (k === last) {
      for (const [name, make] of fresh) out[name] = make();
      inserted++;
      continue;
    }
    // Optimiser slots: `opt:<variable prefix>block0_b/b/m` (first moments), then `.../v` (second).
    const slot = /^(opt:.*)block(\d+)_b\/b\/([mv])$/.exec(k);
    if (slot && Number(slot[2]) === cfg.blocks - 1) {
      for (const [name] of fresh) {
        const like = state[`${name.replace(/^block\d+/, `block${cfg.blocks - 1}`)}`];
        out[`${slot[1]}${name}/${slot[3]}`] = tf.zeros(like.shape);
      }
      inserted++;
    }
  }
  if (inserted === 0) throw new Error(`growResidualBlocks: the state has no ${last}`);
  return { config: { ...cfg, blocks }, state: out };
}
