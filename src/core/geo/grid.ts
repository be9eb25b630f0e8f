import { AppError } from '../errors.ts';
import type { Crs, Grid } from '../raster/raster.ts';
import { type Affine, coarsenAffine, pixelSize, pixelToWorld, refineAffine, worldToPixel } from './affine.ts';
import { crsToString, sameCrs, transformPoints } from './crs.ts';

/** An axis-aligned box in a CRS's units (metres or degrees). */
export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** A pixel window: columns `[col, col+width)`, rows `[row, row+height)`. May reach outside a grid. */
export interface PixelWindow {
  col: number;
  row: number;
  width: number;
  height: number;
}

/** Pixel size in CRS units along columns (`x`) and rows (`y`), both positive. */
export function gridPixelSize(grid: Grid): { x: number; y: number } {
  return pixelSize(grid.transform);
}

/** Approximate pixel size in metres at the grid centre (geographic grids: degrees scaled by cos(latitude)). */
export function pixelSizeMetres(grid: Grid): number {
  const p = gridPixelSize(grid);
  if (!grid.crs.isGeographic) return p.x;
  const lat = grid.transform[3] + (grid.height / 2) * grid.transform[5];
  return p.x * 111320 * Math.cos((lat * Math.PI) / 180);
}

/** True when the grid has no rotation terms (rx = ry = 0), as almost every GeoTIFF. */
export function isNorthUp(grid: Grid): boolean {
  return grid.transform[2] === 0 && grid.transform[4] === 0;
}

/** The world bounding box of the grid's outer pixel edges, in the grid's CRS. */
export function gridBounds(grid: Grid): Bounds {
  const t = grid.transform;
  const corners = [
    pixelToWorld(t, 0, 0),
    pixelToWorld(t, grid.width, 0),
    pixelToWorld(t, 0, grid.height),
    pixelToWorld(t, grid.width, grid.height),
  ];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(10)));
}

/** One line naming a grid in error messages: size, pixel size, origin, CRS. */
export function gridToString(grid: Grid): string {
  const p = gridPixelSize(grid);
  const t = grid.transform;
  const unit = grid.crs.isGeographic ? 'deg' : 'm';
  return (
    `${grid.width}x${grid.height} px of ${fmt(p.x)}x${fmt(p.y)} ${unit}, ` +
    `origin (${fmt(t[0])}, ${fmt(t[3])}), ${crsToString(grid.crs)}`
  );
}

/** The same extent with pixels `factor` times smaller: `width*factor` by `height*factor`. */
export function refineGrid(grid: Grid, factor: number): Grid {
  return {
    width: grid.width * factor,
    height: grid.height * factor,
    transform: refineAffine(grid.transform, factor),
    crs: grid.crs,
  };
}

/**
 * The coarse grid whose pixels are `factor`x`factor` blocks of `grid`'s pixels, same origin.
 * `rounding = 'ceil'` (default) keeps partial blocks at the right and bottom edges so every fine
 * pixel has a parent (the coarse grid then reaches past the fine one); `'floor'` drops them.
 */
export function coarsenGrid(grid: Grid, factor: number, rounding: 'ceil' | 'floor' = 'ceil'): Grid {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new AppError('BAD_ARGUMENT', `coarsenGrid: factor must be a positive integer, got ${factor}.`);
  }
  const r = rounding === 'ceil' ? Math.ceil : Math.floor;
  return {
    width: r(grid.width / factor),
    height: r(grid.height / factor),
    transform: coarsenAffine(grid.transform, factor),
    crs: grid.crs,
  };
}

/**
 * Where `fine`'s pixel (0,0) corner sits on the `coarse` lattice, in whole coarse pixels, when
 * the two grids are aligned: same CRS, linear terms in ratio `factor` (relative 1e-6), and the fine
 * origin on a coarse pixel corner within `tolFinePx` fine pixels. Undefined when not aligned.
 */
export function alignmentOffset(
  fine: Grid,
  coarse: Grid,
  factor: number,
  tolFinePx = 0.01,
): { col: number; row: number } | undefined {
  if (!sameCrs(fine.crs, coarse.crs)) return undefined;
  const f = fine.transform;
  const c = coarse.transform;
  const scale = Math.max(Math.abs(c[1]), Math.abs(c[2]), Math.abs(c[4]), Math.abs(c[5]));
  for (const i of [1, 2, 4, 5]) {
    if (Math.abs(f[i] * factor - c[i]) > 1e-6 * scale) return undefined;
  }
  const [col, row] = worldToPixel(c, f[0], f[3]);
  const tol = tolFinePx / factor;
  const rc = Math.round(col);
  const rr = Math.round(row);
  if (Math.abs(col - rc) > tol || Math.abs(row - rr) > tol) return undefined;
  return { col: rc, row: rr };
}

/** True when `fine` lies on `coarse`'s lattice refined by `factor` (see `alignmentOffset`). */
export function isAligned(fine: Grid, coarse: Grid, factor: number, tolFinePx = 0.01): boolean {
  return alignmentOffset(fine, coarse, factor, tolFinePx) !== undefined;
}

/** True when two grids are the same pixels: same size, CRS and transform within `tolPx`. */
export function sameGrid(a: Grid, b: Grid, tolPx = 0.01): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  const offset = alignmentOffset(a, b, 1, tolPx);
  return offset !== undefined && offset.col === 0 && offset.row === 0;
}

/**
 * Throws GRID_MISMATCH (naming both grids) unless `fine` is aligned with `coarse` at `factor`.
 * `fineName`/`coarseName` label the inputs (file names) in the message.
 */
