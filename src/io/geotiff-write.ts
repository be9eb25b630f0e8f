import { zlibSync } from 'fflate';
import { throwIfAborted, yieldToEventLoop, type Progress, type RunOptions } from '../core/progress.ts';
import type { Raster } from '../core/raster/raster.ts';
import { deflateCodec } from './deflate-codec.ts';
import { planGeoTiff, type GeoTiffBandInput, type WriteGeoTiffOptions } from './geotiff-plan.ts';
import { assembleTiff, checkSize, cogLeaderTrailer, tiffHeader } from './tiff-assemble.ts';

export { halveMean, type GeoTiffBandInput, type WriteGeoTiffOptions } from './geotiff-plan.ts';

/**
 * Where `writeGeoTiffTo` puts the file: `write(pieces, offset)` stores the pieces one after the
 * other from byte `offset`. The tiles come in increasing offsets as they are compressed; the
 * header (byte 0, its size known from the start) comes last, once every tile size is known.
 * The pieces are the writer's again once `write` resolves (it may write a later tile into the same
 * buffer): a sink copies what it keeps past that.
 */
export interface GeoTiffSink {
  write(pieces: Uint8Array[], offset: number): Promise<void> | void;
}

/**
 * Writes rasters (same grid) as a tiled float32 GeoTIFF: NaN -> nodata (-9999 by default),
 * Deflate with the floating-point predictor, GeoKeys for the raster's CRS (EPSG codes, or
 * user-defined ones such as MODIS sinusoidal), band descriptions and GDAL metadata; by default a
 * cloud-optimised GeoTIFF (see `cog`). GDAL reads the full-resolution values as written.
 * Synchronous, fflate in this thread. Returns a new Uint8Array owned by the caller (browser and Node).
 */
export function writeGeoTiff(
  input: Raster | Array<Raster | GeoTiffBandInput>,
  opts: WriteGeoTiffOptions = {},
): Uint8Array {
  const plan = planGeoTiff(input, opts);
  const tiles = plan.images.map(() => [] as Uint8Array[]);
  for (const t of plan.tiles()) {
    if ('bytes' in t) tiles[t.image].push(plan.deflate ? zlibSync(t.bytes, { level: plan.level as 2 }) : t.bytes);
  }
  return assembleTiff(plan.images.map((img, i) => ({ tags: img.tags, tiles: tiles[i] })), plan.cog);
}

/**
 * The file `writeGeoTiff` lays out, streamed into `sink` as its tiles are compressed by
 * `opts.codec` (default `deflateCodec()`: on node:zlib's thread pool in the CLI), at most
 * `opts.maxTilesInFlight` at once; nothing holds the whole file. With the same compressor the bytes
 * are `writeGeoTiff`'s. Progress `{stage: 'writing GeoTIFF'}` counts the rows of tiles of every
 * level written into `sink` (0 before the first, all of them once the last tile is in; the header
 * follows at once); `signal` is checked before each tile and handed to the codec, which drops the tiles it has not
 * started (CANCELLED: the sink holds a partial file, the caller drops it). Resolves the file size in bytes.
 */
export async function writeGeoTiffTo(
  input: Raster | Array<Raster | GeoTiffBandInput>,
  sink: GeoTiffSink,
  opts: WriteGeoTiffOptions = {},
  run: RunOptions = {},
): Promise<number> {
  throwIfAborted(run.signal);
  const plan = planGeoTiff(input, opts);
  const codec = opts.codec ?? deflateCodec();
  const maxInFlight = Math.max(1, opts.maxTilesInFlight ?? 8);
  const { headerSize, header } = tiffHeader(plan.images, plan.cog);
  const counts = plan.images.map(() => [] as number[]);
  const pending: Array<{ image: number; tile: Promise<Uint8Array> }> = [];
  // A row of tiles is counted once its tiles are in the sink, not when cut (up to
  // `maxInFlight` tiles are still compressing then): the report waits for the tiles before it.
  const rowEnds: Array<{ tilesBefore: number; p: Progress }> = [];
  let tilesCut = 0;
  let tilesWritten = 0;
  const reportWritten = (): void => {
    while (rowEnds.length > 0 && rowEnds[0].tilesBefore <= tilesWritten) {
      const { p } = rowEnds.shift()!;
      run.onProgress?.(p);
    }
  };
  let pos = headerSize;
  const flushOne = async (): Promise<void> => {
    const { image, tile: p } = pending.shift()!;
    const tile = await p;
    // Cancelled: the file is dropped, so nothing more goes into it (nor is counted written).
    throwIfAborted(run.signal);
    counts[image].push(tile.length);
    const [leader, trailer] = cogLeaderTrailer(tile);
    const pieces = plan.cog ? [leader, tile, trailer] : [tile];
    const at = pos;
    pos += tile.length + (plan.cog ? 8 : 0);
    checkSize(pos);
    await sink.write(pieces, at);
    tilesWritten++;
    reportWritten();
  };
  try {
    // Tiles to deflate are cut into buffers the codec lends (handed back with earlier tiles' streams).
    const buffer = plan.deflate && codec.blockBuffer ? (n: number) => codec.blockBuffer!(n) : undefined;
    for (const t of plan.tiles(buffer)) {
      if ('bytes' in t) {
        throwIfAborted(run.signal);
        const tile = plan.deflate ? codec.deflate(t.bytes, plan.level, plan.strategy, plan.rowBytes, run.signal) : Promise.resolve(t.bytes);
        // Awaited in order by flushOne; a failure before then must not count as unhandled.
        tile.catch(() => undefined);
        pending.push({ image: t.image, tile });
        tilesCut++;
        while (pending.length >= maxInFlight) await flushOne();
      } else {
        throwIfAborted(run.signal);
        rowEnds.push({ tilesBefore: tilesCut, p: t });
        reportWritten();
        await yieldToEventLoop();
      }
    }
    while (pending.length) await flushOne();
  } catch (e) {
    // Lets the compressions already started end before the caller removes the file.
    await Promise.allSettled(pending.map((p) => p.tile));
    throw e;
  }
  throwIfAborted(run.signal);
  const head = header(counts);
  await sink.write([head.bytes], 0);
  return head.size;
}

/** `writeGeoTiffTo` into memory (browser exports): the file in one new buffer owned by the caller. */
export async function writeGeoTiffAsync(
  input: Raster | Array<Raster | GeoTiffBandInput>,
  opts: WriteGeoTiffOptions = {},
  run: RunOptions = {},
): Promise<Uint8Array> {
  const parts: Array<{ at: number; pieces: Uint8Array[] }> = [];
  // Copies: the pieces are the writer's again once `write` returns (GeoTiffSink).
  const size = await writeGeoTiffTo(input, { write: (pieces, at) => void parts.push({ at, pieces: pieces.map((p) => p.slice()) }) }, opts, run);
  const out = new Uint8Array(size);
  for (const { at, pieces } of parts) {
    let p = at;
    for (const c of pieces) {
      out.set(c, p);
      p += c.length;
    }
  }
  return out;
}

/**
 * The file `writeGeoTiffAsync` writes, as pieces in file order (one here: the whole file). Kept for
 * callers that take pieces; `writeGeoTiffTo` streams without holding the file.
 */
export async function encodeGeoTiffChunks(
  input: Raster | Array<Raster | GeoTiffBandInput>,
  opts: WriteGeoTiffOptions = {},
  run: RunOptions = {},
): Promise<Iterable<Uint8Array>> {
  return [await writeGeoTiffAsync(input, opts, run)];
}
