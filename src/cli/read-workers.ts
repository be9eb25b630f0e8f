import os from 'node:os';
import { AppError } from '../core/errors.ts';
import { packRaster } from '../core/raster/pack-raster.ts';
import { newBands } from '../core/raster/packed.ts';
import { gridOf, type Raster } from '../core/raster/raster.ts';
import { deflateCodec, type DeflateCodec } from '../io/deflate-codec.ts';
import { poolDeflateCodec, type DeflatePool } from '../pipeline/deflate-pool.ts';
import type { DeflatePort } from '../pipeline/deflate-serve.ts';
import type { AuxPacked, AuxPacker } from '../pipeline/prepare.ts';
import { readFileRangeSync } from './file-range.ts';
import { nodeZlibCodec } from './native-deflate.ts';
import { startWorkerThread, threadPort, workerModule } from './worker-bundle.ts';

const entry = new URL('./read-thread.ts', import.meta.url);

/** Read workers end once no read has asked them for this long (their memory goes with them). */
const IDLE_MS = 500;
/** How long workers started ahead of the reads (`prestartReadWorkers`) wait for the first. */
const PRESTART_MS = 30_000;

/**
 * A read worker. It holds the process open only while it has requests in flight, so an idle one
 * never keeps the CLI from exiting, and a pending one never lets it exit under a read.
 */
function spawn(script: URL, bundle: URL | undefined): DeflatePort {
  const worker = startWorkerThread(script, bundle, false);
  worker.unref();
  let inFlight = 0;
  return {
    postMessage: (msg, transfer) => {
      if (inFlight++ === 0) worker.ref();
      worker.postMessage(msg, transfer as never);
    },
    onMessage: (handler) =>
      worker.on('message', (msg) => {
        if (--inFlight === 0) worker.unref();
        handler(msg);
      }),
    ...threadPort(worker),
  };
}

/**
 * `count` read workers on `script` (cli/read-thread.ts; tests give others) as a `DeflatePool`
 * whose blocks, once no worker is left, decode on this thread with node:zlib. The caller closes it.
 */
export async function startReadWorkers(count: number, script: URL = entry): Promise<DeflatePool> {
  const bundle = await workerModule(script);
  return poolDeflateCodec(() => spawn(script, bundle), count, nodeZlibCodec, {
    readRange: readFileRangeSync,
    // A worker that stopped is no fault of the file: INTERNAL, which the reader passes on naming the file, not CORRUPT_TIFF.
    stoppedError: (why) => new AppError('INTERNAL', why),
  });
}

let pool: Promise<DeflatePool> | undefined;
let started: DeflatePool | undefined;
let busy = 0;
let idle: NodeJS.Timeout | undefined;

/**
 * Ends the read workers `ms` from now unless they are used or held before: the one timer, re-armed
 * (an armed one cleared first, so no earlier timer can fire under a later command's reads), and
 * closing only workers nothing holds.
 */
function endWhenIdle(ms: number): void {
  clearTimeout(idle);
  idle = setTimeout(() => {
    if (busy === 0) closeReadWorkers();
  }, ms).unref();
}

/** `work` on the read workers, started on first use (2 on two cores or more) and ended `IDLE_MS` after the last call. */
async function onReadWorkers<T>(work: (p: DeflatePool) => Promise<T>): Promise<T> {
  busy++;
  clearTimeout(idle);
  try {
    pool ??= startReadWorkers(Math.min(2, os.availableParallelism())).then((p) => (started = p));
    return await work(await pool);
  } finally {
    if (--busy === 0) endWhenIdle(IDLE_MS);
  }
}

/**
 * Starts the read workers ahead of a command's reads where they decode this thread's reads (the
 * codec set is `nodeReadCodec`, as `srda-lst` sets it), so that their start (~0.3-0.5 s of the
 * two threads, loading their module) overlaps the command's other start-up work instead of
 * delaying the first read. They wait up to `PRESTART_MS` for it.
 */
export function prestartReadWorkers(): void {
  if (pool || deflateCodec() !== nodeReadCodec) return;
  pool = startReadWorkers(Math.min(2, os.availableParallelism())).then((p) => (started = p));
  pool.catch(() => undefined);
  if (busy === 0) endWhenIdle(PRESTART_MS);
}

/**
 * Keeps the read workers (running or starting) from ending until the returned function is called:
 * a command that reads its inputs and then prepares them holds them through both, so the workers
 * that decoded the reads are still there to pack the layers (`packOnReadWorkers`) however long the
 * step between takes on a loaded machine. Starts none.
 */
