import { poolLayerMaker, type LayerMaker, type LayerPort } from './layer-pool.ts';
import { coresUpTo, webWorkerPort } from './web-worker-port.ts';

function spawnLayerWorker(): LayerPort {
  return webWorkerPort(
    new Worker(new URL('./layer.worker.ts', import.meta.url), { type: 'module', name: 'srda-layer' }),
  );
}

/** Layer workers the app starts for a run's layers: the cores, at most 2 (1 still takes them off the run's thread). */
export function appLayerWorkers(): number {
  return coresUpTo(2);
}

/**
 * The app's layer workers (worker/layer.worker.ts: display grid and statistics of each layer), or
 * this thread where the platform has no Worker or `workers` is 0. The caller ends them with `close()`.
 */
export function startLayerWorkers(workers = appLayerWorkers()): LayerMaker {
  return poolLayerMaker(spawnLayerWorker, typeof Worker === 'function' ? workers : 0);
}

let kept: { maker: LayerMaker; startedWith: number } | undefined;

/**
 * The app's layer workers for the page's life (of the thread that calls it): started on first use
 * and kept, so a run's layers no longer pay for starting two workers and loading their code; started
 * again once every one of them has stopped. Its `close()` does nothing (a caller that gets it does
 * not own it).
 */
export function keptLayerWorkers(): LayerMaker {
  if (!kept || (kept.startedWith > 0 && kept.maker.workers === 0)) {
    const maker = startLayerWorkers();
    kept = { maker, startedWith: maker.workers };
  }
  const { maker } = kept;
  return {
    make: (raster, name, signal) => maker.make(raster, name, signal),
    get workers() {
      return maker.workers;
    },
    close: () => undefined,
  };
}
