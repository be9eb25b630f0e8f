import { AppError, isAppError, type AppErrorCode } from '../core/errors.ts';
import type { Raster } from '../core/raster/raster.ts';
import { finishSteps, finishStepsAsync, throwIfAborted, type Steps } from '../core/progress.ts';
import { layerStatsInSteps, toDisplayInSteps } from './display.ts';
import type { LayerData, LayerStats } from './protocol.ts';
import { CancelRegistry, startRequestPool, type PoolCancel, type PoolCancelled, type WorkerPort } from '../pipeline/request-pool.ts';

/** What a map layer needs beyond its metadata: a copy of the native values, the display grid, the statistics. */
export interface LayerView {
  /** A copy of the raster's values (the caller keeps the raster itself for export). */
  data: Float32Array;
  display: LayerData['display'];
  stats: LayerStats;
}

/**
 * One raster to make a layer of, on a layer worker: its grid and a copy of its values
 * (transferred); or `touch`: a new buffer of that many bytes, each of its pages written there, for
 * the copy (`LayerMaker.make`); or a cancel of the request of that id.
 */
export type LayerRequest = { id: number; raster: Omit<Raster, 'data'> & { data: ArrayBuffer } } | { id: number; touch: number } | PoolCancel;

/**
 * The layer worker's answer: the values back and the display grid (transferred) with the
 * statistics; to `touch`, the buffer alone (transferred); that the request stopped on its cancel;
 * or why not.
 */
export type LayerReply =
  | { id: number; data: ArrayBuffer; display: LayerData['display']; stats: LayerStats }
  | { id: number; data: ArrayBuffer; touched: true }
  | PoolCancelled
  | { id: number; error: { code: AppErrorCode; message: string } };

/** The two ends of a layer worker's channel (a Web Worker in the browser; any port in tests). */
export type LayerPort = WorkerPort<LayerRequest | LayerReply>;

/** The display grid and statistics of a raster, on this thread; `data` is `r.data` itself, not a copy. */
export function layerViewHere(r: Raster): LayerView {
  return finishSteps(layerViewInSteps(r));
}

/**
 * `layerViewHere` with `signal` checked after each block of rows of the display reprojection, yielding
 * to the event loop between them (so a cancel message gets in): CANCELLED as soon as it fires.
 */
export function layerViewHereAsync(r: Raster, signal?: AbortSignal): Promise<LayerView> {
  return finishStepsAsync(layerViewInSteps(r), signal);
}

/**
 * `layerViewHere` in steps: yields after each block of rows of the display reprojection, before the
 * statistics, and after each block of values of the statistics (`layerStatsInSteps`).
 */
export function* layerViewInSteps(r: Raster): Steps<LayerView> {
  const display = yield* toDisplayInSteps(r);
  // A cancel once the display grid is made skips the statistics.
  yield;
  return { data: r.data, display, stats: yield* layerStatsInSteps(r.data) };
}

/**
 * The worker side: each request's Web Mercator display grid (worker/display.ts) and statistics, one
 * request at a time in the order they came. A layer is made in steps (`layerViewInSteps`, yielding to
 * the event loop between blocks of rows), so a cancel of it stops it at the next step and one still
 * waiting never starts: either answers `cancelled`, and the next request goes on.
 */
export function serveLayers(port: LayerPort): void {
  const waiting = new CancelRegistry();
  let queue = Promise.resolve();
  const serve = async (req: Exclude<LayerRequest, PoolCancel>, signal: AbortSignal): Promise<void> => {
    try {
      throwIfAborted(signal);
      if ('touch' in req) {
        const data = new ArrayBuffer(req.touch);
        const u8 = new Uint8Array(data);
        for (let i = 0; i < u8.length; i += 4096) u8[i] = 0;
        port.postMessage({ id: req.id, data, touched: true }, [data]);
        return;
      }
      const v = await layerViewHereAsync({ ...req.raster, data: new Float32Array(req.raster.data) }, signal);
      port.postMessage({ id: req.id, data: req.raster.data, display: v.display, stats: v.stats }, [
        req.raster.data,
        v.display.data.buffer,
      ]);
    } catch (e) {
      if (isAppError(e) && e.code === 'CANCELLED') {
        port.postMessage({ id: req.id, cancelled: true }, []);
        return;
      }
      const code: AppErrorCode = isAppError(e)
        ? e.code
        : e instanceof RangeError
          ? 'OUT_OF_MEMORY'
          : 'INTERNAL';
      port.postMessage(
        { id: req.id, error: { code, message: e instanceof Error ? e.message : String(e) } },
        [],
      );
    }
  };
  port.onMessage((raw) => {
    const req = raw as LayerRequest;
    if ('cancel' in req) {
      waiting.cancel(req.id);
      return;
    }
    const before = queue;
    queue = waiting.track(req.id, (signal) => before.then(() => serve(req, signal))).catch(() => undefined);
  });
}

