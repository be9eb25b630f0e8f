import type { DeflateCodec } from '../io/deflate-codec.ts';
import { floatDeflate } from './float-deflate.ts';
import { rleDeflate } from './rle-deflate.ts';

/**
 * `base` (the platform's CompressionStream, zlib level 6 with no strategy) for inflating, with
 * blocks deflated in JavaScript by encoders made for the GeoTIFF writer's tiles: the 'rle' strategy
 * (the uncertainty files) through `rleDeflate`, every other block through `floatDeflate`, whose
 * rows it takes from a square tile of float32 samples (the writer's ts x ts tiles, predictor 3: rows
 * of 4 ts bytes). On the full tile's LST `floatDeflate` takes about a third of zlib level 6's CPU
 * for tiles ~2-3 % larger, `rleDeflate` on the uncertainty's noise-like bytes about half
 * (bench/perf-log.md). Any zlib inflates them.
 */
export function withJsDeflate(base: DeflateCodec): DeflateCodec {
  return {
    ...base,
    deflate: (bytes, _level, strategy) => Promise.resolve(strategy === 'rle' ? rleDeflate(bytes) : floatDeflate(bytes, squareFloatRowBytes(bytes.length))),
  };
}

/** The row of a square tile of float32 samples that is `byteLength` long (4 ts for 4 ts^2 bytes), else 0. */
export function squareFloatRowBytes(byteLength: number): number {
  const ts = Math.round(Math.sqrt(byteLength / 4));
  return ts > 0 && 4 * ts * ts === byteLength ? 4 * ts : 0;
}
