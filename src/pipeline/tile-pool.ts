import { AppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import type { StageInput, StageMethod, StagePrediction } from './method.ts';
import { withFineAuxDecoded } from './packed-input.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { weightDetail } from './detail-mix.ts';

/**
 * One inference worker as the pool sees it: runs a stage method on one tile (with halo) and
 * returns the fine LST, exactly as `StageMethod.runStage` would. Web Workers in the app,
 * worker_threads in the CLI.
 */
export interface TileRunner {
  runTile(input: StageInput, options?: RunOptions): Promise<Float32Array>;
  /** The fine LST and its predicted standard deviation (methods with an uncertainty head). */
  runTileWithSigma?(input: StageInput, options?: RunOptions): Promise<StagePrediction>;
  /** `runTileWithSigma` weighted by a detail weight in the worker (`StageMethod.runStageWeighted`). */
  runTileWeighted?(input: StageInput, alpha: number, options?: RunOptions): Promise<StagePrediction>;
  /** What the worker's method did to go on (out of memory, a failed backend), for the user; grows during a run. */
  readonly notices?: readonly string[];
  /**
   * How many tiles the pool may hand it at once (default 1). A Web Worker that queues them runs the
   * next as soon as one is done, without waiting for the thread that hands out tiles, which may be
   * busy running a tile of its own.
   */
  readonly queueDepth?: number;
  /** True when it decodes packed fine layers itself (`StageInput.packedFineAux`); others get them decoded. */
  readonly takesPackedAux?: boolean;
  /** Takes back arrays of this worker's results that the caller no longer reads, for its next tiles (`StageMethod.recycle`). */
  recycle?(arrays: Float32Array[]): void;
  /** The buffers of its tiles' windows the worker has handed back since the last call, for later tiles' windows (`StageMethod.windowBuffer`). */
  takeWindowBuffers?(): ArrayBuffer[];
  /** Ends the worker; pending tiles reject. */
  close(): Promise<void> | void;
}

/** A stage method whose tiles run on several workers at once (see `StageMethod.concurrency`). */
export interface PooledMethod extends StageMethod {
  /** How many tiles the runner may keep in flight: the workers' queue depths together. */
  readonly concurrency: number;
  /** The number of workers. */
  readonly workers: number;
  /** Tiles each worker has run so far (index = worker). */
  readonly tilesPerWorker: readonly number[];
  /** The notices of every worker so far, each text once. */
  readonly notices: readonly string[];
  /**
   * No tile will be asked after those already asked: each worker ends as soon as its tiles in flight
   * are done, so its memory (tfjs, its wasm heap) goes before the run's last tiles are in. A tile
   * asked after every worker has ended rejects (INTERNAL). `close()` still ends all and waits.
   */
  retire(): void;
  /** Ends every worker. */
  close(): Promise<void>;
}

/** Window buffers a pool keeps for later tiles, at most: three windows for each of a few tiles in flight. */
const MAX_WINDOWS = 12;

/**
 * Wraps `runners` (each holding its own copy of the same method and weights) as one StageMethod:
 * each tile goes to the first free worker, in the order asked. Tiles are independent and each is
 * computed whole by one worker, so the output is bit-identical to running them on one. The runner
 * (pipeline/downscale.ts) keeps `concurrency` tiles in flight.
 */
export function poolMethod(
  base: Pick<StageMethod, 'id' | 'label' | 'usesAux' | 'haloCoarsePx' | 'readsCoarseAux'>,
  runners: TileRunner[],
): PooledMethod {
  if (runners.length === 0) throw new AppError('INTERNAL', 'poolMethod needs at least one worker.');
  if (!Number.isFinite(base.haloCoarsePx)) {
    throw new AppError(
      'INTERNAL',
      `${base.id}: a global method (fitted on the whole scene) cannot be pooled per tile.`,
    );
  }
  // A runner is free as many times as its queue depth.
  const free = runners.flatMap((r) => Array.from({ length: Math.max(1, Math.floor(r.queueDepth ?? 1)) }, () => r));
  const concurrency = free.length;
  const tilesPerWorker = runners.map(() => 0);
  const waiting: Array<(r: TileRunner) => void> = [];
  let closed = false;
  // Tiles in flight per worker, and the workers ended by `retire`.
  const busy = runners.map(() => 0);
  let retiring = false;
  const ended = new Set<TileRunner>();
  const endIfIdle = (r: TileRunner): void => {
    if (!retiring || waiting.length > 0 || busy[runners.indexOf(r)] > 0 || ended.has(r)) return;
    ended.add(r);
    for (let i = free.indexOf(r); i >= 0; i = free.indexOf(r)) free.splice(i, 1);
    // Its failure, if any, comes again from close(), which the owner awaits.
    void Promise.resolve(r.close()).catch(() => undefined);
  };
  // A worker counts as busy from the moment it is handed to a tile, so `retire` never ends one a tile is about to use.
  const acquire = (): Promise<TileRunner> => {
    if (free.length) {
      const r = free.shift()!;
      busy[runners.indexOf(r)]++;
      return Promise.resolve(r);
    }
    if (ended.size === runners.length) {
      return Promise.reject(new AppError('INTERNAL', `${base.label}: a tile was asked after the pool's workers were retired.`));
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (r: TileRunner): void => {
    const next = waiting.shift();
    if (next) return next(r);
    busy[runners.indexOf(r)]--;
    free.push(r);
    endIfIdle(r);
  };
  // `input(i)`: the tile's input as the runner takes it (its packed layers decoded for one that does not decode them).
  // Which worker made each result buffer, so `recycle` hands it back to that one.
  const madeBy = new WeakMap<ArrayBufferLike, TileRunner>();
  // Window buffers the workers handed back, for the next tiles' windows (any worker's).
  const windows: ArrayBuffer[] = [];
  const onRunner = async <T extends Float32Array | StagePrediction>(options: RunOptions | undefined, work: (r: TileRunner, input: (i: StageInput) => StageInput) => Promise<T>): Promise<T> => {
    if (closed) throw new AppError('INTERNAL', `${base.label}: the worker pool was closed.`);
    const runner = await acquire();
    try {
      throwIfAborted(options?.signal);
      const out = await work(runner, runner.takesPackedAux ? (i: StageInput) => i : withFineAuxDecoded);
      if (runner.recycle) {
        const arrays = out instanceof Float32Array ? [out] : [out.lstK, out.sigmaK, out.carriedVarK2];
        for (const a of arrays) if (a) madeBy.set(a.buffer, runner);
      }
      tilesPerWorker[runners.indexOf(runner)]++;
      if (!closed) windows.push(...(runner.takeWindowBuffers?.() ?? []));
      // The oldest go first: a size no tile asks for any more (the last stage's edge tiles) does not stay.
      windows.splice(0, Math.max(0, windows.length - MAX_WINDOWS));
      return out;
    } finally {
      release(runner);
    }
  };
  const withSigma = runners.every((r) => r.runTileWithSigma);
  return {
    id: base.id,
    label: base.label,
    usesAux: base.usesAux,
    haloCoarsePx: base.haloCoarsePx,
    ...(base.readsCoarseAux === false ? { readsCoarseAux: false } : {}),
    concurrency,
    workers: runners.length,
    tilesPerWorker,
    get notices() {
      return [...new Set(runners.flatMap((r) => r.notices ?? []))];
    },
    ...(runners.some((r) => r.takesPackedAux) ? { takesPackedAux: true } : {}),
    runStage: (input, options) => onRunner(options, (r, as) => r.runTile(as(input), { signal: options?.signal })),
    ...(withSigma
      ? {
          runStageWithSigma: (input: StageInput, options?: RunOptions) => onRunner(options, (r, as) => r.runTileWithSigma!(as(input), { signal: options?.signal })),
          // Weighted in the worker where it can; for a runner that cannot, here, as withDetailWeight would.
          runStageWeighted: (input: StageInput, alpha: number, options?: RunOptions) =>
            onRunner(options, async (r, as) => {
              const run = { signal: options?.signal };
              if (r.runTileWeighted) return r.runTileWeighted(as(input), alpha, run);
              const [p, b] = await Promise.all([r.runTileWithSigma!(as(input), run), bicubicMethod.runStage(input)]);
              return weightDetail(p, b, alpha, input.fineGrid.width);
            }),
        }
      : {}),
    windowBuffer(bytes: number) {
      // The smallest that holds the window, if not much larger: a stage's tiles' windows come in a few sizes.
      let best = -1;
      for (let i = 0; i < windows.length; i++) {
        const n = windows[i].byteLength;
        if (n >= bytes && n <= 1.5 * bytes && (best < 0 || n < windows[best].byteLength)) best = i;
      }
      return best < 0 ? undefined : windows.splice(best, 1)[0];
    },
    recycle(arrays: Float32Array[]) {
      for (const a of arrays) {
        const r = madeBy.get(a.buffer);
        madeBy.delete(a.buffer);
        if (r && !closed && !ended.has(r)) r.recycle?.([a]);
      }
    },
    retire() {
      retiring = true;
      for (const r of runners) endIfIdle(r);
    },
    async close() {
      closed = true;
      windows.length = 0;
      await Promise.all(runners.map((r) => r.close()));
    },
  };
}

/**
 * Runs `jobs` with at most `limit` in flight, in order of start; rejects with the first failure
 * (the others still settle in the background). Resolves when all are done.
 */
export async function runLimited(
  count: number,
  limit: number,
  job: (i: number) => Promise<void>,
  run?: RunOptions,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { e: unknown } | undefined;
  for (let i = 0; i < count; i++) {
    throwIfAborted(run?.signal);
    const p: Promise<void> = job(i).then(
      () => void inFlight.delete(p),
      (e: unknown) => {
        inFlight.delete(p);
        failure ??= { e };
      },
    );
    inFlight.add(p);
    if (inFlight.size >= limit) await Promise.race(inFlight);
    if (failure) throw failure.e;
  }
  await Promise.all(inFlight);
  if (failure) throw failure.e;
}