export function holdReadWorkers(): () => void {
  busy++;
  clearTimeout(idle);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--busy === 0) endWhenIdle(IDLE_MS);
  };
}

/** `f` with the read workers held (`holdReadWorkers`) until it settles: a command's reads and preparation. */
export async function withReadWorkersHeld<T>(f: () => Promise<T>): Promise<T> {
  const release = holdReadWorkers();
  try {
    return await f();
  } finally {
    release();
  }
}

/** Ends the read workers now unless a read or a hold is using them (a command's end). */
export function closeIdleReadWorkers(): void {
  if (busy === 0) closeReadWorkers();
}

/** Ends the read workers now (the next read starts them again). */
export function closeReadWorkers(): void {
  clearTimeout(idle);
  const p = pool;
  pool = started = undefined;
  void p?.then((q) => q.close());
}

/**
 * The CLI's codec: node:zlib (cli/native-deflate.ts) for the writer's tiles, and a GeoTIFF's
 * Deflate blocks read from the open file and decoded whole (inflated, predictor and byte order
 * undone) on read worker threads (cli/read-thread.ts, pipeline/deflate-serve.ts), the bands' pages
 * first touched there too, so the main thread only places the decoded blocks (bench/perf-log.md,
 * 2026-11-30). A worker that stops fails the read in flight (INTERNAL, saying so); with none left
 * the blocks decode on this thread.
 */
export const nodeReadCodec: DeflateCodec = {
  ...nodeZlibCodec,
  name: 'node:zlib, reads decoded on worker threads',
  decodeBlocks: (raw, spans, form, signal) => onReadWorkers((p) => p.decodeBlocks!(raw, spans, form, signal)),
  reuseDecoded: (blocks) => started?.reuseDecoded?.(blocks),
  touchedBuffer: (byteLength) => onReadWorkers((p) => p.touchedBuffer!(byteLength)),
};

/** `AuxPacker`'s answer for `packRaster` of `field` on this thread. */
function packHere(field: Raster, keep: boolean): AuxPacked {
  const packed = packRaster(field);
  return packed ? { packed, ...(keep ? { raster: field } : {}) } : { raster: field };
}

/**
 * `packRaster` of `r` on a worker of `p` (read workers: cli/read-thread.ts): `r.data` is moved
 * there (it reads as empty here afterwards), the int16 bands are made there (their pages first
 * touched there) and come back, the field with them where it does not pack or with `keep`; the
 * same codes as `packRaster` here. Where `p` has no worker running or the field shares its
 * buffer, it packs on this thread; a worker that cannot pack (throws) hands the field back and it
 * packs here; a worker that stops meanwhile takes the field with it: INTERNAL naming `name` (the
 * layer's file).
 */
export async function packOnPool(p: DeflatePool, r: Raster, name: string, keep: boolean): Promise<AuxPacked> {
  const here = (field: Raster) => packHere(field, keep);
  // The bands are made here, so their memory is this thread's: freed here later (the last stage
  // lets them go by rows), it serves this thread's next arrays, which memory made on a worker
  // thread would not (glibc keeps chunks freed in the arena of the thread that made them).
  const into = newBands(r.width, r.height);
  const sent = p.packField?.(r.data, r.width, r.height, into, keep);
  if (!sent) return here(r);
  const m = await sent.catch((e: unknown) => {
    throw new AppError('INTERNAL', `${name}: packing the layer on a read worker failed: ${e instanceof Error ? e.message : String(e)}`, { file: name, cause: e });
  });
  if (m.failed !== undefined && m.data) return here({ ...r, data: m.data });
  if (!m.codes && !m.data) throw new AppError('INTERNAL', `${name}: a read worker neither packed the layer nor handed it back.`, { file: name });
  return { ...(m.codes ? { packed: { ...gridOf(r), ...m.codes } } : {}), ...(m.data ? { raster: { ...r, data: m.data } } : {}) };
}

/**
 * `PrepareOptions.packer` (pipeline/prepare.ts) of the CLI: `packOnPool` on the read workers while
 * this thread prepares the rest, where they are running (`holdReadWorkers` keeps them from the
 * reads through the preparation); on this thread where they are not.
 */
export const packOnReadWorkers: AuxPacker = async (r, name, keep) => {
  if (!pool) return packHere(r, keep);
  return onReadWorkers((p) => packOnPool(p, r, name, keep));
};
