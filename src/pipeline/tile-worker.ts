import { AppError, isAppError, type AppErrorCode } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import type { AuxName } from '../core/raster/raster.ts';
import { Scratch } from '../core/scratch.ts';
import type { BackendName } from '../model/backend.ts';
import type { SrdaWeightsSource } from '../model/weights.ts';
import type { StageInput, StageMethod } from './method.ts';
import { packedBuffers, withFineAuxDecoded } from './packed-input.ts';
import { takeTileCrops } from './stage-input.ts';
import { weightDetailCore } from './detail-mix.ts';
import type { SrdaMethod, SrdaMethodOptions } from './methods/srda.ts';
import type { TileRunner } from './tile-pool.ts';

/** Messages to an SRDA-Net tile worker (a worker_thread in the CLI, a Web Worker in the app). */
export type TileWorkerRequest =
  | { type: 'init'; weights: SrdaWeightsSource; backend?: BackendName; wasmPaths?: string; orientations?: number }
  | {
      type: 'tile';
      id: number;
      input: StageInput;
      detailWeight?: number;
      spare?: ArrayBuffer[];
      /** The buffers of `input` moved with the tile (the windows cut for it): handed back with its answer. */
      moved?: ArrayBuffer[];
    };

/** Messages from an SRDA-Net tile worker. */
export type TileWorkerReply =
  | { type: 'ready'; label: string; backend: BackendName; haloCoarsePx: number; usesAux: AuxName[]; hasSigma: boolean }
  | {
      type: 'done';
      id: number;
      data: Float32Array;
      sigma?: Float32Array;
      carried?: Float32Array;
      /** The tile's `moved` window buffers, done with, for the main side's next windows (`StageMethod.windowBuffer`). */
      windows?: ArrayBuffer[];
      notices?: string[];
    }
  | { type: 'error'; id?: number; code: AppErrorCode; message: string; notices?: string[] };

/** The two ends of a worker's message channel, whatever the worker kind. */
export interface TilePort {
  postMessage(msg: TileWorkerRequest | TileWorkerReply, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (msg: unknown) => void): void;
  /** Worker side: unused. Main side: the worker crashed or exited. */
  onFailure?(handler: (why: string) => void): void;
  terminate?(): Promise<unknown> | void;
}

function failure(e: unknown, id?: number): TileWorkerReply {
  return {
    type: 'error',
    id,
    code: isAppError(e) ? e.code : 'INTERNAL',
    message: e instanceof Error ? e.message : String(e),
  };
}

/** Buffers a side keeps for later tiles (spares it got back), at most: a tile's three outputs, twice. */
const MAX_SPARES = 6;

/** Window buffers the main side keeps from a worker's answers, at most: a tile's three windows, four times. */
const MAX_WINDOWS = 12;

/**
 * The tile's output arrays taken from `spares` (buffers of earlier tiles handed back): `4 x` the
 * tile's coarse pixels, float32, each a view of the smallest spare that holds it and is at most 1.5x
 * its size (an interior tile's buffer serves an edge tile's smaller output: an exact size would miss
 * at every row's edge tiles and make new arrays while spares of the other size wait); absent where
 * none fits.
 */
function takeSpares(spares: ArrayBuffer[], input: StageInput, withCarried: boolean): StageInput['into'] {
  const bytes = 16 * input.coarseLst.width * input.coarseLst.height;
  const take = (): Float32Array | undefined => {
    let best = -1;
    spares.forEach((b, i) => {
      if (b.byteLength >= bytes && b.byteLength <= 1.5 * bytes && (best < 0 || b.byteLength < spares[best].byteLength)) best = i;
    });
    return best < 0 ? undefined : new Float32Array(spares.splice(best, 1)[0], 0, bytes / 4);
  };
  const lstK = take();
  if (!lstK) return undefined;
  const sigmaK = take();
  const carriedVarK2 = withCarried ? take() : undefined;
  return { lstK, ...(sigmaK ? { sigmaK } : {}), ...(carriedVarK2 ? { carriedVarK2 } : {}) };
}

/** The method a tile worker serves: a StageMethod with its backend and the notices its runner raises mid-run. */
export type WorkerMethod = StageMethod & Pick<SrdaMethod, 'notices' | 'backend'>;

/** Loads the worker's method on `init` (default: SRDA-Net through `createSrdaMethod`). */
export type WorkerMethodLoader = (weights: SrdaWeightsSource, options: SrdaMethodOptions) => Promise<WorkerMethod>;

const loadSrda: WorkerMethodLoader = async (weights, options) =>
  (await import('./methods/srda.ts')).createSrdaMethod(weights, options);

