import { AppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import { writeGeoTiffTo, type GeoTiffBandInput, type GeoTiffSink, type WriteGeoTiffOptions } from '../io/geotiff-write.ts';

/**
 * A `GeoTiffSink` that gathers the file into Blobs: the tiles' bytes are copied into one buffer of
 * `chunkBytes`, reused for every chunk, and each full chunk becomes a Blob of its own (a Blob copies
 * what it is made of; in a browser it goes to the browser's blob store), so the sink keeps none of
 * the writer's pieces, which are the writer's again once `write` returns. `finish(size)`: the whole
 * file as one Blob, checked against the size the writer gave.
 */
export function geoTiffBlobSink(chunkBytes: number): GeoTiffSink & { finish(size: number): Blob } {
  const blobs: Blob[] = [];
  let chunk: Uint8Array<ArrayBuffer> | undefined;
  let gathered = 0;
  let head: Blob | undefined;
  let next = -1;
  const flush = (): void => {
    if (chunk && gathered > 0) blobs.push(new Blob([chunk.subarray(0, gathered)]));
    gathered = 0;
  };
  return {
    write(pieces, at) {
      if (at === 0) {
        head = new Blob(pieces as Uint8Array<ArrayBuffer>[]);
        return;
      }
      if (next >= 0 && at !== next) throw new AppError('INTERNAL', `GeoTIFF pieces out of order: at ${at}, expected ${next}.`);
      for (const p of pieces) {
        if (gathered + p.length > chunkBytes) flush();
        if (p.length >= chunkBytes) {
          blobs.push(new Blob([p as Uint8Array<ArrayBuffer>]));
          continue;
        }
        chunk ??= new Uint8Array(chunkBytes);
        chunk.set(p, gathered);
        gathered += p.length;
      }
      next = at + pieces.reduce((s, p) => s + p.length, 0);
    },
    finish(size) {
      flush();
      if (!head) throw new AppError('INTERNAL', 'The GeoTIFF writer wrote no header.');
      const blob = new Blob([head, ...blobs], { type: 'image/tiff' });
      if (blob.size !== size) throw new AppError('INTERNAL', `GeoTIFF of ${blob.size} bytes, the writer said ${size}.`);
      return blob;
    },
  };
}

/**
 * `writeGeoTiffAsync`'s file as a Blob, streamed: every ~`chunkBytes` of compressed tiles become a
 * Blob of their own (`geoTiffBlobSink`), so this thread holds neither the whole file nor a second
 * copy of it, as `writeGeoTiffAsync` does while it joins the pieces, nor the compressed tiles once
 * copied into the chunk. Same bytes; same progress and cancelling as `writeGeoTiffTo`. The chunks
 * are 512 KiB (2 MiB until 2026-11-30): Chromium copies a Blob's bytes into memory of its own, and
 * a copy of 2 MiB landed on fresh pages every time (~512 first touches at ~16 us each on the bench
 * VM), one of 512 KiB mostly on memory an earlier one freed: the full tile's write took 44-50 k
 * faults on the writing thread before, 13-18 k after (bench/perf-log.md).
 */
export async function writeGeoTiffBlob(
  input: Array<GeoTiffBandInput>,
  opts: WriteGeoTiffOptions = {},
  run: RunOptions = {},
  chunkBytes = 2 ** 19,
): Promise<Blob> {
  const sink = geoTiffBlobSink(chunkBytes);
  return sink.finish(await writeGeoTiffTo(input, sink, opts, run));
}
