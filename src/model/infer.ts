import * as tf from '@tensorflow/tfjs-core';
import type { PixelWindow } from '../core/geo/grid.ts';
import { AppError } from '../core/errors.ts';
import { throwIfAborted, yieldToEventLoop, type RunOptions } from '../core/progress.ts';
import { planTiles, windowHasValid } from '../core/raster/tiling.ts';
import type { Scratch } from '../core/scratch.ts';
import { checkOrientations, runSrdaOriented } from './infer-orient.ts';
import { buildInputWindow, presentChannels, LST_SCALE_K, NORM_WINDOW_PX, buildNetworkInputs, type FineAux, type InputWindow, type PreparedScene } from './inputs.ts';
import { inferSrda, INPUT_CHANNELS, MODEL_AUX, outputChannels, receptiveRadius, SIGMA_FLOOR, type SrdaConfig } from './srda-net.ts';
import { sigmaFromRaw } from './sigma-head.ts';
import type { SrdaModel } from './weights.ts';

/** One stage's input as typed arrays: coarse LST `width*height`, fine aux `4*width*height` each. */
export interface SrdaStageInput {
  /** Coarse grid size in pixels. */
  width: number;
  height: number;
  /** Coarse LST in K, NaN invalid. */
  coarseLstK: Float32Array;
  /** Fine auxiliary layers in physical units (NDVI, NDWI, albedo 0..1, DEM m), NaN invalid. */
  fineAux: FineAux;
  /**
   * The coarse window (in this grid) whose output the caller keeps, e.g. a pipeline tile's core
   * inside its halo: the network then runs on it plus the receptive radius only (the whole input
   * still feeds the local means), and the output outside it stays NaN. Absent: the whole grid.
   */
  core?: PixelWindow;
  /**
   * Arrays of `4*width*height` values for the output (a caller's buffers of an earlier tile that it
   * no longer needs): filled and returned instead of new ones; one of another length is not used.
   */
  into?: { lstK?: Float32Array; sigmaK?: Float32Array };
  /**
   * Work arrays kept from call to call (a tile worker's pool): the prepared scene, the network's
   * input window and its downloaded output are taken from it rather than allocated per call.
   */
  scratch?: Scratch;
}

/** Options of SRDA-Net inference. */
export interface SrdaInferOptions extends RunOptions {
  /** Tile size in coarse pixels, without halo (default 192). */
  tileCoarsePx?: number;
  /** Halo in coarse pixels (default: the network's receptive radius, which makes tiling exact). */
  haloCoarsePx?: number;
  /**
   * 1 (default here): one pass. 2 or 8: the mean of the passes on the input in each orientation
   * of `orientationSet(n)` (core/raster/orient.ts: the identity and the 180-degree rotation, or
   * all eight), each oriented back (sigma: the root of the mean of sigma^2); n network passes.
   * Anything else is BAD_ARGUMENT.
   */
  orientations?: number;
}

export { checkOrientations } from './infer-orient.ts';

/**
 * How far (coarse px) a prediction depends on its input, input preparation included (local means,
 * bicubic taps): the halo a caller that tiles the scene itself must give `runSrda`.
 */
export function srdaHaloCoarsePx(cfg: SrdaConfig): number {
  return receptiveRadius(cfg) + (NORM_WINDOW_PX - 1) / 2 + 2;
}

/**
 * The halo (coarse px) around each tile's core the runner gives the network: its receptive radius
 * less the outer 4 px, where an output's dependence on its input has decayed (mostly pooled context,
 * through the 15 px GCA and 7 px MSCA box means). Measured with the one-block tiny weights of step 88000 (radius 19,
 * halo 15), tiles of 16 coarse px against the untiled stage, on Fayoum (NDVI, albedo, DEM), Dhaka
 * 097 and 113 and MODIS-ASTER pairs 0 and 102, both stages: LST max |difference| <= 3.7e-4 K (RMSE
 * <= 1.2e-5 K), sigma <= 4.2e-3 K; closed-loop RMSE the same to 1e-5 K. (14 px: sigma 0.0105 K;
 * 12 px: LST 0.004 K; 10 px: LST 0.016 K.) Saves ~5 % of the full tile's network work.
 */
export function srdaNetworkHaloCoarsePx(cfg: SrdaConfig): number {
  return Math.max(0, receptiveRadius(cfg) - 4);
}

/**
 * Runs SRDA-Net for one factor-2 stage on the active tfjs backend: the bicubic upsample plus the
 * predicted residual, on the fine grid (`2*width` x `2*height`, row-major, K), NaN where the coarse
 * LST is invalid. The scene is prepared once (local means, normalisation) and run in tiles with a
 * halo of the receptive radius, so tiled and untiled outputs agree; tiles without valid LST are
 * skipped. All tensors are disposed. Checks `signal` between tiles; reports `{stage:'srda'}`.
 */
