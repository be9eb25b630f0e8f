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
}

/** fflate in this thread (JavaScript, synchronous under a Promise): works everywhere. */
export const fflateCodec: DeflateCodec = {
  name: 'fflate',
  deflate: async (bytes, level) =>
    zlibSync(bytes, { level: Math.min(9, Math.max(0, Math.round(level))) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 }),
  inflate: async (raw, expected) => unzlibSync(raw, { out: new Uint8Array(expected) }),
};

async function pipeThrough(bytes: Uint8Array, stream: TransformStream<BufferSource, Uint8Array>): Promise<Uint8Array> {
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
  deflate: (bytes) => pipeThrough(bytes, new CompressionStream('deflate')),
  inflate: async (raw, expected) => {
    const out = await pipeThrough(raw, new DecompressionStream('deflate'));
    if (out.length > expected) throw new Error(`Deflate block holds ${out.length} bytes, more than ${expected}`);
    return out;
  },
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
