import { AppError } from '../core/errors.ts';
import { throwIfAborted, yieldToEventLoop, type RunOptions } from '../core/progress.ts';
import type { AuxName, Grid, Raster } from '../core/raster/raster.ts';
import type { FittedStage, MethodId, StageInput, StageMethod, StagePrediction } from './method.ts';
import { loadMethod } from './methods.ts';
import { requireAuxFor } from './lst-only.ts';
import { isPacked, releasePackedRows } from '../core/raster/packed.ts';
import { correctResidualsInPlace, correctStageLinear, type LinearCorrection, type ResidualMode } from '../core/raster/correct.ts';
import { pasteTile, planTiles, windowHasValid } from '../core/raster/tiling.ts';
import type { Scene } from './scene.ts';
import { runLimited } from './tile-pool.ts';
import { tileInput, unpackInput, type SceneStageInput } from './stage-input.ts';
import { asEnergy, energyError, type DownscaleResult, type StageResult, type StreamedStageResult } from './stage-result.ts';
import { addCarried, addCarriedToBands, bandedOutput, carriedBands, carriedFolder, pasteCarried, wholeOutput, type CarriedBands, type StageOutput, type StageSink } from './stage-bands.ts';

export type { StageSink };

export type { ResidualMode };
export type { DownscaleResult, EnergyError, StageResult, StreamedStageResult } from './stage-result.ts';

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
  /**
   * Called with each stage's result as soon as it is final (before the next stage starts), e.g. to
   * write it while the next stage runs. Must not change the rasters: the next stage reads them.
   */
  onStageDone?: (stage: StageResult) => void;
  /**
   * Streams the last stage's output into this sink band by band, in order, as its tiles complete,
   * instead of holding it whole (two 92 MB rasters at 250 m on a full MODIS tile): the result then
   * has a `StreamedStageResult` for it and `onStageDone` is not called for it. Only the default
   * linear residual correction streams; radiance mode and no correction keep the whole rasters.
   */
  lastStageSink?: StageSink;
  /**
   * Called once every tile of the last stage has been asked of the method (the last ones may still
   * be running), e.g. to let a worker pool end each worker as it falls idle (`PooledMethod.retire`).
   */
  onLastTilesAsked?: () => void;
  /**
   * Let the scene's auxiliary layers go during the last stage: the rows of its packed layers that
   * no tile still to be cut reads are released as the tiles pass them (`releasePackedRows`, row
   * band by row band), and once the last stage's tiles are all cut the layers are removed from every
   * level (`scene.levels[k].aux` emptied), so that their memory (two 44 MB int16 layers at 250 m on
   * a full MODIS tile) is mostly gone before the stage's last tiles and does not stay through the
   * correction and the writes. For a caller that reads the scene's guides neither during the run
   * (beside the method) nor after it. Default false.
   */
  releaseAux?: boolean;
  /** Called when `releaseAux` let go of the layers: a caller that can collect garbage (Node) frees their memory at once. */
  onAuxReleased?: () => void;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The tile size at most `maxPx` that cuts a `cw` x `ch` grid into as few tiles as `maxPx` does, of
 * (nearly) equal size: 2400 px at 256 -> 10 x 240 instead of 9 x 256 + 96. Each tile computes its
 * core plus the halo, so equal tiles do the same work as uneven ones, but the largest tile, which
 * sets a worker's memory, is smaller, and the last tiles of a stage are no smaller than the rest.
 */
export function equalTileSize(cw: number, ch: number, maxPx: number): number {
  const per = (n: number) => Math.ceil(n / Math.ceil(n / maxPx));
  return Math.max(per(cw), per(ch));
}