export async function runSrda(model: SrdaModel, input: SrdaStageInput, options: SrdaInferOptions = {}): Promise<Float32Array> {
  return (await runSrdaStage(model, input, options)).lstK;
}

/** SRDA-Net output of one stage: the fine LST and, for models with an uncertainty head, its standard deviation. */
export interface SrdaStageOutput {
  /** Fine LST in K (`2*width` x `2*height`), NaN where the coarse LST is invalid. */
  lstK: Float32Array;
  /** Predicted standard deviation of the fine LST around `lstK`, K, same grid; absent for models without `sigma`. */
  sigmaK?: Float32Array;
}

/**
 * `runSrda` plus the per-pixel standard deviation of models trained with the Gaussian likelihood;
 * with `orientations: 2` or `8` averaged over that many orientations of the input.
 */
export async function runSrdaStage(model: SrdaModel, input: SrdaStageInput, options: SrdaInferOptions = {}): Promise<SrdaStageOutput> {
  return checkOrientations(options.orientations) === 1 ? runSrdaOnce(model, input, options) : runSrdaOriented(model, input, options, runSrdaOnce);
}

/** One pass of the network over the stage (`runSrdaStage` with one orientation). */
async function runSrdaOnce(model: SrdaModel, input: SrdaStageInput, options: SrdaInferOptions): Promise<SrdaStageOutput> {
  const { width: w, height: h } = input;
  const tile = options.tileCoarsePx ?? 192;
  const halo = options.haloCoarsePx ?? receptiveRadius(model.config);
  const keep = input.core ?? { col: 0, row: 0, width: w, height: h };
  if (!(keep.col >= 0 && keep.row >= 0 && keep.width >= 1 && keep.height >= 1 && keep.col + keep.width <= w && keep.row + keep.height <= h)) {
    throw new AppError('INTERNAL', `SRDA-Net: core window ${JSON.stringify(keep)} is not inside the ${w}x${h} input.`);
  }
  // The network reads the core plus its halo (runTile's windows): the auxiliary layers are
  // normalised there only; the local means still see the whole input.
  const region = { y0: Math.max(0, keep.row - halo), y1: Math.min(h, keep.row + keep.height + halo), x0: Math.max(0, keep.col - halo), x1: Math.min(w, keep.col + keep.width + halo) };
  const prepared = buildNetworkInputs(input.coarseLstK, w, h, input.fineAux, region, input.scratch);
  const n = 4 * w * h;
  const out = (input.into?.lstK?.length === n ? input.into.lstK : new Float32Array(n)).fill(Number.NaN);
  const sigma = model.config.sigma ? (input.into?.sigmaK?.length === n ? input.into.sigmaK : new Float32Array(n)).fill(Number.NaN) : undefined;
  const tiles = planTiles(keep.width, keep.height, tile, halo);
  const channels = sceneChannels(prepared);
  let done = 0;
  for (const t of tiles) {
    throwIfAborted(options.signal);
    const c = { ...t.core, col: t.core.col + keep.col, row: t.core.row + keep.row };
    if (windowHasValid(input.coarseLstK, w, c)) {
      await runTile(model, prepared, { y0: c.row, y1: c.row + c.height, x0: c.col, x1: c.col + c.width }, halo, channels, out, sigma, input.scratch);
    }
    done++;
    // The network's own tiles, under the phrase of whoever runs it ('SRDA-Net corrected, network'), not the method's id.
    options.onProgress?.({ stage: 'network', done, total: tiles.length, detail: `tile ${done}/${tiles.length}` });
    if (tiles.length > 1) await yieldToEventLoop();
  }
  return sigma ? { lstK: out, sigmaK: sigma } : { lstK: out };
}

/**
 * The input channels that can be non-zero for this scene (`presentChannels`), or undefined when all
 * are. An absent layer's channels are zeros, which add nothing to the head convolution: leaving them
 * out (with the head's weights for them) gives the same sums in fewer multiply-adds (NDVI + DEM: 16
 * of 41 channels, the head 5904 -> 2304 of the tiny network's 23696 per coarse pixel). Only the
 * summation order changes.
 */
function sceneChannels(s: PreparedScene): number[] | undefined {
  const keep = presentChannels(MODEL_AUX.filter((name) => s.aux[name]));
  return keep.length < INPUT_CHANNELS ? keep : undefined;
}

