import { AppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import { writeGeoTiffTo, type GeoTiffBandInput, type WriteGeoTiffOptions } from '../io/geotiff-write.ts';


/**
 * `writeGeoTiffAsync`'s file as a Blob, streamed: every ~8 MB of compressed tiles become a Blob of
 * their own (in a browser, handed to the browser's blob store), so this thread holds neither the
 * whole file nor a second copy of it, as `writeGeoTiffAsync` does while it joins the pieces. Same
 * bytes; same progress and cancelling as `writeGeoTiffTo`. `chunkBytes`: compressed tiles gathered
 * before they go into a Blob of their own.
 */
export async function writeGeoTiffBlob(
  input: Array<GeoTiffBandInput>,
  opts: WriteGeoTiffOptions = {},
  run: RunOptions = {},
  chunkBytes = 8 * 2 ** 20,
): Promise<Blob> {
  const blobs: Blob[] = [];
  let chunk: Uint8Array[] = [];
  let gathered = 0;
  let head: Uint8Array | undefined;
  let next = -1;
  const size = await writeGeoTiffTo(
    input,
    {
      write: (pieces, at) => {
        if (at === 0) {
          head = pieces.length === 1 ? pieces[0] : new Uint8Array(pieces.flatMap((p) => [...p]));
          return;
        }
        if (next >= 0 && at !== next) throw new AppError('INTERNAL', `GeoTIFF pieces out of order: at ${at}, expected ${next}.`);
        for (const p of pieces) {
          chunk.push(p);
          gathered += p.length;
        }
        next = at + pieces.reduce((s, p) => s + p.length, 0);
        if (gathered >= chunkBytes) {
          blobs.push(new Blob(chunk as Uint8Array<ArrayBuffer>[]));
          chunk = [];
          gathered = 0;
        }
      },
    },
    opts,
    run,
  );
  if (chunk.length) blobs.push(new Blob(chunk as Uint8Array<ArrayBuffer>[]));
  if (!head) throw new AppError('INTERNAL', 'The GeoTIFF writer wrote no header.');
  const blob = new Blob([head as Uint8Array<ArrayBuffer>, ...blobs], { type: 'image/tiff' });
  if (blob.size !== size) throw new AppError('INTERNAL', `GeoTIFF of ${blob.size} bytes, the writer said ${size}.`);
  return blob;
}
