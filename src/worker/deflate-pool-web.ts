import { deflateCodec } from '../io/deflate-codec.ts';
import { poolDeflateCodec, type DeflatePool } from '../pipeline/deflate-pool.ts';
import type { DeflatePort } from '../pipeline/deflate-serve.ts';
import { withJsDeflate } from './web-deflate.ts';
import { coresUpTo, webWorkerPort } from './web-worker-port.ts';

function spawnDeflateWorker(): DeflatePort {
  return webWorkerPort(new Worker(new URL('./deflate.worker.ts', import.meta.url), { type: 'module', name: 'deflate' }));
}

/** Deflate workers the app starts for a write: the cores, at most 2 (1 still takes the compression off the writing thread). */
export function appDeflateWorkers(): number {
  return coresUpTo(2);
}

/**
 * A pool of `workers` deflate Web Workers (`withJsDeflate` on each: tiles deflated by
 * `floatDeflate` or, with the 'rle' strategy, `rleDeflate`, inflated by DecompressionStream; no
 * model loaded: a few MB each), or this thread's codec (the same) where the
 * platform has no Worker or `workers` is 0, fflate where it has no CompressionStream. Blocks to
 * deflate that span their whole buffer are moved to the workers, not copied (for the GeoTIFF
 * writer's tiles). The caller ends it with `close()`.
 */
export function startDeflateWorkers(workers = appDeflateWorkers()): DeflatePool {
  const platform = deflateCodec();
  // The workers' codec (deflate.worker.ts), so a block gets the same bytes wherever it runs.
  const here = platform.name === 'CompressionStream' ? withJsDeflate(platform) : platform;
  if (typeof Worker !== 'function' || here.name !== 'CompressionStream' || workers < 1)
    return { ...here, workers: 0, close: () => undefined };
  // Its only deflating caller is the GeoTIFF writer, whose tiles are fresh arrays it drops once handed over.
  return poolDeflateCodec(spawnDeflateWorker, workers, here, { moveWholeDeflateInput: true });
}
