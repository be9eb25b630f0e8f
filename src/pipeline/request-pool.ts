import { AppError } from '../core/errors.ts';

/** The two ends of a worker's channel (a Web Worker in the browser; any port in tests). */
export interface WorkerPort<Msg> {
  postMessage(msg: Msg, transfer: Transferable[]): void;
  onMessage(handler: (msg: unknown) => void): void;
  /** Caller side: the worker script failed. */
  onFailure?(handler: (why: string) => void): void;
  terminate?(): void;
}

/** What a pool posts to the worker holding request `id` when its caller's signal fires: stop it. */
export interface PoolCancel {
  id: number;
  cancel: true;
}

/** A worker's answer to a request it stopped on a `PoolCancel` (before it was done): the caller gets a CANCELLED AppError. */
export interface PoolCancelled {
  id: number;
  cancelled: true;
}

/**
 * The worker side of cancels: each request's signal, by id, from the moment the request arrives
 * until its work settles (so a cancel of a request still queued behind others reaches it too).
 */
export class CancelRegistry {
  private readonly open = new Map<number, AbortController>();

  /**
   * Starts `work` for request `id` at once with a signal that `cancel(id)` fires; returns its
   * promise, after which the id is forgotten (a later cancel of it does nothing).
   */
  track<T>(id: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ctrl = new AbortController();
    this.open.set(id, ctrl);
    return work(ctrl.signal).finally(() => {
      if (this.open.get(id) === ctrl) this.open.delete(id);
    });
  }

  /** Fires the signal of request `id` if it is still open; nothing otherwise. */
  cancel(id: number): void {
    this.open.get(id)?.abort();
  }

  /** Requests whose work has not settled yet. */
  get size(): number {
    return this.open.size;
  }
}

/** A worker of a `RequestPool`, as `idlest` gives it. */
export interface PoolSlot {
  readonly alive: boolean;
}

/** How a pool's failures read: a reply's error, and a worker that stopped with requests in flight. */
export interface PoolErrors<E, L> {
  /** The error of request `label` whose worker replied with `error`. */
  reply(label: L, error: E): Error;
  /** The error of request `label` in flight when its worker stopped (`why`). */
  stopped(label: L, why: string): Error;
  /** What a worker that fails is said to have done, e.g. "the deflate worker stopped". */
  failed: string;
}

/** Requests to worker threads, each answered by one reply carrying the request's id. */
export interface RequestPool<Req, Ok, L> {
  /** Workers started (those a spawn refused are not counted). */
  readonly started: number;
  /** Workers still running. */
  readonly alive: number;
  /** The running worker with the fewest requests in flight; undefined when none runs. */
  idlest(): PoolSlot | undefined;
  /**
   * Posts `make(id)` to `slot` with `transfer`; resolves with the worker's reply, or rejects with the
   * pool's error for `label`. With `signal` already aborted, nothing is posted and it rejects with
   * CANCELLED; when it fires while the request is in flight, a `PoolCancel` goes to the worker, and
   * the request settles as the worker answers: CANCELLED where it stopped (`PoolCancelled`), its
   * reply where it had already finished. Until then the request counts as in flight (`idlest`).
   */
  post(slot: PoolSlot, make: (id: number) => Req, transfer: Transferable[], label: L, signal?: AbortSignal): Promise<Ok>;
  /** Ends every worker (`why`): requests in flight reject. */
  close(why: string): void;
}

interface Slot<Req, Ok, L> extends PoolSlot {
  alive: boolean;
  port: WorkerPort<Req | PoolCancel>;
  pending: Map<number, { label: L; resolve: (v: Ok) => void; reject: (e: Error) => void }>;
}

/**
 * Starts `count` workers from `spawn` and routes replies (`{ id, ...Ok }`, `{ id, error }` or
 * `PoolCancelled`) to the request of that id. A worker that fails rejects its requests in flight
 * and gets no more. With `spawnMayFail`, a spawn that throws (a page whose content security policy
 * refuses workers) leaves the pool smaller instead of throwing: its caller then works on its own
 * thread.
 */
export function startRequestPool<Req, Ok extends object, E, L>(
  spawn: () => WorkerPort<Req | PoolCancel>,
  count: number,
  errors: PoolErrors<E, L>,
  spawnMayFail = false,
): RequestPool<Req, Ok, L> {
  let nextId = 0;
  const slots: Array<Slot<Req, Ok, L>> = [];
  for (let i = 0; i < count; i++) {
    let port: WorkerPort<Req | PoolCancel>;
    try {
      port = spawn();
    } catch (e) {
      if (spawnMayFail) break;
      throw e;
    }
    const s: Slot<Req, Ok, L> = { port, pending: new Map(), alive: true };
    port.onMessage((raw) => {
      const m = raw as { id: number; error?: E };
      const p = s.pending.get(m.id);
      if (!p) return;
      s.pending.delete(m.id);
      if ('cancelled' in m) p.reject(cancelled());
      else if ('error' in m) p.reject(errors.reply(p.label, m.error as E));
      else p.resolve(m as unknown as Ok);
    });
    port.onFailure?.((why) => end(s, `${errors.failed} (${why})`));
    slots.push(s);
  }
  const cancelled = () => new AppError('CANCELLED', 'The operation was cancelled.');
  function end(s: Slot<Req, Ok, L>, why: string): void {
    if (!s.alive) return;
    s.alive = false;
    s.port.terminate?.();
    for (const p of s.pending.values()) p.reject(errors.stopped(p.label, why));
    s.pending.clear();
  }
  return {
    started: slots.length,
    get alive() {
      return slots.filter((s) => s.alive).length;
    },
    idlest: () => {
      let best: Slot<Req, Ok, L> | undefined;
      for (const s of slots) if (s.alive && (!best || s.pending.size < best.pending.size)) best = s;
      return best;
    },
    post: (slot, make, transfer, label, signal) => {
      const s = slot as Slot<Req, Ok, L>;
      if (signal?.aborted) return Promise.reject(cancelled());
      const id = nextId++;
      return new Promise<Ok>((resolve, reject) => {
        const onAbort = () => {
          if (s.alive && s.pending.has(id)) s.port.postMessage({ id, cancel: true }, []);
        };
        const settled = () => signal?.removeEventListener('abort', onAbort);
        s.pending.set(id, {
          label,
          resolve: (v) => {
            settled();
            resolve(v);
          },
          reject: (e) => {
            settled();
            reject(e);
          },
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        s.port.postMessage(make(id), transfer);
      });
    },
    close: (why) => {
      for (const s of slots) end(s, why);
    },
  };
}
