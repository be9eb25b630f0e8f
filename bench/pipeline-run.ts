import type { Raster } from '../src/core/raster/raster.ts';
import { readGeoTiff } from '../src/io/geotiff-read.ts';
import type { Dataset } from '../src/io/dataset.ts';
import { encodeGeoTiffChunks, type GeoTiffBandInput, type WriteGeoTiffOptions } from '../src/io/geotiff-write.ts';
import { fitDetailWeight, withDetailWeight } from '../src/pipeline/detail-weight.ts';
import { runDownscale, type StageResult, type StageSink } from '../src/pipeline/downscale.ts';
import type { MethodId, StageInput, StageMethod } from '../src/pipeline/method.ts';
import type { RunOptions } from '../src/core/progress.ts';
import { loadMethod } from '../src/pipeline/methods.ts';
import { prepareScene, type SceneInputs } from '../src/pipeline/prepare.ts';
import type { Scene } from '../src/pipeline/scene.ts';
import type { LayerMaker } from '../src/worker/layer-pool.ts';
import { colouriseLayer, colouriseView } from './colourise.ts';
import { BENCH_FILE_NAMES } from './fixtures.ts';

/** The pipeline steps the benchmark times, in order. */
export const STEPS = ['read', 'prepare', 'detail weight', 'infer', 'correct', 'colourise', 'write'] as const;
export type StepName = (typeof STEPS)[number];

/** Where the pipeline benchmark reads its inputs and writes its outputs (disk in Node, memory in a page). */
export interface PipelineIo {
  readFile(name: string): Promise<ArrayBuffer | Blob>;
  /** Where given, the inputs are read through it instead (Node: piece by piece from disk, as `downscale` reads a GeoTIFF). */
  readGeoTiff?(name: string): Promise<Dataset>;
  /** The file in pieces, in file order (the GeoTIFF writer's header, then tile by tile). */
  writeFile(name: string, pieces: Iterable<Uint8Array>): Promise<void>;
  /** Where given, GeoTIFFs are written through it instead (Node: streamed to disk with node:zlib, as `downscale` does). */
  writeGeoTiff?(name: string, bands: GeoTiffBandInput[], opts: WriteGeoTiffOptions): Promise<void>;
  /**
   * Where given, the last stage goes to its files band by band as its tiles complete, as `downscale`
   * writes it (`DownscaleOptions.lastStageSink`): its rasters are never whole, so it is not colourised.
   */
  lastStageSink?: StageSink;
}

/** Options of `benchPipeline`. */
export interface PipelineBenchOptions {
  io: PipelineIo;
  method: StageMethod;
  /** Pipeline tile size in coarse pixels (default 256, the app's). */
  tileCoarsePx?: number;
  /** Current memory in MB, sampled at every step boundary and after each tile (for a peak). */
  sampleMemoryMB?: () => number;
  /** Baselines to time on the same prepared scene after the main run. */
  baselines?: MethodId[];
  onLog?: (line: string) => void;
  /** Process CPU time in s (Node: user + system), to report CPU seconds per step beside wall time. */
  cpuTimeS?: () => number;
  /**
   * Release the scene's guides once the last stage's tiles are cut, as `downscale` does
   * (`DownscaleOptions.releaseAux`); the baselines then run on the scene read and prepared again.
   */
  releaseAux?: boolean;
  /** Called whenever the released guides let go of memory (`DownscaleOptions.onAuxReleased`): `downscale` collects garbage there. */
  afterAuxReleased?: () => void;
  /** Called once the last stage's tiles have all been asked of the method: `downscale` retires its worker pool there. */
  afterLastTilesAsked?: () => void;
  /** Called when the staged run is done, before colourise and write: `downscale` ends its inference workers there. */
  afterRun?: () => Promise<void> | void;
  /** Called once the scene is prepared and the rasters as read are dropped (Node: `collectGarbage`, as `downscale` does). */
  afterPrepare?: () => void;
  /**
   * Prepares the scene from the rasters as read (default `prepareScene`, the bench page's); Node:
   * `prepareSceneAsync` with the read workers packing layers, as `downscale` prepares. It may take
   * the rasters' memory (moved to a worker thread): they are not read afterwards.
   */
  prepare?: (inputs: SceneInputs) => Promise<Scene>;
  /** Called when the main run is done, before the baselines (e.g. to read a peak-memory counter). */
  afterMain?: () => void;
  /**
   * Colourise after the timed run instead of in it (Node: `downscale` never colourises; the app's
   * flow, which does, is the Chromium full tile): the `colourise` step reads 0 and the same work,
   * timed alone on this thread after the total, is `colouriseApart`.
   */
  colouriseApart?: boolean;
  /**
   * Where given (the bench page), the colourise step makes the layers as the app does, on its
   * layer workers (worker/layer-pool-web.ts: a copy of each raster, its display grid and
   * statistics there), the writes going on meanwhile, and colours each display grid on this thread
   * as it comes (the app's page does). Ended after the step.
   */
  startLayerMaker?: () => LayerMaker;
  /**
   * SRDA-Net: fit the closed-loop detail weight first and run the weighted method, as `downscale`,
   * `batch` and the app do by default (default true; false = `--full-detail`).
   */
  detailWeight?: boolean;
}

