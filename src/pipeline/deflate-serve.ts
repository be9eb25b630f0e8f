import { decodeBlockInto, type BlockForm } from '../io/block-codecs.ts';
import { webStreamsCodec, type BlockSpan, type DeflateCodec, type DeflateStrategy, type FileRange } from '../io/deflate-codec.ts';
import type { PackedCodes } from '../core/raster/pack-raster.ts';
import type { Bands } from '../core/raster/packed.ts';
import { throwIfAborted } from '../core/progress.ts';
import { releaseBuffer } from '../core/release-buffer.ts';
import { CancelRegistry, type PoolCancel, type PoolCancelled, type WorkerPort } from './request-pool.ts';

/**
 * One block to compress or inflate on a deflate worker (its bytes: a copy or the caller's buffer,
 * transferred; a block to deflate comes back with its stream), or
 * stored blocks of a GeoTIFF to decode there: `bytes` (a buffer of the pool's, transferred) holds
 * them at `spans`, or, with `source` (a slice of the file: a Blob, or a `FileRange` of a file open
 * in this process, read there into `bytes`), the spans are within `source`; they are decoded back
 * to back into `out` (a buffer of the pool's, transferred; a new one where it is too small), and
 * both buffers come back with the answer. Or a cancel of the request of that id (a block to deflate
 * not yet started is dropped).
 */
export type DeflateRequest =
  | {
      id: number;
      op: 'deflate' | 'inflate';
      bytes: ArrayBuffer;
      /** deflate: the level (codecs without levels ignore it); inflate: the bytes the block holds at most. */
      arg: number;
      /** deflate: the match search (codecs without it ignore it). */
      strategy?: DeflateStrategy;
      /** deflate: the block's row in bytes, where it is an image's rows (`DeflateCodec.deflate`). */
      rowBytes?: number;
    }
  | { id: number; op: 'decode'; bytes: ArrayBuffer; source?: Blob | FileRange; spans: BlockSpan[]; form: BlockForm; out: ArrayBuffer }
  /** A new buffer of `arg` bytes, each of its pages written there, sent back in `bytes` (`bytes`: empty). */
  | { id: number; op: 'touch'; bytes: ArrayBuffer; arg: number }
  /**
   * A `width` x `height` float32 field (`bytes`, moved here) packed into int16 codes as
   * `packCodes` packs it, into `bands` of `bandRows` rows (`newBands`, made and moved by the
   * caller); the field comes back in the reply's `bytes` where it does not pack, where the worker
   * could not pack it, or with `keep`; otherwise it is freed there.
   */
  | { id: number; op: 'pack'; bytes: ArrayBuffer; width: number; height: number; bands: ArrayBuffer[]; bandRows: number; keep?: boolean }
  | PoolCancel;

/**
 * The deflate worker's answer: the stream or the block (transferred), for 'deflate' with the
 * request's bytes back in `out` (transferred, for the next block); for 'decode', the request's
 * buffers back, `out` holding the decoded blocks (all transferred); that a block to deflate was
 * dropped on its cancel; or why not.
 */
export type DeflateReply =
  | {
      id: number;
      bytes: ArrayBuffer;
      out?: ArrayBuffer;
      /** 'pack': the codes (their bands' buffers transferred), absent where the field does not pack. */
      packed?: Omit<PackedCodes, 'bands'> & { bands: ArrayBuffer[] };
      /** 'pack': why the worker could not pack (the field is back in `bytes`, to pack on the caller's thread). */
      failed?: string;
    }
  | PoolCancelled
  | { id: number; error: string };

/** What packs a float32 field on a worker thread (core/raster/pack-raster.ts `packCodes`); the browser's deflate workers have none. */
export type FieldPacker = (data: Float32Array, width: number, height: number, bandRows: undefined, into: Bands) => PackedCodes | undefined;

/** The two ends of a deflate worker's channel (a Web Worker in the browser; any port in tests). */
export type DeflatePort = WorkerPort<DeflateRequest | DeflateReply>;

