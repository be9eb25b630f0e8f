import { parentPort } from 'node:worker_threads';
import { AppError, isAppError } from '../core/errors.ts';
import type { StageInput, StageMethod } from '../pipeline/method.ts';
import type { PoolReply, PoolRequest } from './srda-pool.ts';

// One inference worker of the CLI's pool: its own tfjs backend and copy of SRDA-Net, one tile at a time.
let method: StageMethod | undefined;
const port = parentPort!;

function reply(msg: PoolReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function failure(e: unknown, id?: number): PoolReply {
  return {
    type: 'error',
    id,
    code: isAppError(e) ? e.code : 'INTERNAL',
    message: e instanceof Error ? e.message : String(e),
  };
}

port.on('message', (msg: PoolRequest) => {
  void (async () => {
    if (msg.type === 'init') {
      try {
        const { createSrdaMethod } = await import('../pipeline/methods/srda.ts');
        const m = await createSrdaMethod(msg.weights, { backend: msg.backend });
        method = m;
        reply({
          type: 'ready',
          label: m.label,
          backend: m.backend.backend,
          haloCoarsePx: m.haloCoarsePx,
          usesAux: [...m.usesAux],
        });
      } catch (e) {
        reply(failure(e));
      }
      return;
    }
    try {
      if (!method) throw new AppError('INTERNAL', 'SRDA-Net worker got a tile before it was initialised.');
      const data = await method.runStage(msg.input as StageInput);
      reply({ type: 'done', id: msg.id, data }, [data.buffer as ArrayBuffer]);
    } catch (e) {
      reply(failure(e, msg.id));
    }
  })();
});
