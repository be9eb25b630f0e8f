import { adler32 } from '../io/adler32.ts';
import { BitWriter } from './bit-writer.ts';
import { canonicalCodes, codeLengths } from './huffman-codes.ts';

/**
 * A zlib stream (RFC 1950/1951) whose only matches are runs of the previous byte (distance 1, as
 * zlib's Z_RLE), Huffman-coded per block of up to 64 KiB: the browser's `CompressionStream` has no
 * strategy, and on noise-like bands (the uncertainty files' low bytes) its full match search spends
 * its time finding nothing. Any inflater reads the result. A new array owned by the caller.
 */
export function rleDeflate(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const out = new BitWriter(n + (n >>> 3) + 1024);
  // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (fastest; 0x7801 % 31 === 0).
  out.byte(0x78);
  out.byte(0x01);
  const symbols = new Uint16Array(BLOCK_BYTES + 1);
  const litFreq = new Uint32Array(286);
  if (n === 0) writeBlock(out, symbols, 0, litFreq, true);
  for (let start = 0; start < n; start += BLOCK_BYTES) {
    const end = Math.min(n, start + BLOCK_BYTES);
    litFreq.fill(0);
    writeBlock(out, symbols, scanRuns(bytes, start, end, symbols, litFreq), litFreq, end === n);
  }
  out.align();
  const a = adler32(bytes);
  out.byte(a >>> 24);
  out.byte((a >>> 16) & 255);
  out.byte((a >>> 8) & 255);
  out.byte(a & 255);
  return out.bytes();
}

const BLOCK_BYTES = 2 ** 16;
export const MAX_RUN = 258;
/** Symbols: 0-255 a literal byte, 256 + L a run of L (3..258) copies of the previous byte. */
const RUN = 256;

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
        symbols[k++] = RUN + len;
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

/** Code-length alphabet order of the block header (RFC 1951 3.2.7). */
export const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** One dynamic-Huffman block of `symbols[0, count)`, whose literal/length codes `litFreq` counts. */
function writeBlock(out: BitWriter, symbols: Uint16Array, count: number, litFreq: Uint32Array, last: boolean): void {
  litFreq[256] = 1;
  const litLen = codeLengths(litFreq, 15);
  // Only distance 1 (code 0); two codes of one bit keep the distance code complete.
  const distLen = new Uint8Array([1, 1]);
  let nLit = 286;
  while (nLit > 257 && litLen[nLit - 1] === 0) nLit--;
  const lengthSymbols = [...rleLengths(litLen.subarray(0, nLit)), ...rleLengths(distLen)];
  const clFreq = new Uint32Array(19);
  for (const [s] of lengthSymbols) clFreq[s]++;
  const clLen = codeLengths(clFreq, 7);
  let nCl = 19;
  while (nCl > 4 && clLen[CLEN_ORDER[nCl - 1]] === 0) nCl--;
  out.bits(last ? 1 : 0, 1);
  out.bits(2, 2);
  out.bits(nLit - 257, 5);
  out.bits(distLen.length - 1, 5);
  out.bits(nCl - 4, 4);
  for (let i = 0; i < nCl; i++) out.bits(clLen[CLEN_ORDER[i]], 3);
  const clCode = canonicalCodes(clLen);
  for (const [s, extraBits, extra] of lengthSymbols) {
    out.bits(clCode[s], clLen[s]);
    if (extraBits) out.bits(extra, extraBits);
  }
  const litCode = canonicalCodes(litLen);
  const distCode0 = canonicalCodes(distLen)[0];
  // Each symbol's whole bit string (code, extra bits, the distance's one bit) and its length.
  const symCode = new Uint32Array(RUN + MAX_RUN + 1);
  const symBits = new Uint8Array(RUN + MAX_RUN + 1);
  for (let b = 0; b < RUN; b++) {
    symCode[b] = litCode[b];
    symBits[b] = litLen[b];
  }
  for (let len = 3; len <= MAX_RUN; len++) {
    const c = LEN_CODE[len];
    if (!litLen[c]) continue;
    const x = LEN_EXTRA_BITS[len];
    symCode[RUN + len] = litCode[c] | (LEN_EXTRA[len] << litLen[c]) | (distCode0 << (litLen[c] + x));
    symBits[RUN + len] = litLen[c] + x + 1;
  }
  out.symbols(symbols, count, symCode, symBits);
  out.bits(litCode[256], litLen[256]);
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
