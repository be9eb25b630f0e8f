/**
 * The port the worker pools speak (tiles, Deflate, GeoTIFF writes) over a Web Worker: messages in
 * and out, the script's failure as one line, and termination.
 */
export function webWorkerPort(worker: Worker): {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  onMessage(handler: (msg: unknown) => void): void;
  onFailure(handler: (why: string) => void): void;
  terminate(): void;
} {
  return {
    postMessage: (msg, transfer) => worker.postMessage(msg, transfer ?? []),
    onMessage: (handler) => worker.addEventListener('message', (e: MessageEvent) => handler(e.data)),
    onFailure: (handler) =>
      worker.addEventListener('error', (e: ErrorEvent) => handler(e.message || 'the worker script failed')),
    terminate: () => worker.terminate(),
  };
}

/** How many workers of a pool the app starts: this machine's cores, at least 1 and at most `max`. */
export function coresUpTo(max: number): number {
  const cores = typeof navigator !== 'undefined' ? (navigator.hardwareConcurrency ?? 1) : 1;
  return Math.max(1, Math.min(max, cores));
}
