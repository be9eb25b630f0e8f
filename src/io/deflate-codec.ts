import { unzlibSync, zlibSync } from 'fflate';
import type { BlockForm } from './block-codecs.ts';

/**
 * The zlib (RFC 1950) compressor and decompressor the GeoTIFF writer and the block decoder use for
 * TIFF Deflate (compression 8). io/ cannot import `node:zlib`: the CLI injects it (native, on the
 * libuv thread pool), the browser gets `CompressionStream` where it exists, fflate otherwise.
 */
/** Deflate's match search: 'default', or 'rle' (runs of one byte only: about half zlib's CPU on noise-like bands). */
export type DeflateStrategy = 'default' | 'rle';

export interface DeflateCodec {
  readonly name: string;
  /**
   * A zlib stream of `bytes` at `level` (1..9; codecs without levels ignore it). `strategy` 'rle':
   * matches of the previous byte only (zlib's Z_RLE), where the codec has it (node:zlib), else
   * ignored; any zlib inflates either. `rowBytes`: the block's row, in bytes, where it is an image's
   * rows (the GeoTIFF writer's tiles: 4 x the tile's width), for codecs that search by rows
   * (worker/float-deflate.ts); 0 or absent: not known. A new array owned by the caller; `bytes` must
   * not change until it resolves. `signal`: codecs that compress elsewhere (the deflate workers)
   * drop a block not yet started once it fires and reject with CANCELLED; others ignore it.
   */
  deflate(bytes: Uint8Array, level: number, strategy?: DeflateStrategy, rowBytes?: number, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * A buffer of exactly `byteLength` bytes for the next block to `deflate`, whose contents are not
   * defined (the caller writes all of it): one that an earlier block to deflate was moved away in
   * and that came back with its stream (the browser's deflate workers), so that the block is cut
   * into memory already touched instead of new pages (bench/perf-log.md); else a new one. Absent:
   * the caller allocates its blocks itself.
   */
  blockBuffer?(byteLength: number): ArrayBuffer;
  /**
   * Inflates a zlib stream that holds at most `expected` bytes, checking its Adler-32. Rejects on
   * anything else (damaged, longer than `expected`): the block decoder then takes its bounded
   * fflate path, which decides what the stream is. Absent: that path always. `into` (at least
   * `expected` bytes): where to inflate, the result then a view of it from its start; codecs
   * without it return a new array all the same, and a rejected call may have written there.
   */
  inflate?(raw: Uint8Array, expected: number, into?: Uint8Array): Promise<Uint8Array>;
  /**
   * True when `inflate` stops by itself soon after `expected` bytes, so a Deflate bomb costs no
   * more than the block; otherwise it is given only streams that cannot inflate far past the block.
   */
  readonly isBounded?: boolean;
  /**
   * Decodes stored Deflate blocks (the `spans` of `raw`) to native-order samples, each as
   * `decodeBlock` does (the predictor and byte order undone too), elsewhere than this thread (the
   * browser's deflate workers). `raw`: the stored bytes (left unchanged), or a Blob of them (a slice
   * of the file), read where they are decoded, so this thread neither reads nor copies them.
   * Resolves to one array per span, views of one buffer (see `reuseDecoded`); rejects with the
   * first failing block's error. Absent: the block decoder inflates through `inflate` and finishes blocks itself.
   * A `FileRange`: the bytes lie there in an open file, read by the codec's threads themselves (the CLI's).
   * Once `signal` fires it rejects with CANCELLED and decodes no further block (the one under way ends).
   */
  decodeBlocks?(raw: Uint8Array | Blob | FileRange, spans: readonly BlockSpan[], form: BlockForm, signal?: AbortSignal): Promise<Uint8Array[]>;
  /**
   * Hands back what one `decodeBlocks` call resolved to once the caller is done with it, so its
   * buffer serves the next calls instead of new memory. Optional for the caller.
   */
  reuseDecoded?(blocks: readonly Uint8Array[]): void;
  /**
   * A new zeroed buffer of `byteLength` bytes whose memory was first written on another thread
   * (with `decodeBlocks`): the block decoder's bands, so their first-touch page faults are not
   * paid on the thread that places the blocks (bench/perf-log.md).
   */
  touchedBuffer?(byteLength: number): Promise<ArrayBuffer>;
}

/**
 * `length` bytes at `offset` of a file open in this process as descriptor `fd`: what Node's worker
 * threads, which share the process's descriptors, read for themselves (`DeflateCodec.decodeBlocks`).
 */
export interface FileRange {
  fd: number;
  offset: number;
  length: number;
}

/** One stored block within the bytes handed to `DeflateCodec.decodeBlocks`: where, and its rows. */
export interface BlockSpan {
  start: number;
  length: number;
  rows: number;
}

/** fflate in this thread (JavaScript, synchronous under a Promise): works everywhere. */
export const fflateCodec: DeflateCodec = {
  name: 'fflate',
  deflate: async (bytes, level) =>
    zlibSync(bytes, { level: Math.min(9, Math.max(0, Math.round(level))) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 }),
  inflate: async (raw, expected) => unzlibSync(raw, { out: new Uint8Array(expected) }),
};

/** Deflate expands at most ~1032:1. */
const DEFLATE_MAX_RATIO = 1032;

/**
 * Inflates through DecompressionStream into one `expected`-byte array; rejects a longer stream.
 * The stream is written in slices, the next only once the previous has been inflated, as the block
 * decoder's fflate path does: slices start at what the block can hold at Deflate's largest ratio
 * and grow (to 64 kB) only while the data inflate modestly, so a Deflate bomb stops a slice past
 * the block instead of inflating whole.
 */
async function inflateStream(raw: Uint8Array, expected: number, into?: Uint8Array): Promise<Uint8Array> {
  const stream = new DecompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const out = into ? into.subarray(0, expected) : new Uint8Array(expected);
  let filled = 0;
  let tooLong = false;
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (filled + value.length > expected) {
        tooLong = true;
        await reader.cancel().catch(() => undefined);
        throw new Error(`Deflate block holds more than ${expected} bytes`);
      }
      out.set(value, filled);
      filled += value.length;
    }
  })();
  // Awaited below; a failure seen first by the writer must not count as unhandled meanwhile.
  reading.catch(() => undefined);
  const needed = () => Math.max(2 ** 10, Math.ceil((expected - filled) / DEFLATE_MAX_RATIO));
  let slice = Math.min(2 ** 16, needed());
  try {
    for (let p = 0; p < raw.length && !tooLong; ) {
      const end = Math.min(raw.length, p + slice);
      const before = filled;
      await writer.write(raw.subarray(p, end) as Uint8Array<ArrayBuffer>);
      slice = filled - before > 64 * (end - p) ? Math.min(2 ** 16, needed()) : Math.min(2 ** 16, slice * 2);
      p = end;
    }
    if (!tooLong) await writer.close();
  } catch (e) {
    // The reader's error (a longer stream) says more than the writer's.
    await reading;
    throw e;
  }
  await reading;
  return filled === expected ? out : out.subarray(0, filled);
}

async function compressStream(bytes: Uint8Array, stream: CompressionStream): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // Errors surface on the readable side; the writer's own promises must not count as unhandled.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

/**
 * The platform's `CompressionStream('deflate')` / `DecompressionStream('deflate')` (zlib format,
 * native code in browsers and Node). It has no level: zlib's default (6).
 */
export const webStreamsCodec: DeflateCodec = {
  name: 'CompressionStream',
  deflate: (bytes) => compressStream(bytes, new CompressionStream('deflate')),
  inflate: inflateStream,
  // Written in slices that stop a slice past the block (see inflateStream).
  isBounded: true,
};

let chosen: DeflateCodec | undefined;

/** Sets the codec `deflateCodec()` returns from now on in this thread (the CLI: node:zlib); undefined restores the default. */
export function setDeflateCodec(codec: DeflateCodec | undefined): void {
  chosen = codec;
}

/** The codec set with `setDeflateCodec`, else `CompressionStream` where the platform has it, else fflate. */
export function deflateCodec(): DeflateCodec {
  if (chosen) return chosen;
  return typeof CompressionStream === 'function' && typeof DecompressionStream === 'function'
    ? webStreamsCodec
    : fflateCodec;
}
