import { parentPort } from 'node:worker_threads';
import { serveTileWorker } from '../pipeline/tile-worker.ts';

// One inference worker of the CLI's pool (cli/srda-pool.ts): its own tfjs backend and weights.
const port = parentPort!;
serveTileWorker({
  postMessage: (msg, transfer) => port.postMessage(msg, transfer ?? []),
  onMessage: (handler) => port.on('message', handler),
});
