import { adler32 } from '../io/adler32.ts';
import { BitWriter } from './bit-writer.ts';
import { canonicalCodes, codeLengths } from './huffman-codes.ts';

/**
 * What the project's Deflate encoders share (worker/rle-deflate.ts, worker/float-deflate.ts): the
 * zlib wrapper, the length alphabet, and the header and symbol codes of a dynamic-Huffman block
 * (RFC 1950, RFC 1951 3.2.5-3.2.7). Each encoder keeps its own match search.
 */

/**
 * A zlib stream of `bytes`: header 78 01 (Deflate, 32 KiB window, "fastest"), the Deflate blocks
 * `blocks` writes (the last with its final bit set), then the Adler-32 of `bytes`.
 */
export function zlibStream(bytes: Uint8Array, blocks: (out: BitWriter) => void): Uint8Array {
  const n = bytes.length;
  const out = new BitWriter(n + (n >>> 3) + 1024, spareStream);
  spareStream = undefined;
  // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (fastest; 0x7801 % 31 === 0).
  out.byte(0x78);
  out.byte(0x01);
  blocks(out);
  out.align();
  const a = adler32(bytes);
  out.byte(a >>> 24);
  out.byte((a >>> 16) & 255);
  out.byte((a >>> 8) & 255);
  out.byte(a & 255);
  const stream = out.bytes();
  if (out.buffer.length <= MAX_SPARE_STREAM) spareStream = out.buffer;
  return stream;
}

/**
 * The last stream's buffer, written over by the next (each stream is then copied out at its
 * length): a tile's ~300 kB of new memory less per stream on the deflate workers, where a first
 * touch of a page costs more than the copy (bench/perf-log.md).
 */
let spareStream: Uint8Array | undefined;
/** Larger buffers (blocks of over ~1.8 MB) are not kept. */
const MAX_SPARE_STREAM = 2 ** 21;

/** Symbols of the encoders' blocks: 0-255 a literal byte, 256 + L a match of length L (3..258). */
export const MATCH = 256;
/** The longest match. */
export const MAX_RUN = 258;

/** Length code (257..285), its extra bits and their value, for each match length 3..258. */
export const LEN_CODE = new Uint16Array(MAX_RUN + 1);
export const LEN_EXTRA_BITS = new Uint8Array(MAX_RUN + 1);
export const LEN_EXTRA = new Uint8Array(MAX_RUN + 1);
{
  const base = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  const extra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
  for (let c = 0; c < base.length; c++) {
    const last = c === base.length - 1 ? 258 : base[c + 1] - 1;
    for (let len = base[c]; len <= last; len++) {
      // 258 has a code of its own (285), not 284 with extra bits 31.
      if (len === 258 && c !== base.length - 1) continue;
      LEN_CODE[len] = 257 + c;
      LEN_EXTRA_BITS[len] = extra[c];
      LEN_EXTRA[len] = len - base[c];
    }
  }
}

/** Code-length alphabet order of the block header (RFC 1951 3.2.7). */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * Starts a dynamic-Huffman block (final when `last`): codes the literal/length alphabet from
 * `litFreq` (the end-of-block symbol counted here) and writes the block header with it and the
 * first `nDist` of the distance code's lengths `distLen`. Returns the literal/length code.
 */
export function startDynamicBlock(out: BitWriter, litFreq: Uint32Array, distLen: Uint8Array, nDist: number, last: boolean): { litLen: Uint8Array; litCode: ReturnType<typeof canonicalCodes>; nLit: number } {
  litFreq[256] = 1;
  const litLen = codeLengths(litFreq, 15);
  let nLit = 286;
  while (nLit > 257 && litLen[nLit - 1] === 0) nLit--;
  const lengthSymbols = [...rleLengths(litLen.subarray(0, nLit)), ...rleLengths(distLen.subarray(0, nDist))];
  const clFreq = new Uint32Array(19);
  for (const [sym] of lengthSymbols) clFreq[sym]++;
  const clLen = codeLengths(clFreq, 7);
  let nCl = 19;
  while (nCl > 4 && clLen[CLEN_ORDER[nCl - 1]] === 0) nCl--;
  out.bits(last ? 1 : 0, 1);
  out.bits(2, 2);
  out.bits(nLit - 257, 5);
  out.bits(nDist - 1, 5);
  out.bits(nCl - 4, 4);
  for (let i = 0; i < nCl; i++) out.bits(clLen[CLEN_ORDER[i]], 3);
  const clCode = canonicalCodes(clLen);
  for (const [sym, extraBits, extra] of lengthSymbols) {
    out.bits(clCode[sym], clLen[sym]);
    if (extraBits) out.bits(extra, extraBits);
  }
  return { litLen, litCode: canonicalCodes(litLen), nLit };
}

/**
 * Each symbol's whole bit string and its length: a literal's code; a match length's code and extra
 * bits, followed by `dist`'s bits where every match has that one distance code (a run-length
 * stream), else without (the distance is written apart).
 */
export function symbolCodes(litLen: Uint8Array, litCode: ArrayLike<number>, dist?: { code: number; bits: number }): { symCode: Uint32Array; symBits: Uint8Array } {
  const symCode = new Uint32Array(MATCH + MAX_RUN + 1);
  const symBits = new Uint8Array(MATCH + MAX_RUN + 1);
  for (let b = 0; b < MATCH; b++) {
    symCode[b] = litCode[b];
    symBits[b] = litLen[b];
  }
  for (let len = 3; len <= MAX_RUN; len++) {
    const c = LEN_CODE[len];
    if (!litLen[c]) continue;
    const x = LEN_EXTRA_BITS[len];
    symCode[MATCH + len] = litCode[c] | (LEN_EXTRA[len] << litLen[c]) | (dist ? dist.code << (litLen[c] + x) : 0);
    symBits[MATCH + len] = litLen[c] + x + (dist ? dist.bits : 0);
  }
  return { symCode, symBits };
}

/** Code lengths as the header's symbols: [symbol 0-18, extra bits, extra value]; repeats with 16, 17, 18. */
export function rleLengths(lens: Uint8Array): Array<[number, number, number]> {
  const res: Array<[number, number, number]> = [];
  for (let i = 0; i < lens.length; ) {
    const l = lens[i];
    let r = 1;
    while (i + r < lens.length && lens[i + r] === l) r++;
    i += r;
    if (l === 0) {
      while (r >= 11) {
        const m = Math.min(r, 138);
        res.push([18, 7, m - 11]);
        r -= m;
      }
      if (r >= 3) {
        res.push([17, 3, r - 3]);
        r = 0;
      }
    } else {
      res.push([l, 0, 0]);
      r--;
      while (r >= 3) {
        const m = Math.min(r, 6);
        res.push([16, 2, m - 3]);
        r -= m;
      }
    }
    for (; r > 0; r--) res.push([l, 0, 0]);
  }
  return res;
}
