import { Rng } from '../core/random.ts';
import { degradeArray } from '../core/raster/aggregate.ts';
import { generateScene, randomSceneOptions } from './synth/scene.ts';
import { composeOrientations, orientWindow, ORIENTATIONS } from '../core/raster/orient.ts';
import { allocBatch, makePair, orientPair, writePatch, type ClosedLoopPair } from '../model/patches.ts';
import { MODEL_AUX, type ModelAuxName } from '../model/srda-net.ts';
import type { TrainBatch } from '../model/train.ts';

/** Fine pixel sizes of the synthetic scenes (multi-scale training: Landsat-like to MODIS-like). */
const SYNTH_PIXEL_M = [30, 60, 120, 250, 500, 1000];
/** Fine size of one synthetic scene, px (coarse = half). */
const SYNTH_FINE_PX = 192;

/**
 * A synthetic closed-loop pair: a deterministic scene from training/synth (random options per seed,
 * random ground resolution), coarse LST = its block mean (30% of scenes with a MODIS-like
 * Gaussian point spread first).
 */
export function synthPair(seed: number): ClosedLoopPair {
  const rng = new Rng(seed ^ 0x5eed);
  const pixelSizeM = rng.pick(SYNTH_PIXEL_M);
  const scene = generateScene(randomSceneOptions(seed, { width: SYNTH_FINE_PX, height: SYNTH_FINE_PX, pixelSizeM }));
  const psf = rng.chance(0.3) ? rng.uniform(0.4, 1.2) : 0;
  const coarse = degradeArray(scene.lstK, scene.width, scene.height, 2, { psfSigmaFinePx: psf });
  return makePair(`synth-${seed}-${pixelSizeM}m`, coarse.data, coarse.width, coarse.height, scene.lstK, {
    ndvi: scene.ndvi,
    ndwi: scene.ndwi,
    albedo: scene.albedo,
    dem: scene.dem,
  });
}

/** Options of the batch sampler. */
export interface SamplerOptions {
  seed: number;
  batch: number;
  patchPx: number;
  /** Share of patches drawn from real scenes when there are any (0-1). */
  realShare: number;
  /** Synthetic scenes kept in memory; `refresh` of them are replaced every batch. */
  poolSize: number;
  refresh: number;
  /**
   * Each patch in one of the eight orientations (mirrors, rotations, transposes), drawn at random:
   * the network sees every layout of the same physics. Off: patches as they lie.
   */
  augment?: boolean;
  /**
   * Each batch also carries its twin (`TrainBatch.twin`): every patch again, the same pixels in
   * the orientation drawn for the batch, for the consistency term. Off: no twin, and the batches
   * are exactly those of a run without it (the twin's draws use their own generator).
   */
  twins?: boolean;
  /**
   * Each batch also carries its seven other views (`TrainBatch.views`): every patch again, the same
   * pixels in each orientation but the identity, for a teacher's orientation ensemble. Off: no
   * views; the batches themselves are the same either way (views draw nothing).
   */
  views?: boolean;
}

/**
 * Deterministic batch sampler: synthetic pool (refreshed as training goes) plus fixed real pairs.
 * Random patch crops and random auxiliary-channel dropout (each layer dropped with p = 0.3, and
 * a quarter of patches keep NDVI only) so users with fewer layers still get good results.
 */
export class BatchSampler {
  private readonly opts: SamplerOptions;
  private readonly real: ClosedLoopPair[];
  private readonly pool: ClosedLoopPair[] = [];
  /** Oriented copies of the real pairs, made on first use (`augment`). */
  private readonly oriented = new Map<ClosedLoopPair, ClosedLoopPair[]>();
  private rng: Rng;

  /** `startStep` > 0 rebuilds the pool as it was at that step (resume gives the same batches). */
  constructor(opts: SamplerOptions, real: ClosedLoopPair[], startStep = 0) {
    this.opts = opts;
    this.real = real.filter((p) => p.w >= 8 && p.h >= 8);
    this.rng = new Rng(opts.seed);
    const last = startStep * opts.refresh - 1;
    for (let j = 0; j < opts.poolSize; j++) {
      const k = last >= j ? last - ((last - j) % opts.poolSize) : -1;
      this.pool.push(synthPair(this.poolSeed(k < 0 ? j : opts.poolSize + k)));
    }
  }

