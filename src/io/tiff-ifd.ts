import { AppError } from '../core/errors.ts';

/** Offsets and byte counts of an image's strips or tiles, read straight from its IFD. */
export interface BlockTable {
  offsets: number[];
  byteCounts: number[];
}

const TYPE_SIZE: Record<number, number> = { 3: 2, 4: 4, 16: 8 };

/**
 * Reads StripOffsets/StripByteCounts (or TileOffsets/TileByteCounts) of the first image from the
 * raw file, in the file's byte order, for classic TIFF and BigTIFF. geotiff.js's deferred arrays
 * come back byte-swapped on big-endian files, so the block table is taken from here. Throws
 * CORRUPT_TIFF when an entry points outside the file.
 */
export async function readBlockTable(
  read: (offset: number, length: number) => Promise<Uint8Array> | Uint8Array,
  byteLength: number,
  tiled: boolean,
  fileName: string,
): Promise<BlockTable> {
  const damaged = (why: string): never => {
    throw new AppError('CORRUPT_TIFF', `${fileName} is damaged: ${why}. Re-download or re-export it.`, {
      file: fileName,
    });
  };
  const bytes = async (offset: number, length: number): Promise<DataView> => {
    if (offset < 0 || length < 0 || offset + length > byteLength)
      damaged(`a TIFF entry points past the end of the file`);
    const b = await read(offset, length);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const head = await bytes(0, Math.min(16, byteLength));
  const le = head.getUint8(0) === 0x49;
  const big = head.getUint16(2, le) === 43;
  const ifd = big ? Number(head.getBigUint64(8, le)) : head.getUint32(4, le);
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const nView = await bytes(ifd, countSize);
  const n = big ? Number(nView.getBigUint64(0, le)) : nView.getUint16(0, le);
  const entries = await bytes(ifd + countSize, n * entrySize);
  const wanted = tiled ? [324, 325] : [273, 279];
  const out: number[][] = [[], []];
  for (let i = 0; i < n; i++) {
    const e = i * entrySize;
    const tag = entries.getUint16(e, le);
    const k = wanted.indexOf(tag);
    if (k < 0) continue;
    const type = entries.getUint16(e + 2, le);
    const size = TYPE_SIZE[type];
    if (!size) damaged(`tag ${tag} has type ${type}`);
    const count = big ? Number(entries.getBigUint64(e + 4, le)) : entries.getUint32(e + 4, le);
    const inline = count * size <= (big ? 8 : 4);
    const valueAt = e + (big ? 12 : 8);
    const view = inline
      ? new DataView(entries.buffer, entries.byteOffset + valueAt, count * size)
      : await bytes(
          big ? Number(entries.getBigUint64(valueAt, le)) : entries.getUint32(valueAt, le),
          count * size,
        );
    const values = new Array<number>(count);
    for (let j = 0; j < count; j++)
      values[j] =
        size === 2
          ? view.getUint16(j * 2, le)
          : size === 4
            ? view.getUint32(j * 4, le)
            : Number(view.getBigUint64(j * 8, le));
    out[k] = values;
  }
  return { offsets: out[0], byteCounts: out[1] };
}
