import { poolMethod, type PooledMethod, type TileRunner } from '../pipeline/tile-pool.ts';
import { connectTileWorker, type TilePort } from '../pipeline/tile-worker.ts';
import type { SrdaMethod } from '../pipeline/methods/srda.ts';

/** How many inference workers the app uses: the cores, at most 2 (each holds its own wasm heap). */
export function appInferenceWorkers(): number {
  const cores = typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1;
  return Math.max(1, Math.min(2, cores));
}

function spawnWebWorker(): TilePort {
  const worker = new Worker(new URL('./srda-tile.worker.ts', import.meta.url), {
    type: 'module',
    name: 'srda-tile',
  });
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    onMessage: (handler) => worker.addEventListener('message', (e: MessageEvent) => handler(e.data)),
    onFailure: (handler) =>
      worker.addEventListener('error', (e: ErrorEvent) => handler(e.message || 'the worker script failed')),
    terminate: () => worker.terminate(),
  };
}

/** SRDA-Net in this worker plus more Web Workers: the method the app runs, with what it needs from both. */
export type PooledSrda = PooledMethod & Pick<SrdaMethod, 'notices' | 'backend' | 'finetune'>;

/**
 * Runs SRDA-Net tiles on `workers` inference workers: `method` in this (downscale) worker plus
 * `workers - 1` Web Workers loading the same weights on the wasm backend, so both cores work and
 * the output is bit-identical to `method` alone. Only for wasm (a GPU backend gains nothing from
 * it). Returns undefined, with the reason in `notices`, when a worker cannot start.
 */
export async function poolSrdaInWebWorkers(
  method: SrdaMethod,
  workers: number,
  load: { modelUrl: string; wasmPaths: string },
  notices: string[],
): Promise<PooledSrda | undefined> {
  if (workers < 2 || method.backend.name !== 'wasm') return undefined;
  const started: TileRunner[] = [];
  try {
    for (let i = 1; i < workers; i++) {
      const { runner } = await connectTileWorker(spawnWebWorker(), {
        type: 'init',
        weights: { url: load.modelUrl },
        backend: 'wasm',
        wasmPaths: load.wasmPaths,
      });
      // Two tiles at a time: the worker starts its next tile while this thread still runs its own.
      started.push({ ...runner, queueDepth: 2 });
    }
  } catch (e) {
    await Promise.all(started.map((r) => r.close()));
    notices.push(
      `SRDA-Net ran on one core: a second inference worker did not start (${e instanceof Error ? e.message : String(e)}).`,
    );
    return undefined;
  }
  const here: TileRunner = {
    notices: method.notices,
    runTile: (input, options) => method.runStage(input, options),
    ...(method.runStageWithSigma ? { runTileWithSigma: method.runStageWithSigma.bind(method) } : {}),
    close: () => undefined,
  };
  const pool = poolMethod(method, [here, ...started]);
  // Accessors, not copies: the in-thread method may move to another backend mid-run. The pool's
  // notices are those of this thread's method and of every Web Worker's.
  return Object.defineProperties(pool, {
    backend: { get: () => method.backend },
    finetune: { get: () => method.finetune },
  }) as PooledSrda;
}
