import { AppError } from '../errors.ts';
import { cropGrid, type PixelWindow } from '../geo/grid.ts';
import type { Raster } from './raster.ts';

/**
 * One tile of a plan over a coarse grid. `core` is the part of the output this tile owns (tiles'
 * cores partition the grid); `padded` is `core` grown by the halo, **clipped to the grid**, so
 * tiles at the scene edge see exactly what an untiled run sees there. `coreInPadded` locates the
 * core inside the padded window. All in coarse pixels.
 */
export interface TileSpec {
  index: number;
  core: PixelWindow;
  padded: PixelWindow;
  coreInPadded: { col: number; row: number };
}

/**
 * Splits a `width`x`height` coarse grid into tiles of at most `tileSizePx` square cores, each with
 * `haloPx` of context (clipped to the grid). Row-major order. With a halo at least the method's
 * receptive field, pasting each tile's core reproduces the untiled result exactly.
 */
export function planTiles(width: number, height: number, tileSizePx: number, haloPx: number): TileSpec[] {
  if (!(tileSizePx >= 1) || !(haloPx >= 0) || !Number.isFinite(haloPx)) {
    throw new AppError(
      'BAD_ARGUMENT',
      `planTiles: tile size ${tileSizePx} px and halo ${haloPx} px must be finite and positive.`,
    );
  }
  const size = Math.floor(tileSizePx);
  const halo = Math.ceil(haloPx);
  const tiles: TileSpec[] = [];
  for (let row = 0; row < height; row += size) {
    for (let col = 0; col < width; col += size) {
      const core = { col, row, width: Math.min(size, width - col), height: Math.min(size, height - row) };
      const c0 = Math.max(0, col - halo);
      const r0 = Math.max(0, row - halo);
      const c1 = Math.min(width, col + core.width + halo);
      const r1 = Math.min(height, row + core.height + halo);
      tiles.push({
        index: tiles.length,
        core,
        padded: { col: c0, row: r0, width: c1 - c0, height: r1 - r0 },
        coreInPadded: { col: col - c0, row: row - r0 },
      });
    }
  }
  return tiles;
}

/** A window in pixels `factor` times smaller (coarse window -> the same area on the fine grid). */
export function scaleWindow(w: PixelWindow, factor: number): PixelWindow {
  return { col: w.col * factor, row: w.row * factor, width: w.width * factor, height: w.height * factor };
}

/**
 * Copies `window` out of a row-major `width`x`height` array into a new `window.width`x
 * `window.height` array (or `into`, of that many values, every one written). Parts of the window outside the array are filled according to `outside`:
 * `'nan'` (default; invalid, the NaN convention) or `'clamp'` (nearest edge pixel, for methods
 * that need a full neighbourhood, such as a fixed-size network input).
 */
export function extractTile(
  data: Float32Array,
  width: number,
  height: number,
  window: PixelWindow,
  outside: 'nan' | 'clamp' = 'nan',
  into?: Float32Array,
): Float32Array {
  const n = window.width * window.height;
  if (into && into.length !== n) throw new AppError('INTERNAL', `extractTile: ${into.length} values to write a ${window.width}x${window.height} window into.`);
  const out = into ?? new Float32Array(n);
  for (let r = 0; r < window.height; r++) {
    let sr = window.row + r;
    const rowOut = sr < 0 || sr >= height;
    if (rowOut && outside === 'nan') {
      out.fill(Number.NaN, r * window.width, (r + 1) * window.width);
      continue;
    }
    sr = sr < 0 ? 0 : sr >= height ? height - 1 : sr;
    const c0 = Math.max(0, -window.col);
    const c1 = Math.min(window.width, width - window.col);
    if (c1 > c0)
      out.set(
        data.subarray(sr * width + window.col + c0, sr * width + window.col + c1),
        r * window.width + c0,
      );
    const left = outside === 'nan' ? Number.NaN : data[sr * width];
    const right = outside === 'nan' ? Number.NaN : data[sr * width + width - 1];
    if (c0 > 0) out.fill(left, r * window.width, r * window.width + Math.min(c0, window.width));
    if (c1 < window.width) out.fill(right, r * window.width + Math.max(c1, 0), (r + 1) * window.width);
  }
  return out;
}

/**
 * Writes the core of a tile's fine result into the fine output. `tileFine` covers the tile's
 * padded window refined by `factor` (`padded.width*factor` x `padded.height*factor`); only the
 * core (`core` refined by `factor`) is copied, the halo is dropped. `dst` is the fine output,
 * `dstWidth` = coarse width x factor.
 */
export function pasteTile(
  dst: Float32Array,
  dstWidth: number,
  tileFine: Float32Array,
  tile: TileSpec,
  factor: number,
): void {
  const pw = tile.padded.width * factor;
  if (tileFine.length !== pw * tile.padded.height * factor) {
    throw new AppError(
      'BAD_ARGUMENT',
      `pasteTile: tile ${tile.index} result has ${tileFine.length} pixels, expected ${pw}x${tile.padded.height * factor}.`,
    );
  }
  const cw = tile.core.width * factor;
  const c0 = tile.coreInPadded.col * factor;
  for (let r = 0; r < tile.core.height * factor; r++) {
    const src = (tile.coreInPadded.row * factor + r) * pw + c0;
    const d = (tile.core.row * factor + r) * dstWidth + tile.core.col * factor;
    dst.set(tileFine.subarray(src, src + cw), d);
  }
}

/** Crops a raster to a pixel window (`extractTile`, NaN outside); the result's grid is the window's grid. */
export function cropRaster(r: Raster, window: PixelWindow): Raster {
  return { ...cropGrid(r, window), data: extractTile(r.data, r.width, r.height, window) };
}

/** True when `window` of the row-major `width`-wide array holds at least one valid (non-NaN) pixel. */
export function windowHasValid(data: Float32Array, width: number, window: PixelWindow): boolean {
  for (let r = window.row; r < window.row + window.height; r++) {
    for (let c = window.col; c < window.col + window.width; c++) {
      const v = data[r * width + c];
      if (v === v) return true;
    }
  }
  return false;
}