/**
 * The worker side: loads SRDA-Net on `init` (its own tfjs backend and weights) and runs one tile
 * per `tile` message (its packed guides decoded here; with `detailWeight`, mixed with bicubic as
 * `withDetailWeight` would, sigma and carried variance included), replying with the fine LST
 * (transferred) and the notices its runner raised since the last reply (out of memory, a failed
 * backend), so the main side can tell the user.
 */
export function serveTileWorker(port: TilePort, load: WorkerMethodLoader = loadSrda): void {
  let method: WorkerMethod | undefined;
  let told = 0;
  const fresh = (): { notices?: string[] } => {
    const all = method?.notices ?? [];
    if (all.length <= told) return {};
    const notices = all.slice(told);
    told = all.length;
    return { notices };
  };
  // One message at a time, in order: a tile sent while another runs (a runner's queueDepth) starts
  // when that one is done, so two tiles' tensors are never alive at once.
  let queue = Promise.resolve();
  // Output buffers of earlier tiles the main side has copied out and handed back (`recycle`).
  const spares: ArrayBuffer[] = [];
  // The per-tile work arrays (decoded guides, the network's input and output, local means, the
  // detail mix's bicubic), kept from tile to tile: after the first tiles a tile allocates next to
  // nothing. Tiles run one at a time, so no two use it at once.
  const scratch = new Scratch();
  port.onMessage((raw) => {
    const msg = raw as TileWorkerRequest;
    if (msg.type === 'tile' && msg.spare) spares.push(...msg.spare.splice(0));
    spares.splice(0, Math.max(0, spares.length - MAX_SPARES));
    queue = queue.then(async () => {
      if (msg.type === 'init') {
        try {
          const m = await load(msg.weights, { backend: msg.backend, wasmPaths: msg.wasmPaths, ...(msg.orientations !== undefined ? { orientations: msg.orientations } : {}) });
          method = m;
          port.postMessage({
            type: 'ready',
            label: m.label,
            backend: m.backend.name,
            haloCoarsePx: m.haloCoarsePx,
            usesAux: [...m.usesAux],
            hasSigma: Boolean(m.runStageWithSigma),
          });
        } catch (e) {
          port.postMessage(failure(e));
        }
        return;
      }
      // Moved back with the answer rather than left here as garbage for this worker's next
      // collection (10-25 MB of each worker's memory at the Chromium full tile's peak; freeing them
      // here with transfer(0) did not give the memory back: bench/perf-log.md, 2026-11-30).
      const windows = msg.moved ?? [];
      const back = windows.length ? { windows } : {};
      try {
        if (!method) throw new AppError('INTERNAL', 'SRDA-Net worker got a tile before it was initialised.');
        // The tile's packed fine layers are decoded here, in the worker, not on the thread that cut the tile.
        const decoded = withFineAuxDecoded(msg.input, scratch);
        const into = takeSpares(spares, decoded, msg.detailWeight !== undefined);
        const input = { ...decoded, ...(into ? { into } : {}), scratch };
        if (msg.detailWeight !== undefined && method.runStageWithSigma) {
          // The closed-loop detail weight's mix, here rather than on the thread that cuts the tiles,
          // and over the tile's core only (its bicubic too): the pipeline keeps nothing else of a tile.
          const p = await method.runStageWithSigma(input);
          // The prediction's arrays are this worker's own: the mix is written into them.
          const { lstK, sigmaK, carriedVarK2 } = weightDetailCore(p, input, msg.detailWeight, true);
          const buffers = [lstK.buffer, sigmaK.buffer, ...(carriedVarK2 ? [carriedVarK2.buffer] : [])] as ArrayBuffer[];
          port.postMessage({ type: 'done', id: msg.id, data: lstK, sigma: sigmaK, carried: carriedVarK2, ...back, ...fresh() }, [...buffers, ...windows]);
        } else if (method.runStageWithSigma) {
          const { lstK, sigmaK } = await method.runStageWithSigma(input);
          port.postMessage({ type: 'done', id: msg.id, data: lstK, sigma: sigmaK, ...back, ...fresh() }, [lstK.buffer as ArrayBuffer, sigmaK.buffer as ArrayBuffer, ...windows]);
        } else {
          const data = await method.runStage(input);
          port.postMessage({ type: 'done', id: msg.id, data, ...back, ...fresh() }, [data.buffer as ArrayBuffer, ...windows]);
        }
      } catch (e) {
        port.postMessage({ ...failure(e, msg.id), ...fresh() } as TileWorkerReply);
      }
    });
  });
}

type Ready = Extract<TileWorkerReply, { type: 'ready' }>;

/**
 * The main side: sends `init` to a freshly started worker, waits for it to be ready, and returns
 * it as a pool `TileRunner`. Rejects with the worker's AppError (MODEL_LOAD_FAILED, NO_BACKEND)
 * after terminating it. `transfer`: buffers of `init` to move rather than copy.
 */
