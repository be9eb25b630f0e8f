import { readSync } from 'node:fs';
import type { FileRange } from '../io/deflate-codec.ts';

/**
 * Reads `range` whole from its file descriptor (any thread of this process), into `into` where it
 * is long enough, else a new array: a view of what was read. A short read (the file cut since it
 * was opened) throws, naming the bytes, so the reader fails as for a truncated file.
 */
export function readFileRangeSync(range: FileRange, into: Uint8Array): Uint8Array {
  const out = into.length >= range.length ? into.subarray(0, range.length) : new Uint8Array(range.length);
  let got = 0;
  while (got < range.length) {
    const n = readSync(range.fd, out, got, range.length - got, range.offset + got);
    if (n === 0) throw new RangeError(`${range.length} bytes asked at ${range.offset}, ${got} read`);
    got += n;
  }
  return out;
}
