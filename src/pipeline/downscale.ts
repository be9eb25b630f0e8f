import { AppError } from '../core/errors.ts';
import { throwIfAborted, yieldToEventLoop, type RunOptions } from '../core/progress.ts';
import type { AuxName, Raster } from '../core/raster/raster.ts';
import type { FittedStage, MethodId, StageInput, StageMethod } from './method.ts';
import { loadMethod } from './methods.ts';
import { cropGrid, refineGrid } from '../core/geo/grid.ts';
import { cropRaster } from './raster-ops.ts';
import { correctResiduals, energyError, type EnergyError, type ResidualMode } from './residual.ts';
import type { Scene } from './scene.ts';

/** Options of a staged downscaling run. */
export interface DownscaleOptions {
  /** The method, or its id (loaded through the registry). */
  method: StageMethod | MethodId;
  /** Residual correction (energy conservation) after every stage. Default true. */
  residualCorrection?: boolean;
  /** Conserve mean temperature (linear, default) or mean emitted radiance (T^4). */
  residualMode?: ResidualMode;
  /** Tile size in coarse pixels of each stage (without halo). Default 256. */
  tileCoarsePx?: number;
  /** Run only the first N stages of the scene. Default: all. */
  stages?: number;
}

/** The result of one stage. */
export interface StageResult {
  /** 1-based stage number. */
  stage: number;
  /** LST in K on `scene.levels[stage].grid`, NaN where invalid; owned by the caller. */
  lst: Raster;
  /** Wall time of the stage in seconds (fit + tiles + correction). */
  seconds: number;
  /** |block mean - input| after this stage's correction (or of the raw output when off). */
  energy: EnergyError;
  /** The same before the residual correction. */
  energyBeforeCorrection: EnergyError;
  tiles: number;
  skippedTiles: number;
  /** What a global method fitted (coefficients, samples), when it reports it. */
  fit?: Record<string, unknown>;
  /** Predicted standard deviation (K) of each output pixel, for methods with an uncertainty head (SRDA-Net v2). */
  sigma?: Raster;
}

/** The result of a staged run. */
export interface DownscaleResult {
  method: MethodId;
  methodLabel: string;
  residualCorrection: boolean;
  residualMode: ResidualMode;
  stages: StageResult[];
  totalSeconds: number;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function tileInput(
  coarse: Raster,
  fineAux: Partial<Record<AuxName, Raster>>,
  coarseAux: Partial<Record<AuxName, Raster>>,
  c0: number,
  r0: number,
  w: number,
  h: number,
): StageInput {
  const crop = (r: Raster, f: number): Raster => cropRaster(r, c0 * f, r0 * f, w * f, h * f);
  const pick = (aux: Partial<Record<AuxName, Raster>>, f: number): Partial<Record<AuxName, Raster>> =>
    Object.fromEntries(Object.entries(aux).map(([k, r]) => [k, crop(r as Raster, f)]));
  const lst = crop(coarse, 1);
  return {
    coarseLst: lst,
    fineGrid: refineGrid(cropGrid(coarse, { col: c0, row: r0, width: w, height: h }), 2),
    fineAux: pick(fineAux, 2),
    coarseAux: pick(coarseAux, 1),
  };
}

function hasValid(data: Float32Array, width: number, c0: number, r0: number, w: number, h: number): boolean {
  for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) if (data[r * width + c] === data[r * width + c]) return true;
  return false;
}