export async function connectTileWorker(
  port: TilePort,
  init: Extract<TileWorkerRequest, { type: 'init' }>,
  transfer: ArrayBuffer[] = [],
): Promise<{ runner: TileRunner; ready: Ready }> {
  const pending = new Map<number, { resolve: (d: Extract<TileWorkerReply, { type: 'done' }>) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let dead: AppError | undefined;
  let onReady: ((m: TileWorkerReply) => void) | undefined;
  const failAll = (why: string): void => {
    dead = new AppError('INTERNAL', `An SRDA-Net worker failed: ${why}`);
    onReady?.({ type: 'error', code: 'INTERNAL', message: dead.message });
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  port.onFailure?.(failAll);
  const notices: string[] = [];
  // Window buffers the worker handed back with its answers, until the pool takes them (`takeWindowBuffers`).
  const windowBuffers: ArrayBuffer[] = [];
  // The buffers of this worker's results (its outputs may be views of the start of a larger one).
  const results = new WeakSet<ArrayBuffer>();
  port.onMessage((raw) => {
    const m = raw as TileWorkerReply;
    if (m.type === 'ready' || m.id === undefined) return onReady?.(m);
    for (const n of m.notices ?? []) if (!notices.includes(n)) notices.push(n);
    if (m.type === 'done') for (const a of [m.data, m.sigma, m.carried]) if (a) results.add(a.buffer as ArrayBuffer);
    if (m.type === 'done' && !dead && m.windows) {
      windowBuffers.push(...m.windows);
      windowBuffers.splice(0, Math.max(0, windowBuffers.length - MAX_WINDOWS));
    }
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.type === 'done') p?.resolve(m);
    else p?.reject(new AppError(m.code, m.message));
  });
  let ready: Ready;
  try {
    ready = await new Promise<Ready>((resolve, reject) => {
      onReady = (m) =>
        m.type === 'ready'
          ? resolve(m)
          : reject(
              new AppError(
                m.type === 'error' ? m.code : 'INTERNAL',
                m.type === 'error' ? m.message : 'unexpected reply',
              ),
            );
      port.postMessage(init, transfer);
    });
  } catch (e) {
    await port.terminate?.();
    throw e;
  }
  onReady = undefined;
  // Buffers of this worker's earlier results, copied out by the caller, to go back with the next tile.
  const spare: ArrayBuffer[] = [];
  const send = (input: StageInput, options?: RunOptions, detailWeight?: number): Promise<Extract<TileWorkerReply, { type: 'done' }>> => {
    throwIfAborted(options?.signal);
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      // Cancelling drops the tile's result; the worker finishes it and stays usable.
      options?.signal?.addEventListener(
        'abort',
        () => pending.delete(id) && reject(new AppError('CANCELLED', 'The operation was cancelled.')),
        { once: true },
      );
      // The packed windows and the float32 windows `tileInput` cut (its coarse LST) are the tile's own
      // copies, and the spare buffers no longer the caller's: moved, not cloned (a clone would leave
      // this thread ~0.3 MB of garbage per tile).
      const back = spare.splice(0);
      const moved = [...packedBuffers(input), ...takeTileCrops(input)];
      port.postMessage({ type: 'tile', id, input, ...(detailWeight !== undefined ? { detailWeight } : {}), ...(back.length ? { spare: back } : {}), moved }, [...moved, ...back]);
    });
  };
  const runner: TileRunner = {
    notices,
    takesPackedAux: true,
    runTile: async (input, options) => (await send(input, options)).data,
    ...(ready.hasSigma
      ? {
          runTileWithSigma: async (input: StageInput, options?: RunOptions) => {
            const r = await send(input, options);
            return { lstK: r.data, sigmaK: r.sigma ?? new Float32Array(r.data.length).fill(Number.NaN) };
          },
          runTileWeighted: async (input: StageInput, alpha: number, options?: RunOptions) => {
            const r = await send(input, options, alpha);
            return { lstK: r.data, sigmaK: r.sigma!, ...(r.carried ? { carriedVarK2: r.carried } : {}) };
          },
        }
      : {}),
    takeWindowBuffers: () => windowBuffers.splice(0),
    recycle(arrays) {
      for (const a of arrays) {
        const b = a.buffer;
        // Whole buffers, or the start of one of this worker's results (a view of part of any other buffer is someone else's memory too).
        if (!dead && b instanceof ArrayBuffer && a.byteOffset === 0 && (a.byteLength === b.byteLength || results.has(b)) && b.byteLength > 0 && spare.length < MAX_SPARES && !spare.includes(b)) spare.push(b);
      }
    },
    async close() {
      dead = new AppError('INTERNAL', 'The SRDA-Net worker was closed.');
      await port.terminate?.();
    },
  };
  return { runner, ready };
}
