import { Worker } from 'node:worker_threads';
import { AppError, type AppErrorCode } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import type { StageInput } from '../pipeline/method.ts';
import { poolMethod, type PooledMethod, type TileRunner } from '../pipeline/tile-pool.ts';
import type { BackendName } from '../model/backend.ts';
import type { SrdaModelJson } from '../model/weights.ts';
import type { AuxName } from '../core/raster/raster.ts';

/** SRDA-Net weights as read from disk (cli/srda-register.ts `readSrdaWeights`). */
export type SrdaWeightBytes = { modelJson: SrdaModelJson | string; weightData: ArrayBuffer };

/** Messages to a pool worker (srda-tile-worker.ts). */
export type PoolRequest =
  | { type: 'init'; weights: SrdaWeightBytes; backend?: BackendName }
  | { type: 'tile'; id: number; input: StageInput };

/** Messages from a pool worker. */
export type PoolReply =
  | { type: 'ready'; label: string; backend: BackendName; haloCoarsePx: number; usesAux: AuxName[] }
  | { type: 'done'; id: number; data: Float32Array }
  | { type: 'error'; id?: number; code: AppErrorCode; message: string };

/** Options of `createSrdaPool`. */
export interface SrdaPoolOptions {
  /** Number of worker threads (>= 1). */
  jobs: number;
  /** tfjs backend in each worker (default: the fastest that works there, wasm in Node). */
  backend?: BackendName;
}

/** The CLI's SRDA-Net on a pool of worker threads, plus what the workers chose. */
export interface SrdaPool extends PooledMethod {
  readonly backend: { backend: BackendName; skipped: never[] };
  readonly notices: string[];
}

// The workers load TypeScript through tsx, as bin/srda-lst.js does for the main thread.
function spawn(): Worker {
  const entry = new URL('./srda-tile-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true });
}

function toError(r: Extract<PoolReply, { type: 'error' }>): AppError {
  return new AppError(r.code, r.message);
}

async function startWorker(
  weights: PoolRequest & { type: 'init' },
): Promise<{ runner: TileRunner; ready: Extract<PoolReply, { type: 'ready' }> }> {
  const worker = spawn();
  const pending = new Map<number, { resolve: (d: Float32Array) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let dead: AppError | undefined;
  const ready = await new Promise<Extract<PoolReply, { type: 'ready' }>>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: PoolReply) =>
      m.type === 'ready'
        ? resolve(m)
        : reject(
            m.type === 'error'
              ? toError(m)
              : new AppError('INTERNAL', 'unexpected first message from an SRDA-Net worker'),
          ),
    );
    worker.postMessage(weights, [weights.weights.weightData]);
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  const failAll = (e: AppError): void => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (m: PoolReply) => {
    if (m.type === 'ready' || m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.type === 'done') p?.resolve(m.data);
    else p?.reject(toError(m));
  });
  worker.on('error', (e) =>
    failAll(new AppError('INTERNAL', `An SRDA-Net worker thread failed: ${e.message}`, { cause: e })),
  );
  worker.on('exit', (code) =>
    failAll(new AppError('INTERNAL', `An SRDA-Net worker thread exited (code ${code}).`)),
  );
  const runner: TileRunner = {
    runTile(input: StageInput, options?: RunOptions) {
      throwIfAborted(options?.signal);
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise<Float32Array>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // Cancelling drops the tile's result; the worker finishes it and stays usable.
        options?.signal?.addEventListener(
          'abort',
          () => pending.delete(id) && reject(new AppError('CANCELLED', 'The operation was cancelled.')),
          { once: true },
        );
        worker.postMessage({ type: 'tile', id, input } satisfies PoolRequest);
      });
    },
    async close() {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
  return { runner, ready };
}

/**
 * Starts `jobs` worker threads, each loading SRDA-Net from `weights` on its own tfjs backend, and
 * returns them as one tiled StageMethod (`concurrency = jobs`): the pipeline then runs that many
 * tiles at once, with output bit-identical to one worker. `close()` ends the threads.
 * MODEL_LOAD_FAILED / NO_BACKEND as `createSrdaMethod` in a worker.
 */
export async function createSrdaPool(weights: SrdaWeightBytes, options: SrdaPoolOptions): Promise<SrdaPool> {
  const jobs = Math.max(1, Math.floor(options.jobs));
  // Each worker gets its own copy of the weights (transferred, so the main thread keeps none).
  const started = await Promise.allSettled(
    Array.from({ length: jobs }, () =>
      startWorker({
        type: 'init',
        weights: { modelJson: weights.modelJson, weightData: weights.weightData.slice(0) },
        backend: options.backend,
      }),
    ),
  );
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((w) => w.runner.close()));
    throw failed.reason;
  }
  const first = ok[0].ready;
  const pool = poolMethod(
    { id: 'srda', label: first.label, usesAux: first.usesAux, haloCoarsePx: first.haloCoarsePx },
    ok.map((w) => w.runner),
  );
  return Object.assign(pool, {
    backend: { backend: first.backend, skipped: [] as never[] },
    notices: [] as string[],
  });
}
