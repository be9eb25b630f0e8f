import { AppError, isAppError, toAppError, type AppErrorCode } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import { writeGeoTiffAsync, type GeoTiffBandInput, type WriteGeoTiffOptions } from '../io/geotiff-write.ts';

/** What the write worker is asked: the bands (their data copied in) and the writer's options, the codec left to the worker. */
export interface GeoTiffWriteRequest {
  bands: GeoTiffBandInput[];
  opts: Omit<WriteGeoTiffOptions, 'codec'>;
  /** The file's name, for messages. */
  fileName: string;
}

/** The write worker's answer: the whole file (transferred), or why not. */
export type GeoTiffWriteReply =
  | { type: 'done'; bytes: ArrayBuffer }
  | { type: 'error'; code: AppErrorCode; message: string };

/** The two ends of the write worker's channel (a Web Worker in the browser; any port in tests). */
export interface WriterPort {
  postMessage(msg: GeoTiffWriteRequest | GeoTiffWriteReply, transfer: Transferable[]): void;
  onMessage(handler: (msg: unknown) => void): void;
  /** Caller side: the worker script failed. */
  onFailure?(handler: (why: string) => void): void;
  terminate?(): void;
}

/** The worker side: one file per request, encoded with this thread's codec (CompressionStream in a browser). */
export function serveGeoTiffWriter(port: WriterPort): void {
  port.onMessage(async (raw) => {
    const req = raw as GeoTiffWriteRequest;
    try {
      const file = await writeGeoTiffAsync(req.bands, req.opts);
      const bytes =
        file.byteOffset === 0 && file.byteLength === file.buffer.byteLength ? (file.buffer as ArrayBuffer) : (file.slice().buffer as ArrayBuffer);
      port.postMessage({ type: 'done', bytes }, [bytes]);
    } catch (e) {
      // The writer's own code (an AppError) or WRITE_FAILED, the message naming the file.
      const err = isAppError(e) ? e : toAppError(e, 'WRITE_FAILED', 'the writer failed');
      port.postMessage({ type: 'error', code: err.code, message: `Writing ${req.fileName} failed: ${err.message}` }, []);
    }
  });
}

/**
 * Writes one GeoTIFF (`writeGeoTiffAsync`'s bytes) on a worker of its own from `spawn`, so that the
 * thread running the pipeline keeps cutting and correcting tiles meanwhile, and two files can be
 * written at once on two cores. The bands' data are copied to the worker (the caller keeps its
 * rasters); the file comes back transferred, and the worker ends. `signal` ends the worker and
 * rejects CANCELLED.
 */
export async function writeGeoTiffOnWorker(
  spawn: () => WriterPort,
  fileName: string,
  bands: GeoTiffBandInput[],
  opts: Omit<WriteGeoTiffOptions, 'codec'>,
  run: Pick<RunOptions, 'signal'> = {},
): Promise<Uint8Array> {
  throwIfAborted(run.signal);
  const port = spawn();
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      port.onMessage((raw) => {
        const m = raw as GeoTiffWriteReply;
        if (m.type === 'done') resolve(new Uint8Array(m.bytes));
        else reject(new AppError(m.code, m.message, { file: fileName }));
      });
      port.onFailure?.((why) => reject(new AppError('WRITE_FAILED', `Writing ${fileName} failed: the write worker stopped (${why}).`, { file: fileName })));
      run.signal?.addEventListener('abort', () => reject(new AppError('CANCELLED', 'The operation was cancelled.')), { once: true });
      // Copies: the caller's rasters stay usable (the pipeline reads them on).
      const copies = bands.map((b) => ({ ...b, raster: { ...b.raster, data: b.raster.data.slice() } }));
      port.postMessage({ bands: copies, opts, fileName }, copies.map((b) => b.raster.data.buffer));
    });
  } finally {
    port.terminate?.();
  }
}
