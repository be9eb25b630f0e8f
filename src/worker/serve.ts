import { AppError, isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import { errorDetail, type FromWorker, type RequestMessage, type ToWorker, type WireError } from './protocol.ts';
import { CancelRegistry } from '../pipeline/request-pool.ts';

/** An error as it crosses to the main thread: AppErrors keep their code, file and detail (hint, outsideOf); a RangeError or allocation failure reads OUT_OF_MEMORY. */
export function toWireError(e: unknown): WireError {
  if (isAppError(e)) return { code: e.code, message: e.message, file: e.file, ...errorDetail(e) };
  if (e instanceof RangeError || (e instanceof Error && /memory|allocation/i.test(e.message))) {
    return { code: 'OUT_OF_MEMORY', message: e.message };
  }
  return { code: 'INTERNAL', message: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) };
}

/**
 * The worker's side of the protocol: runs each request through `dispatch` with its own abort
 * signal (a `cancel` message aborts it), throttles its progress, and answers every request exactly
 * once, cancelled or not, so the client always learns how it ended. A request whose work finished
 * (a run whose layers replaced the earlier ones) answers with its result even when a cancel came
 * after that point: the cancel lost. One that stopped on the cancel answers with its CANCELLED
 * error, and has left the earlier results as they were.
 */
export function serveRequests(
  dispatch: (msg: RequestMessage, opts: RunOptions, transfer: Transferable[]) => Promise<unknown>,
  post: (msg: FromWorker, transfer?: Transferable[]) => void,
  now: () => number = () => performance.now(),
): (msg: ToWorker) => void {
  const running = new CancelRegistry();
  const work = async (msg: RequestMessage, signal: AbortSignal): Promise<void> => {
    const { id } = msg;
    const transfer: Transferable[] = [];
    let lastProgress = Number.NEGATIVE_INFINITY;
    const stagesSeen = new Set<string>();
    const opts: RunOptions = {
      signal,
      onProgress: (progress) => {
        // Throttle to ~20 messages/s so the main thread is not flooded; a report of what is left is
        // kept (one per part), and the first of each stage (the line says at once what is done now,
        // e.g. the ZIP built after its layers): the next may be long in coming.
        const t = now();
        const isNewStage = !stagesSeen.has(progress.stage);
        if (t - lastProgress < 50 && progress.done < progress.total && !progress.left && !isNewStage) return;
        lastProgress = t;
        stagesSeen.add(progress.stage);
        post({ type: 'progress', id, progress });
      },
    };
    try {
      const result = await dispatch(msg, opts, transfer);
      post({ type: 'result', id, result }, transfer);
    } catch (e) {
      // Whatever stopped it once cancelled, the request ended on the cancel.
      post({ type: 'error', id, error: signal.aborted ? toWireError(isAppError(e) && e.code === 'CANCELLED' ? e : new AppError('CANCELLED', 'The operation was cancelled.', { cause: e })) : toWireError(e) });
    }
  };
  return (msg) => {
    if (msg.type === 'cancel') running.cancel(msg.id);
    else void running.track(msg.id, (signal) => work(msg, signal));
  };
}
