import { AppError } from '../core/errors.ts';

export const SHORT = 3;
export const LONG = 4;
export const DOUBLE = 12;
export const ASCII = 2;

/** One TIFF tag: id, field type (SHORT, LONG, DOUBLE, ASCII) and its values. */
export type Tag = { id: number; type: number; values: number[] | string };

/** One image (IFD): its tags and its tiles in TIFF order; TileOffsets (324) is filled in here. */
export interface TiffImage {
  tags: Tag[];
  tiles: Uint8Array[];
}

/**
 * GDAL's COG "ghost area" (read by GDAL and its COG validator): IFDs come before the data, tiles
 * are in row-major order, each preceded by its byte count as a uint32 and followed by a copy of its
 * last 4 bytes, so a reader can fetch a tile and check it is whole without reading the IFD again.
 */
const COG_GHOST_BODY =
  'LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\n' +
  'BLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ';
const COG_GHOST = `GDAL_STRUCTURAL_METADATA_SIZE=${String(COG_GHOST_BODY.length).padStart(6, '0')} bytes\n${COG_GHOST_BODY}`;

const sizeOf = (t: Tag): number =>
  t.type === ASCII
    ? (t.values as string).length + 1
    : (t.values as number[]).length * (t.type === DOUBLE ? 8 : t.type === LONG ? 4 : 2);

/**
 * Serialises a classic little-endian TIFF. Plain layout: one IFD, its tag data, then the tiles.
 * `cog`: the ghost area, then every IFD (full resolution first, overviews by decreasing size,
 * each with its tag data), then the tiles from the smallest overview to the full resolution, each
 * with leader and trailer (see COG_GHOST_BODY). TOO_LARGE past 4 GiB. Returns a new buffer.
 */
export function assembleTiff(images: TiffImage[], cog: boolean): Uint8Array {
  const { size, chunks } = layoutTiff(images, cog);
  const buf = new Uint8Array(size);
  let at = 0;
  for (const c of chunks()) {
    buf.set(c, at);
    at += c.length;
  }
  return buf;
}

/**
 * The bytes of `assembleTiff` as pieces in file order: the header with every IFD and its tag data,
 * then each tile (with its COG leader and trailer). The tiles themselves are passed through, not
 * copied; other pieces are fresh. TOO_LARGE past 4 GiB, before any piece.
 */
export function tiffChunks(images: TiffImage[], cog: boolean): Iterable<Uint8Array> {
  return layoutTiff(images, cog).chunks();
}

/** One image of `tiffHeader`: its tags (TileOffsets 324 and TileByteCounts 325 are filled in) and how many tiles it has. */
export interface TiffImageSpec {
  tags: Tag[];
  tileCount: number;
}

/**
 * The layout of `assembleTiff` before the tiles are known: `headerSize` bytes of header and IFDs
 * (they do not depend on tile sizes), then the tiles in file order (images from last to first,
 * with COG leader and trailer: 4 bytes each). `header(byteCounts)` (per image, in tile order)
 * writes the header with every offset; TOO_LARGE when the file would pass 4 GiB.
 */