/** One baseline on the same scene. */
export interface BaselineTiming {
  method: MethodId;
  /** Downscaling (all stages, residual correction included), s. */
  downscaleS: number;
  /** downscaleS / SRDA-Net's downscale time (infer + correct) in the same run. */
  ratioToSrda: number;
}

/** Result of one full pipeline run. */
export interface PipelineTiming {
  lstSize: [number, number];
  outputSize: [number, number];
  stages: number;
  /** Wall time per step, s. `detail weight` fits SRDA-Net's closed-loop detail weight (SRDA-Net and bicubic on the scene's LST averaged by 2; 0 for other methods or without it); `infer` is the time inside the method (model input preparation included; with the weight, the bicubic it mixes with); `correct` is the rest of the staged run (tiling, residual correction, energy check). */
  stepsS: Record<StepName, number>;
  /** CPU seconds per step (all threads of the process), when `cpuTimeS` was given; `infer`+`correct` together under `infer`. */
  cpuS?: Partial<Record<StepName, number>>;
  totalS: number;
  /** (total - infer - detail weight) / total: the share of the run that is not SRDA-Net inference. */
  overheadShare: number;
  /**
   * With `colouriseApart`: the colourise step timed after the run (wall s, CPU s, RGBA pixels made),
   * and the overhead share had it been in the run ((total + s - infer - detail weight) / (total + s)).
   */
  colouriseApart?: { s: number; cpuS?: number; pixels: number; overheadShareWithIt: number };
  /** The fitted detail weight (share of SRDA-Net's detail kept) and the loop's size, when one was fitted. */
  detailWeight?: { alpha: number; loopPixels: number };
  /** Largest sampled memory, MB (what `sampleMemoryMB` measures). */
  sampledPeakMB?: number;
  /** The last stage went to its files band by band during the run (`io.lastStageSink`): not colourised, not in `write`. */
  lastStageStreamed?: boolean;
  energyMaxAbsK: number[];
  tiles: number[];
  baselines: BaselineTiming[];
}

const now = (): number => performance.now();

/**
 * Wraps a method so `acc.ms` is the wall time during which at least one of its calls runs: with a
 * worker pool several tiles run at once, and summing their durations would count the cores.
 */
export function timedMethod(m: StageMethod, acc: { ms: number }, sample: () => void): StageMethod {
  let running = 0;
  let since = 0;
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (running++ === 0) since = now();
      try {
        return await f(...a);
      } finally {
        if (--running === 0) acc.ms += now() - since;
        sample();
      }
    };
  return {
    id: m.id,
    label: m.label,
    usesAux: m.usesAux,
    haloCoarsePx: m.haloCoarsePx,
    ...(m.concurrency ? { concurrency: m.concurrency } : {}),
    // What the runner asks of the method, as `downscale` hands it the method itself: tiles without
    // coarse guides, fine guides still packed for the workers, and the uncertainty (the weighted
    // SRDA-Net mixes in its workers through it).
    ...(m.readsCoarseAux === false ? { readsCoarseAux: false } : {}),
    ...(m.takesPackedAux ? { takesPackedAux: true } : {}),
    runStage: wrap((i, o) => m.runStage(i, o)),
    ...(m.recycle ? { recycle: (a: Float32Array[]) => m.recycle!(a) } : {}),
    ...(m.windowBuffer ? { windowBuffer: (bytes: number) => m.windowBuffer!(bytes) } : {}),
    ...(m.runStageWithSigma ? { runStageWithSigma: wrap((i: StageInput, o?: RunOptions) => m.runStageWithSigma!(i, o)) } : {}),
    ...(m.fit
      ? {
          fit: async (i, o) => {
            const fitted = await wrap((a: typeof i, b: typeof o) => m.fit!(a, b))(i, o);
            return { ...fitted, predictTile: wrap((a, b) => fitted.predictTile(a, b)) };
          },
        }
      : {}),
  };
}

