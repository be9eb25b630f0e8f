import type { PixelWindow } from '../core/geo/grid.ts';
import type { AuxName, Grid, Raster } from '../core/raster/raster.ts';
import type { RunOptions } from '../core/progress.ts';
import type { PackedRaster } from '../core/raster/packed.ts';
import type { Scratch } from '../core/scratch.ts';
import { METHOD_NAMES as NAMES } from '../core/method-names.ts';

/** Downscaling methods. `srda` is SRDA-Net (model/); the others are the classical baselines. */
export type MethodId = 'srda' | 'bicubic' | 'tsharp' | 'dms';

/** A method's name as the app's layers and the progress lines say it (`SRDA-Net`, `Bicubic`, `TsHARP`, `DMS`). */
export const METHOD_NAMES: Readonly<Record<MethodId, string>> = NAMES;

/**
 * One factor-2 stage: coarse LST plus auxiliary layers -> LST on the fine grid.
 * The fine grid is exactly the coarse grid refined by 2 (same origin and CRS, half the pixel size,
 * `width = 2*coarse.width`, `height = 2*coarse.height`).
 */
export interface StageInput {
  /** LST in K on the coarse grid, NaN where invalid (QC-masked, fill, cloud). */
  coarseLst: Raster;
  /** The fine output grid. */
  fineGrid: Grid;
  /** Auxiliary layers on the fine grid (physical units, NaN invalid). Only those available are set. */
  fineAux: Partial<Record<AuxName, Raster>>;
  /** The same auxiliary layers aggregated (block mean) to the coarse grid. */
  coarseAux: Partial<Record<AuxName, Raster>>;
  /**
   * Set on a tile with halo: the part of `coarseLst` (coarse px, in its frame) whose output the
   * runner keeps. A method may compute only what that needs and leave the rest NaN. Absent: all.
   */
  core?: PixelWindow;
  /**
   * Fine auxiliary layers still as int16 codes (a tile's window of a packed scene layer), handed
   * only to methods with `takesPackedAux`; each is absent from `fineAux`. `withFineAuxDecoded`
   * (pipeline/packed-input.ts) moves them into `fineAux`, bit-identical to decoding them first.
   */
  packedFineAux?: Partial<Record<AuxName, PackedRaster>>;
  /**
   * Arrays of the tile's fine size (`fineGrid` pixels) the method may write its prediction into
   * instead of new ones: an inference worker's buffers of earlier tiles, handed back by the
   * runner (`StageMethod.recycle`). Never sent to a worker.
   */
  into?: { lstK?: Float32Array; sigmaK?: Float32Array; carriedVarK2?: Float32Array };
  /**
   * Work arrays the method may take instead of allocating them (an inference worker's pool, kept
   * from tile to tile); nothing it returns may be one of them. Never sent to a worker.
   */
  scratch?: Scratch;
}

/**
 * A downscaling method for one stage. Returns LST in K on `input.fineGrid` (row-major,
 * NaN where it cannot predict), *before* residual correction: the runner applies that.
 */
export interface StageMethod {
  readonly id: MethodId;
  readonly label: string;
  /** Which auxiliary layers the method uses when present (informational, for reports). */
  readonly usesAux: readonly AuxName[];
  /**
   * Halo in coarse pixels this method needs around a tile so that tiled and untiled results agree
   * (its receptive field). `Infinity` means the method is global (fits a model on the whole scene)
   * and must see the whole scene: the runner then fits once and predicts per tile, or does not tile.
   */
  readonly haloCoarsePx: number;
  /**
   * False when `runStage` (and a fitted stage's `predictTile`) never reads `coarseAux`: the runner
   * then hands its tiles none (decoding and block-averaging every guide for each tile is the main
   * thread's largest cost on a full tile). Absent: true.
   */
  readonly readsCoarseAux?: boolean;
  /**
   * True when `runStage` accepts fine layers still packed (`StageInput.packedFineAux`) and decodes
   * them itself: the runner then sends a tile's int16 window, half the bytes, instead of decoding
   * it (an inference pool, whose workers decode it beside the network). Absent: false.
   */
  readonly takesPackedAux?: boolean;
  runStage(input: StageInput, options?: RunOptions): Promise<Float32Array>;
  /**
   * Optional (a pool of inference workers): takes back arrays of a tile's prediction that the runner
   * has copied out and no longer reads, so the worker that made them writes a later tile into them
   * instead of allocating (memory garbage, and in a browser the renderer's peak). Arrays it did not
   * hand out are ignored. The caller must not touch them afterwards.
   */
  recycle?(arrays: Float32Array[]): void;
  /**
   * Optional (a pool of inference workers): a buffer of at least `bytes` bytes for a window the
   * runner cuts for a tile (its coarse LST, its packed fine layers), one a worker handed back after
   * an earlier tile's, or undefined (then a new array). Its contents are stale: the window is
   * written whole. It goes to a worker with the tile, and comes back when that tile is done.
   */
  windowBuffer?(bytes: number): ArrayBuffer | undefined;
  /**
   * How many tiles the runner may pass to `runStage` at once (a pool of workers, pipeline/tile-pool.ts);
   * default 1. Only for tiled methods (finite `haloCoarsePx`).
   */
  readonly concurrency?: number;
  /**
   * Optional: `runStage` plus the predicted standard deviation (K) of each fine pixel around the
   * prediction, same layout. Methods with an uncertainty head (SRDA-Net v2) provide it.
   */
  runStageWithSigma?(input: StageInput, options?: RunOptions): Promise<StagePrediction>;
  /**
   * Optional: `runStageWithSigma` weighted by a closed-loop detail weight `alpha` (in [0, 1]):
   * bicubic + alpha x (this - bicubic), its sigma and carried variance, exactly as
   * pipeline/detail-weight.ts `withDetailWeight` computes them, but where the method runs (an
   * inference pool's workers) rather than on the caller's thread.
   */
  runStageWeighted?(input: StageInput, alpha: number, options?: RunOptions): Promise<StagePrediction>;
  /**
   * Optional, for global methods (`haloCoarsePx = Infinity`): fits once on the whole stage (the
   * runner passes the untiled input) and returns a predictor the runner then applies tile by tile
   * with the predictor's own halo. Methods without it are run untiled.
   */
  fit?(input: StageInput, options?: RunOptions): Promise<FittedStage>;
}

/** A method fitted on a whole stage, applied per tile (see `StageMethod.fit`). */
export interface FittedStage {
  /** Halo in coarse pixels the prediction needs around a tile (finite). */
  readonly haloCoarsePx: number;
  /** Same contract as `StageMethod.runStage`, on a tile (with halo) of the fitted stage. */
  predictTile(input: StageInput, options?: RunOptions): Promise<Float32Array>;
  /** Optional: `predictTile` plus the standard deviation (see `StageMethod.runStageWithSigma`). */
  predictTileWithSigma?(input: StageInput, options?: RunOptions): Promise<StagePrediction>;
  /** What was fitted, for reports (coefficients, sample counts). */
  readonly summary?: Record<string, unknown>;
}

/** A stage prediction with its uncertainty: fine LST (K) and its predicted standard deviation (K), row-major on the fine grid. */
export interface StagePrediction {
  lstK: Float32Array;
  sigmaK: Float32Array;
  /**
   * Optional: variance (K^2) of an error in this output that the next stages' sigma cannot know of,
   * as it reaches them inside their input (the detail a closed-loop weight dropped, see
   * pipeline/detail-weight.ts). The runner adds it to every later stage's sigma, each fine pixel
   * taking its coarse pixel's. Same layout.
   */
  carriedVarK2?: Float32Array;
}
