import type { BitWriter } from './bit-writer.ts';
import { canonicalCodes, codeLengths } from './huffman-codes.ts';
import { LEN_CODE, LEN_EXTRA_BITS, MATCH, MAX_RUN, startDynamicBlock, symbolCodes, zlibStream } from './deflate-blocks.ts';

/**
 * A zlib stream (RFC 1950/1951) of a tile the GeoTIFF writer cut with the floating-point predictor
 * (rows of `rowBytes`: four byte planes, most significant first, byte-differenced), whose match
 * search looks only where matches pay on such bytes: runs of the previous byte anywhere, and in the
 * first two planes of each row (sign, exponent and the top of the mantissa: small differences that
 * repeat) one hashed earlier position and the same place a row up. The last two planes are noise
 * to a match search, which is where zlib spends its time for nothing. On the full tile's LST about
 * a third of `CompressionStream`'s CPU (zlib level 6) for a stream ~3 % larger (bench/perf-log.md).
 * Any inflater reads the result; `rowBytes` 0 (or one that does not divide the tile) searches
 * every byte without the row-up candidate. A new array owned by the caller.
 */
export function floatDeflate(bytes: Uint8Array, rowBytes: number): Uint8Array {
  const n = bytes.length;
  // The last call's work arrays (every entry read is written first; `head` filled here), else new ones.
  const w = spareWork ?? {
    symbols: new Uint16Array(BLOCK_BYTES + 1),
    dists: new Uint16Array(BLOCK_BYTES + 1),
    litFreq: new Uint32Array(286),
    distFreq: new Uint32Array(30),
    head: new Int32Array(1 << HASH_BITS),
  };
  spareWork = undefined;
  const s: Scan = {
    bytes,
    ...w,
    head: w.head.fill(-WINDOW - 1),
    // Bytes whose offset in the row is below `searched` are searched (all of them without a row layout).
    rowBytes: rowBytes >= 8 && rowBytes <= WINDOW && n % rowBytes === 0 && rowBytes % 4 === 0 ? rowBytes : 0,
  };
  const stream = zlibStream(bytes, (out) => {
    if (n === 0) {
      s.litFreq.fill(0);
      s.distFreq.fill(0);
      writeBlock(out, s, 0, true);
    }
    for (let start = 0; start < n; ) {
      s.litFreq.fill(0);
      s.distFreq.fill(0);
      const [count, end] = scan(s, start, Math.min(n, start + BLOCK_BYTES));
      writeBlock(out, s, count, end === n);
      start = end;
    }
  });
  spareWork = w;
  return stream;
}

/**
 * The work arrays (~400 kB) of the last call, for the next: the deflate workers compress tile
 * after tile, and new arrays each time cost their first touch (bench/perf-log.md).
 */
let spareWork: Omit<Scan, 'bytes' | 'rowBytes'> | undefined;

const BLOCK_BYTES = 2 ** 16;
const WINDOW = 2 ** 15;
const HASH_BITS = 15;
/** A match at least this long is taken without looking for a longer one. */
const GOOD_ENOUGH = 8;

const DIST_BASE = new Uint16Array([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193,
  12289, 16385, 24577,
]);
const DIST_EXTRA_BITS = new Uint8Array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
/** Distance code (0..29) of each distance 1..32768. */
const DIST_CODE = new Uint8Array(WINDOW + 1);
for (let c = 0; c < 30; c++) DIST_CODE.fill(c, DIST_BASE[c], c < 29 ? DIST_BASE[c + 1] : WINDOW + 1);

/** Extra bits of each literal/length code (0 for literals). */
const LEN_CODE_EXTRA_BITS = new Uint8Array(286);
for (let len = 3; len <= MAX_RUN; len++) LEN_CODE_EXTRA_BITS[LEN_CODE[len]] = LEN_EXTRA_BITS[len];

interface Scan {
  bytes: Uint8Array;
  symbols: Uint16Array;
  dists: Uint16Array;
  litFreq: Uint32Array;
  distFreq: Uint32Array;
  /** Last position (absolute) seen with each hash of four bytes. */
  head: Int32Array;
  rowBytes: number;
}

