import { isAppError } from '../../core/errors.ts';
import { WorkerClient } from '../../worker/client.ts';
import type { WireError } from '../../worker/protocol.ts';

let client: WorkerClient | undefined;

/** The app's one downscale worker, started on first use. */
export function worker(): WorkerClient {
  client ??= new WorkerClient();
  return client;
}

/** An error as the error box shows it (AppErrors keep their code, file and hint). */
export function toWire(e: unknown): WireError {
  if (isAppError(e)) {
    const hint = (e as { hint?: string }).hint;
    return { code: e.code, message: e.message, file: e.file, ...(hint ? { hint } : {}) };
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