function ownBuffer(u8: Uint8Array): ArrayBuffer {
  return u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength && u8.buffer instanceof ArrayBuffer
    ? u8.buffer
    : (u8.slice().buffer as ArrayBuffer);
}

/** Bytes the `spans` decode to, back to back. */
export function decodedBytes(spans: readonly BlockSpan[], form: BlockForm): number {
  let n = 0;
  for (const s of spans) n += form.rowSamples * s.rows * form.bytesPerSample;
  return n;
}

/** Options of `decodeBlocksWith`. */
export interface DecodeBlocksOptions {
  /** Where the blocks go (a new buffer where it is absent or too small). */
  out?: ArrayBuffer;
  /** Checked before each block: once it fires, no further block is decoded (CANCELLED). */
  signal?: AbortSignal;
  /**
   * Awaited before the first block and then each time about `PAUSE_BYTES` have been decoded, before
   * `signal` is checked: on a worker, a cancel that came meanwhile is handled there (a synchronous
   * codec would otherwise decode the whole request before the worker reads its next message).
   */
  pause?: () => Promise<void>;
}

/** Decoded bytes between two `DecodeBlocksOptions.pause`s (a few ms of inflating; a pause costs tens of µs). */
const PAUSE_BYTES = 2 ** 19;

/**
 * Decodes the `spans` of `raw` one after the other through `decodeBlockInto` with `codec`, back to
 * back into `opts.out`: views of it, one per span. What a deflate worker runs for a 'decode'
 * request, and the pool on its own thread once it has no workers.
 */
export async function decodeBlocksWith(
  codec: DeflateCodec,
  raw: Uint8Array,
  spans: readonly BlockSpan[],
  form: BlockForm,
  opts: DecodeBlocksOptions = {},
): Promise<Uint8Array[]> {
  const { out, signal, pause } = opts;
  const total = decodedBytes(spans, form);
  const buffer = out && out.byteLength >= total ? out : new ArrayBuffer(total);
  const rowScratch = new Uint32Array(Math.ceil(form.rowSamples));
  const blocks: Uint8Array[] = [];
  let at = 0;
  let pausedAt = -Infinity;
  for (const s of spans) {
    if (pause && at - pausedAt >= PAUSE_BYTES) {
      await pause();
      pausedAt = at;
    }
    throwIfAborted(signal);
    const dst = new Uint8Array(buffer, at, form.rowSamples * s.rows * form.bytesPerSample);
    await decodeBlockInto(raw.subarray(s.start, s.start + s.length), form, s.rows, codec, dst, rowScratch);
    blocks.push(dst);
    at += dst.length;
  }
  return blocks;
}

