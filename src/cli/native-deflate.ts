import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { constants, deflate, inflate } from 'node:zlib';
import type { RunOptions } from '../core/progress.ts';
import type { Raster } from '../core/raster/raster.ts';
import type { DeflateCodec } from '../io/deflate-codec.ts';
import { writeGeoTiffTo, type GeoTiffBandInput, type WriteGeoTiffOptions } from '../io/geotiff-write.ts';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

/** zlib's output chunk for a block of `bytes`: the block's size, within zlib's bounds and at most 16 MiB. */
function chunkFor(bytes: number): number {
  return Math.min(16 * 2 ** 20, Math.max(64, bytes));
}

/**
 * node:zlib: native Deflate on libuv's thread pool (UV_THREADPOOL_SIZE threads, 4 by default), so
 * several tiles compress at once off the main thread. Inflate stops past `expected` bytes
 * (maxOutputLength) and checks the Adler-32. The output chunk is the size of the block instead of
 * zlib's 16 KiB: each chunk is a round trip from the pool to the main thread (64 per 1 MiB block
 * inflated). The compressed bytes do not depend on it.
 */
export const nodeZlibCodec: DeflateCodec = {
  name: 'node:zlib',
  deflate: async (bytes, level, strategy) => {
    const out = await deflateAsync(bytes, {
      level,
      chunkSize: chunkFor(bytes.length),
      strategy: strategy === 'rle' ? constants.Z_RLE : constants.Z_DEFAULT_STRATEGY,
    });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  inflate: async (raw, expected) => {
    const out = await inflateAsync(raw, { maxOutputLength: Math.max(1, expected), chunkSize: chunkFor(expected) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  // zlib stops with ERR_BUFFER_TOO_LARGE once the output passes maxOutputLength.
  isBounded: true,
};

/** Writes `pieces` one after the other from byte `offset` of `fh`, the whole of them. */
export async function writeAt(fh: FileHandle, pieces: Uint8Array[], offset: number): Promise<void> {
  let at = offset;
  const rest = pieces.filter((p) => p.length > 0);
  while (rest.length) {
    const { bytesWritten } = await fh.writev(rest, at);
    at += bytesWritten;
    let n = bytesWritten;
    while (rest.length && n >= rest[0].length) n -= rest.shift()!.length;
    if (n > 0) rest[0] = rest[0].subarray(n);
  }
}

/**
 * `writeGeoTiffTo` into an open file with node:zlib (unless `opts.codec` says otherwise): tiles go
 * to disk as they are compressed, the header last. Resolves the file size.
 */
export function writeGeoTiffFile(
  fh: FileHandle,
  input: Raster | Array<Raster | GeoTiffBandInput>,
  opts: WriteGeoTiffOptions = {},
  run: RunOptions = {},
): Promise<number> {
  return writeGeoTiffTo(input, { write: (pieces, at) => writeAt(fh, pieces, at) }, { codec: nodeZlibCodec, ...opts }, run);
}