const hash4 = (b: Uint8Array, i: number): number =>
  Math.imul(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24), 0x9e3779b1) >>> (32 - HASH_BITS);

/**
 * Greedy matches of bytes[start, stop) (the last may run past `stop`) into the scan's symbols and
 * distances, counted by code. Returns the symbols' count and where the next block starts.
 */
function scan(s: Scan, start: number, stop: number): [number, number] {
  const { bytes, symbols, dists, litFreq, distFreq, head, rowBytes } = s;
  const n = bytes.length;
  // The first half of a row: planes 0 and 1.
  const searched = rowBytes ? rowBytes >>> 1 : Infinity;
  let k = 0;
  let i = start;
  while (i < stop) {
    const b = bytes[i];
    const limit = Math.min(n, i + MAX_RUN);
    let len = 0;
    let dist = 0;
    if (i > 0 && bytes[i - 1] === b) {
      let j = i + 1;
      while (j < limit && bytes[j] === b) j++;
      len = j - i;
      dist = 1;
    }
    const inRow = rowBytes ? i % rowBytes : 0;
    if (len < GOOD_ENOUGH && inRow < searched && i + 4 <= n) {
      const h = hash4(bytes, i);
      const c = head[h];
      head[h] = i;
      const d = i - c;
      if (d > 1 && d <= WINDOW && bytes[c] === b && bytes[c + 1] === bytes[i + 1] && bytes[c + 2] === bytes[i + 2]) {
        let j = i + 3;
        while (j < limit && bytes[j] === bytes[j - d]) j++;
        if (j - i > len) {
          len = j - i;
          dist = d;
        }
      }
      if (len < GOOD_ENOUGH && rowBytes && i >= rowBytes && bytes[i - rowBytes] === b) {
        let j = i + 1;
        while (j < limit && bytes[j] === bytes[j - rowBytes]) j++;
        if (j - i > len) {
          len = j - i;
          dist = rowBytes;
        }
      }
    }
    // A 3-byte match far back costs about what its three literals do.
    if (len >= 4 || (len === 3 && dist === 1)) {
      symbols[k] = MATCH + len;
      dists[k++] = dist;
      litFreq[LEN_CODE[len]]++;
      distFreq[DIST_CODE[dist]]++;
      if (dist > 1) {
        // The match's own positions enter the hash table, as zlib's fast search does for short ones.
        const last = Math.min(i + len, n - 3);
        for (let p = i + 1; p < last; p++) if (!rowBytes || p % rowBytes < searched) head[hash4(bytes, p)] = p;
      }
      i += len;
      continue;
    }
    symbols[k] = b;
    dists[k++] = 0;
    litFreq[b]++;
    i++;
  }
  return [k, i];
}

/** One dynamic-Huffman block of the scan's first `count` symbols. */
function writeBlock(out: BitWriter, s: Scan, count: number, last: boolean): void {
  const { symbols, dists, litFreq, distFreq } = s;
  // codeLengths codes two symbols at least, so the distance code is complete even with no match.
  const distLen = codeLengths(distFreq, 15);
  let nDist = 30;
  while (nDist > 1 && distLen[nDist - 1] === 0) nDist--;
  const { litLen, litCode, nLit } = startDynamicBlock(out, litFreq, distLen, nDist, last);
  const { symCode, symBits } = symbolCodes(litLen, litCode);
  let totalBits = 0;
  for (let c = 0; c < nLit; c++) totalBits += litFreq[c] * (litLen[c] + LEN_CODE_EXTRA_BITS[c]);
  for (let c = 0; c < nDist; c++) totalBits += distFreq[c] * (distLen[c] + DIST_EXTRA_BITS[c]);
  out.pairs(symbols, dists, count, symCode, symBits, {
    codeOf: DIST_CODE,
    codes: canonicalCodes(distLen),
    lengths: distLen,
    base: DIST_BASE,
    extraBits: DIST_EXTRA_BITS,
  }, totalBits);
  out.bits(litCode[256], litLen[256]);
}