/** Makes map layers on worker threads, and ends them. */
export interface LayerMaker {
  /**
   * The layer view of `raster` (its values copied: the raster stays usable here, unchanged until
   * this resolves). `name` (the layer's label) names it in the error when it cannot be made.
   * It stops with CANCELLED when `signal` fires (checked between blocks of rows), on this thread or
   * on the worker making it (a cancel message); one that had already finished resolves.
   */
  make(raster: Raster, name: string, signal?: AbortSignal): Promise<LayerView>;
  /** Workers still running (0: layers are made on this thread). */
  readonly workers: number;
  /** Ends the workers; layers still pending reject. */
  close(): void;
}

/** What to do when a layer cannot be made, by the code of what stopped it. */
const LAYER_ADVICE: Partial<Record<AppErrorCode, string>> = {
  OUT_OF_MEMORY: 'Clip the scene to a smaller area or close other tabs, then run again.',
  UNSUPPORTED_CRS: 'Reproject the LST to WGS 84, UTM or MODIS sinusoidal with gdalwarp, then run again.',
};

/**
 * The error of a layer that could not be made: its code, a message naming it with why, and a hint
 * (what the app shows) naming it and saying that the results shown before stay.
 */
function layerError(name: string, code: AppErrorCode, why: string): AppError {
  const advice = LAYER_ADVICE[code] ?? 'Press Run to try again; if it fails again, reload the page (your files are not changed).';
  return Object.assign(new AppError(code, `The map layer "${name}" could not be made: ${why}`), {
    hint: `The map layer “${name}” could not be made, so this run's layers are not shown; the results shown before are kept. ${advice}`,
  });
}

/**
 * Makes layers on `workers` workers from `spawn` (0: on this thread), each raster handed to the
 * worker with the fewest in flight, so the thread that ran the stages goes on meanwhile and
 * layers are made side by side. Same display grid and statistics as `layerViewHere`. The copy of
 * a raster's values goes into a buffer the worker has allocated and written first (a first touch
 * of a fresh page costs ~16 us on the bench VM, ~0.45 s for the full tile's three layers:
 * bench/perf-log.md), so this thread only copies: the write of the last stage's files, which this
 * thread drives beside the layers, is not held up by it. An error
 * in a worker rejects that layer with an AppError naming it (the worker's code where it threw
 * one); a worker that stops rejects its pending layers and gets no more, and with none left
 * layers are made on this thread (as when no worker can be started). A layer whose `signal` fires
 * stops on its worker at the next block of rows (one not yet sent is never sent), so the layers of
 * the next run do not wait behind those of a cancelled one.
 */
export function poolLayerMaker(spawn: () => LayerPort, workers: number): LayerMaker {
  // A page that may not start workers (its content security policy): the layers are made on this thread.
  const pool = startRequestPool<LayerRequest | LayerReply, Exclude<LayerReply, { error: unknown } | PoolCancelled>, { code: AppErrorCode; message: string }, string>(
    spawn,
    Math.floor(workers),
    { reply: (name, e) => layerError(name, e.code, e.message), stopped: (name, why) => layerError(name, 'INTERNAL', why), failed: 'the layer worker stopped' },
    true,
  );
  // On this thread: with no worker running (none started, or all stopped).
  const here = async (raster: Raster, data: Float32Array, name: string, signal: AbortSignal | undefined): Promise<LayerView> => {
    try {
      return await layerViewHereAsync({ ...raster, data }, signal);
    } catch (e) {
      // A cancel is not a failure of the layer.
      if (!isAppError(e) || e.code === 'CANCELLED') throw e;
      throw layerError(name, e.code, e.message);
    }
  };
  return {
    make: (raster, name, signal) => {
      const w = pool.idlest();
      if (!w) return here(raster, raster.data.slice(), name, signal);
      const { data, ...grid } = raster;
      return pool.post(w, (id) => ({ id, touch: data.byteLength }), [], name, signal).then((t) => {
        throwIfAborted(signal);
        const copy = new Float32Array(t.data);
        copy.set(data);
        const v = pool.idlest();
        if (!v) return here(raster, copy, name, signal);
        return pool.post(v, (id) => ({ id, raster: { ...grid, data: copy.buffer } }), [copy.buffer], name, signal).then((m) => {
          if ('touched' in m) throw new Error('the layer worker answered a layer with a buffer');
          return { data: new Float32Array(m.data), display: m.display, stats: m.stats };
        });
      });
    },
    get workers() {
      return pool.alive;
    },
    close: () => pool.close('the layer workers were closed'),
  };
}