export function tiffHeader(
  images: TiffImageSpec[],
  cog: boolean,
): { headerSize: number; header: (byteCounts: number[][]) => { bytes: Uint8Array; size: number } } {
  if (!cog && images.length !== 1)
    throw new AppError('INTERNAL', 'assembleTiff: a plain TIFF has one image.');
  let pos = 8 + (cog ? COG_GHOST.length : 0);
  pos += pos % 2;
  const layouts = images.map((img) => {
    img.tags.sort((a, b) => a.id - b.id);
    for (const t of img.tags)
      if (t.id === 324 || t.id === 325) t.values = new Array<number>(img.tileCount).fill(0);
    const ifd = pos;
    pos += 2 + img.tags.length * 12 + 4;
    const extra = new Map<number, number>();
    for (const t of img.tags) {
      if (sizeOf(t) > 4) {
        pos += pos % 2;
        extra.set(t.id, pos);
        pos += sizeOf(t);
      }
    }
    pos += pos % 2;
    return { ifd, extra };
  });
  const headerSize = pos;
  const pad = cog ? 4 : 0;
  const header = (byteCounts: number[][]): { bytes: Uint8Array; size: number } => {
    let at = headerSize;
    const tileOffsets = images.map(() => [] as number[]);
    for (let i = images.length - 1; i >= 0; i--) {
      for (const n of byteCounts[i]) {
        at += pad;
        tileOffsets[i].push(at);
        at += n + pad;
      }
    }
    checkSize(at);
    const buf = new Uint8Array(headerSize);
    const view = new DataView(buf.buffer);
    buf.set([0x49, 0x49, 42, 0]);
    view.setUint32(4, layouts[0].ifd, true);
    if (cog) for (let i = 0; i < COG_GHOST.length; i++) buf[8 + i] = COG_GHOST.charCodeAt(i);
    const writeValues = (t: Tag, at: number): void => {
      if (t.type === ASCII) {
        const s = t.values as string;
        for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i) & 0xff;
        buf[at + s.length] = 0;
        return;
      }
      (t.values as number[]).forEach((v, i) => {
        if (t.type === DOUBLE) view.setFloat64(at + i * 8, v, true);
        else if (t.type === LONG) view.setUint32(at + i * 4, v, true);
        else view.setUint16(at + i * 2, v, true);
      });
    };
    images.forEach((img, n) => {
      const { ifd, extra } = layouts[n];
      for (const t of img.tags) {
        if (t.id === 324) t.values = tileOffsets[n];
        if (t.id === 325) t.values = byteCounts[n];
      }
      view.setUint16(ifd, img.tags.length, true);
      img.tags.forEach((t, k) => {
        const e = ifd + 2 + k * 12;
        const count = t.type === ASCII ? (t.values as string).length + 1 : (t.values as number[]).length;
        view.setUint16(e, t.id, true);
        view.setUint16(e + 2, t.type, true);
        view.setUint32(e + 4, count, true);
        const off = extra.get(t.id);
        if (off === undefined) writeValues(t, e + 8);
        else {
          view.setUint32(e + 8, off, true);
          writeValues(t, off);
        }
      });
      view.setUint32(ifd + 2 + img.tags.length * 12, n + 1 < images.length ? layouts[n + 1].ifd : 0, true);
    });
    return { bytes: buf, size: at };
  };
  return { headerSize, header };
}

/** TOO_LARGE past the 4 GiB of classic TIFF. */
export function checkSize(bytes: number): void {
  if (bytes > 0xffffffff)
    throw new AppError(
      'TOO_LARGE',
      `GeoTIFF would be ${bytes} bytes; classic TIFF is limited to 4 GiB. Write fewer bands or a smaller extent.`,
    );
}

/** A COG tile's leader (its byte count as uint32) and trailer (its last 4 bytes again). */
export function cogLeaderTrailer(tile: Uint8Array): [Uint8Array, Uint8Array] {
  const leader = new Uint8Array(4);
  new DataView(leader.buffer).setUint32(0, tile.length, true);
  const trailer = new Uint8Array(4);
  trailer.set(tile.subarray(Math.max(0, tile.length - 4)));
  return [leader, trailer];
}

function layoutTiff(images: TiffImage[], cog: boolean): { size: number; chunks: () => Generator<Uint8Array, void, void> } {
  const { header } = tiffHeader(
    images.map((img) => ({ tags: img.tags, tileCount: img.tiles.length })),
    cog,
  );
  // Sizes are checked before any piece.
  const { bytes: head, size } = header(images.map((img) => img.tiles.map((t) => t.length)));
  return {
    size,
    *chunks() {
      yield head;
      for (let i = images.length - 1; i >= 0; i--) {
        for (const tile of images[i].tiles) {
          if (!cog) {
            yield tile;
            continue;
          }
          const [leader, trailer] = cogLeaderTrailer(tile);
          yield leader;
          yield tile;
          yield trailer;
        }
      }
    },
  };
}
