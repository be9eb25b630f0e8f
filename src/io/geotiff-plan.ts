import { AppError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import { releaseArray } from '../core/release-buffer.ts';
import type { DeflateCodec, DeflateStrategy } from './deflate-codec.ts';
import { encodeGeoKeys, geoKeysForCrs } from './geokeys-encode.ts';
import { cutTileRow } from './tiff-cut.ts';
import { buildGdalMetadata, type GdalMetadataItem } from './tiff-sniff.ts';
import { ASCII, DOUBLE, LONG, SHORT, type Tag, type TiffImageSpec } from './tiff-assemble.ts';

/** One band to write, with optional description, unit and band metadata. */
export interface GeoTiffBandInput {
  raster: Raster;
  /** Band description (GDAL shows it as `Description`). */
  name?: string;
  /** Unit type, e.g. 'K'. */
  units?: string;
  metadata?: Record<string, string>;
}

/** Options of `writeGeoTiff`. */
export interface WriteGeoTiffOptions {
  /** Value written where data are NaN; default -9999. */
  nodata?: number;
  /** Tile edge in pixels (multiple of 16); default 256, smaller for small rasters. */
  tileSizePx?: number;
  /** 'deflate' (default) or 'none'. */
  compression?: 'deflate' | 'none';
  /** Floating-point predictor 3 (default) or none (1). */
  predictor?: 1 | 3;
  /** Deflate level 1..9 (default 2: on float32 LST about 2x faster than 6 for files under 2 % larger). */
  level?: number;
  /**
   * Deflate's match search (default 'default'). 'rle' (node:zlib's Z_RLE; other codecs ignore it):
   * on a float32 uncertainty band half the CPU for 1 % larger tiles, on LST 4 % larger.
   */
  strategy?: DeflateStrategy;
  /**
   * Cloud-optimised layout (default true): internal overviews (2x2 means of valid pixels, down to
   * one tile), IFDs before the data and GDAL's tile leaders/trailers, as GDAL's COG validator
   * expects. false: one plain tiled image.
   */
  cog?: boolean;
  /** Dataset-level GDAL metadata items. */
  metadata?: Record<string, string>;
  /**
   * Deflate for the asynchronous writers (`writeGeoTiffTo`, `writeGeoTiffAsync`); default
   * `deflateCodec()`. The synchronous `writeGeoTiff` always uses fflate.
   */
  codec?: DeflateCodec;
  /** Asynchronous writers: tiles being compressed at once, at most (default 8); bounds memory. */
  maxTilesInFlight?: number;
}

function tileSizeFor(width: number, height: number, requested?: number): number {
  if (requested !== undefined) {
    if (requested < 16 || requested % 16 !== 0)
      throw new AppError('BAD_ARGUMENT', `Tile size ${requested} must be a positive multiple of 16.`);
    return requested;
  }
  return Math.min(256, Math.max(16, Math.ceil(Math.max(width, height) / 16) * 16));
}

/** One tile ready to compress: the image it belongs to (0 = full resolution) and its bytes (predictor applied; an array of its own). */
export interface RawTile {
  image: number;
  bytes: Uint8Array;
}

/** What `planGeoTiff` found: the images (tags without tile offsets and sizes), the storage, and the tiles to make. */
export interface GeoTiffPlan {
  images: TiffImageSpec[];
  cog: boolean;
  /** Deflate the tiles (compression 8) at `level`, or store them as they are. */
  deflate: boolean;
  level: number;
  strategy: DeflateStrategy;
  /** Bytes of one row of a tile (4 x the tile's edge): the `rowBytes` the Deflate codec is given with each tile. */
  rowBytes: number;
  /**
   * The tiles in file order (smallest overview first in a COG, band after band, row-major), made
   * as they are asked for, with a Progress `{stage: 'writing GeoTIFF'}` of 0 rows of tiles before
   * the first tile and one after each row of tiles (the count of rows cut).
   * The overview levels are made from the full resolution first (a third more memory) and each
   * freed once cut (`releaseArray`). Each tile is cut into `buffer(its byte length)` (default: a new buffer).
   */
  tiles(buffer?: (byteLength: number) => ArrayBuffer): Generator<RawTile | Progress, void, void>;
}

/** A band's description, unit and metadata: `GeoTiffBandInput` without its raster. */
export type GeoTiffBandSpec = Omit<GeoTiffBandInput, 'raster'>;

/** The storage of a GeoTIFF before any pixel: its images, tile size, levels and encoding. */
export interface GeoTiffLayout extends Omit<GeoTiffPlan, 'tiles'> {
  /** Tile edge, px. */
  ts: number;
  /** Size of each image: full resolution first, then each overview (halved, rounded up). */
  levels: Array<{ w: number; h: number }>;
  nodata: number;
  predictor: number;
  bands: number;
}

/** Checks the bands and lays out the GeoTIFF `writeGeoTiff` writes; nothing is encoded yet. */
export function planGeoTiff(input: Raster | Array<Raster | GeoTiffBandInput>, opts: WriteGeoTiffOptions): GeoTiffPlan {
  const bands: GeoTiffBandInput[] = (Array.isArray(input) ? input : [input]).map((b) =>
    'raster' in b ? b : { raster: b },
  );
  if (bands.length === 0) throw new AppError('BAD_ARGUMENT', 'writeGeoTiff needs at least one band.');
  const first = bands[0].raster;
  const { width, height, transform } = first;
  for (const b of bands) {
    const r = b.raster;
    if (
      r.width !== width ||
      r.height !== height ||
      r.transform.some((v, i) => v !== transform[i]) ||
      r.data.length !== width * height
    ) {
      throw new AppError(
        'GRID_MISMATCH',
        `writeGeoTiff: band '${b.name ?? '?'}' (${r.width}x${r.height}) is not on the grid of the first band (${width}x${height}).`,
      );
    }
  }
  const layout = layoutGeoTiff(first, bands, opts);
  const { levels, ts, nodata, predictor } = layout;
  function* tiles(buffer?: (byteLength: number) => ArrayBuffer): Generator<RawTile | Progress, void, void> {
    const total = levels.reduce((n, l) => n + bands.length * Math.ceil(l.h / ts), 0);
    let done = 0;
    const levelName = (k: number): string => (k === 0 ? 'full resolution' : `overview ${k}`);
    yield { stage: 'writing GeoTIFF', done, total, detail: levelName(levels.length - 1) };
    const full = bands.map((b) => b.raster.data);
    // The first overview is never whole: its rows are made `rows1` at a time into `band1` (one
    // buffer, reused), once to make the second overview (then the rest whole, each from the one
    // below) and again, a tile row at a time, to cut its own tiles just before the full
    // resolution's. Its whole array was a quarter of the raster in new memory per file (a first
    // touch of each page costs ~16 us on the bench VM: bench/perf-log.md), for one more pass of
    // `halveMeanInto`; the values are `halveMean`'s (whole-raster windows on even rows).
    const rows1 = 2 * Math.ceil(ts / 2);
    const band1 = levels.length > 1 ? new Float32Array(levels[1].w * Math.min(rows1, levels[1].h)) : undefined;
    const overview1Rows = (d: Float32Array, r1: number, rows: number): void =>
      halveMeanInto(d, levels[0].w, 2 * r1, 0, Math.min(2 * rows, levels[0].h - 2 * r1), levels[0].w, band1!, levels[1].w, 0, 0);
    const data: Float32Array[][] = [full, []];
    if (levels.length > 2) {
      const [l1, l2] = [levels[1], levels[2]];
      data.push(
        full.map((d) => {
          const out = new Float32Array(l2.w * l2.h);
          for (let r1 = 0; r1 < l1.h; r1 += rows1) {
            const rows = Math.min(rows1, l1.h - r1);
            overview1Rows(d, r1, rows);
            halveMeanInto(band1!, l1.w, 0, 0, rows, l1.w, out, l2.w, r1 / 2, 0);
          }
          return out;
        }),
      );
    }
    for (let k = 3; k < levels.length; k++)
      data.push(data[k - 1].map((d) => halveMean(d, levels[k - 1].w, levels[k - 1].h)));
    for (let k = levels.length - 1; k >= 0; k--) {
      const { w, h } = levels[k];
      for (let b = 0; b < bands.length; b++) {
        for (let ty = 0; ty < Math.ceil(h / ts); ty++) {
          if (k === 1) {
            // The tile row's rows of the first overview, made now: cut as rows 0.. of `band1`.
            const rows = Math.min(ts, h - ty * ts);
            overview1Rows(full[b], ty * ts, rows);
            for (const bytes of cutTileRow(band1!, w, rows, 0, ts, nodata, predictor, buffer)) yield { image: k, bytes };
          } else for (const bytes of cutTileRow(data[k][b], w, h, ty, ts, nodata, predictor, buffer)) yield { image: k, bytes };
          yield { stage: 'writing GeoTIFF', done: ++done, total, detail: levelName(k) };
        }
      }
      // An overview's arrays (the first one's rows buffer) are this plan's own (the full resolution
      // is the caller's): freed once cut.
      const level = data.pop()!;
      if (k > 1) level.forEach(releaseArray);
      else if (k === 1) releaseArray(band1!);
    }
  }
  const { images, cog, deflate, level, strategy, rowBytes } = layout;
  return { images, cog, deflate, level, strategy, rowBytes, tiles };
}

/**
 * The layout `planGeoTiff` gives bands of `grid` (GeoKeys from its CRS, tags, overview levels),
 * without their pixels: shared by the whole-raster writers and the row-streaming one.
 */
export function layoutGeoTiff(grid: Grid, bands: GeoTiffBandSpec[], opts: WriteGeoTiffOptions): GeoTiffLayout {
  if (bands.length === 0) throw new AppError('BAD_ARGUMENT', 'writeGeoTiff needs at least one band.');
  const { width, height, transform } = grid;
  const nodata = opts.nodata ?? -9999;
  const deflate = (opts.compression ?? 'deflate') === 'deflate';
  const predictor = deflate ? (opts.predictor ?? 3) : 1;
  const ts = tileSizeFor(width, height, opts.tileSizePx);
  const cog = opts.cog ?? true;
  // Overviews halve the grid until it fits one tile, as GDAL's COG driver does.
  const levels: Array<{ w: number; h: number }> = [{ w: width, h: height }];
  while (cog && Math.max(levels[levels.length - 1].w, levels[levels.length - 1].h) > ts) {
    const prev = levels[levels.length - 1];
    levels.push({ w: Math.ceil(prev.w / 2), h: Math.ceil(prev.h / 2) });
  }
  const tileCount = (l: { w: number; h: number }): number => bands.length * Math.ceil(l.w / ts) * Math.ceil(l.h / ts);
  const spp = bands.length;
  const geo = encodeGeoKeys(geoKeysForCrs(grid.crs));
  const isNorthUp = transform[2] === 0 && transform[4] === 0;
  const items: GdalMetadataItem[] = Object.entries(opts.metadata ?? {}).map(([name, value]) => ({
    name,
    value,
  }));
  bands.forEach((b, i) => {
    if (b.name) items.push({ name: 'DESCRIPTION', sample: i, role: 'description', value: b.name });
    if (b.units) items.push({ name: 'UNITTYPE', sample: i, role: 'unittype', value: b.units });
    for (const [name, value] of Object.entries(b.metadata ?? {})) items.push({ name, sample: i, value });
  });
  const tags: Tag[] = [
    { id: 256, type: LONG, values: [width] },
    { id: 257, type: LONG, values: [height] },
    { id: 258, type: SHORT, values: new Array(spp).fill(32) },
    { id: 259, type: SHORT, values: [deflate ? 8 : 1] },
    { id: 262, type: SHORT, values: [1] },
    { id: 277, type: SHORT, values: [spp] },
    { id: 284, type: SHORT, values: [spp > 1 ? 2 : 1] },
    { id: 322, type: LONG, values: [ts] },
    { id: 323, type: LONG, values: [ts] },
    { id: 324, type: LONG, values: [] },
    { id: 325, type: LONG, values: [] },
    { id: 339, type: SHORT, values: new Array(spp).fill(3) },
    { id: 34735, type: SHORT, values: geo.directory },
    { id: 42113, type: ASCII, values: String(nodata) },
  ];
  if (predictor !== 1) tags.push({ id: 317, type: SHORT, values: [predictor] });
  if (spp > 1) tags.push({ id: 338, type: SHORT, values: new Array(spp - 1).fill(0) });
  if (geo.doubles.length) tags.push({ id: 34736, type: DOUBLE, values: geo.doubles });
  if (geo.ascii.length) tags.push({ id: 34737, type: ASCII, values: geo.ascii });
  if (items.length) tags.push({ id: 42112, type: ASCII, values: buildGdalMetadata(items) });
  if (isNorthUp) {
    tags.push({ id: 33550, type: DOUBLE, values: [transform[1], -transform[5], 0] });
    tags.push({ id: 33922, type: DOUBLE, values: [0, 0, 0, transform[0], transform[3], 0] });
  } else {
    const t = transform;
    tags.push({
      id: 34264,
      type: DOUBLE,
      values: [t[1], t[2], 0, t[0], t[4], t[5], 0, t[3], 0, 0, 0, 0, 0, 0, 0, 1],
    });
  }
  const images: TiffImageSpec[] = [{ tags, tileCount: tileCount(levels[0]) }];
  for (let k = 1; k < levels.length; k++) {
    // Overview IFDs carry the storage tags only; GDAL takes georeferencing from the main image.
    const keep = new Set([258, 259, 262, 277, 284, 317, 322, 323, 338, 339, 42113]);
    images.push({
      tags: [
        { id: 254, type: LONG, values: [1] },
        { id: 256, type: LONG, values: [levels[k].w] },
        { id: 257, type: LONG, values: [levels[k].h] },
        { id: 324, type: LONG, values: [] },
        { id: 325, type: LONG, values: [] },
        ...tags.filter((t) => keep.has(t.id)).map((t) => ({ ...t })),
      ],
      tileCount: tileCount(levels[k]),
    });
  }
  return { images, cog, deflate, level: opts.level ?? 2, strategy: opts.strategy ?? 'default', rowBytes: 4 * ts, ts, levels, nodata, predictor, bands: bands.length };
}

/**
 * Overview level: the mean of the valid (non-NaN) pixels of each 2x2 block (partial blocks at an
 * odd edge), NaN where none is valid; `ceil(width/2)` x `ceil(height/2)`, a new array.
 */
export function halveMean(data: Float32Array, width: number, height: number): Float32Array {
  const w2 = Math.ceil(width / 2);
  const out = new Float32Array(w2 * Math.ceil(height / 2));
  halveMeanInto(data, width, 0, 0, height, width, out, w2, 0, 0);
  return out;
}

/**
 * `halveMean` of a `rows` x `cols` window of `src` (`srcW` wide, from row `srcR0`, column `srcC0`;
 * the window's own edges count as the raster's: its odd last row or column makes partial blocks)
 * written into `dst` (`dstW` wide) from row `dstR0`, column `dstC0`: the same values, pixel for
 * pixel, as `halveMean` of the whole raster gives there when the window starts on even rows and
 * columns and ends on even ones or on the raster's edge.
 */
export function halveMeanInto(
  src: Float32Array,
  srcW: number,
  srcR0: number,
  srcC0: number,
  rows: number,
  cols: number,
  dst: Float32Array,
  dstW: number,
  dstR0: number,
  dstC0: number,
): void {
  const w2 = Math.ceil(cols / 2);
  const h2 = Math.ceil(rows / 2);
  for (let r = 0; r < h2; r++) {
    const r0 = (srcR0 + 2 * r) * srcW + srcC0;
    const r1 = 2 * r + 1 < rows ? r0 + srcW : -1;
    const o = (dstR0 + r) * dstW + dstC0;
    for (let c = 0; c < w2; c++) {
      const c0 = 2 * c;
      const hasC1 = c0 + 1 < cols;
      // Written out (no closure per pixel: ~30x faster on 4800x4800); the sums in the same order as always.
      let s = 0;
      let n = 0;
      const v00 = src[r0 + c0];
      if (v00 === v00) {
        s += v00;
        n++;
      }
      if (hasC1) {
        const v01 = src[r0 + c0 + 1];
        if (v01 === v01) {
          s += v01;
          n++;
        }
      }
      if (r1 >= 0) {
        const v10 = src[r1 + c0];
        if (v10 === v10) {
          s += v10;
          n++;
        }
        if (hasC1) {
          const v11 = src[r1 + c0 + 1];
          if (v11 === v11) {
            s += v11;
            n++;
          }
        }
      }
      dst[o + c] = n ? s / n : Number.NaN;
    }
  }
}
