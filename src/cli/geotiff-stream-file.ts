import { open, rm, type FileHandle } from 'node:fs/promises';
import { AppError } from '../core/errors.ts';
import type { Grid } from '../core/raster/raster.ts';
import type { GeoTiffBandSpec, WriteGeoTiffOptions } from '../io/geotiff-plan.ts';
import { streamGeoTiff, type GeoTiffRowStream } from '../io/geotiff-stream.ts';
import { nodeZlibCodec, writeAt } from './native-deflate.ts';

/** Zeros written ahead into the output (never changed). */
const ZEROS = new Uint8Array(2 ** 20);

/** A GeoTIFF streamed into an open file: `push` rows in order, then `finish`, or `abort`. */
export interface GeoTiffFileStream {
  push: GeoTiffRowStream['push'];
  ahead: GeoTiffRowStream['ahead'];
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
  // A one-band COG's spill holds the file's tiles as laid out, and the file ends up longer than
  // the spill (header and overviews first): each spilled span is also written to the output, as
  // zeros at the same offset, while the tiles come. The output's page-cache pages are then made
  // while the stage runs, and `finish` copies the spill over pages that exist instead of making
  // ~70 MB of them after the last tile (a first-touched page costs ~16 us on the bench VM:
  // bench/perf-log.md). Every byte of those spans is written again by `finish`.
  const layoutOnly = (opts.cog ?? true) && bands.length === 1;
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
        write: async (pieces, at) => {
          await writeAt(spill, pieces, at);
          if (!layoutOnly) return;
          // The same span of the output, zeros for now: the file's pages exist before `finish`
          // copies the spill over them (see below).
          let n = 0;
          for (const p of pieces) n += p.length;
          for (let done = 0; done < n; done += ZEROS.length) await writeAt(fh, [ZEROS.subarray(0, Math.min(ZEROS.length, n - done))], at + done);
        },
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
    ahead: (row, bands, x0, x1) => stream.ahead(row, bands, x0, x1),
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
