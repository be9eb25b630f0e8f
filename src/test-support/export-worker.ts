import type { Progress, RunOptions } from '../core/progress.ts';
import type { WorkerClient } from '../worker/client.ts';
import { exportLayerGeoTiff, exportZip } from '../worker/export.ts';
import type { RequestMessage } from '../worker/protocol.ts';
import { threadWorkerClient } from './thread-worker.ts';

export { beginSceneLayers, clearLayers, storeLayer, type LayerMeta } from '../worker/layers.ts';

/** What the worker's export code reported (each progress, and whether the client had sent its cancel by then). */
export interface ExportWatch {
  progress: { stage: string; done: number; total: number; step?: number; afterCancel: boolean }[];
  isCancelSent: boolean;
}

/**
 * The app's worker client over the worker's own request loop and export code (worker/export.ts) on
 * this thread (`threadWorkerClient`). Answers the two export requests; `watch` records their
 * progress and the cancel.
 */
export function exportWorkerClient(watch: ExportWatch): WorkerClient {
  const watched = (opts: RunOptions): RunOptions => ({
    signal: opts.signal,
    onProgress: (p: Progress) => {
      watch.progress.push({ stage: p.stage, done: p.done, total: p.total, ...(p.step !== undefined ? { step: p.step } : {}), afterCancel: watch.isCancelSent });
      opts.onProgress?.(p);
    },
  });
  return threadWorkerClient(
    async (msg: RequestMessage, opts) => {
      if (msg.name === 'exportGeoTiff') return exportLayerGeoTiff(msg.params.layerId, { ...watched(opts), ...(msg.params.sceneId !== undefined ? { sceneId: msg.params.sceneId } : {}) });
      if (msg.name === 'exportZip') return exportZip(msg.params.report, msg.params.extraFiles ?? [], msg.params.fileStem, watched(opts), msg.params.sceneIds);
      throw new Error(`This test worker answers exports only, not ${msg.name}.`);
    },
    () => (watch.isCancelSent = true),
  );
}
