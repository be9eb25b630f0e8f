import { webStreamsCodec, type DeflateCodec, type DeflateStrategy } from '../io/deflate-codec.ts';

/** One block to compress or inflate on a deflate worker: its bytes (a copy, transferred). */
export interface DeflateRequest {
  id: number;
  op: 'deflate' | 'inflate';
  bytes: ArrayBuffer;
  /** deflate: the level (codecs without levels ignore it); inflate: the bytes the block holds at most. */
  arg: number;
  /** deflate: the match search (codecs without it ignore it). */
  strategy?: DeflateStrategy;
}

/** The deflate worker's answer: the stream or the block (transferred), or why not. */
export type DeflateReply = { id: number; bytes: ArrayBuffer } | { id: number; error: string };

/** The two ends of a deflate worker's channel (a Web Worker in the browser; any port in tests). */
export interface DeflatePort {
  postMessage(msg: DeflateRequest | DeflateReply, transfer: Transferable[]): void;
  onMessage(handler: (msg: unknown) => void): void;
  /** Caller side: the worker script failed. */
  onFailure?(handler: (why: string) => void): void;
  terminate?(): void;
}

function ownBuffer(u8: Uint8Array): ArrayBuffer {
  return u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength && u8.buffer instanceof ArrayBuffer
    ? u8.buffer
    : (u8.slice().buffer as ArrayBuffer);
}

/** The worker side: each request through `codec` (CompressionStream / DecompressionStream in a browser), several at once. */
export function serveDeflate(port: DeflatePort, codec: DeflateCodec = webStreamsCodec): void {
  port.onMessage(async (raw) => {
    const req = raw as DeflateRequest;
    try {
      const input = new Uint8Array(req.bytes);
      if (req.op === 'inflate' && !codec.inflate) throw new Error(`${codec.name} does not inflate`);
      const out = req.op === 'deflate' ? await codec.deflate(input, req.arg, req.strategy) : await codec.inflate!(input, req.arg);
      const bytes = ownBuffer(out);
      port.postMessage({ id: req.id, bytes }, [bytes]);
    } catch (e) {
      port.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) }, []);
    }
  });
}

/** Options of `poolDeflateCodec`. */
export interface PoolDeflateOptions {
  /**
   * deflate: an array that spans its whole ArrayBuffer is moved to the worker (the caller's array
   * is detached: length 0) instead of copied. For callers that drop the block once it is handed
   * over, as the GeoTIFF writer does with each fresh tile (a copy of 256 kB per tile saved).
   */
  moveWholeDeflateInput?: boolean;
}

function isWholeBuffer(u8: Uint8Array): boolean {
  return u8.buffer instanceof ArrayBuffer && u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength;
}

/** A `DeflateCodec` whose work runs on worker threads, and what ends them. */
export interface DeflatePool extends DeflateCodec {
  /** Workers still running. */
  readonly workers: number;
  /** Ends the workers; calls still pending reject, later ones run on this thread (`fallback`). */
  close(): void;
}

interface PoolWorker {
  port: DeflatePort;
  pending: Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>;
  alive: boolean;
}

/**
 * Compresses (and inflates) blocks on `workers` workers from `spawn`, each block handed to the
 * worker with the fewest in flight: the GeoTIFF writer's tiles, cut and predicted on this thread,
 * are deflated on the other cores meanwhile. Same bytes as `fallback` in this thread when the
 * workers run the same codec (CompressionStream everywhere in a browser). The caller's arrays are
 * copied, not moved, unless `opts.moveWholeDeflateInput`. A worker that fails rejects its pending
 * blocks (the writer then fails, naming the file) and gets no more; with none left, or after
 * `close`, blocks run on this thread.
 */
export function poolDeflateCodec(
  spawn: () => DeflatePort,
  workers: number,
  fallback: DeflateCodec = webStreamsCodec,
  opts: PoolDeflateOptions = {},
): DeflatePool {
  let nextId = 0;
  const pool: PoolWorker[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(workers)); i++) {
    const w: PoolWorker = { port: spawn(), pending: new Map(), alive: true };
    w.port.onMessage((raw) => {
      const m = raw as DeflateReply;
      const p = w.pending.get(m.id);
      if (!p) return;
      w.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(new Uint8Array(m.bytes));
    });
    w.port.onFailure?.((why) => end(w, `the deflate worker stopped (${why})`));
    pool.push(w);
  }
  function end(w: PoolWorker, why: string): void {
    if (!w.alive) return;
    w.alive = false;
    w.port.terminate?.();
    for (const p of w.pending.values()) p.reject(new Error(why));
    w.pending.clear();
  }
  function send(op: DeflateRequest['op'], bytes: Uint8Array, arg: number, strategy?: DeflateStrategy): Promise<Uint8Array> | undefined {
    let best: PoolWorker | undefined;
    for (const w of pool) if (w.alive && (!best || w.pending.size < best.pending.size)) best = w;
    if (!best) return undefined;
    const w = best;
    const id = nextId++;
    const move = op === 'deflate' && opts.moveWholeDeflateInput && isWholeBuffer(bytes);
    const copy = move ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
    return new Promise<Uint8Array>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.port.postMessage({ id, op, bytes: copy, arg, ...(strategy ? { strategy } : {}) }, [copy]);
    });
  }
  return {
    name: `${fallback.name} on ${pool.length} worker${pool.length === 1 ? '' : 's'}`,
    get workers() {
      return pool.filter((w) => w.alive).length;
    },
    deflate: (bytes, level, strategy) => send('deflate', bytes, level, strategy) ?? fallback.deflate(bytes, level, strategy),
    ...(fallback.inflate
      ? { inflate: (raw: Uint8Array, expected: number) => send('inflate', raw, expected) ?? fallback.inflate!(raw, expected) }
      : {}),
    ...(fallback.isBounded ? { isBounded: true } : {}),
    close: () => {
      for (const w of pool) end(w, 'the deflate workers were closed');
    },
  };
}
