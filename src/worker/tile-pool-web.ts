import { poolMethod, type PooledMethod, type TileRunner } from '../pipeline/tile-pool.ts';
import { connectTileWorker, type TilePort } from '../pipeline/tile-worker.ts';
import type { SrdaMethod } from '../pipeline/methods/srda.ts';
import { coresUpTo, webWorkerPort } from './web-worker-port.ts';

/** How many inference workers the app uses: the cores, at most 2 (each holds its own wasm heap). */
export function appInferenceWorkers(): number {
  return coresUpTo(2);
}

function spawnWebWorker(): TilePort {
  return webWorkerPort(new Worker(new URL('./srda-tile.worker.ts', import.meta.url), { type: 'module', name: 'srda-tile' }));
}

/** SRDA-Net on a pool of Web Workers: the method the app runs, with what it needs from the in-thread one. */
export type PooledSrda = PooledMethod & Pick<SrdaMethod, 'notices' | 'backend' | 'finetune'>;

/**
 * Runs SRDA-Net tiles on `workers` Web Workers, each loading the same weights on the wasm backend,
 * so both cores run the network while this (downscale) thread only cuts tiles, corrects and writes;
 * the output is bit-identical to `method` alone. `method` itself runs no tile here: it stays for
 * what needs this thread (fine-tuning, its backend). Only for wasm (a GPU backend gains nothing
 * from it). Returns undefined, with the reason in `notices`, when a worker cannot start.
 */
export async function poolSrdaInWebWorkers(
  method: SrdaMethod,
  workers: number,
  load: { modelUrl: string; wasmPaths: string; orientations?: number },
  notices: string[],
): Promise<PooledSrda | undefined> {
  if (workers < 2 || method.backend.name !== 'wasm') return undefined;
  const init = { type: 'init', weights: { url: load.modelUrl }, backend: 'wasm', wasmPaths: load.wasmPaths, ...(load.orientations !== undefined ? { orientations: load.orientations } : {}) } as const;
  // Started together; the ones that did start are ended when another fails.
  const settled = await Promise.allSettled(
    Array.from({ length: workers }, () => connectTileWorker(spawnWebWorker(), init)),
  );
  const started: TileRunner[] = [];
  for (const s of settled) {
    // Two tiles at a time: a worker starts its next tile as soon as one is done, without waiting
    // for this thread, which may be busy cutting or correcting tiles.
    if (s.status === 'fulfilled') started.push({ ...s.value.runner, queueDepth: 2 });
  }
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((r) => r.close()));
    const e: unknown = failed.reason;
    notices.push(
      `SRDA-Net ran on one core: an inference worker did not start (${e instanceof Error ? e.message : String(e)}).`,
    );
    return undefined;
  }
  const pool = poolMethod(method, started);
  // Accessors, not copies: the in-thread method may move to another backend mid-run. The pool's
  // notices are those of this thread's method (loading it) and of every Web Worker's.
  return Object.defineProperties(pool, {
    backend: { get: () => method.backend },
    finetune: { get: () => method.finetune },
    notices: { get: () => [...new Set([...method.notices, ...started.flatMap((r) => r.notices ?? [])])] },
  }) as PooledSrda;
}
