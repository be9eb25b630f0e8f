import type { DeflateCodec } from '../io/deflate-codec.ts';
import { floatDeflate } from './float-deflate.ts';
import { rleDeflate } from './rle-deflate.ts';

/**
 * `base` (the platform's CompressionStream, zlib level 6 with no strategy) for inflating, with
 * blocks deflated in JavaScript by encoders made for the GeoTIFF writer's tiles: the 'rle' strategy
 * (the uncertainty files) through `rleDeflate`, every other block through `floatDeflate` with the
 * row the writer gives (`rowBytes`: 4 ts for its ts x ts float32 tiles, predictor 3; none: no row
 * search). On the full tile's LST `floatDeflate` takes about a third of zlib level 6's CPU for tiles
 * ~2-3 % larger, `rleDeflate` on the uncertainty's noise-like bytes about half (bench/perf-log.md).
 * Any zlib inflates them.
 */
export function withJsDeflate(base: DeflateCodec): DeflateCodec {
  return {
    ...base,
    deflate: (bytes, _level, strategy, rowBytes) => Promise.resolve(strategy === 'rle' ? rleDeflate(bytes) : floatDeflate(bytes, rowBytes ?? 0)),
  };
}
