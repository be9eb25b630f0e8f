import type { WriterPort } from './geotiff-writer.ts';

/** A fresh GeoTIFF write Web Worker (worker/geotiff-write.worker.ts) as a `WriterPort`. */
export function spawnGeoTiffWriteWorker(): WriterPort {
  const worker = new Worker(new URL('./geotiff-write.worker.ts', import.meta.url), {
    type: 'module',
    name: 'geotiff-write',
  });
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer),
    onMessage: (handler) => worker.addEventListener('message', (e: MessageEvent) => handler(e.data)),
    onFailure: (handler) =>
      worker.addEventListener('error', (e: ErrorEvent) => handler(e.message || 'the worker script failed')),
    terminate: () => worker.terminate(),
  };
}
