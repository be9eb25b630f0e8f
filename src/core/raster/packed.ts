import { AppError } from '../errors.ts';
import { releaseBuffer } from '../release-buffer.ts';
import { cropGrid, type PixelWindow } from '../geo/grid.ts';
import type { Grid, Raster } from './raster.ts';
import { gridOf } from './raster.ts';
import { meanOfValid4, modeOf } from './aggregate.ts';
import { extractTile } from './tiling.ts';

/** The int16 code of an invalid (NaN) pixel in a packed raster. */
export const PACKED_NAN = -32768;

/**
 * A raster held as int16 codes (2 bytes a pixel instead of 4): pixel value =
 * `Math.fround((code + base) * scale)`, NaN where the code is PACKED_NAN. Made only by `packRaster`,
 * which keeps it exact: every pixel decodes to the very float32 it was packed from, and by
 * `cropPacked` (a window, one band).
 */
export interface PackedRaster extends Grid {
  /**
   * The codes in bands of `bandRows` rows (row-major; the last band may have fewer rows), so that a
   * caller done with the top rows can let them go (`releasePackedRows`): a released band is undefined.
   */
  bands: Array<Int16Array | undefined>;
  bandRows: number;
  /** Physical units per integer step (1e-4 for MODIS NDVI, 1 for DEM metres). */
  scale: number;
  /** Added to every code before scaling, so that ranges wider than int16's half fit (usually 0). */
  base: number;
}

/**
 * A coarser level of a packed layer that is not held: a window of it is decoded from `from` and
 * block-averaged by 2, `steps` times (block mode for categorical layers), exactly as the level was
 * built from the finer one, so it gives the same float32 values as the level held whole.
 */
export interface DerivedLayer extends Grid {
  from: PackedRaster;
  steps: number;
  categorical: boolean;
}

/** An auxiliary layer of a scene level: float32, packed where that is exact, or derived from a packed one. */
export type AuxLayer = Raster | PackedRaster | DerivedLayer;

/** True when the layer is held packed (int16 codes). */
export function isPacked(layer: AuxLayer): layer is PackedRaster {
  return 'bands' in layer;
}

/** Bytes of a band of a packed layer: large enough that the browser maps it on its own and unmaps it when freed. */
const BAND_BYTES = 2 * 2 ** 20;

/** The band holding `row` of a packed layer; throws INTERNAL when it was released. */
function bandOf(layer: PackedRaster, row: number): Int16Array {
  const band = layer.bands[Math.floor(row / layer.bandRows)];
  if (!band) throw new AppError('INTERNAL', `Row ${row} of a packed ${layer.width}x${layer.height} layer was read after releasePackedRows let it go.`);
  return band;
}

/** A layer's int16 codes in bands of `bandRows` rows, every band held (`newBands`). */
export interface Bands {
  bands: Int16Array[];
  bandRows: number;
}

/** New zeroed bands for a `width` x `height` layer, `rows` rows each (default ~BAND_BYTES; one band for a small layer). */
export function newBands(width: number, height: number, rows?: number): Bands {
  const bandRows = Math.max(1, Math.min(height, Math.floor(rows ?? Math.ceil(BAND_BYTES / (2 * Math.max(1, width))))));
  const bands: Int16Array[] = [];
  for (let r = 0; r < height; r += bandRows) bands.push(new Int16Array(width * Math.min(bandRows, height - r)));
  return { bands, bandRows };
}

/**
 * Lets go of every band of `layer` whose rows all lie above `row` (a caller that reads none of them
 * again: the last stage's tiles below them), freeing their memory at once where the engine can
 * (`ArrayBuffer.prototype.transfer`), else at its next collection. Reading a released row throws
 * INTERNAL. Returns the bytes let go.
 */
export function releasePackedRows(layer: PackedRaster, row: number): number {
  let bytes = 0;
  const whole = Math.min(layer.bands.length, Math.floor(row / layer.bandRows));
  for (let b = 0; b < whole; b++) {
    const band = layer.bands[b];
    if (!band) continue;
    layer.bands[b] = undefined;
    bytes += band.byteLength;
    // Detached now: its memory goes without waiting for a collection (the layer held the only reference).
    releaseBuffer(band.buffer);
  }
  return bytes;
}

/** True when the layer is a coarser level computed from a packed one on demand. */
export function isDerived(layer: AuxLayer): layer is DerivedLayer {
  return 'from' in layer;
}