async function runStage(
  method: StageMethod,
  input: SceneStageInput,
  stage: number,
  tileCoarsePx: number,
  run: RunOptions,
  keepCarried: boolean | 'bands' = true,
  onAllAsked?: () => void,
  banded?: { carried: Float32Array | CarriedBands | undefined; sink: StageSink; grid: Grid },
  onRowsPassed?: (coarseRow: number) => void,
  fold?: CarriedBands,
): Promise<{ data?: Float32Array; sigma?: Float32Array; carried?: Float32Array | CarriedBands; banded?: LinearCorrection; hasSigma: boolean; tiles: number; skipped: number; fit?: Record<string, unknown> }> {
  const { width: cw, height: ch } = input.coarseLst;
  let predictor: Pick<FittedStage, 'haloCoarsePx' | 'predictTile' | 'predictTileWithSigma'>;
  let fit: Record<string, unknown> | undefined;
  let inFlight = 1;
  if (!Number.isFinite(method.haloCoarsePx)) {
    if (method.fit) {
      const fitted = await method.fit(unpackInput(input), run);
      predictor = fitted;
      fit = fitted.summary;
    } else {
      predictor = { haloCoarsePx: Math.max(cw, ch), predictTile: (i, o) => method.runStage(i, o) };
    }
  } else {
    predictor = { haloCoarsePx: method.haloCoarsePx, predictTile: (i, o) => method.runStage(i, o) };
    inFlight = method.concurrency ?? 1;
  }
  if (!predictor.predictTileWithSigma && method.runStageWithSigma && !method.fit) {
    predictor = { ...predictor, predictTileWithSigma: (i, o) => method.runStageWithSigma!(i, o) };
  }
  const size = equalTileSize(cw, ch, tileCoarsePx);
  const tiles = planTiles(cw, ch, size, predictor.haloCoarsePx);
  const hasSigma = !!predictor.predictTileWithSigma;
  // The first coarse row the tiles from i on read (their padded windows): rows above it are passed once tile i-1 is cut.
  const rowsFrom = new Float64Array(tiles.length + 1).fill(Infinity);
  if (onRowsPassed) for (let i = tiles.length - 1; i >= 0; i--) rowsFrom[i] = Math.min(rowsFrom[i + 1], tiles[i].padded.row);
  let out: Float32Array | undefined;
  let sigma: Float32Array | undefined;
  let bands: ReturnType<typeof bandedOutput> | undefined;
  let output: StageOutput;
  if (banded) {
    // Opened while the first tiles run, not before them: the first band waits for it. (The CLI's
    // files open through libuv's thread pool, where the last stage's files queue behind the
    // compression of the stage before's.) A failed open fails the stage at its next tile.
    const opened = Promise.resolve(banded.sink.open({ stage, grid: banded.grid, hasSigma }));
    output = bands = bandedOutput(tiles, input.coarseLst.data, cw, ch, hasSigma, banded.carried, banded.sink, opened);
  } else {
    ({ output, out, sigma } = wholeOutput(cw, ch, hasSigma));
  }
  // The earlier stages' variance, in bands, added to this (last, whole) stage's sigma tile by tile, each band freed once its tiles are in.
  const folder = fold ? carriedFolder(tiles, fold, cw) : undefined;
  let carried: Float32Array | CarriedBands | undefined;
  let done = 0;
  let skipped = 0;
  let whole: StageInput | undefined;
  // Tiles write disjoint parts of `out`, so several may run at once (a worker pool) and the
  // result is the same as one after another.
  const running = runLimited(
    tiles.length,
    Math.max(1, inFlight),
    async (i) => {
      const tile = tiles[i];
      const asked = i === tiles.length - 1 ? onAllAsked : undefined;
      if (!windowHasValid(input.coarseLst.data, cw, tile.core)) {
        skipped++;
        onRowsPassed?.(rowsFrom[i + 1]);
        asked?.();
        output.skip(tile);
        folder?.(tile, undefined);
      } else {
        const { padded } = tile;
        const isWhole = padded.width === cw && padded.height === ch;
        const tin = !isWhole ? tileInput(input, padded, tile.core, method) : tiles.length > 1 ? { ...(whole ??= unpackInput(input)), core: tile.core } : (whole ??= unpackInput(input));
        // The method is asked before `asked` runs: a pool retiring its workers still serves this tile.
        const pending: Promise<Partial<StagePrediction> & { lstK: Float32Array }> = predictor.predictTileWithSigma ? predictor.predictTileWithSigma(tin, run) : predictor.predictTile(tin, run).then((lstK) => ({ lstK }));
        // The tile's input is cut (copied out of the scene's layers): the rows no later tile reads can go.
        onRowsPassed?.(rowsFrom[i + 1]);
        asked?.();
        const { lstK: pred, sigmaK: predSigma, carriedVarK2: predCarried } = await pending;
        if (pred.length !== 4 * padded.width * padded.height) {
          throw new AppError('INTERNAL', `method ${method.id} returned ${pred.length} values for a ${2 * padded.width}x${2 * padded.height} tile`);
        }
        if (predCarried && keepCarried === 'bands') pasteCarried((carried ??= carriedBands(2 * cw, 2 * ch)) as CarriedBands, predCarried, tile);
        else if (predCarried && keepCarried) pasteTile((carried ??= new Float32Array(4 * cw * ch)) as Float32Array, 2 * cw, predCarried, tile, 2);
        output.paste(tile, pred, predSigma);
        folder?.(tile, sigma);
        // Copied out: a worker pool writes later tiles into these arrays rather than new ones.
        method.recycle?.([pred, ...(predSigma ? [predSigma] : []), ...(predCarried ? [predCarried] : [])]);
      }
      done++;
      run.onProgress?.({ stage: `stage ${stage}`, done, total: tiles.length, detail: `tile ${done}/${tiles.length}` });
      if (tiles.length > 1) await yieldToEventLoop();
    },
    run,
  );
  let corrected: LinearCorrection | undefined;
  try {
    await running;
    corrected = await bands?.done();
  } catch (e) {
    // No band is being handed over when the sink drops its output.
    if (bands && banded) {
      await bands.settle();
      await banded.sink.abort();
    }
    throw e;
  }
  return { data: out, sigma, carried, banded: corrected, hasSigma, tiles: tiles.length, skipped, fit };
}

