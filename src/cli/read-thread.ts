import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { packCodes } from '../core/raster/pack-raster.ts';
import type { DeflateCodec } from '../io/deflate-codec.ts';
import { serveDeflate } from '../pipeline/deflate-serve.ts';
import { readFileRangeSync } from './file-range.ts';

// One read worker of the CLI (cli/read-workers.ts): reads groups of a GeoTIFF's Deflate blocks from
// the open file and decodes them (inflated, predictor undone) while the main thread places them,
// and packs a scene's layers into int16 codes while the main thread prepares the rest.
const port = parentPort!;

// zlib hands each block back in a new buffer that only a collection frees, and this thread makes
// too little other garbage to collect often: without one every ~8 MB of blocks nearly every block
// lands on fresh pages (~16 us each here; bench/perf-log.md, 2026-11-30). A minor collection takes
// the blocks' buffers, short-lived, and their memory serves the next blocks.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as ((o: { type: 'minor' }) => void) | undefined;
const COLLECT_EVERY_BYTES = 8 * 2 ** 20;
let garbageBytes = 0;

const chunkFor = (bytes: number) => Math.min(16 * 2 ** 20, Math.max(64, bytes));
// node:zlib on this thread (the worker's own work; no round trip to libuv's pool), bounded and
// Adler-32 checked as the main thread's node:zlib codec (cli/native-deflate.ts).
const codec: DeflateCodec = {
  name: 'node:zlib on a read worker',
  deflate: async (bytes, level, strategy) => {
    const out = deflateSync(bytes, { level, chunkSize: chunkFor(bytes.length), strategy: strategy === 'rle' ? constants.Z_RLE : constants.Z_DEFAULT_STRATEGY });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  inflate: async (raw, expected) => {
    const out = inflateSync(raw, { maxOutputLength: Math.max(1, expected), chunkSize: chunkFor(expected) });
    garbageBytes += out.buffer.byteLength;
    if (collect && garbageBytes > COLLECT_EVERY_BYTES) {
      garbageBytes = 0;
      collect({ type: 'minor' });
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
  isBounded: true,
};
serveDeflate(
  {
    postMessage: (msg, transfer) => port.postMessage(msg, transfer as never),
    onMessage: (handler) => port.on('message', handler),
  },
  codec,
  readFileRangeSync,
  packCodes,
);
