import type { Progress, RunOptions } from '../core/progress.ts';
import { WorkerClient } from '../worker/client.ts';
import { exportLayerGeoTiff, exportZip } from '../worker/export.ts';
import type { FromWorker, RequestMessage, ToWorker } from '../worker/protocol.ts';
import { serveRequests } from '../worker/serve.ts';

export { beginSceneLayers, clearLayers, storeLayer, type LayerMeta } from '../worker/layers.ts';

/** What the worker's export code reported (each progress, and whether the client had sent its cancel by then). */
export interface ExportWatch {
  progress: { done: number; total: number; afterCancel: boolean }[];
  isCancelSent: boolean;
}

/**
 * The app's worker client over the worker's own request loop (worker/serve.ts) and export code
 * (worker/export.ts) on this thread: messages each way go through the event loop, as between
 * threads. Answers the two export requests; `watch` records their progress and the cancel.
 */
export function exportWorkerClient(watch: ExportWatch): WorkerClient {
  const fake = { onmessage: null as ((ev: MessageEvent<FromWorker>) => void) | null, onerror: null, terminate: () => undefined, postMessage: (_m: ToWorker) => undefined };
  const watched = (opts: RunOptions): RunOptions => ({
    signal: opts.signal,
    onProgress: (p: Progress) => {
      watch.progress.push({ done: p.done, total: p.total, afterCancel: watch.isCancelSent });
      opts.onProgress?.(p);
    },
  });
  const serve = serveRequests(
    async (msg: RequestMessage, opts) => {
      if (msg.name === 'exportGeoTiff') return exportLayerGeoTiff(msg.params.layerId, { ...watched(opts), ...(msg.params.sceneId !== undefined ? { sceneId: msg.params.sceneId } : {}) });
      if (msg.name === 'exportZip') return exportZip(msg.params.report, msg.params.extraFiles ?? [], msg.params.fileStem, watched(opts), msg.params.sceneIds);
      throw new Error(`This test worker answers exports only, not ${msg.name}.`);
    },
    (m) => setTimeout(() => fake.onmessage?.({ data: m } as MessageEvent<FromWorker>)),
  );
  fake.postMessage = (m: ToWorker) => {
    if (m.type === 'cancel') watch.isCancelSent = true;
    setTimeout(() => serve(m));
  };
  return new WorkerClient(fake as unknown as Worker);
}