  private poolSeed(i: number): number {
    return this.opts.seed * 1_000_003 + i;
  }

  /** The batch of step `step` (the same step always gives the same batch for a given seed). */
  batchFor(step: number): TrainBatch {
    this.rng = new Rng(this.opts.seed * 7919 + step);
    for (let i = 0; i < this.opts.refresh; i++) {
      const k = step * this.opts.refresh + i;
      this.pool[k % this.pool.length] = synthPair(this.poolSeed(this.opts.poolSize + k));
    }
    const p = this.opts.patchPx;
    const batch = allocBatch(this.opts.batch, p);
    // The twin's orientation relative to each patch: one per batch, never the identity.
    const twinK = this.opts.twins ? new Rng(this.opts.seed * 104_729 + step).int(1, ORIENTATIONS - 1) : 0;
    const twin = this.opts.twins ? allocBatch(this.opts.batch, p) : undefined;
    const views = this.opts.views ? Array.from({ length: ORIENTATIONS - 1 }, (_, i) => ({ batch: allocBatch(this.opts.batch, p), orientation: i + 1 })) : [];
    for (let b = 0; b < this.opts.batch; b++) {
      for (let attempt = 0; attempt < 8; attempt++) {
        const useReal = this.real.length > 0 && this.rng.chance(this.opts.realShare);
        const drawn = useReal ? this.pickReal() : this.pool[this.rng.int(0, this.pool.length - 1)];
        const k = this.opts.augment ? this.rng.int(0, ORIENTATIONS - 1) : 0;
        const pair = this.opts.augment ? this.orient(drawn, k, useReal) : drawn;
        // Pairs smaller than a patch sit at a random offset inside it (zero padding around).
        const y0 = pair.h >= p ? this.rng.int(0, pair.h - p) : -this.rng.int(0, p - pair.h);
        const x0 = pair.w >= p ? this.rng.int(0, pair.w - p) : -this.rng.int(0, p - pair.w);
        const need = Math.min(0.5, (0.6 * Math.min(p, pair.h) * Math.min(p, pair.w)) / (p * p));
        const drop = this.dropSet();
        const ok = writePatch(batch, b, pair, y0, x0, drop) >= need;
        if (ok || attempt === 7) {
          // Patch b of `into` is patch b turned by `turn`: the same pixels of the same pair, the same dropped layers.
          const writeTurned = (into: TrainBatch, turn: number) => {
            const win = orientWindow({ col: x0, row: y0, width: p, height: p }, pair.w, pair.h, turn);
            writePatch(into, b, this.orient(drawn, composeOrientations(k, turn), useReal), win.row, win.col, drop);
          };
          if (twin) writeTurned(twin, twinK);
          for (const v of views) writeTurned(v.batch, v.orientation);
        }
        if (ok) break;
      }
    }
    if (twin) batch.twin = { batch: twin, orientation: twinK };
    if (views.length > 0) batch.views = views;
    return batch;
  }

  /** `pair` in orientation `k`; a real pair's orientations are kept (they are drawn again), a synthetic one's are not. */
  private orient(pair: ClosedLoopPair, k: number, keep: boolean): ClosedLoopPair {
    if (!keep) return orientPair(pair, k);
    let all = this.oriented.get(pair);
    if (!all) {
      all = [];
      this.oriented.set(pair, all);
    }
    return (all[k] ??= orientPair(pair, k));
  }

  /** Pairs with auxiliary layers are drawn 3x as often as LST-only ones. */
  private pickReal(): ClosedLoopPair {
    const w = this.real.map((p) => (Object.keys(p.prepared.aux).length > 0 ? 3 : 1));
    let r = this.rng.uniform(0, w.reduce((a, b) => a + b, 0));
    for (let i = 0; i < w.length; i++) {
      r -= w[i];
      if (r < 0) return this.real[i];
    }
    return this.real[this.real.length - 1];
  }

  private dropSet(): Set<ModelAuxName> {
    const drop = new Set<ModelAuxName>();
    if (this.rng.chance(0.25)) {
      for (const a of MODEL_AUX) if (a !== 'ndvi') drop.add(a);
    } else {
      for (const a of MODEL_AUX) if (this.rng.chance(0.3)) drop.add(a);
    }
    return drop;
  }

  get realPairs(): readonly ClosedLoopPair[] {
    return this.real;
  }
}