/**
 * Runs the whole pipeline on the benchmark scene (files named as in `BENCH_FILE_NAMES`) and times
 * each step: read (GeoTIFF decode), prepare (scene preparation), infer (inside the method),
 * correct (rest of the staged run), colourise (Web Mercator display grid + statistics + RGBA, for
 * the input and every stage, as the app does, on this thread; with `io.lastStageSink` not the last
 * stage; with `colouriseApart` after the run, outside the total, the step 0 and ending the workers in `write`) and write
 * (a cloud-optimised GeoTIFF per stage and its uncertainty, started as each stage ends as `downscale`
 * does: `write` is what remains of it after colourise, the rest overlaps the steps before; with
 * `io.lastStageSink` the last stage's files are written during the stage). Then the baselines.
 */
export async function benchPipeline(opts: PipelineBenchOptions): Promise<PipelineTiming> {
  let peak = 0;
  const sample = () => {
    if (opts.sampleMemoryMB) peak = Math.max(peak, opts.sampleMemoryMB());
  };
  const log = opts.onLog ?? (() => undefined);
  const steps = Object.fromEntries(STEPS.map((s) => [s, 0])) as Record<StepName, number>;
  const cpu: Partial<Record<StepName, number>> = {};
  let c = opts.cpuTimeS?.() ?? 0;
  const cpuLap = (s: StepName) => {
    if (!opts.cpuTimeS) return;
    const n = opts.cpuTimeS();
    cpu[s] = n - c;
    c = n;
  };
  const t0 = now();
  let t = t0;
  const lap = (s: StepName) => {
    const n = now();
    steps[s] += (n - t) / 1000;
    t = n;
    cpuLap(s);
    sample();
    // Memory now and the peak so far, to see which step sets the peak.
    const mem = opts.sampleMemoryMB ? ` (memory ${Math.round(opts.sampleMemoryMB())} MB, peak so far ${Math.round(peak)} MB)` : '';
    log(`${s}: ${steps[s].toFixed(2)} s${mem}`);
  };

  const read = async (name: string) =>
    (opts.io.readGeoTiff ? await opts.io.readGeoTiff(name) : await readGeoTiff(await opts.io.readFile(name), name)).bands[0].raster;
  // As `downscale` reads its inputs: all files at once (one's inflating overlaps another's
  // decoding). Only `inputs` holds the rasters, so they can go after preparing (below).
  const readAll = async (): Promise<SceneInputs> => {
    const [lst, ndvi, dem] = await Promise.all([read(BENCH_FILE_NAMES.lst), read(BENCH_FILE_NAMES.ndvi), read(BENCH_FILE_NAMES.dem)]);
    return { lst, aux: { ndvi, dem }, names: { lst: BENCH_FILE_NAMES.lst, ndvi: BENCH_FILE_NAMES.ndvi, dem: BENCH_FILE_NAMES.dem } };
  };
  let inputs: SceneInputs | undefined = await readAll();
  lap('read');
  const lstSize: [number, number] = [inputs.lst.width, inputs.lst.height];
  const scene = opts.prepare ? await opts.prepare(inputs) : prepareScene(inputs);
  // As `downscale`: the rasters as read go once the scene holds its own (the output grid's layers packed).
  inputs = undefined;
  opts.afterPrepare?.();
  lap('prepare');
  // As `downscale` runs SRDA-Net by default: the detail weight fitted on the scene's own closed loop.
  const weight = opts.method.id === 'srda' && opts.detailWeight !== false ? await fitDetailWeight(scene, opts.method, 'linear', { onProgress: () => sample() }) : undefined;
  if (weight) log(`detail weight: alpha ${weight.alpha.toFixed(3)} on ${weight.pixels} loop pixels`);
  lap('detail weight');
  const method = weight ? withDetailWeight(opts.method, weight.alpha) : opts.method;
  const acc = { ms: 0 };
  const tileCoarsePx = opts.tileCoarsePx ?? 256;
  // As `srda-lst downscale` writes: cloud-optimised, the uncertainty beside the LST, each stage's
  // files as soon as it ends (stage 1's while stage 2 runs), one stage after the other.
  const io = opts.io;
  const write = async (name: string, bands: GeoTiffBandInput[], more: WriteGeoTiffOptions = {}): Promise<void> => {
    const o: WriteGeoTiffOptions = { nodata: -9999, cog: true, ...more };
    if (io.writeGeoTiff) await io.writeGeoTiff(name, bands, o);
    else await io.writeFile(name, await encodeGeoTiffChunks(bands, o));
  };
  let writes = Promise.resolve();
  const writeStage = (s: StageResult): void => {
    log(`stage ${s.stage} done`);
    const lst = () => write(`lst_stage${s.stage}.tif`, [{ raster: s.lst, name: `LST stage ${s.stage}`, units: 'K' }]);
    // Run-length Deflate for the uncertainty, as stage-files.ts (node:zlib; CompressionStream ignores it).
    const sigma = (sg: Raster) => write(`lst_stage${s.stage}_sigma.tif`, [{ raster: sg, name: `LST stage ${s.stage} uncertainty, 1 sigma`, units: 'K' }], { strategy: 'rle' });
    // The last stage's two files at once, as `downscale` streams them (cli/stage-files.ts), so the
    // page cuts one file's tiles while the other's wait for their streams; earlier stages one file
    // after the other, as `downscale` writes them, beside the next stage's inference.
    const lastStage = s.stage === scene.levels.length - 1;
    writes = writes.then(async () => {
      if (lastStage && s.sigma) await Promise.all([lst(), sigma(s.sigma)]);
      else {
        await lst();
        if (s.sigma) await sigma(s.sigma);
      }
    });
    writes.catch(() => undefined);
  };
  const result = await runDownscale(
    scene,
    { method: timedMethod(method, acc, sample), tileCoarsePx, onStageDone: writeStage, lastStageSink: io.lastStageSink, releaseAux: opts.releaseAux, onAuxReleased: opts.afterAuxReleased, onLastTilesAsked: opts.afterLastTilesAsked },
    { onProgress: () => sample() },
  );
  const runS = (now() - t) / 1000;
  steps.infer = acc.ms / 1000;
  steps.correct = runS - steps.infer;
  t = now();
  cpuLap('infer');
  sample();
  log(`infer: ${steps.infer.toFixed(2)} s, correct: ${steps.correct.toFixed(2)} s${opts.sampleMemoryMB ? ` (peak so far ${Math.round(peak)} MB)` : ''}`);
  await opts.afterRun?.();
  // A streamed last stage was never whole here (Node, as `downscale`): only the app colourises it.
  const layers = [scene.lst, ...result.stages.filter((s) => !s.streamed).map((s) => s.lst)];
  if (!opts.colouriseApart) {
    if (opts.startLayerMaker) {
      const maker = opts.startLayerMaker();
      try {
        await Promise.all(layers.map(async (r, i) => colouriseView(await maker.make(r, `layer ${i}`))));
      } finally {
        maker.close();
      }
    } else for (const r of layers) colouriseLayer(r);
    lap('colourise');
  }
  // What is left of the writes (started as each stage ended) after colourise.
  await writes;
  lap('write');
  const totalS = (now() - t0) / 1000;
  let apart: PipelineTiming['colouriseApart'];
  if (opts.colouriseApart) {
    const [ta, ca] = [now(), opts.cpuTimeS?.()];
    const pixels = layers.reduce((n, r) => n + colouriseLayer(r) / 4, 0);
    const s = (now() - ta) / 1000;
    const cpuS = opts.cpuTimeS && ca !== undefined ? opts.cpuTimeS() - ca : undefined;
    apart = { s, ...(cpuS !== undefined ? { cpuS } : {}), pixels, overheadShareWithIt: (totalS + s - steps.infer - steps['detail weight']) / (totalS + s) };
    log(`colourise, apart from the run (downscale does not colourise): ${s.toFixed(2)} s`);
  }
  const last = scene.levels[result.stages.length].grid;
  const srdaDownscaleS = steps.infer + steps.correct;

  opts.afterMain?.();
  const baselines: BaselineTiming[] = [];
  // The main run released the scene's guides: the baselines get them back from the files (not timed).
  const baseScene = opts.releaseAux && opts.baselines?.length ? prepareScene(await readAll()) : scene;
  for (const id of opts.baselines ?? []) {
    const m = await loadMethod(id);
    const tb = now();
    await runDownscale(baseScene, { method: m, tileCoarsePx }, {});
    const s = (now() - tb) / 1000;
    baselines.push({ method: id, downscaleS: s, ratioToSrda: s / srdaDownscaleS });
    log(`${id}: ${s.toFixed(2)} s`);
  }
  return {
    lstSize,
    outputSize: [last.width, last.height],
    stages: result.stages.length,
    stepsS: steps,
    ...(opts.cpuTimeS ? { cpuS: cpu } : {}),
    totalS,
    overheadShare: (totalS - steps.infer - steps['detail weight']) / totalS,
    ...(apart ? { colouriseApart: apart } : {}),
    ...(weight ? { detailWeight: { alpha: weight.alpha, loopPixels: weight.pixels } } : {}),
    ...(opts.sampleMemoryMB ? { sampledPeakMB: peak } : {}),
    ...(result.stages[result.stages.length - 1].streamed ? { lastStageStreamed: true } : {}),
    energyMaxAbsK: result.stages.map((s) => s.energy.maxAbsK),
    tiles: result.stages.map((s) => s.tiles),
    baselines,
  };
}