/** Reads a `FileRange` whole into `into` where it is long enough (else a new array): a view of what was read; throws on a short read. */
export type FileRangeReader = (range: FileRange, into: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** Resolves after the messages already queued for this thread have been handled (a message to itself, behind them). */
function afterQueuedMessages(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/**
 * The worker side: each request through `codec` (CompressionStream / DecompressionStream in a
 * browser), several at once; `readRange` reads the files a 'decode' request names by a
 * `FileRange` (where the worker can: Node's worker threads). Blocks to deflate are compressed one
 * at a time in the order they came, each only once the messages that came meanwhile are handled,
 * so a cancel (`PoolCancel`) drops a block still waiting (answered `cancelled`); one being
 * compressed (synchronously, in the browser's workers) ends and is answered as usual. A 'decode'
 * request handles the messages that came meanwhile before its first block and every ~512 kB
 * decoded, so its cancel stops it there (answered `cancelled`; its buffers stay here).
 */
export function serveDeflate(port: DeflatePort, codec: DeflateCodec = webStreamsCodec, readRange?: FileRangeReader, pack?: FieldPacker): void {
  const waiting = new CancelRegistry();
  let deflates = Promise.resolve();
  port.onMessage((raw) => {
    const req = raw as DeflateRequest;
    if ('cancel' in req) {
      waiting.cancel(req.id);
      return;
    }
    if (req.op === 'decode') {
      void waiting.track(req.id, (signal) => serve(req, signal));
      return;
    }
    if (req.op !== 'deflate') {
      void serve(req);
      return;
    }
    const before = deflates;
    deflates = waiting
      .track(req.id, (signal) =>
        before.then(afterQueuedMessages).then(() => (signal.aborted ? port.postMessage({ id: req.id, cancelled: true }, []) : serve(req))),
      )
      .catch(() => undefined);
  });
  async function serve(req: Exclude<DeflateRequest, PoolCancel>, signal?: AbortSignal): Promise<void> {
    if (req.op === 'pack') {
      servePack(port, req, pack);
      return;
    }
    try {
      const input = new Uint8Array(req.bytes);
      if (req.op === 'decode') {
        const raw = !req.source
          ? input
          : 'fd' in req.source
            ? await readFileRange(req.source, input, readRange)
            : new Uint8Array(await req.source.arrayBuffer());
        const blocks = await decodeBlocksWith(codec, raw, req.spans, req.form, { out: req.out, signal, pause: afterQueuedMessages });
        const out = blocks.length > 0 ? (blocks[0].buffer as ArrayBuffer) : req.out;
        port.postMessage({ id: req.id, bytes: req.bytes, out }, out === req.out ? [req.bytes, out] : [req.bytes, out, req.out]);
        return;
      }
      if (req.op === 'touch') {
        const bytes = new ArrayBuffer(req.arg);
        const u8 = new Uint8Array(bytes);
        for (let i = 0; i < u8.length; i += 4096) u8[i] = 0;
        port.postMessage({ id: req.id, bytes }, [bytes]);
        return;
      }
      if (req.op === 'inflate' && !codec.inflate) throw new Error(`${codec.name} does not inflate`);
      if (req.op === 'deflate') {
        const bytes = ownBuffer(await codec.deflate(input, req.arg, req.strategy, req.rowBytes));
        // The block's buffer goes back too (unless the stream is in it): the caller cuts its next block into it.
        if (bytes === req.bytes) port.postMessage({ id: req.id, bytes }, [bytes]);
        else port.postMessage({ id: req.id, bytes, out: req.bytes }, [bytes, req.bytes]);
        return;
      }
      const bytes = ownBuffer(await codec.inflate!(input, req.arg));
      port.postMessage({ id: req.id, bytes }, [bytes]);
    } catch (e) {
      if (signal?.aborted) port.postMessage({ id: req.id, cancelled: true }, []);
      else port.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) }, []);
    }
  }
}

/**
 * A 'pack' request: the codes back (transferred), the field freed here at once unless it is sent
 * back; a packer that throws (or none) sends the field back with why, not an error, so the caller
 * still holds its data and packs it on its own thread.
 */
function servePack(port: DeflatePort, req: Extract<DeflateRequest, { op: 'pack' }>, pack: FieldPacker | undefined): void {
  let codes: PackedCodes | undefined;
  let failed: string | undefined;
  try {
    if (!pack) throw new Error('this worker does not pack fields');
    codes = pack(new Float32Array(req.bytes), req.width, req.height, undefined, { bands: req.bands.map((b) => new Int16Array(b)), bandRows: req.bandRows });
  } catch (e) {
    failed = e instanceof Error ? e.message : String(e);
  }
  const back = !codes || req.keep;
  if (!back) releaseBuffer(req.bytes);
  const bands = codes ? codes.bands.map((b) => b.buffer as ArrayBuffer) : [];
  const bytes = back ? req.bytes : new ArrayBuffer(0);
  const packed = codes && { bands, bandRows: codes.bandRows, scale: codes.scale, base: codes.base };
  port.postMessage({ id: req.id, bytes, ...(packed ? { packed } : {}), ...(failed !== undefined ? { failed } : {}) }, [bytes, ...bands]);
}

/** Reads `range` with `read` (a thread that has none cannot: it throws). */
export async function readFileRange(range: FileRange, into: Uint8Array, read: FileRangeReader | undefined): Promise<Uint8Array> {
  if (!read) throw new Error(`this thread cannot read file descriptor ${range.fd}`);
  return read(range, into);
}
