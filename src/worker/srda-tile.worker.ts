/// <reference lib="webworker" />
import { serveTileWorker } from '../pipeline/tile-worker.ts';

declare const self: DedicatedWorkerGlobalScope;

// A second SRDA-Net inference worker, started by the downscale worker (worker/tile-pool-web.ts).
serveTileWorker({
  postMessage: (msg, transfer) => self.postMessage(msg, transfer ?? []),
  onMessage: (handler) => self.addEventListener('message', (e: MessageEvent) => handler(e.data)),
});
