import type { WorkerClient } from '../worker/client.ts';
import { ingestFiles, removeInput } from '../worker/inputs.ts';
import { inputLayer, previewScene } from '../worker/preview.ts';
import type { RequestMessage } from '../worker/protocol.ts';
import { threadWorkerClient } from './thread-worker.ts';

/** Whether the worker had begun reading when the client sent its cancel, and how its reads ended. */
export interface IngestWatch {
  /** Reads begun by the worker's ingest (one per request). */
  started: number;
  /** How each read ended: 'read' or the error code it threw. */
  ended: string[];
  isCancelSent: boolean;
  /** Each read waits for the cancel to reach the worker before it begins (a cancel that lands at its start). */
  isHeldForCancel?: boolean;
}

/**
 * The app's worker client over the worker's own request loop and file reading (worker/inputs.ts) on
 * this thread (`threadWorkerClient`). Answers ingest, and the preview, input layer and removal the app
 * asks for after a read.
 */
export function ingestWorkerClient(watch: IngestWatch): WorkerClient {
  return threadWorkerClient(
    async (msg: RequestMessage, opts, transfer) => {
      if (msg.name === 'ingest') {
        watch.started++;
        if (watch.isHeldForCancel) await new Promise((r) => opts.signal?.addEventListener('abort', r, { once: true }));
        try {
          const r = await ingestFiles(msg.params.files, opts);
          watch.ended.push('read');
          return r;
        } catch (e) {
          watch.ended.push((e as { code?: string }).code ?? 'error');
          throw e;
        }
      }
      if (msg.name === 'preview') return previewScene(msg.params);
      if (msg.name === 'removeInput') {
        removeInput(msg.params.id);
        return { ok: true };
      }
      if (msg.name === 'inputLayer') return { layer: await inputLayer(msg.params.id, transfer, opts.signal) };
      throw new Error(`This test worker answers file reads only, not ${msg.name}.`);
    },
    () => (watch.isCancelSent = true),
  );
}
