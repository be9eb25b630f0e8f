// Decompression bombs in real GeoTIFF containers, for the reader's tests (Vitest and the browser's e2e).
import { constants, deflateRawSync } from 'node:zlib';

/** A little-endian one-strip uint16 GeoTIFF (EPSG:4326) of W x H pixels whose strip is `strip`, compressed with `compression`. */
export function oneStripTiff(W: number, H: number, compression: number, strip: Uint8Array): Buffer {
  const entries: [number, number, number[]][] = [
    [256, 3, [W]], [257, 3, [H]], [258, 3, [16]], [259, 3, [compression]], [262, 3, [1]],
    [273, 4, [8]], [277, 3, [1]], [278, 3, [H]], [279, 4, [strip.length]], [284, 3, [1]], [339, 3, [1]],
    [33550, 12, [0.01, 0.01, 0]], [33922, 12, [0, 0, 0, 90, 24, 0]],
    [34735, 3, [1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326]],
  ];
  const size = { 3: 2, 4: 4, 12: 8 } as Record<number, number>;
  // Layout: header, strip, out-of-line values, IFD.
  let at = 8 + strip.length + (strip.length % 2);
  const extra: { off: number; type: number; vals: number[] }[] = [];
  const ifdEntries = entries.map(([tag, type, vals]) => {
    const bytes = size[type] * vals.length;
    if (bytes <= 4) return { tag, type, vals, off: -1 };
    const off = at;
    at += bytes;
    extra.push({ off, type, vals });
    return { tag, type, vals, off };
  });
  const ifd = at;
  const buf = Buffer.alloc(ifd + 2 + 12 * entries.length + 4);
  buf.write('II*\0', 0, 'latin1');
  buf.writeUInt32LE(ifd, 4);
  buf.set(strip, 8);
  const put = (type: number, v: number, off: number) =>
    type === 3 ? buf.writeUInt16LE(v, off) : type === 4 ? buf.writeUInt32LE(v, off) : buf.writeDoubleLE(v, off);
  for (const e of extra) e.vals.forEach((v, i) => put(e.type, v, e.off + i * size[e.type]));
  buf.writeUInt16LE(entries.length, ifd);
  ifdEntries.forEach((e, i) => {
    const p = ifd + 2 + 12 * i;
    buf.writeUInt16LE(e.tag, p);
    buf.writeUInt16LE(e.type, p + 2);
    buf.writeUInt32LE(e.vals.length, p + 4);
    if (e.off >= 0) buf.writeUInt32LE(e.off, p + 8);
    else e.vals.forEach((v, k) => put(e.type, v, p + 8 + k * size[e.type]));
  });
  return buf;
}

export /** A zlib stream of `n` zeros (n a multiple of 64 MiB), built from one compressed 64 MiB run repeated: no big buffer is made. */
function deflateBomb(n: number): Uint8Array {
  const run = 64 * 2 ** 20;
  const block = deflateRawSync(Buffer.alloc(run), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const parts: Uint8Array[] = [Uint8Array.from([0x78, 0xda])];
  for (let i = 0; i < n / run; i++) parts.push(block);
  // A final empty fixed-Huffman block, then Adler-32 of n zeros (a = 1, b = n mod 65521).
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((n % 65521) << 16) | 1) >>> 0);
  parts.push(Uint8Array.from([0x03, 0x00]), adler);
  return Buffer.concat(parts);
}
