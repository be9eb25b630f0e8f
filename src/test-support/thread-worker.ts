import { WorkerClient } from '../worker/client.ts';
import type { FromWorker, ToWorker } from '../worker/protocol.ts';
import { serveRequests } from '../worker/serve.ts';

/**
 * The app's worker client over the worker's own request loop (worker/serve.ts) on this thread,
 * each request answered by `dispatch`: messages each way go through the event loop, as between
 * threads. `onCancel` is called when the client sends a cancel.
 */
export function threadWorkerClient(dispatch: Parameters<typeof serveRequests>[0], onCancel: () => void): WorkerClient {
  const fake = { onmessage: null as ((ev: MessageEvent<FromWorker>) => void) | null, onerror: null, terminate: () => undefined, postMessage: (_m: ToWorker) => undefined };
  const serve = serveRequests(dispatch, (m) => setTimeout(() => fake.onmessage?.({ data: m } as MessageEvent<FromWorker>)));
  fake.postMessage = (m: ToWorker) => {
    if (m.type === 'cancel') onCancel();
    setTimeout(() => serve(m));
  };
  return new WorkerClient(fake as unknown as Worker);
}