/** Level rows decoded at a time for a derived layer: bounds the float32 of the finer grid in flight. */
const DERIVED_STRIP_ROWS = 32;

/**
 * One level coarser: 2x2 blocks of a row-major `w` x `h` array (both even) into `dst`, as
 * `aggregateMean(r, 2)` / `aggregateMode(r, 2)` compute them (the same valid values summed in the
 * same order, NaN where fewer than 2 of the 4 are valid), without a call or an allocation per block.
 */
function halveInto(src: Float32Array, w: number, h: number, dst: Float32Array, categorical: boolean): void {
  const ow = w >> 1;
  const oh = h >> 1;
  const v = new Float64Array(4);
  for (let r = 0; r < oh; r++) {
    let i0 = 2 * r * w;
    let i1 = i0 + w;
    const o = r * ow;
    for (let c = 0; c < ow; c++, i0 += 2, i1 += 2) {
      const a = src[i0];
      const b = src[i0 + 1];
      const d = src[i1];
      const e = src[i1 + 1];
      if (categorical) {
        let n = 0;
        if (a === a) v[n++] = a;
        if (b === b) v[n++] = b;
        if (d === d) v[n++] = d;
        if (e === e) v[n++] = e;
        dst[o + c] = n < 2 ? Number.NaN : modeOf(v, n);
        continue;
      }
      dst[o + c] = meanOfValid4(a, b, d, e, 2);
    }
  }
}

/**
 * `decodeInto` then `halveInto` (mean) in one pass, for a window inside the raster: the codes are
 * decoded to the same float32 values (`Math.fround`) and summed in the same order.
 */
function halveCodesInto(layer: PackedRaster, window: PixelWindow, dst: Float32Array): void {
  const { width, bandRows, base, scale } = layer;
  const ow = window.width >> 1;
  const oh = window.height >> 1;
  for (let r = 0; r < oh; r++) {
    const r0 = window.row + 2 * r;
    const codes0 = bandOf(layer, r0);
    const codes1 = bandOf(layer, r0 + 1);
    let i0 = (r0 % bandRows) * width + window.col;
    let i1 = ((r0 + 1) % bandRows) * width + window.col;
    const o = r * ow;
    for (let c = 0; c < ow; c++, i0 += 2, i1 += 2) {
      const a = codes0[i0];
      const b = codes0[i0 + 1];
      const d = codes1[i1];
      const e = codes1[i1 + 1];
      let s = 0;
      let n = 0;
      if (a !== PACKED_NAN) {
        s += Math.fround((a + base) * scale);
        n++;
      }
      if (b !== PACKED_NAN) {
        s += Math.fround((b + base) * scale);
        n++;
      }
      if (d !== PACKED_NAN) {
        s += Math.fround((d + base) * scale);
        n++;
      }
      if (e !== PACKED_NAN) {
        s += Math.fround((e + base) * scale);
        n++;
      }
      dst[o + c] = n < 2 ? Number.NaN : s / n;
    }
  }
}

/**
 * A window of a derived level, strip by strip (each block depends on its own pixels only, so a
 * strip gives the rows of the whole level): the packed layer's codes halved `steps` times through
 * two scratch buffers, the first halving straight from the codes where the strip is inside the
 * raster. Bit-identical to decoding the finer window and block-averaging it level by level.
 */
function derivedWindow(layer: DerivedLayer, window: PixelWindow): Float32Array {
  const f = 2 ** layer.steps;
  const out = new Float32Array(window.width * window.height);
  const fineWidth = window.width * f;
  const scratch = new Float32Array(fineWidth * Math.min(DERIVED_STRIP_ROWS, window.height) * f);
  const half = new Float32Array(scratch.length >> 2);
  for (let r0 = 0; r0 < window.height; r0 += DERIVED_STRIP_ROWS) {
    const rows = Math.min(DERIVED_STRIP_ROWS, window.height - r0);
    let w = fineWidth;
    let h = rows * f;
    const fine = { col: window.col * f, row: (window.row + r0) * f, width: w, height: h };
    let src = scratch;
    let i = 0;
    const inside = fine.col >= 0 && fine.row >= 0 && fine.col + w <= layer.from.width && fine.row + h <= layer.from.height;
    if (inside && !layer.categorical) {
      src = layer.steps === 1 ? out.subarray(r0 * window.width) : half;
      halveCodesInto(layer.from, fine, src);
      w >>= 1;
      h >>= 1;
      i = 1;
    } else decodeInto(layer.from, fine, scratch);
    for (; i < layer.steps; i++) {
      // The last halving writes straight into the window's rows; the others ping-pong.
      const dst = i === layer.steps - 1 ? out.subarray(r0 * window.width) : src === scratch ? half : scratch;
      halveInto(src, w, h, dst, layer.categorical);
      src = dst;
      w >>= 1;
      h >>= 1;
    }
  }
  return out;
}

