import type { DeflateCodec } from '../io/deflate-codec.ts';
import { rleDeflate } from './rle-deflate.ts';

/**
 * `base` (the platform's CompressionStream) with the writer's 'rle' strategy honoured: those
 * blocks (the uncertainty files') go through `rleDeflate` in JavaScript instead of zlib's full match
 * search at level 6, which on their noise-like bytes costs ~1.5-2x the CPU of `rleDeflate` for a
 * file ~4 % smaller (bench/perf-log.md). Other blocks, and inflating, are `base`'s.
 */
export function withRleDeflate(base: DeflateCodec): DeflateCodec {
  return {
    ...base,
    deflate: (bytes, level, strategy) => (strategy === 'rle' ? Promise.resolve(rleDeflate(bytes)) : base.deflate(bytes, level, strategy)),
  };
}
