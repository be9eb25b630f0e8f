/// <reference lib="webworker" />
import { AppError, isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import { exportLayerGeoTiff, exportZip } from './export.ts';
import { convertInputUnits, ingestFiles, removeInput } from './inputs.ts';
import type { FromWorker, ParamsOf, RequestMessage, RequestName, ResultOf, ToWorker, WireError } from './protocol.ts';
import { inputLayer, previewScene } from './preview.ts';
import { runJob } from './run.ts';

declare const self: DedicatedWorkerGlobalScope;

type Handler<N extends RequestName> = (
  params: ParamsOf<N>,
  opts: RunOptions,
  transfer: Transferable[],
) => Promise<ResultOf<N>>;

const handlers: { [N in RequestName]: Handler<N> } = {
  ingest: async ({ files }, opts) => ingestFiles(files, opts.signal),
  convertUnits: async ({ id, code }) => ({ input: convertInputUnits(id, code) }),
  removeInput: async ({ id }) => {
    removeInput(id);
    return { ok: true };
  },
  preview: async (params) => previewScene(params),
  inputLayer: async ({ id }, _opts, transfer) => ({ layer: inputLayer(id, transfer) }),
  run: (params, opts, transfer) => runJob(params, opts, transfer),
  // A Blob: posted by reference, not copied.
  exportGeoTiff: async ({ layerId, sceneId }, opts) => exportLayerGeoTiff(layerId, { ...opts, ...(sceneId !== undefined ? { sceneId } : {}) }),
  exportZip: async (params, opts, transfer) => {
    const r = await exportZip(params.report, params.extraFiles ?? [], params.fileStem, opts, params.sceneIds);
    transfer.push(r.bytes);
    return r;
  },
};

const running = new Map<number, AbortController>();

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

function toWire(e: unknown): WireError {
  if (isAppError(e)) {
    const hint = (e as { hint?: string }).hint;
    return { code: e.code, message: e.message, file: e.file, ...(hint ? { hint } : {}) };
  }
  if (e instanceof RangeError || (e instanceof Error && /memory|allocation/i.test(e.message))) {
    return { code: 'OUT_OF_MEMORY', message: e.message };
  }
  return { code: 'INTERNAL', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
}

/** Calls the handler of the message's request with its params, both typed by the same name. */
function dispatch<N extends RequestName>(msg: RequestMessage<N>, opts: RunOptions, transfer: Transferable[]): Promise<ResultOf<N>> {
  const handler: Handler<N> | undefined = handlers[msg.name];
  if (!handler) throw new AppError('BAD_ARGUMENT', `Unknown request ${String(msg.name)}.`);
  return handler(msg.params, opts, transfer);
}

async function handle(msg: RequestMessage): Promise<void> {
  const { id } = msg;
  const ctrl = new AbortController();
  running.set(id, ctrl);
  const transfer: Transferable[] = [];
  let lastProgress = 0;
  const opts: RunOptions = {
    signal: ctrl.signal,
    onProgress: (progress) => {
      // Throttle to ~20 messages/s so the main thread is not flooded.
      const now = performance.now();
      if (now - lastProgress < 50 && progress.done < progress.total) return;
      lastProgress = now;
      post({ type: 'progress', id, progress });
    },
  };
  try {
    const result = await dispatch(msg, opts, transfer);
    if (ctrl.signal.aborted) return;
    post({ type: 'result', id, result }, transfer);
  } catch (e) {
    if (!ctrl.signal.aborted) post({ type: 'error', id, error: toWire(e) });
  } finally {
    running.delete(id);
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'cancel') running.get(msg.id)?.abort();
  else void handle(msg);
};
