import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '../src/model/backend.ts';
import { DEFAULT_ORIENTATIONS, type OrientationCount } from '../src/core/raster/orient.ts';
import { runSrdaStage, warmUpSrda, type SrdaStageInput } from '../src/model/infer.ts';
import { Scratch } from '../src/core/scratch.ts';
import {
  forwardSrda,
  initParams,
  INPUT_CHANNELS,
  macsPerCoarsePixel,
  SRDA_SIZES,
  type SrdaConfig,
} from '../src/model/srda-net.ts';
import {
  createSrdaModel,
  loadSrdaWeights,
  type SrdaModel,
  type SrdaWeightsSource,
} from '../src/model/weights.ts';

/** Timing of SRDA-Net and of an equal-FLOP plain convolution stack on one backend. */
export interface TileTiming {
  backend: BackendName;
  /** Coarse tile side, px (output is 2x this a side). */
  tilePx: number;
  /** Network passes per stage tile: the orientations averaged (the product's default, 2). */
  passes: number;
  /** Median wall time of one stage tile through `runSrdaStage` with `passes` orientations (input preparation + network + assembly, per pass), ms. */
  msPerTile: number;
  /** Median wall time of one network forward pass alone on the tile, ms. */
  forwardMs: number;
  /** Output megapixels per second of the stage tile (4 * tilePx^2 / msPerTile). */
  mpxPerS: number;
  /** Achieved GFLOP/s of the network forward pass (2 x MACs of the convolutions / forwardMs). */
  gflops: number;
  /** Same figure over the whole stage tile: 2 x MACs x passes / msPerTile. */
  gflopsStage: number;
  /** Median time of the plain conv2d stack of (about) equal FLOPs, ms. */
  ceilingMs: number;
  /** Its achieved GFLOP/s: the backend's practical ceiling for this work size. */
  ceilingGflops: number;
  /** gflops / ceilingGflops. */
  efficiency: number;
  macsPerCoarsePx: number;
  /** The ceiling stack: `layers` 3x3 convolutions of `channels` channels. */
  ceiling: { layers: number; channels: number; macsPerPx: number };
  reps: number;
  /** Live tensors after minus before (must be 0). */
  leakedTensors: number;
}

/** Options of `benchTiles`. */
export interface TileBenchOptions {
  backend: BackendName;
  tilePx: number;
  reps: number;
  /** Weights to time (trained weights); absent -> He-initialised `small` weights (same FLOPs). */
  weights?: SrdaWeightsSource;
  /** Browser: URL prefix of the tfjs wasm binaries. */
  wasmPaths?: string;
  /** Orientations (network passes) per stage tile (default DEFAULT_ORIENTATIONS, one pass, as the CLI and app run). */
  orientations?: OrientationCount;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = (): number => performance.now();

/** A smooth deterministic stage input, n x n coarse px (the timing does not depend on the values). */
export function syntheticStage(n: number): { width: number; height: number; coarseLstK: Float32Array; fineAux: Record<'ndvi' | 'dem' | 'albedo' | 'ndwi', Float32Array> } {
  const coarse = new Float32Array(n * n);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) coarse[y * n + x] = 300 + 5 * Math.sin(x / 9) * Math.cos(y / 13);
  const f = 2 * n;
  const mk = (g: (x: number, y: number) => number) => {
    const a = new Float32Array(f * f);
    for (let y = 0; y < f; y++) for (let x = 0; x < f; x++) a[y * f + x] = g(x, y);
    return a;
  };
  return {
    width: n,
    height: n,
    coarseLstK: coarse,
    fineAux: {
      ndvi: mk((x, y) => 0.4 + 0.3 * Math.sin(x / 7 + y / 11)),
      ndwi: mk((x, y) => 0.1 * Math.cos(x / 5 - y / 17)),
      albedo: mk((x) => 0.18 + 0.05 * Math.sin(x / 23)),
      dem: mk((x, y) => 200 + 80 * Math.sin(y / 31) + 20 * Math.cos(x / 19)),
    },
  };
}

async function loadModel(weights?: SrdaWeightsSource): Promise<{ model: SrdaModel; trained: boolean }> {
  if (weights) return { model: await loadSrdaWeights(weights), trained: true };
  const cfg: SrdaConfig = SRDA_SIZES.small;
  // tidy frees the initial values tf.variable copies (initParams alone leaves them live).
  return {
    model: createSrdaModel(
      cfg,
      'small',
      tf.tidy(() => initParams(cfg, 7)),
    ),
    trained: false,
  };
}