async function runStage(
  method: StageMethod,
  input: StageInput,
  stage: number,
  tileCoarsePx: number,
  run: RunOptions,
): Promise<{ data: Float32Array; sigma?: Float32Array; tiles: number; skipped: number; fit?: Record<string, unknown> }> {
  const { width: cw, height: ch } = input.coarseLst;
  let predictor: Pick<FittedStage, 'haloCoarsePx' | 'predictTile' | 'predictTileWithSigma'>;
  let fit: Record<string, unknown> | undefined;
  if (!Number.isFinite(method.haloCoarsePx)) {
    if (method.fit) {
      const fitted = await method.fit(input, run);
      predictor = fitted;
      fit = fitted.summary;
    } else {
      predictor = { haloCoarsePx: Math.max(cw, ch), predictTile: (i, o) => method.runStage(i, o) };
    }
  } else {
    predictor = { haloCoarsePx: method.haloCoarsePx, predictTile: (i, o) => method.runStage(i, o) };
  }
  if (!predictor.predictTileWithSigma && method.runStageWithSigma && !method.fit) {
    predictor = { ...predictor, predictTileWithSigma: (i, o) => method.runStageWithSigma!(i, o) };
  }
  const halo = predictor.haloCoarsePx;
  const size = cw <= tileCoarsePx && ch <= tileCoarsePx ? Math.max(cw, ch) : tileCoarsePx;
  const nx = Math.ceil(cw / size);
  const ny = Math.ceil(ch / size);
  const fw = 2 * cw;
  const out = new Float32Array(fw * 2 * ch).fill(Number.NaN);
  const sigma = predictor.predictTileWithSigma ? new Float32Array(fw * 2 * ch).fill(Number.NaN) : undefined;
  let done = 0;
  let skipped = 0;
  for (let ty = 0; ty < ny; ty++) {
    for (let tx = 0; tx < nx; tx++) {
      throwIfAborted(run.signal);
      const c0 = tx * size;
      const r0 = ty * size;
      const w = Math.min(size, cw - c0);
      const h = Math.min(size, ch - r0);
      if (!hasValid(input.coarseLst.data, cw, c0, r0, w, h)) {
        skipped++;
      } else {
        const ec0 = Math.max(0, c0 - halo);
        const er0 = Math.max(0, r0 - halo);
        const ew = Math.min(cw, c0 + w + halo) - ec0;
        const eh = Math.min(ch, r0 + h + halo) - er0;
        const whole = ec0 === 0 && er0 === 0 && ew === cw && eh === ch;
        const tin = whole ? input : tileInput(input.coarseLst, input.fineAux, input.coarseAux, ec0, er0, ew, eh);
        let pred: Float32Array;
        let predSigma: Float32Array | undefined;
        if (predictor.predictTileWithSigma) ({ lstK: pred, sigmaK: predSigma } = await predictor.predictTileWithSigma(tin, run));
        else pred = await predictor.predictTile(tin, run);
        if (pred.length !== 4 * ew * eh) {
          throw new AppError('INTERNAL', `method ${method.id} returned ${pred.length} values for a ${2 * ew}x${2 * eh} tile`);
        }
        const ox = 2 * (c0 - ec0);
        const oy = 2 * (r0 - er0);
        for (let r = 0; r < 2 * h; r++) {
          const src = (oy + r) * 2 * ew + ox;
          out.set(pred.subarray(src, src + 2 * w), (2 * r0 + r) * fw + 2 * c0);
          if (sigma && predSigma) sigma.set(predSigma.subarray(src, src + 2 * w), (2 * r0 + r) * fw + 2 * c0);
        }
      }
      done++;
      run.onProgress?.({ stage: `stage ${stage}`, done, total: nx * ny, detail: `tile ${done}/${nx * ny}` });
      if (nx * ny > 1) await yieldToEventLoop();
    }
  }
  return { data: out, sigma, tiles: nx * ny, skipped, fit };
}

/**
 * Runs the staged downscaling of a prepared scene: stage k's output is stage k+1's coarse LST;
 * each stage is tiled (halo = the method's receptive field, so tiles are seam-free), tiles without
 * valid LST are skipped, and the residual correction is applied after each stage (default on).
 * Progress is `{stage: 'stage k', done, total}` per tile; `signal` cancels between tiles.
 */
export async function runDownscale(scene: Scene, options: DownscaleOptions, run: RunOptions = {}): Promise<DownscaleResult> {
  const method = typeof options.method === 'string' ? await loadMethod(options.method) : options.method;
  const correct = options.residualCorrection ?? true;
  const mode = options.residualMode ?? 'linear';
  const nStages = options.stages ?? scene.stages;
  if (nStages < 1 || nStages > scene.stages) {
    throw new AppError('BAD_ARGUMENT', `Cannot run ${nStages} stage(s): the scene was prepared for ${scene.stages}.`);
  }
  const tileCoarsePx = Math.max(8, options.tileCoarsePx ?? 256);
  const t0 = now();
  const results: StageResult[] = [];
  let coarse: Raster = scene.lst;
  for (let k = 1; k <= nStages; k++) {
    throwIfAborted(run.signal);
    const ts = now();
    const level = scene.levels[k];
    const input: StageInput = { coarseLst: coarse, fineGrid: level.grid, fineAux: level.aux, coarseAux: scene.levels[k - 1].aux };
    const { data, sigma, tiles, skipped, fit } = await runStage(method, input, k, tileCoarsePx, run);
    const before = energyError(data, coarse.data, coarse.width, coarse.height, 2);
    if (correct) correctResiduals(data, coarse.data, coarse.width, coarse.height, 2, mode);
    else maskInvalid(data, coarse.data, coarse.width, coarse.height);
    const energy = correct ? energyError(data, coarse.data, coarse.width, coarse.height, 2) : before;
    const lst: Raster = { ...level.grid, data };
    if (sigma) for (let i = 0; i < sigma.length; i++) if (data[i] !== data[i]) sigma[i] = Number.NaN;
    results.push({ stage: k, lst, seconds: (now() - ts) / 1000, energy, energyBeforeCorrection: before, tiles, skippedTiles: skipped, fit, ...(sigma ? { sigma: { ...level.grid, data: sigma } } : {}) });
    coarse = lst;
  }
  return {
    method: method.id,
    methodLabel: method.label,
    residualCorrection: correct,
    residualMode: mode,
    stages: results,
    totalSeconds: (now() - t0) / 1000,
  };
}

function maskInvalid(fine: Float32Array, coarse: Float32Array, cw: number, ch: number): void {
  const fw = 2 * cw;
  for (let i = 0; i < cw * ch; i++) {
    if (coarse[i] === coarse[i]) continue;
    const r = Math.floor(i / cw);
    const c = i - r * cw;
    fine[2 * r * fw + 2 * c] = fine[2 * r * fw + 2 * c + 1] = Number.NaN;
    fine[(2 * r + 1) * fw + 2 * c] = fine[(2 * r + 1) * fw + 2 * c + 1] = Number.NaN;
  }
}
