import { AppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import type { Grid } from '../core/raster/raster.ts';
import { deflateCodec } from './deflate-codec.ts';
import { halveMean, layoutGeoTiff, type GeoTiffBandSpec, type WriteGeoTiffOptions } from './geotiff-plan.ts';
import type { GeoTiffSink } from './geotiff-write.ts';
import { checkSize, cogLeaderTrailer, tiffHeader } from './tiff-assemble.ts';
import { cutTile } from './tiff-cut.ts';

/**
 * Where `streamGeoTiff` keeps the full-resolution tiles until the end (a COG stores the overviews,
 * known only after the last row, before them): `write` stores bytes at an offset, `read` gives
 * them back. The CLI's is a temporary file beside the output; `memorySpill()` holds them in memory.
 */
export interface TileSpill {
  write(pieces: Uint8Array[], offset: number): Promise<void> | void;
  /** `length` bytes from `offset`: into `into` (its first `length` bytes, returned) where given, else a new array. */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

/** A `TileSpill` in memory (tests, and callers with nowhere else to put the tiles). */
export function memorySpill(): TileSpill {
  const parts: Array<{ at: number; bytes: Uint8Array }> = [];
  return {
    write: (pieces, offset) => {
      let at = offset;
      for (const p of pieces) {
        parts.push({ at, bytes: p.slice() });
        at += p.length;
      }
    },
    read: (offset, length, into) => {
      const out = into ? into.subarray(0, length) : new Uint8Array(length);
      let got = 0;
      for (const { at, bytes } of parts) {
        const from = Math.max(offset, at);
        const to = Math.min(offset + length, at + bytes.length);
        if (to <= from) continue;
        out.set(bytes.subarray(from - at, to - at), from - offset);
        got += to - from;
      }
      if (got !== length) throw new AppError('INTERNAL', `memorySpill: ${length} bytes at ${offset} asked, ${got} stored.`);
      return out;
    },
  };
}

/** A GeoTIFF written row by row: see `streamGeoTiff`. */
export interface GeoTiffRowStream {
  /**
   * The next full-width rows of every band, in band order: `bands[i]` holds `n * width` values
   * (n >= 1 rows), NaN where invalid. The arrays are read before it resolves and not kept.
   * Resolves once at most `maxTilesInFlight` tiles are still being compressed.
   */
  push(bands: Float32Array[], run?: RunOptions): Promise<void>;
  /**
   * Optional, ahead of `push`: the full-resolution tile row starting at row `row` (a multiple of the
   * tile size) holds in `bands[i]` (its `min(tileSize, height - row)` whole rows) values final in
   * columns `x0` .. `x1` - 1, which `push` will give later, unchanged. The tiles lying within those
   * columns are cut and their compression started now; `push` then takes them in place of cutting
   * them again (the file the same, its tiles in the same order). Anything else (rows not a tile
   * row's, a tile row already cut, no whole tile within) is left to `push`. The arrays are read
   * before it returns.
   */
  ahead(row: number, bands: Float32Array[], x0: number, x1: number): void;
  /** After the last row: writes the whole file into the sink (header, overviews, full resolution). Resolves its size in bytes. */
  finish(run?: RunOptions): Promise<number>;
  /** Waits for the compressions under way (after a failure or a cancel: the caller then drops the sink and the spill). */
  settle(): Promise<void>;
}

type Stored = { offset: number; length: number };

/** Bytes of full-resolution tiles read back from the spill at once, at most (unless one tile is larger). */
const SPILL_READ = 4 * 2 ** 20;

/** Bytes copied at once from a spill that holds the file's own bytes (a one-band COG), through one buffer. */
const SPILL_COPY = 8 * 2 ** 20;

/**
 * The file `writeGeoTiffTo` writes for bands on `grid` (same options, same bytes), fed rows in
 * order instead of whole rasters: each row of tiles is cut and compressed once its rows are in,
 * the overviews are built from the rows as they come (`halveMean`'s values: each overview row is
 * the mean of two rows of the level below) and kept compressed in memory, and the full-resolution
 * tiles go to `spill` until `finish` copies them after the overviews. Holds one row of tiles per
 * level and the overviews' compressed tiles. A one-band COG's spill holds its tiles as the file
 * will (each with its leader and trailer), so `finish` copies it whole in large pieces. A plain (`cog: false`) one-band file needs no spill:
 * its tiles go to the sink as they are compressed.
 */
export function streamGeoTiff(
  grid: Grid,
  bands: GeoTiffBandSpec[],
  sink: GeoTiffSink,
  spill: TileSpill | undefined,
  opts: WriteGeoTiffOptions = {},
): GeoTiffRowStream {
  const layout = layoutGeoTiff(grid, bands, opts);
  const { levels, ts, nodata, predictor, cog } = layout;
  const nb = bands.length;
  const codec = opts.codec ?? deflateCodec();
  const maxInFlight = Math.max(1, opts.maxTilesInFlight ?? 8);
  const { headerSize, header } = tiffHeader(layout.images, cog);
  const direct = !cog && nb === 1;
  // One band: the full-resolution tiles reach the spill in file order, so it holds the file's bytes.
  const laidOut = cog && nb === 1;
  if (!direct && !spill) throw new AppError('INTERNAL', 'streamGeoTiff: a cloud-optimised or multi-band file needs a spill for its full-resolution tiles.');
  // One row of tiles per level and band, filled row by row.
  const bufs = levels.map((l) => Array.from({ length: nb }, () => new Float32Array(ts * l.w)));
  const filled = levels.map(() => 0);
  const rowsIn = levels.map(() => 0);
  // Compressed tiles per level and band, in tile order: overviews in memory, full resolution stored.
  const overviews = levels.map(() => Array.from({ length: nb }, () => [] as Uint8Array[]));
  const stored = Array.from({ length: nb }, () => [] as Stored[]);
  let spillPos = 0;
  let sinkPos = headerSize;
  const pending: Array<{ k: number; band: number; tile: Promise<Uint8Array> }> = [];
  let failed = false;
  // Full-resolution tile rows cut so far, and tiles cut ahead of them (`ahead`), by band and tile: band * tilesAcross * tileRows + ty * tilesAcross + tx.
  let tileRows0 = 0;
  const across = Math.ceil(levels[0].w / ts);
  const tileRowsAll = Math.ceil(levels[0].h / ts);
  const early = new Map<number, Promise<Uint8Array>>();
  // Tiles to deflate are cut into buffers the codec lends (handed back with earlier tiles' streams).
  const buffer = layout.deflate && codec.blockBuffer ? (n: number) => codec.blockBuffer!(n) : undefined;
  const compress = (bytes: Uint8Array): Promise<Uint8Array> => {
    let tile: Promise<Uint8Array>;
    try {
      tile = layout.deflate ? codec.deflate(bytes, layout.level, layout.strategy, layout.rowBytes) : Promise.resolve(bytes);
    } catch (e) {
      tile = Promise.reject(e);
    }
    // Awaited in order by flushOne; a failure before then must not count as unhandled.
    tile.catch(() => undefined);
    return tile;
  };

  const flushOne = async (): Promise<void> => {
    const { k, band, tile: p } = pending.shift()!;
    const tile = await p;
    if (k > 0) overviews[k][band].push(tile);
    else if (direct) {
      const at = sinkPos;
      sinkPos += tile.length;
      checkSize(sinkPos);
      stored[band].push({ offset: at, length: tile.length });
      await sink.write([tile], at);
    } else if (laidOut) {
      const at = spillPos;
      const [leader, trailer] = cogLeaderTrailer(tile);
      spillPos += tile.length + 8;
      stored[band].push({ offset: at, length: tile.length });
      await spill!.write([leader, tile, trailer], at);
    } else {
      const at = spillPos;
      spillPos += tile.length;
      stored[band].push({ offset: at, length: tile.length });
      await spill!.write([tile], at);
    }
  };
  const emitTileRow = async (k: number): Promise<void> => {
    const { w } = levels[k];
    const ty = k === 0 ? tileRows0++ : -1;
    const row = new Uint32Array(ts);
    for (let b = 0; b < nb; b++) {
      for (let tx = 0; tx < Math.ceil(w / ts); tx++) {
        while (pending.length >= maxInFlight) await flushOne();
        const key = (b * tileRowsAll + ty) * across + tx;
        const cut = k === 0 ? early.get(key) : undefined;
        if (cut) early.delete(key);
        pending.push({ k, band: b, tile: cut ?? compress(cutTile(bufs[k][b], w, filled[k], 0, tx, ts, nodata, predictor, row, buffer)) });
      }
    }
    filled[k] = 0;
  };
  // Adds one row per band (`rows[b]`, `levels[k].w` values each) to level k, and its pair's mean to k + 1.
  const addRow = async (k: number, rows: Float32Array[]): Promise<void> => {
    const { w, h } = levels[k];
    if (rowsIn[k] >= h) throw new AppError('INTERNAL', `streamGeoTiff: more than ${h} rows given.`);
    for (let b = 0; b < nb; b++) bufs[k][b].set(rows[b], filled[k] * w);
    filled[k]++;
    rowsIn[k]++;
    // Tile rows are a multiple of 16 high: a pair of rows is always in the same buffer.
    if (k + 1 < levels.length && filled[k] % 2 === 0) await addRow(k + 1, pairMeans(k, 2));
    if (filled[k] === ts) await emitTileRow(k);
  };
  const pairMeans = (k: number, n: number): Float32Array[] => {
    const { w } = levels[k];
    return bufs[k].map((buf) => halveMean(buf.subarray((filled[k] - n) * w, filled[k] * w), w, n));
  };
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    if (failed) throw new AppError('INTERNAL', 'streamGeoTiff: used after a failure.');
    try {
      return await f();
    } catch (e) {
      failed = true;
      throw e;
    }
  };
  const settle = async (): Promise<void> => {
    await Promise.allSettled([...pending.map((p) => p.tile), ...early.values()]);
  };

  return {
    push: (data, run = {}) =>
      guard(async () => {
        throwIfAborted(run.signal);
        const w = levels[0].w;
        if (data.length !== nb || data.some((d) => d.length === 0 || d.length % w !== 0 || d.length !== data[0].length)) {
          throw new AppError('INTERNAL', `streamGeoTiff: push needs ${nb} band(s) of whole ${w}-pixel rows, got ${data.map((d) => d.length).join(', ')} values.`);
        }
        for (let r = 0; r < data[0].length / w; r++) await addRow(0, data.map((d) => d.subarray(r * w, (r + 1) * w)));
      }),
    ahead: (row, data, x0, x1) => {
      if (failed) return;
      const { w, h } = levels[0];
      const ty = row / ts;
      const rows = Math.min(ts, h - row);
      if (!Number.isInteger(ty) || ty < tileRows0 || ty >= tileRowsAll) return;
      if (data.length !== nb || data.some((d) => d.length !== rows * w)) {
        throw new AppError('INTERNAL', `streamGeoTiff: ahead needs ${nb} band(s) of ${rows} whole ${w}-pixel rows, got ${data.map((d) => d.length).join(', ')} values.`);
      }
      const row1 = new Uint32Array(ts);
      for (let tx = Math.ceil(Math.max(0, x0) / ts); tx < across && Math.min(w, (tx + 1) * ts) <= x1; tx++) {
        for (let b = 0; b < nb; b++) {
          const key = (b * tileRowsAll + ty) * across + tx;
          if (!early.has(key)) early.set(key, compress(cutTile(data[b], w, rows, 0, tx, ts, nodata, predictor, row1, buffer)));
        }
      }
    },
    finish: (run = {}) =>
      guard(async () => {
        throwIfAborted(run.signal);
        if (rowsIn[0] !== levels[0].h) throw new AppError('INTERNAL', `streamGeoTiff: ${rowsIn[0]} of ${levels[0].h} rows given.`);
        for (let k = 0; k < levels.length; k++) {
          // An odd last row makes the level above's last row on its own (halveMean's partial blocks).
          if (k + 1 < levels.length && filled[k] % 2 === 1) await addRow(k + 1, pairMeans(k, 1));
          if (filled[k] > 0) await emitTileRow(k);
        }
        while (pending.length) await flushOne();
        throwIfAborted(run.signal);
        const counts = levels.map((_, k) => (k === 0 ? stored.flatMap((s) => s.map((t) => t.length)) : overviews[k].flatMap((t) => t.map((x) => x.length))));
        const head = header(counts);
        if (direct) {
          await sink.write([head.bytes], 0);
          return head.size;
        }
        let pos = headerSize;
        // Tiles written together, with their leaders and trailers, in one call of the sink.
        const put = async (tiles: Uint8Array[]): Promise<void> => {
          const at = pos;
          const pieces: Uint8Array[] = [];
          for (const t of tiles) {
            if (cog) {
              const [leader, trailer] = cogLeaderTrailer(t);
              pieces.push(leader, t, trailer);
            } else pieces.push(t);
            pos += t.length + (cog ? 8 : 0);
          }
          await sink.write(pieces, at);
        };
        for (let k = levels.length - 1; k > 0; k--) await put(overviews[k].flat());
        if (laidOut) {
          // The spill is the rest of the file: copied in order, one buffer for every piece.
          const buf = new Uint8Array(Math.min(SPILL_COPY, spillPos));
          for (let at = 0; at < spillPos; at += buf.length) {
            throwIfAborted(run.signal);
            const n = Math.min(buf.length, spillPos - at);
            await sink.write([await spill!.read(at, n, buf)], pos + at);
          }
          pos += spillPos;
        } else {
          for (const s of stored) {
            // Runs of tiles next to each other in the spill, read at once (up to SPILL_READ bytes).
            for (let i = 0; i < s.length; ) {
              throwIfAborted(run.signal);
              let j = i + 1;
              while (j < s.length && s[j].offset === s[j - 1].offset + s[j - 1].length && s[j].offset + s[j].length - s[i].offset <= SPILL_READ) j++;
              const bytes = await spill!.read(s[i].offset, s[j - 1].offset + s[j - 1].length - s[i].offset);
              await put(s.slice(i, j).map((t) => bytes.subarray(t.offset - s[i].offset, t.offset - s[i].offset + t.length)));
              i = j;
            }
          }
        }
        await sink.write([head.bytes], 0);
        return head.size;
      }).catch(async (e: unknown) => {
        await settle();
        throw e;
      }),
    settle,
  };
}