/** The plain stack: 4 layers of 3x3 convolutions whose channel count matches the model's MACs. */
export function ceilingStack(macsPerPx: number): { layers: number; channels: number; macsPerPx: number } {
  const layers = 4;
  const channels = Math.max(4, Math.round(Math.sqrt(macsPerPx / (9 * layers))));
  return { layers, channels, macsPerPx: layers * 9 * channels * channels };
}

async function timeCeiling(
  spec: { layers: number; channels: number },
  n: number,
  reps: number,
): Promise<number[]> {
  const c = spec.channels;
  const ws = Array.from(
    { length: spec.layers },
    (_, i) => tf.randomNormal([3, 3, c, c], 0, Math.sqrt(2 / (9 * c)), 'float32', 11 + i) as tf.Tensor4D,
  );
  const bs = Array.from({ length: spec.layers }, () => tf.zeros([c]));
  const x = tf.randomNormal([1, n, n, c], 0, 1, 'float32', 3) as tf.Tensor4D;
  const once = async () => {
    const y = tf.tidy(() => {
      let h = x;
      for (let i = 0; i < spec.layers; i++)
        h = tf.relu(tf.add(tf.conv2d(h, ws[i], 1, 'same'), bs[i])) as tf.Tensor4D;
      return h;
    });
    try {
      await y.data();
    } finally {
      y.dispose();
    }
  };
  try {
    await once();
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t = now();
      await once();
      times.push(now() - t);
    }
    return times;
  } finally {
    tf.dispose([...ws, ...bs, x]);
  }
}

/**
 * Times SRDA-Net on one `tilePx` x `tilePx` coarse tile on `backend` (median of `reps` after a
 * warm-up): the whole stage tile through `runSrdaStage` with the default's orientations (one network
 * pass unless `orientations` says otherwise), as a tile worker runs it (work arrays and output
 * buffers kept from tile to tile), one forward pass alone, and a plain conv2d
 * stack of about equal FLOPs as the ceiling. Switches the global tfjs backend. Leaves no tensors.
 */
export async function benchTiles(opts: TileBenchOptions): Promise<TileTiming & { trainedWeights: boolean }> {
  await selectBackend({ only: opts.backend, wasmPaths: opts.wasmPaths });
  const before = tf.memory().numTensors;
  const { model, trained } = await loadModel(opts.weights);
  const n = opts.tilePx;
  const reps = Math.max(1, opts.reps);
  const passes = opts.orientations ?? DEFAULT_ORIENTATIONS;
  const macs = macsPerCoarsePixel(model.config);
  const ceiling = ceilingStack(macs);
  let stageTimes: number[] = [];
  let fwdTimes: number[] = [];
  let ceilTimes: number[];
  try {
    await warmUpSrda(model);
    // As a tile worker runs its tiles (pipeline/tile-worker.ts): its work arrays kept from tile to
    // tile, and the output written into an earlier tile's buffers.
    const input: SrdaStageInput = { ...syntheticStage(n), scratch: new Scratch() };
    const stage = async () => {
      const out = await runSrdaStage(model, input, { tileCoarsePx: n, orientations: passes });
      input.into = out;
    };
    await stage();
    for (let r = 0; r < reps; r++) {
      const t = now();
      await stage();
      stageTimes.push(now() - t);
    }
    const x = tf.randomNormal([1, n, n, INPUT_CHANNELS], 0, 0.5, 'float32', 5) as tf.Tensor4D;
    try {
      for (let r = 0; r <= reps; r++) {
        const t = now();
        const y = tf.tidy(() => forwardSrda(model.config, model.params, x, false)); // the inference pass the product runs
        await y.data();
        y.dispose();
        if (r > 0) fwdTimes.push(now() - t);
      }
    } finally {
      x.dispose();
    }
    ceilTimes = await timeCeiling(ceiling, n, reps);
  } finally {
    model.dispose();
  }
  const msPerTile = median(stageTimes);
  const forwardMs = median(fwdTimes);
  const ceilingMs = median(ceilTimes);
  const px = n * n;
  const gflops = (2 * macs * px) / (forwardMs * 1e6);
  const ceilingGflops = (2 * ceiling.macsPerPx * px) / (ceilingMs * 1e6);
  stageTimes = fwdTimes = [];
  return {
    backend: opts.backend,
    tilePx: n,
    passes,
    msPerTile,
    forwardMs,
    mpxPerS: (4 * px) / (msPerTile * 1e3),
    gflops,
    gflopsStage: (2 * macs * px * passes) / (msPerTile * 1e6),
    ceilingMs,
    ceilingGflops,
    efficiency: gflops / ceilingGflops,
    macsPerCoarsePx: macs,
    ceiling,
    reps,
    leakedTensors: tf.memory().numTensors - before,
    trainedWeights: trained,
  };
}
