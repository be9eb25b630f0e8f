import type { BlockForm } from '../io/block-codecs.ts';
import { webStreamsCodec, type BlockSpan, type DeflateCodec, type DeflateStrategy, type FileRange } from '../io/deflate-codec.ts';
import type { PackedCodes } from '../core/raster/pack-raster.ts';
import type { Bands } from '../core/raster/packed.ts';
import { throwIfAborted } from '../core/progress.ts';
import { startRequestPool, type PoolCancel, type PoolCancelled, type PoolSlot } from './request-pool.ts';
import {
  decodeBlocksWith,
  decodedBytes,
  readFileRange,
  type DeflatePort,
  type DeflateReply,
  type DeflateRequest,
  type FileRangeReader,
} from './deflate-serve.ts';

/** A float32 field packed on a worker (`DeflatePool.packField`): its codes, or the field back where it does not pack or was kept. */
export interface PackedField {
  codes?: PackedCodes;
  /** The field, back from the worker (where it did not pack, with `keep`, or where the worker failed). */
  data?: Float32Array;
  /** Why the worker could not pack it (`data` is back: the caller packs it on its own thread). */
  failed?: string;
}

/** Options of `poolDeflateCodec`. */
export interface PoolDeflateOptions {
  /**
   * deflate: an array that spans its whole ArrayBuffer is moved to the worker (the caller's array
   * is detached: length 0) instead of copied. For callers that drop the block once it is handed
   * over, as the GeoTIFF writer does with each tile (a copy of 256 kB per tile saved). The buffer
   * comes back with the stream and `blockBuffer` lends it for a next block.
   */
  moveWholeDeflateInput?: boolean;
  /**
   * Milliseconds the blocks' buffers handed back are kept once no block is being deflated (default
   * 1000): through a writer's pauses between its tiles, not from one write to a later one.
   */
  blockBuffersIdleMs?: number;
  /** Reads a `FileRange` on this thread, for `decodeBlocks` once no worker is left (the workers read it with their own). */
  readRange?: FileRangeReader;
  /**
   * The error of a request whose worker stopped (`why`: e.g. "the deflate worker stopped (thread
   * exited (code 1))"); default a plain Error, which the reader reports as CORRUPT_TIFF and the
   * writer as WRITE_FAILED, with `why` in the message.
   */
  stoppedError?: (why: string) => Error;
}

function isWholeBuffer(u8: ArrayBufferView): boolean {
  return u8.buffer instanceof ArrayBuffer && u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength;
}

/** A `DeflateCodec` whose work runs on worker threads, and what ends them. */
export interface DeflatePool extends DeflateCodec {
  /** Workers still running. */
  readonly workers: number;
  /** Ends the workers; calls still pending reject, later ones run on this thread (`fallback`). */
  close(): void;
  /**
   * Packs a float32 field into int16 codes on a worker (workers that serve with a `FieldPacker`),
   * into `into` (`newBands` of the field, moved there and back: the codes' bands where it packs):
   * `data`'s buffer is moved there (`data` reads as empty here afterwards) and comes back only
   * where the field does not pack, with `keep`, or where the worker could not pack it (`failed`).
   * Undefined, `data` untouched, where no worker runs or `data` does not span its whole buffer:
   * pack it on this thread. Rejects (the pool's stopped error) when the worker stops meanwhile:
   * the field is lost with it.
   */
  packField?(data: Float32Array, width: number, height: number, into: Bands, keep?: boolean): Promise<PackedField> | undefined;
}

/** A request before the pool gives it its id. */
type Unsent<T> = T extends PoolCancel ? never : Omit<T, 'id'>;

/** Buffers for the stored blocks sent to decode are sized in these steps (so they can be reused for the next ones). */
const RAW_STEP = 2 ** 16;

