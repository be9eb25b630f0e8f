import type { Worker } from 'node:worker_threads';
import type { BackendName } from '../model/backend.ts';
import type { SrdaBackendInfo } from '../model/runner.ts';
import type { SrdaModelJson } from '../model/weights.ts';
import { poolMethod, type PooledMethod } from '../pipeline/tile-pool.ts';
import { connectTileWorker, type TilePort } from '../pipeline/tile-worker.ts';
import { startWorkerThread, threadPort, workerModule } from './worker-bundle.ts';

/** SRDA-Net weights as read from disk (cli/srda-weights.ts `readSrdaWeights`). */
export type SrdaWeightBytes = { modelJson: SrdaModelJson | string; weightData: ArrayBuffer };

/** Options of `createSrdaPool`. */
export interface SrdaPoolOptions {
  /** Number of worker threads (>= 1). */
  jobs: number;
  /** tfjs backend in each worker (default: the fastest that works there, wasm in Node). */
  backend?: BackendName;
  /** Orientations each worker's SRDA-Net averages over (1 default, or 8). */
  orientations?: number;
}

/** The CLI's SRDA-Net on a pool of worker threads, plus what the workers chose. */
export interface SrdaPool extends PooledMethod {
  readonly backend: SrdaBackendInfo;
}

const live = new Set<Worker>();

/**
 * Ends every SRDA-Net worker thread of this process at once, those still starting included (the
 * pool being created then rejects): for a command that fails on its inputs meanwhile.
 */
export async function terminateSrdaWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.terminate()));
  live.clear();
}

const entry = new URL('./srda-tile-worker.ts', import.meta.url);

// A worker on the bundled entry, or (when it could not be built) on the sources through tsx.
function spawn(bundle: URL | undefined): TilePort {
  const worker = startWorkerThread(entry, bundle);
  live.add(worker);
  worker.once('exit', () => live.delete(worker));
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    onMessage: (handler) => worker.on('message', handler),
    ...threadPort(worker),
  };
}

/**
 * Tiles each worker holds at once: one running and the next queued in its port (a worker runs its
 * messages one at a time, in order). With one, both workers idled whenever this thread was busy as
 * their tiles ended (Node full tile: ~15-23 moments, 0.4-0.8 s in all, with no tile in flight).
 */
const TILES_PER_WORKER = 2;

/**
 * Starts `jobs` worker threads, each loading SRDA-Net from `weights` on its own tfjs backend, and
 * returns them as one tiled StageMethod (`workers = jobs`, `concurrency = 2 x jobs`): each worker
 * holds the tile it runs and the next one, so it starts that one as soon as the first is done
 * instead of waiting for this thread (busy pasting, correcting and writing the last stage's bands),
 * with output bit-identical to one worker. `close()` ends the threads.
 * MODEL_LOAD_FAILED / NO_BACKEND as `createSrdaMethod` in a worker.
 */
export async function createSrdaPool(weights: SrdaWeightBytes, options: SrdaPoolOptions): Promise<SrdaPool> {
  const jobs = Math.max(1, Math.floor(options.jobs));
  const bundle = await workerModule(entry);
  // Each worker gets its own copy of the weights (transferred, so the main thread keeps none).
  const started = await Promise.allSettled(
    Array.from({ length: jobs }, () => {
      const weightData = weights.weightData.slice(0);
      return connectTileWorker(
        spawn(bundle),
        { type: 'init', weights: { modelJson: weights.modelJson, weightData }, backend: options.backend, ...(options.orientations !== undefined ? { orientations: options.orientations } : {}) },
        [weightData],
      );
    }),
  );
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((w) => w.runner.close()));
    throw failed.reason;
  }
  const first = ok[0].ready;
  const pool = poolMethod(
    // SRDA-Net tiles read only the fine guides (pipeline/methods/srda.ts).
    { id: 'srda', label: first.label, usesAux: first.usesAux, haloCoarsePx: first.haloCoarsePx, readsCoarseAux: false },
    // Two tiles per worker, as the app's pool (worker/tile-pool-web.ts).
    ok.map((w) => ({ ...w.runner, queueDepth: TILES_PER_WORKER })),
  );
  return Object.assign(pool, {
    backend: { name: first.backend, skipped: [] } satisfies SrdaBackendInfo,
  });
}
