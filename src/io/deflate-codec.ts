import { unzlibSync, zlibSync } from 'fflate';

/**
 * The zlib (RFC 1950) compressor and decompressor the GeoTIFF writer and the block decoder use for
 * TIFF Deflate (compression 8). io/ cannot import `node:zlib`: the CLI injects it (native, on the
 * libuv thread pool), the browser gets `CompressionStream` where it exists, fflate otherwise.
 */
export interface DeflateCodec {
  readonly name: string;
  /** A zlib stream of `bytes` at `level` (1..9; codecs without levels ignore it). A new array owned by the caller; `bytes` must not change until it resolves. */
  deflate(bytes: Uint8Array, level: number): Promise<Uint8Array>;
  /**
   * Inflates a zlib stream that holds at most `expected` bytes, checking its Adler-32. Rejects on
   * anything else (damaged, longer than `expected`): the block decoder then takes its bounded
   * fflate path, which decides what the stream is. Absent: that path always.
   */
  inflate?(raw: Uint8Array, expected: number): Promise<Uint8Array>;
  /**
   * True when `inflate` stops by itself soon after `expected` bytes, so a Deflate bomb costs no
   * more than the block; otherwise it is given only streams that cannot inflate far past the block.
   */
  readonly isBounded?: boolean;
}

/** fflate in this thread (JavaScript, synchronous under a Promise): works everywhere. */
export const fflateCodec: DeflateCodec = {
  name: 'fflate',
  deflate: async (bytes, level) =>
    zlibSync(bytes, { level: Math.min(9, Math.max(0, Math.round(level))) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 }),
  inflate: async (raw, expected) => unzlibSync(raw, { out: new Uint8Array(expected) }),
};

/** Inflates through DecompressionStream into one `expected`-byte array; rejects a longer stream. */
async function inflateStream(raw: Uint8Array, expected: number): Promise<Uint8Array> {
  const stream = new DecompressionStream('deflate');
  const writer = stream.writable.getWriter();
  // Errors surface on the readable side; the writer's own promises must not count as unhandled.
  writer.write(raw as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = stream.readable.getReader();
  const out = new Uint8Array(expected);
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return filled === expected ? out : out.subarray(0, filled);
    if (filled + value.length > expected) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`Deflate block holds more than ${expected} bytes`);
    }
    out.set(value, filled);
    filled += value.length;
  }
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
  // Not bounded: a chunk written to DecompressionStream inflates whole before it can be cancelled.
  inflate: inflateStream,
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