/**
 * Compresses (and inflates) blocks on `workers` workers from `spawn`, each request handed to the
 * worker with the fewest in flight: the GeoTIFF writer's tiles, cut and predicted on this thread,
 * are deflated on the other cores meanwhile. Same bytes as `fallback` in this thread when the
 * workers run the same codec (CompressionStream everywhere in a browser). The caller's arrays are
 * copied, not moved, unless `opts.moveWholeDeflateInput`. A worker that fails rejects its pending
 * blocks (the writer then fails, naming the file) and gets no more; with none left, or after
 * `close`, blocks run on this thread. A block to deflate whose `signal` fires rejects with
 * CANCELLED: never sent where it had fired already, dropped by its worker where not yet started
 * (the writer's tiles in flight behind it), so a cancelled write leaves its workers free.
 *
 * `decodeBlocks` (the GeoTIFF reader's Deflate blocks, decoded whole on the workers) copies the
 * stored bytes into a buffer the worker hands back with the decoded blocks; a few such buffers
 * are kept for the next requests, so the copy goes to memory already touched (fresh memory costs
 * more than the copy: bench/perf-log.md). `touchedBuffer` has a worker allocate and write a buffer
 * (the reader's bands), so the first touch of its pages costs that worker, not this thread.
 */
export function poolDeflateCodec(
  spawn: () => DeflatePort,
  workers: number,
  fallback: DeflateCodec = webStreamsCodec,
  opts: PoolDeflateOptions = {},
): DeflatePool {
  const pool = startRequestPool<DeflateRequest | DeflateReply, Exclude<DeflateReply, { error: string } | PoolCancelled>, string, undefined>(
    spawn,
    Math.max(1, Math.floor(workers)),
    { reply: (_, error) => new Error(error), stopped: (_, why) => (opts.stoppedError ?? ((w: string) => new Error(w)))(why), failed: 'the deflate worker stopped' },
  );
  const spares: ArrayBuffer[] = [];
  // Stored and decoded bytes of the groups several reads keep in flight (4 each: io/tiff-fast-decode.ts;
  // the CLI's full tile reads three files at once, the stored bytes of each group in a buffer too).
  const maxSpares = 24;
  const idlest = () => pool.idlest();
  const post = (w: PoolSlot, req: Unsent<DeflateRequest>, signal?: AbortSignal) =>
    pool.post(w, (id) => ({ ...req, id }) as DeflateRequest, req.op === 'decode' ? [req.bytes, req.out] : [req.bytes], undefined, signal);
  // Blocks' buffers the workers handed back with their streams, lent by `blockBuffer` for the next
  // blocks while blocks are being deflated (a writer's tiles); dropped once none has been for
  // `blockBuffersIdleMs` (the page's memory between writes stays as before).
  const blockSpares: ArrayBuffer[] = [];
  const maxBlockSpares = 16;
  let deflating = 0;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const deflated = (): void => {
    if (--deflating > 0) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (deflating === 0) blockSpares.length = 0;
    }, opts.blockBuffersIdleMs ?? 1000);
  };
  function send(op: 'deflate' | 'inflate', bytes: Uint8Array, arg: number, strategy?: DeflateStrategy, rowBytes?: number, signal?: AbortSignal): Promise<Uint8Array> | undefined {
    const w = idlest();
    if (!w) return undefined;
    const move = op === 'deflate' && opts.moveWholeDeflateInput && isWholeBuffer(bytes);
    const copy = move ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
    if (op === 'deflate') deflating++;
    const reply = post(w, { op, bytes: copy, arg, ...(strategy ? { strategy } : {}), ...(rowBytes ? { rowBytes } : {}) }, signal);
    if (op !== 'deflate') return reply.then((m) => new Uint8Array(m.bytes));
    return reply.then(
      (m) => {
        if (m.out && opts.moveWholeDeflateInput && blockSpares.length < maxBlockSpares && pool.alive > 0) blockSpares.push(m.out);
        deflated();
        return new Uint8Array(m.bytes);
      },
      (e: unknown) => {
        deflated();
        throw e;
      },
    );
  }
  /** A kept block buffer of exactly `n` bytes, else a new one (contents: whatever the last block left). */
  function blockBuffer(n: number): ArrayBuffer {
    for (let i = blockSpares.length - 1; i >= 0; i--) if (blockSpares[i].byteLength === n) return blockSpares.splice(i, 1)[0];
    return new ArrayBuffer(n);
  }
  /** The smallest kept buffer that holds `n` bytes, else a new one. */
  function rawBuffer(n: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < spares.length; i++)
      if (spares[i].byteLength >= n && (best < 0 || spares[i].byteLength < spares[best].byteLength)) best = i;
    if (best >= 0) return spares.splice(best, 1)[0];
    return new ArrayBuffer(Math.max(RAW_STEP, Math.ceil(n / RAW_STEP) * RAW_STEP));
  }
  function keep(buffer: ArrayBuffer): void {
    if (buffer.byteLength > 0 && decoding > 0 && spares.length < maxSpares && pool.alive > 0) spares.push(buffer);
  }
  let decoding = 0;
  async function decodeBlocks(raw: Uint8Array | Blob | FileRange, spans: readonly BlockSpan[], form: BlockForm, signal?: AbortSignal): Promise<Uint8Array[]> {
    throwIfAborted(signal);
    const w = idlest();
    if (!w) {
      const bytes =
        raw instanceof Uint8Array
          ? raw
          : 'fd' in raw
            ? await readFileRange(raw, new Uint8Array(raw.length), opts.readRange)
            : new Uint8Array(await raw.arrayBuffer());
      return decodeBlocksWith(fallback, bytes, spans, form, { signal });
    }
    decoding++;
    try {
      let buffer: ArrayBuffer;
      if (raw instanceof Uint8Array) {
        buffer = rawBuffer(raw.length);
        new Uint8Array(buffer).set(raw);
      } else if ('fd' in raw) buffer = rawBuffer(raw.length);
      else buffer = new ArrayBuffer(0);
      const m = await post(
        w,
        {
          op: 'decode',
          bytes: buffer,
          ...(raw instanceof Uint8Array ? {} : { source: 'fd' in raw ? { ...raw } : raw }),
          spans: spans.map((s) => ({ ...s })),
          form: { ...form },
          out: rawBuffer(decodedBytes(spans, form)),
        },
        signal,
      );
      keep(m.bytes);
      const out = m.out ?? new ArrayBuffer(0);
      let at = 0;
      return spans.map((s) => {
        const n = form.rowSamples * s.rows * form.bytesPerSample;
        at += n;
        return new Uint8Array(out, at - n, n);
      });
    } finally {
      // Reads done: the kept buffers go (the bench page keeps its pool through the whole run).
      if (--decoding === 0) spares.length = 0;
    }
  }
  return {
    name: `${fallback.name} on ${pool.started} worker${pool.started === 1 ? '' : 's'}`,
    get workers() {
      return pool.alive;
    },
    deflate: (bytes, level, strategy, rowBytes, signal) =>
      send('deflate', bytes, level, strategy, rowBytes, signal) ?? fallback.deflate(bytes, level, strategy, rowBytes, signal),
    ...(opts.moveWholeDeflateInput ? { blockBuffer } : {}),
    ...(fallback.inflate
      ? { inflate: (raw: Uint8Array, expected: number) => send('inflate', raw, expected) ?? fallback.inflate!(raw, expected) }
      : {}),
    ...(fallback.isBounded ? { isBounded: true } : {}),
    decodeBlocks,
    // Kept for the next requests while reads are under way (`decoding`); dropped otherwise.
    reuseDecoded: (blocks) => {
      if (blocks.length > 0) keep(blocks[0].buffer as ArrayBuffer);
    },
    touchedBuffer: async (byteLength) => {
      const w = idlest();
      if (!w) return new ArrayBuffer(byteLength);
      return (await post(w, { op: 'touch', bytes: new ArrayBuffer(0), arg: byteLength })).bytes;
    },
    packField: (data, width, height, into, keep) => {
      const w = idlest();
      if (!w || !isWholeBuffer(data) || data.length !== width * height) return undefined;
      const bands = into.bands.map((b) => b.buffer as ArrayBuffer);
      const req = { op: 'pack' as const, bytes: data.buffer as ArrayBuffer, width, height, bands, bandRows: into.bandRows, ...(keep ? { keep } : {}) };
      return pool.post(w, (id) => ({ ...req, id }), [req.bytes, ...bands], undefined).then((m) => ({
        ...(m.packed ? { codes: { ...m.packed, bands: m.packed.bands.map((b) => new Int16Array(b)) } } : {}),
        ...(m.bytes.byteLength > 0 ? { data: new Float32Array(m.bytes) } : {}),
        ...(m.failed !== undefined ? { failed: m.failed } : {}),
      }));
    },
    close: () => {
      pool.close('the deflate workers were closed');
      spares.length = 0;
      blockSpares.length = 0;
      clearTimeout(idleTimer);
    },
  };
}
