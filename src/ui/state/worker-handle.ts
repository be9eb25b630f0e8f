import { isAppError } from '../../core/errors.ts';
import { WorkerClient } from '../../worker/client.ts';
import { errorDetail, type WireError } from '../../worker/protocol.ts';

let client: WorkerClient | undefined;

/** The app's one downscale worker, started on first use. */
export function worker(): WorkerClient {
  client ??= new WorkerClient();
  return client;
}

/** An error as the error box shows it (AppErrors keep their code, file and detail). */
export function toWire(e: unknown): WireError {
  if (isAppError(e)) return { code: e.code, message: e.message, file: e.file, ...errorDetail(e) };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