export function requireAligned(
  fine: Grid,
  coarse: Grid,
  factor: number,
  fineName = 'fine',
  coarseName = 'coarse',
): void {
  if (isAligned(fine, coarse, factor)) return;
  throw new AppError(
    'GRID_MISMATCH',
    `${fineName} (${gridToString(fine)}) is not aligned with ${coarseName} (${gridToString(coarse)}) ` +
      `at factor ${factor}: the pixel sizes must differ by exactly ${factor} and the fine origin must ` +
      `sit on a coarse pixel corner, in the same CRS.`,
  );
}

/** The grid of a pixel window of `grid` (same pixel size; the origin moves to the window corner). */
export function cropGrid(grid: Grid, window: PixelWindow): Grid {
  const [x0, y0] = pixelToWorld(grid.transform, window.col, window.row);
  const t = grid.transform;
  const transform: Affine = [x0, t[1], t[2], y0, t[4], t[5]];
  return { width: window.width, height: window.height, transform, crs: grid.crs };
}

/** Intersection of two windows, or undefined when they do not overlap. */
export function intersectWindows(a: PixelWindow, b: PixelWindow): PixelWindow | undefined {
  const col = Math.max(a.col, b.col);
  const row = Math.max(a.row, b.row);
  const width = Math.min(a.col + a.width, b.col + b.width) - col;
  const height = Math.min(a.row + a.height, b.row + b.height) - row;
  return width > 0 && height > 0 ? { col, row, width, height } : undefined;
}

/**
 * The smallest pixel window of `grid` covering `bounds` (outward rounding, `tolPx` slack so edges
 * that fall on pixel borders are not widened), clipped to the grid. Undefined when they miss.
 */
export function windowOfBounds(grid: Grid, bounds: Bounds, tolPx = 1e-6): PixelWindow | undefined {
  const t = grid.transform;
  const pts = [
    worldToPixel(t, bounds.minX, bounds.minY),
    worldToPixel(t, bounds.maxX, bounds.minY),
    worldToPixel(t, bounds.minX, bounds.maxY),
    worldToPixel(t, bounds.maxX, bounds.maxY),
  ];
  const c0 = Math.floor(Math.min(...pts.map((p) => p[0])) + tolPx);
  const c1 = Math.ceil(Math.max(...pts.map((p) => p[0])) - tolPx);
  const r0 = Math.floor(Math.min(...pts.map((p) => p[1])) + tolPx);
  const r1 = Math.ceil(Math.max(...pts.map((p) => p[1])) - tolPx);
  return intersectWindows(
    { col: c0, row: r0, width: c1 - c0, height: r1 - r0 },
    {
      col: 0,
      row: 0,
      width: grid.width,
      height: grid.height,
    },
  );
}

/**
 * The bounds of `grid` expressed in `crs`: its outline densified (`samplesPerEdge` points per edge)
 * and transformed, so curved edges are covered. Points outside `crs`'s domain are skipped; returns
 * undefined when none survive.
 */
export function gridBoundsIn(grid: Grid, crs: Crs, samplesPerEdge = 21): Bounds | undefined {
  if (sameCrs(grid.crs, crs)) return gridBounds(grid);
  const n = samplesPerEdge;
  const xs = new Float64Array(4 * n + n * n);
  const ys = new Float64Array(4 * n + n * n);
  let k = 0;
  const push = (col: number, row: number): void => {
    const [x, y] = pixelToWorld(grid.transform, col, row);
    xs[k] = x;
    ys[k] = y;
    k++;
  };
  for (let i = 0; i < n; i++) {
    const s = i / (n - 1);
    push(s * grid.width, 0);
    push(s * grid.width, grid.height);
    push(0, s * grid.height);
    push(grid.width, s * grid.height);
  }
  // Interior samples catch extremes that lie inside the outline (e.g. a pole or a projection's
  // domain edge cutting the grid).
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) push(((i + 0.5) / n) * grid.width, ((j + 0.5) / n) * grid.height);
  transformPoints(grid.crs, crs, xs, ys);
  let b: Bounds | undefined;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    if (!b) b = { minX: x, minY: y, maxX: x, maxY: y };
    else {
      b.minX = Math.min(b.minX, x);
      b.minY = Math.min(b.minY, y);
      b.maxX = Math.max(b.maxX, x);
      b.maxY = Math.max(b.maxY, y);
    }
  }
  return b;
}

/** Intersection of two boxes, or undefined when it is empty. */
export function intersectBounds(a: Bounds, b: Bounds): Bounds | undefined {
  const r = {
    minX: Math.max(a.minX, b.minX),
    minY: Math.max(a.minY, b.minY),
    maxX: Math.min(a.maxX, b.maxX),
    maxY: Math.min(a.maxY, b.maxY),
  };
  return r.maxX > r.minX && r.maxY > r.minY ? r : undefined;
}

/**
 * The world box where `a` and `b` overlap, in `a`'s CRS (`b`'s outline is reprojected when the
 * CRSs differ). Undefined when they do not overlap.
 */
export function gridOverlap(a: Grid, b: Grid): Bounds | undefined {
  const bb = gridBoundsIn(b, a.crs);
  return bb ? intersectBounds(gridBounds(a), bb) : undefined;
}

/** Like `gridOverlap`, but throws NO_OVERLAP naming both grids when they do not overlap. */
export function requireOverlap(a: Grid, b: Grid, aName = 'first grid', bName = 'second grid'): Bounds {
  const o = gridOverlap(a, b);
  if (o) return o;
  throw new AppError(
    'NO_OVERLAP',
    `${aName} (${gridToString(a)}) and ${bName} (${gridToString(b)}) do not overlap: ` +
      `the files cover different places. Use inputs of the same area.`,
  );
}
