import type { WriterPort } from './geotiff-writer.ts';
import { webWorkerPort } from './web-worker-port.ts';

/** A fresh GeoTIFF write Web Worker (worker/geotiff-write.worker.ts) as a `WriterPort`. */
export function spawnGeoTiffWriteWorker(): WriterPort {
  return webWorkerPort(new Worker(new URL('./geotiff-write.worker.ts', import.meta.url), { type: 'module', name: 'geotiff-write' }));
}