/**
 * Decodes `window` of a packed raster into a new float32 raster (pixels outside the raster are NaN,
 * as `cropRaster`). A float32 layer is cropped by copy. Owned by the caller.
 */
export function unpackWindow(layer: AuxLayer, window: PixelWindow): Float32Array {
  if (isDerived(layer)) return derivedWindow(layer, window);
  if (!isPacked(layer)) return extractTile(layer.data, layer.width, layer.height, window);
  const out = new Float32Array(window.width * window.height);
  decodeInto(layer, window, out);
  return out;
}

/** Decodes `window` of a packed raster into the first `window.width * window.height` values of `out` (NaN outside the raster). */
function decodeInto(layer: PackedRaster, window: PixelWindow, out: Float32Array): void {
  const { width, height, bandRows, base, scale } = layer;
  for (let r = 0; r < window.height; r++) {
    const sr = window.row + r;
    const o = r * window.width;
    if (sr < 0 || sr >= height) {
      out.fill(Number.NaN, o, o + window.width);
      continue;
    }
    const codes = bandOf(layer, sr);
    // Columns inside the raster: [c0, c1) of the window.
    const c0 = Math.min(window.width, Math.max(0, -window.col));
    const c1 = Math.max(c0, Math.min(window.width, width - window.col));
    out.fill(Number.NaN, o, o + c0);
    out.fill(Number.NaN, o + c1, o + window.width);
    const src = (sr % bandRows) * width + window.col;
    for (let c = c0; c < c1; c++) {
      const k = codes[src + c];
      out[o + c] = k === PACKED_NAN ? Number.NaN : (k + base) * scale;
    }
  }
}

/**
 * The whole layer as a float32 raster: a packed or derived layer is decoded (new memory, or a
 * packed one into `into`, of its pixel count, where given), a float32 one returned as it is.
 */
export function unpackRaster(layer: AuxLayer, into?: Float32Array): Raster {
  if (!isPacked(layer) && !isDerived(layer)) return layer;
  const whole = { col: 0, row: 0, width: layer.width, height: layer.height };
  if (into && isPacked(layer) && into.length === layer.width * layer.height) {
    decodeInto(layer, whole, into);
    return { ...gridOf(layer), data: into };
  }
  return { ...gridOf(layer), data: unpackWindow(layer, whole) };
}

/** Bytes the layer's own pixels take (0 for a derived layer). */
export function layerBytes(layer: AuxLayer): number {
  return isDerived(layer) ? 0 : isPacked(layer) ? layer.bands.reduce((n, b) => n + (b?.byteLength ?? 0), 0) : layer.data.byteLength;
}

/**
 * `window` of a packed raster as a packed raster of its own (codes copied row by row, PACKED_NAN
 * outside the raster): what `unpackWindow` would decode, at half the bytes, for a consumer that
 * decodes it elsewhere (an inference worker). `unpackRaster` of the result equals
 * `unpackWindow(layer, window)` bit for bit. One band; owned by the caller. `buffer`: where to
 * write it (from its start) instead of a new array, when it holds the window.
 */
export function cropPacked(layer: PackedRaster, window: PixelWindow, buffer?: ArrayBuffer): PackedRaster {
  const { width, height, bandRows } = layer;
  const n = window.width * window.height;
  const out = (buffer && buffer.byteLength >= 2 * n ? new Int16Array(buffer, 0, n) : new Int16Array(n)).fill(PACKED_NAN);
  const c0 = Math.min(window.width, Math.max(0, -window.col));
  const c1 = Math.max(c0, Math.min(window.width, width - window.col));
  for (let r = 0; r < window.height; r++) {
    const sr = window.row + r;
    if (sr < 0 || sr >= height || c1 === c0) continue;
    const src = (sr % bandRows) * width + window.col;
    out.set(bandOf(layer, sr).subarray(src + c0, src + c1), r * window.width + c0);
  }
  return { ...cropGrid(layer, window), bands: [out], bandRows: Math.max(1, window.height), scale: layer.scale, base: layer.base };
}
