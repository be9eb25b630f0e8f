import { AppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import type { Grid } from '../core/raster/raster.ts';
import { deflateCodec } from './deflate-codec.ts';
import { halveMean, halveMeanInto, layoutGeoTiff, type GeoTiffBandSpec, type WriteGeoTiffOptions } from './geotiff-plan.ts';
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
   * columns are cut and their compression started now, with their share of the overviews (an
   * overview tile whose full-resolution tiles are then all in is cut and compressed too); `push`
   * then takes them in place of cutting them again (the file the same, its tiles in the same order),
   * and copies nothing of a tile row whose tiles all came ahead. Anything else (rows not a tile
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
 * order instead of whole rasters: each row of tiles is cut and compressed once its rows are in (or
 * earlier, given by `ahead`), the overviews are built as the full-resolution tiles are cut
 * (`halveMean`'s values: each full-resolution tile's share of every level, an overview tile cut and
 * compressed once all the tiles under it are; where the tile size has too few factors of two for
 * the levels, from the rows as they come) and kept compressed in memory, and the full-resolution
 * tiles go to `spill` until they can be copied after the overviews (a one-band COG whose overview
 * tiles are all made before its last rows, as `ahead` makes them: from then on, while the last rows
 * come, its later tiles going straight to the file; otherwise by `finish`). Holds one row of
 * full-resolution tiles, the overview tile rows being filled and the overviews'
 * compressed tiles. A one-band COG's spill holds its tiles as the file
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
  // Overview tiles made per full-resolution tile (see `footprint`) where every level's share of a
  // full-resolution tile is whole 2x2 blocks of the level below: 2^k divides the tile size for
  // every overview level k. Otherwise (a tile size of few powers of two on a large raster) the
  // overviews are made from rows, level by level, as the rows come.
  const byTiles = levels.length - 1 <= Math.log2(ts & -ts);
  // One row of tiles per level and band, filled row by row (by tiles: the full resolution's only).
  const bufs = levels.map((l, k) => (k > 0 && byTiles ? [] : Array.from({ length: nb }, () => new Float32Array(ts * l.w))));
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
  // By tiles: full-resolution tiles whose share of the overviews is made (tile row * across + tx),
  // tiles cut ahead per tile row, and per overview level its tiles' compressions (band, then tile
  // in order), the full-resolution tiles each still waits for, and its tile rows being filled.
  const shared = new Uint8Array(byTiles ? tileRowsAll * across : 0);
  const aheadInRow = new Int32Array(tileRowsAll);
  const ovTiles = levels.map((l) => (byTiles ? new Array<Promise<Uint8Array> | undefined>(nb * Math.ceil(l.w / ts) * Math.ceil(l.h / ts)) : []));
  const ovDue = levels.map((l, k) => {
    if (!byTiles || k === 0) return new Int32Array(0);
    const due = new Int32Array(Math.ceil(l.w / ts) * Math.ceil(l.h / ts));
    const per = 2 ** k;
    const lAcross = Math.ceil(l.w / ts);
    for (let ty = 0; ty < tileRowsAll; ty++) for (let tx = 0; tx < across; tx++) due[Math.floor(ty / per) * lAcross + Math.floor(tx / per)]++;
    return due;
  });
  const ovRows = levels.map(() => new Map<number, { bands: Float32Array[]; left: number }>());
  // Tile-row buffers let go per level, for the next tile row (the same size but the last).
  const ovFree = levels.map(() => [] as Float32Array[][]);
  // A one-band COG by tiles: once every overview tile is compressed, where the full resolution
  // starts in the file (`base`) is known, before the last rows come: the spill so far is then
  // copied there (`copier`) while the rest comes, and later tiles go straight to the file.
  let ovLeft = byTiles && laidOut ? ovTiles.slice(1).reduce((n, t) => n + t.length, 0) : -1;
  let base: number | undefined;
  let copier: Promise<void> | undefined;
  let spillWrite: Promise<unknown> = Promise.resolve();
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

  /**
   * By tiles: full-resolution tile (ty, tx), whose rows are `src[b]` (`levels[0].w` wide, from the
   * tile row's first row), made into its share of every overview level (`halveMean`'s values: each
   * level's share is the mean of 2x2 blocks of the level below's share, which lie within it); an
   * overview tile is cut and its compression started once every full-resolution tile under it is in.
   */
  const footprint = (ty: number, tx: number, src: Float32Array[]): void => {
    const i0 = ty * across + tx;
    if (shared[i0]) return;
    shared[i0] = 1;
    const done: Array<[number, number, number]> = [];
    let from = src;
    let fromR0 = 0;
    for (let k = 1; k < levels.length; k++) {
      const below = levels[k - 1];
      const { w, h } = levels[k];
      const ra = (ty * ts) >> (k - 1);
      const rb = Math.min(below.h, ((ty + 1) * ts) >> (k - 1));
      const ca = (tx * ts) >> (k - 1);
      const cb = Math.min(below.w, ((tx + 1) * ts) >> (k - 1));
      const r0 = ra >> 1;
      const c0 = ca >> 1;
      const tyK = Math.floor(r0 / ts);
      let row = ovRows[k].get(tyK);
      if (!row) {
        const n = Math.min(ts, h - tyK * ts) * w;
        const reuse = ovFree[k].pop();
        row = { bands: reuse && reuse[0].length === n ? reuse : Array.from({ length: nb }, () => new Float32Array(n)), left: Math.ceil(w / ts) };
        ovRows[k].set(tyK, row);
      }
      for (let b = 0; b < nb; b++) halveMeanInto(from[b], below.w, fromR0, ca, rb - ra, cb - ca, row.bands[b], w, r0 - tyK * ts, c0);
      done.push([k, tyK, Math.floor(c0 / ts)]);
      from = row.bands;
      fromR0 = r0 - tyK * ts;
    }
    // Levels above read their share from the level below's tile row: cut and let go after.
    for (const [k, tyK, txK] of done) {
      const { w, h } = levels[k];
      const lAcross = Math.ceil(w / ts);
      if (--ovDue[k][tyK * lAcross + txK] > 0) continue;
      const row = ovRows[k].get(tyK)!;
      const rows = Math.min(ts, h - tyK * ts);
      const scratch = new Uint32Array(ts);
      for (let b = 0; b < nb; b++) ovTiles[k][(b * Math.ceil(h / ts) + tyK) * lAcross + txK] = compress(cutTile(row.bands[b], w, rows, 0, txK, ts, nodata, predictor, scratch, buffer));
      ovLeft -= nb;
      if (ovLeft === 0) {
        // Every overview tile is under way: the full resolution's place follows from their sizes.
        const all = ovTiles.slice(1).flat() as Array<Promise<Uint8Array>>;
        Promise.all(all).then(
          (tiles) => {
            if (!failed) startCopy(tiles.reduce((n, t) => n + t.length + 8, headerSize));
          },
          () => undefined,
        );
      }
      if (--row.left === 0) {
        ovRows[k].delete(tyK);
        ovFree[k].push(row.bands);
      }
    }
  };

  /**
   * A one-band COG: the full resolution starts at byte `at` of the file. Copies the spill written
   * so far there (once its last write is in), and sends later tiles straight to the file (flushOne).
   */
  const startCopy = (at: number): void => {
    if (base !== undefined) return;
    base = at;
    const upTo = spillPos;
    copier = (async () => {
      await spillWrite;
      const buf = new Uint8Array(Math.min(SPILL_COPY, upTo));
      for (let from = 0; from < upTo; from += buf.length) {
        if (failed) return;
        const n = Math.min(buf.length, upTo - from);
        await sink.write([await spill!.read(from, n, buf)], at + from);
      }
    })();
    // Awaited by finish (and settle); a failure before then must not count as unhandled.
    copier.catch(() => undefined);
  };

  // Tiles given ahead wait for their share of the overviews until the caller's turn of the event
  // loop ends (a timer), or the next push: `ahead` runs where the caller hands a tile in (the CLI:
  // as an SRDA tile comes back), and its next tile should go out first.
  const deferred: Array<[number, number, Float32Array[]]> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drain = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    while (deferred.length && !failed) {
      const [ty, tx, data] = deferred.shift()!;
      footprint(ty, tx, data);
    }
    deferred.length = 0;
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
      if (base !== undefined) {
        checkSize(base + spillPos);
        await sink.write([leader, tile, trailer], base + at);
      } else {
        const w = Promise.resolve(spill!.write([leader, tile, trailer], at));
        spillWrite = w.catch(() => undefined);
        await w;
      }
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
        if (b === nb - 1 && k === 0 && byTiles) footprint(ty, tx, bufs[0]);
      }
    }
    filled[k] = 0;
  };
  // Adds one row per band (`rows[b]`, `levels[k].w` values each) to level k, and its pair's mean to k + 1.
  const addRow = async (k: number, rows: Float32Array[]): Promise<void> => {
    const { w, h } = levels[k];
    if (rowsIn[k] >= h) throw new AppError('INTERNAL', `streamGeoTiff: more than ${h} rows given.`);
    // A tile row whose every tile was cut ahead (and, by tiles, made into its overviews) needs no copy.
    if (!(k === 0 && byTiles && aheadInRow[Math.floor(rowsIn[0] / ts)] === across)) for (let b = 0; b < nb; b++) bufs[k][b].set(rows[b], filled[k] * w);
    filled[k]++;
    rowsIn[k]++;
    // Tile rows are a multiple of 16 high: a pair of rows is always in the same buffer.
    if (!byTiles && k + 1 < levels.length && filled[k] % 2 === 0) await addRow(k + 1, pairMeans(k, 2));
    if (filled[k] === ts) await emitTileRow(k);
  };
  const pairMeans = (k: number, n: number): Float32Array[] => {
    const { w } = levels[k];
    return bufs[k].map((buf) => halveMean(buf.subarray((filled[k] - n) * w, filled[k] * w), w, n));
  };
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    if (failed) throw new AppError('INTERNAL', 'streamGeoTiff: used after a failure.');
    try {
      drain();
      return await f();
    } catch (e) {
      failed = true;
      throw e;
    }
  };
  const settle = async (): Promise<void> => {
    // Nothing more is started.
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    deferred.length = 0;
    await Promise.allSettled([...pending.map((p) => p.tile), ...early.values(), ...ovTiles.flat(), copier]);
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
        if (early.has(ty * across + tx)) continue;
        for (let b = 0; b < nb; b++) early.set((b * tileRowsAll + ty) * across + tx, compress(cutTile(data[b], w, rows, 0, tx, ts, nodata, predictor, row1, buffer)));
        aheadInRow[ty]++;
        if (byTiles) {
          deferred.push([ty, tx, data]);
          timer ??= setTimeout(drain, 0);
        }
      }
    },
    finish: (run = {}) =>
      guard(async () => {
        throwIfAborted(run.signal);
        if (rowsIn[0] !== levels[0].h) throw new AppError('INTERNAL', `streamGeoTiff: ${rowsIn[0]} of ${levels[0].h} rows given.`);
        for (let k = 0; k < (byTiles ? 1 : levels.length); k++) {
          // An odd last row makes the level above's last row on its own (halveMean's partial blocks).
          if (!byTiles && k + 1 < levels.length && filled[k] % 2 === 1) await addRow(k + 1, pairMeans(k, 1));
          if (filled[k] > 0) await emitTileRow(k);
        }
        while (pending.length) await flushOne();
        if (byTiles) {
          for (let k = 1; k < levels.length; k++) {
            const per = ovTiles[k].length / nb;
            for (let b = 0; b < nb; b++) {
              for (let i = 0; i < per; i++) {
                const t = ovTiles[k][b * per + i];
                if (!t) throw new AppError('INTERNAL', `streamGeoTiff: overview ${k} tile ${i} was never made.`);
                overviews[k][b].push(await t);
              }
            }
          }
        }
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
        if (laidOut) {
          // The spill is the rest of the file, after the overviews: copied there (begun already
          // where the overviews were known before the last rows), in order, one buffer for every piece.
          const at = overviews.reduce((n, l) => l.flat().reduce((m, t) => m + t.length + 8, n), pos);
          startCopy(at);
          if (base !== at) throw new AppError('INTERNAL', `streamGeoTiff: full resolution placed at ${base}, the overviews end at ${at}.`);
          await copier;
          throwIfAborted(run.signal);
          for (let k = levels.length - 1; k > 0; k--) await put(overviews[k].flat());
          pos += spillPos;
        } else {
          for (let k = levels.length - 1; k > 0; k--) await put(overviews[k].flat());
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
