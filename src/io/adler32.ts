/** Adler-32 of `bytes`, the checksum that ends a zlib stream (RFC 1950). */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    // 5552 bytes keep b under 2^32 before the modulo (zlib's NMAX); 8 at a time where they fit.
    const stop = Math.min(n, i + 5552);
    const stop8 = stop - ((stop - i) & 7);
    for (; i < stop8; i += 8) {
      a += bytes[i];
      b += a;
      a += bytes[i + 1];
      b += a;
      a += bytes[i + 2];
      b += a;
      a += bytes[i + 3];
      b += a;
      a += bytes[i + 4];
      b += a;
      a += bytes[i + 5];
      b += a;
      a += bytes[i + 6];
      b += a;
      a += bytes[i + 7];
      b += a;
    }
    for (; i < stop; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
