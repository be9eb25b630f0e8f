import { open, rm, type FileHandle } from 'node:fs/promises';
import { AppError } from '../core/errors.ts';
import type { Grid } from '../core/raster/raster.ts';
import type { GeoTiffBandSpec, WriteGeoTiffOptions } from '../io/geotiff-plan.ts';
import { streamGeoTiff, type GeoTiffRowStream } from '../io/geotiff-stream.ts';
import { nodeZlibCodec, writeAt } from './native-deflate.ts';

/** A GeoTIFF streamed into an open file: `push` rows in order, then `finish`, or `abort`. */
export interface GeoTiffFileStream {
  push: GeoTiffRowStream['push'];
  /** Writes the header, overviews and full-resolution tiles into the file and removes the spill; resolves the file size. */
  finish(): Promise<number>;
  /** Waits for the compressions under way and removes the spill; the caller removes the file. */
  abort(): Promise<void>;
}

/**
 * `streamGeoTiff` into `fh` with node:zlib (unless `opts.codec` says otherwise), as
 * `writeGeoTiffFile` writes the same rasters whole, byte for byte. The full-resolution tiles wait
 * in `spillPath` (created exclusively, beside the output; removed by `finish` and `abort`, and on
 * any failure of either) until the overviews are written before them.
 */
export async function openGeoTiffFileStream(
  fh: FileHandle,
  spillPath: string,
  grid: Grid,
  bands: GeoTiffBandSpec[],
  opts: WriteGeoTiffOptions = {},
): Promise<GeoTiffFileStream> {
  // 'wx' never follows a planted link.
  const spill = await open(spillPath, 'wx+');
  let closed = false;
  const drop = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await spill.close().catch(() => undefined);
    await rm(spillPath, { force: true });
  };
  let stream: GeoTiffRowStream;
  try {
    stream = streamGeoTiff(
      grid,
      bands,
      { write: (pieces, at) => writeAt(fh, pieces, at) },
      {
        write: (pieces, at) => writeAt(spill, pieces, at),
        read: async (at, length, into) => {
          const buf = into ? into.subarray(0, length) : new Uint8Array(length);
          let n = 0;
          while (n < length) {
            const { bytesRead } = await spill.read(buf, n, length - n, at + n);
            if (bytesRead === 0) {
              throw new AppError('WRITE_FAILED', `${spillPath}: the temporary file of tiles ended at byte ${at + n}, ${length - n} bytes short (changed by another process?): run again.`, { file: spillPath });
            }
            n += bytesRead;
          }
          return buf;
        },
      },
      { codec: nodeZlibCodec, ...opts },
    );
  } catch (e) {
    await drop();
    throw e;
  }
  return {
    push: (rows, run) => stream.push(rows, run),
    finish: async () => {
      try {
        return await stream.finish();
      } finally {
        await drop();
      }
    },
    abort: async () => {
      await stream.settle();
      await drop();
    },
  };
}
