import type { BitWriter } from './bit-writer.ts';
import { canonicalCodes } from './huffman-codes.ts';
import { LEN_CODE, MATCH, MAX_RUN, startDynamicBlock, symbolCodes, zlibStream } from './deflate-blocks.ts';

/**
 * A zlib stream (RFC 1950/1951) whose only matches are runs of the previous byte (distance 1, as
 * zlib's Z_RLE), Huffman-coded per block of up to 64 KiB: the browser's `CompressionStream` has no
 * strategy, and on noise-like bands (the uncertainty files' low bytes) its full match search spends
 * its time finding nothing. Any inflater reads the result. A new array owned by the caller.
 */
export function rleDeflate(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  // The last call's work arrays (every entry read is written first), else new ones.
  const symbols = spareSymbols ?? new Uint16Array(BLOCK_BYTES + 1);
  spareSymbols = undefined;
  const litFreq = new Uint32Array(286);
  const stream = zlibStream(bytes, (out) => {
    if (n === 0) writeBlock(out, symbols, 0, litFreq, true);
    for (let start = 0; start < n; start += BLOCK_BYTES) {
      const end = Math.min(n, start + BLOCK_BYTES);
      litFreq.fill(0);
      writeBlock(out, symbols, scanRuns(bytes, start, end, symbols, litFreq), litFreq, end === n);
    }
  });
  spareSymbols = symbols;
  return stream;
}

/** The symbols (128 kB) of the last call, for the next: new ones each tile cost their first touch (bench/perf-log.md). */
let spareSymbols: Uint16Array | undefined;

const BLOCK_BYTES = 2 ** 16;

/**
 * The symbols of bytes[start, end) into `symbols` (a run where the previous byte, possibly before
 * `start`, repeats 3+ times), counted in `litFreq` by literal/length code. Returns their count.
 */
function scanRuns(bytes: Uint8Array, start: number, end: number, symbols: Uint16Array, litFreq: Uint32Array): number {
  let k = 0;
  let i = start;
  let prev = start > 0 ? bytes[start - 1] : -1;
  while (i < end) {
    const b = bytes[i];
    if (b === prev) {
      const stop = Math.min(end, i + MAX_RUN);
      let j = i + 1;
      while (j < stop && bytes[j] === b) j++;
      const len = j - i;
      if (len >= 3) {
        symbols[k++] = MATCH + len;
        litFreq[LEN_CODE[len]]++;
        i = j;
        continue;
      }
    }
    symbols[k++] = b;
    litFreq[b]++;
    prev = b;
    i++;
  }
  return k;
}

/** One dynamic-Huffman block of `symbols[0, count)`, whose literal/length codes `litFreq` counts. */
function writeBlock(out: BitWriter, symbols: Uint16Array, count: number, litFreq: Uint32Array, last: boolean): void {
  // Only distance 1 (code 0); two codes of one bit keep the distance code complete.
  const distLen = new Uint8Array([1, 1]);
  const { litLen, litCode } = startDynamicBlock(out, litFreq, distLen, distLen.length, last);
  const { symCode, symBits } = symbolCodes(litLen, litCode, { code: canonicalCodes(distLen)[0], bits: 1 });
  out.symbols(symbols, count, symCode, symBits);
  out.bits(litCode[256], litLen[256]);
}
