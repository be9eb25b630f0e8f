/// <reference lib="webworker" />
import { AppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import { exportLayerGeoTiff, exportZip } from './export.ts';
import { convertInputUnits, ingestFiles, removeInput } from './inputs.ts';
import type { FromWorker, ParamsOf, RequestMessage, RequestName, ResultOf, ToWorker } from './protocol.ts';
import { inputLayer, previewScene } from './preview.ts';
import { runJob } from './run.ts';
import { serveRequests } from './serve.ts';

declare const self: DedicatedWorkerGlobalScope;

type Handler<N extends RequestName> = (
  params: ParamsOf<N>,
  opts: RunOptions,
  transfer: Transferable[],
) => Promise<ResultOf<N>>;

const handlers: { [N in RequestName]: Handler<N> } = {
  ingest: async ({ files }, opts) => ingestFiles(files, opts),
  convertUnits: async ({ id, code }) => ({ input: convertInputUnits(id, code) }),
  removeInput: async ({ id }) => {
    removeInput(id);
    return { ok: true };
  },
  preview: async (params) => previewScene(params),
  inputLayer: async ({ id }, opts, transfer) => ({ layer: await inputLayer(id, transfer, opts.signal) }),
  run: (params, opts, transfer) => runJob(params, opts, transfer),
  // Blobs: posted by reference, not copied.
  exportGeoTiff: async ({ layerId, sceneId }, opts) => exportLayerGeoTiff(layerId, { ...opts, ...(sceneId !== undefined ? { sceneId } : {}) }),
  exportZip: async (params, opts) => exportZip(params.report, params.extraFiles ?? [], params.fileStem, opts, params.sceneIds),
};

/** Calls the handler of the message's request with its params, both typed by the same name. */
function dispatch<N extends RequestName>(msg: RequestMessage<N>, opts: RunOptions, transfer: Transferable[]): Promise<ResultOf<N>> {
  const handler: Handler<N> | undefined = handlers[msg.name];
  if (!handler) throw new AppError('BAD_ARGUMENT', `Unknown request ${String(msg.name)}.`);
  return handler(msg.params, opts, transfer);
}

const serve = serveRequests(
  (msg, opts, transfer) => dispatch(msg, opts, transfer),
  (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, transfer),
);

self.onmessage = (ev: MessageEvent<ToWorker>) => serve(ev.data);
