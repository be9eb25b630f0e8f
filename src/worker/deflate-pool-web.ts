import { deflateCodec } from '../io/deflate-codec.ts';
import { poolDeflateCodec, type DeflatePool, type DeflatePort } from './deflate-pool.ts';

function spawnDeflateWorker(): DeflatePort {
  const worker = new Worker(new URL('./deflate.worker.ts', import.meta.url), { type: 'module', name: 'deflate' });
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer),
    onMessage: (handler) => worker.addEventListener('message', (e: MessageEvent) => handler(e.data)),
    onFailure: (handler) =>
      worker.addEventListener('error', (e: ErrorEvent) => handler(e.message || 'the worker script failed')),
    terminate: () => worker.terminate(),
  };
}

/** Deflate workers the app starts for a write: the cores, at most 2 (1 still takes the compression off the writing thread). */
export function appDeflateWorkers(): number {
  const cores = typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1;
  return Math.max(1, Math.min(2, cores));
}

/**
 * A pool of `workers` deflate Web Workers (CompressionStream on each, no model loaded: a few MB
 * each), or this thread's codec where the platform has no Worker or no CompressionStream. The
 * caller ends it with `close()`.
 */
export function startDeflateWorkers(workers = appDeflateWorkers()): DeflatePool {
  const here = deflateCodec();
  if (typeof Worker !== 'function' || here.name !== 'CompressionStream' || workers < 1)
    return { ...here, workers: 0, close: () => undefined };
  return poolDeflateCodec(spawnDeflateWorker, workers, here);
}
