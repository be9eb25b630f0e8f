import { AppError } from '../core/errors.ts';
import type { Progress, RunOptions } from '../core/progress.ts';
import { errorDetail, type FromWorker, type ParamsOf, type RequestMessage, type RequestName, type ResultOf, type ToWorker, type WireError } from './protocol.ts';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onProgress?: (p: Progress) => void;
}

/** Rebuilds an AppError that crossed the worker boundary, with the detail it carries (its `hint`, what to do in the app, and the like). */
export function fromWireError(e: WireError): AppError {
  return Object.assign(new AppError(e.code, e.message, { file: e.file }), errorDetail(e));
}

/**
 * Promise API over the downscale worker. Each call sends one request; an abort of `signal`
 * sends a cancel message, and the call then settles as the worker says the request ended (it
 * answers every request, worker/serve.ts): rejected with a CANCELLED AppError when the cancel
 * stopped it, or resolved with its result when the work had already finished (a run whose layers
 * had replaced the earlier ones by then, so the results and the worker agree). ArrayBuffers
 * listed in `transfer` are moved, not copied.
 */
export class WorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(worker?: Worker) {
    this.worker =
      worker ??
      new Worker(new URL('./downscale.worker.ts', import.meta.url), {
        type: 'module',
        name: 'srda-downscale',
      });
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.handle(ev.data);
    this.worker.onerror = (ev) => {
      const err = new AppError('INTERNAL', `The worker failed: ${ev.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  call<N extends RequestName>(
    name: N,
    params: ParamsOf<N>,
    options: RunOptions & { transfer?: Transferable[] } = {},
  ): Promise<ResultOf<N>> {
    const id = this.nextId++;
    const { signal, onProgress, transfer = [] } = options;
    if (signal?.aborted) return Promise.reject(new AppError('CANCELLED', 'The operation was cancelled.'));
    return new Promise<ResultOf<N>>((resolve, reject) => {
      const onAbort = () => {
        this.post({ type: 'cancel', id });
        // No more progress: the request is ending one way or the other.
        const p = this.pending.get(id);
        if (p) p.onProgress = undefined;
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as ResultOf<N>);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        onProgress,
      });
      const msg: RequestMessage<N> = { type: 'request', id, name, params };
      this.post(msg, transfer);
    });
  }

  terminate(): void {
    this.worker.terminate();
  }

  private post<N extends RequestName>(msg: RequestMessage<N> | Extract<ToWorker, { type: 'cancel' }>, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private handle(msg: FromWorker): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.type === 'result') p.resolve(msg.result);
    else p.reject(fromWireError(msg.error));
  }
}