async function runTile(
  model: SrdaModel,
  s: PreparedScene,
  core: { y0: number; y1: number; x0: number; x1: number },
  halo: number,
  channels: number[] | undefined,
  out: Float32Array,
  sigma?: Float32Array,
  scratch?: Scratch,
): Promise<void> {
  const ey0 = Math.max(0, core.y0 - halo);
  const ex0 = Math.max(0, core.x0 - halo);
  const ey1 = Math.min(s.h, core.y1 + halo);
  const ex1 = Math.min(s.w, core.x1 + halo);
  // On the wasm backend the network's input is written straight into its tensor's memory in the
  // wasm heap and its output read from there: no copy of either in this thread's memory (4.7 + 2.3 MB
  // of a tile worker's on a 270 px tile). Elsewhere the input is an array copied into a tensor.
  const heap = wasmHeap();
  let input: tf.Tensor4D | undefined;
  const inHeap = heap
    ? (wh: number, ww: number, c: number): Float32Array => {
        const info = heap.makeOutput([1, wh, ww, c], 'float32');
        input = tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
        // Taken after the allocation (which may grow the heap) and filled before any other.
        return heap.typedArrayFromHeap(info).fill(0);
      }
    : undefined;
  // The head's weights for these channels first, then the input: the order of the heap's allocations as
  // when both were made in one tidy (a worker's wasm heap is laid out as before).
  let head: tf.Tensor | undefined = channels ? tf.gather(model.params['head/w'], channels, 2) : undefined;
  let res: tf.Tensor | undefined;
  try {
    // Built in the compact layout: the channels `channels` lists, in that order.
    const win = buildInputWindow(s, ey0, ey1, ex0, ex1, undefined, true, scratch, inHeap);
    // The input tensor goes once the head convolution has read it (inferSrda's releaseInput).
    res = tf.tidy(() => inferSrda(model.config, head ? { ...model.inferParams, 'head/w': head } : model.inferParams, input ?? tf.tensor4d(win.data, [1, win.wh, win.ww, win.channels]), true));
    head?.dispose();
    head = undefined;
    // A view of the heap, read before `res` is disposed and before anything else is allocated there.
    const r = heap ? heap.typedArrayFromHeap(res) : ((await res.data()) as Float32Array);
    pasteTile(model, s, core, ey0, ex0, win, r, out, sigma);
  } finally {
    head?.dispose();
    res?.dispose();
    if (input && !input.isDisposed) input.dispose();
  }
}

/** The wasm backend's access to its tensors' memory, where it is the active backend. */
interface WasmHeap {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

function wasmHeap(): WasmHeap | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const b = tf.backend() as unknown as Partial<WasmHeap>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' ? (b as WasmHeap) : undefined;
}

/** One tile's network output `r` (`win.wh x win.ww x C`) onto the fine grid's `out` and `sigma`, over its core. */
function pasteTile(
  model: SrdaModel,
  s: PreparedScene,
  core: { y0: number; y1: number; x0: number; x1: number },
  ey0: number,
  ex0: number,
  win: InputWindow,
  r: Float32Array,
  out: Float32Array,
  sigma?: Float32Array,
): void {
  // r is [wh, ww, C] with channel q = dy*2 + dx (depth-to-space order), done here in JS; with an
  // uncertainty head channels 4 + q hold its raw value (sd = softplus + floor, `sigmaFromRaw`).
  const C = outputChannels(model.config);
  const sigmaScale = LST_SCALE_K * (model.meta.sigmaScale ?? 1);
  const fw = 2 * win.ww;
  const outW = 2 * s.w;
  // One coarse pixel (its mask read once) and its 2x2 fine pixels per step, indices row-wise.
  for (let cy = core.y0; cy < core.y1; cy++) {
    const maskRow = cy * s.w;
    const b0 = 2 * (cy - ey0) * fw - 2 * ex0;
    const o0 = 2 * cy * outW;
    const k0 = ((cy - ey0) * win.ww - ex0) * C;
    for (let cx = core.x0; cx < core.x1; cx++) {
      if (!s.lstMask[maskRow + cx]) continue;
      const k = k0 + cx * C;
      const b = b0 + 2 * cx;
      const o = o0 + 2 * cx;
      out[o] = win.bicubic[b] + LST_SCALE_K * r[k];
      out[o + 1] = win.bicubic[b + 1] + LST_SCALE_K * r[k + 1];
      out[o + outW] = win.bicubic[b + fw] + LST_SCALE_K * r[k + 2];
      out[o + outW + 1] = win.bicubic[b + fw + 1] + LST_SCALE_K * r[k + 3];
      if (sigma) {
        sigma[o] = sigmaFromRaw(r[k + 4], sigmaScale, SIGMA_FLOOR);
        sigma[o + 1] = sigmaFromRaw(r[k + 5], sigmaScale, SIGMA_FLOOR);
        sigma[o + outW] = sigmaFromRaw(r[k + 6], sigmaScale, SIGMA_FLOOR);
        sigma[o + outW + 1] = sigmaFromRaw(r[k + 7], sigmaScale, SIGMA_FLOOR);
      }
    }
  }
}

/** Runs the network once on a small input so the backend compiles its kernels before timing. */
export async function warmUpSrda(model: SrdaModel): Promise<void> {
  const t = tf.tidy(() => inferSrda(model.config, model.inferParams, tf.zeros([1, 16, 16, INPUT_CHANNELS]), true));
  try {
    await t.data();
  } finally {
    t.dispose();
  }
}