/**
 * Runs the staged downscaling of a prepared scene: stage k's output is stage k+1's coarse LST;
 * each stage is tiled (halo = the method's receptive field, so tiles are seam-free), tiles without
 * valid LST are skipped, and the residual correction is applied after each stage (default on).
 * Progress is `{stage: 'stage k', done, total}` per tile; `signal` cancels between tiles.
 */
export async function runDownscale(scene: Scene, options: DownscaleOptions & { lastStageSink: StageSink }, run?: RunOptions): Promise<DownscaleResult<StageResult | StreamedStageResult>>;
export async function runDownscale(scene: Scene, options: DownscaleOptions & { lastStageSink?: undefined }, run?: RunOptions): Promise<DownscaleResult>;
export async function runDownscale(scene: Scene, options: DownscaleOptions, run?: RunOptions): Promise<DownscaleResult<StageResult | StreamedStageResult>>;
export async function runDownscale(scene: Scene, options: DownscaleOptions, run: RunOptions = {}): Promise<DownscaleResult<StageResult | StreamedStageResult>> {
  const method = typeof options.method === 'string' ? await loadMethod(options.method) : options.method;
  requireAuxFor(method.id, scene);
  const correct = options.residualCorrection ?? true;
  const mode = options.residualMode ?? 'linear';
  const nStages = options.stages ?? scene.stages;
  if (nStages < 1 || nStages > scene.stages) {
    throw new AppError('BAD_ARGUMENT', `Cannot run ${nStages} stage(s): the scene was prepared for ${scene.stages}.`);
  }
  const tileCoarsePx = Math.max(8, options.tileCoarsePx ?? 256);
  const t0 = now();
  const results: Array<StageResult | StreamedStageResult> = [];
  let coarse: Raster = scene.lst;
  // Variance the earlier stages' outputs carry that this stage's sigma does not know of.
  let carried: Float32Array | CarriedBands | undefined;
  const releaseAux = options.releaseAux
    ? () => {
        // Emptied in place: the stage's input refers to the same objects.
        for (const l of scene.levels) for (const name of Object.keys(l.aux) as AuxName[]) delete l.aux[name];
        options.onAuxReleased?.();
      }
    : undefined;
  // The last stage's tiles have passed the rows above `coarseRow` of its coarse grid (level k - 1):
  // the packed layers' rows above it, on each level's grid, go (all of them for Infinity).
  const releaseRows = options.releaseAux
    ? (k: number) => (coarseRow: number) => {
        const h = scene.levels[k - 1].grid.height;
        for (const l of scene.levels) for (const layer of Object.values(l.aux)) if (layer && isPacked(layer)) releasePackedRows(layer, Math.floor((coarseRow * l.grid.height) / h));
      }
    : undefined;
  const allAsked =
    releaseAux || options.onLastTilesAsked
      ? () => {
          releaseAux?.();
          options.onLastTilesAsked?.();
        }
      : undefined;
  for (let k = 1; k <= nStages; k++) {
    throwIfAborted(run.signal);
    const ts = now();
    const level = scene.levels[k];
    const input: SceneStageInput = { coarseLst: coarse, fineGrid: level.grid, fineAux: level.aux, coarseAux: scene.levels[k - 1].aux };
    // The last stage passes no variance on: not collecting it saves a fine-grid array (92 MB at 250 m on a full tile).
    const last = k === nStages;
    const sink = last && correct && mode === 'linear' ? options.lastStageSink : undefined;
    // Before the last stage, the variance this stage passes on is kept in that stage's bands, each freed once its tiles are in.
    const st = await runStage(method, input, k, tileCoarsePx, run, last ? false : k + 1 === nStages ? 'bands' : true, last ? allAsked : undefined, sink ? { carried, sink, grid: level.grid } : undefined, last ? releaseRows?.(k) : undefined, !sink && carried && !(carried instanceof Float32Array) ? carried : undefined);
    const { tiles, skipped, fit } = st;
    if (st.banded) {
      const energy = asEnergy(st.banded.after);
      results.push({ stage: k, streamed: true, hasSigma: st.hasSigma, seconds: (now() - ts) / 1000, energy, energyBeforeCorrection: asEnergy(st.banded.before), tiles, skippedTiles: skipped, fit });
      break;
    }
    const data = st.data!;
    const sigma = st.sigma;
    // Only a stage that passes variance on has it in bands; what came from earlier stages is whole.
    const prev = carried;
    if (prev && !(prev instanceof Float32Array)) {
      // In bands only before the last stage, which folded them into its sigma tile by tile.
      if (!last) throw new AppError('INTERNAL', `stage ${k}: the carried variance is in bands before a stage that is not the last.`);
      carried = undefined;
    } else if (!sigma || !prev) carried = st.carried;
    else if (st.carried && !(st.carried instanceof Float32Array)) carried = addCarriedToBands(sigma, st.carried, prev, coarse.width);
    else carried = addCarried(sigma, st.carried, prev, coarse.width, last);
    if (last) carried = undefined;
    // The default (linear correction) in one pass: the error before, the correction, the error it
    // leaves (in linear mode the energy error itself) and sigma's mask; the same numbers as the passes below.
    const one = correct && mode === 'linear' ? correctStageLinear(data, sigma, coarse.data, coarse.width, coarse.height) : undefined;
    const before = one ? asEnergy(one.before) : energyError(data, coarse);
    const left = one ? one.after : correct ? correctResidualsInPlace(data, coarse.data, coarse.width, coarse.height, 2, mode) : undefined;
    if (!correct) maskInvalid(data, coarse.data, coarse.width, coarse.height);
    const energy = !left ? before : mode === 'linear' ? asEnergy(left) : energyError(data, coarse);
    const lst: Raster = { ...level.grid, data };
    if (sigma && !one) for (let i = 0; i < sigma.length; i++) if (data[i] !== data[i]) sigma[i] = Number.NaN;
    const result: StageResult = { stage: k, lst, seconds: (now() - ts) / 1000, energy, energyBeforeCorrection: before, tiles, skippedTiles: skipped, fit, ...(sigma ? { sigma: { ...level.grid, data: sigma } } : {}) };
    results.push(result);
    options.onStageDone?.(result);
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
