import { AppError } from '../errors.ts';
import { pixelToWorld, worldToPixel } from '../geo/affine.ts';
import { sameCrs, transformPoints } from '../geo/crs.ts';
import { gridBoundsIn, gridToString } from '../geo/grid.ts';
import { finishSteps, STEP_PX, type Steps } from '../progress.ts';
import type { Crs, Grid, Raster } from './raster.ts';
import {
  type ResampleMethod,
  countInsidePx,
  fillInvalid,
  kernelRadiusPx,
  resampleToGridCountingInSteps,
  samplePixels,
} from './resample.ts';

/** Options of `reprojectRaster`. */
export interface ReprojectOptions {
  /**
   * Largest tolerated error, in source pixels, of interpolating source coordinates between
   * exactly transformed lattice nodes (default 0.1). 0 transforms every pixel centre exactly.
   */
  maxErrorPx?: number;
  /** Lattice spacing to start from, in target pixels (default 32); halved until within tolerance. */
  initialStepPx?: number;
}

/** What `reprojectRaster` measured, for tests and reports. */
export interface ReprojectStats {
  /** Lattice spacing used, target pixels (1 = every centre transformed exactly). */
  stepPx: number;
  /** Largest interpolation error seen at cell centres, source pixels. */
  maxErrorPx: number;
  /** Target pixels whose centre lies inside the source, whatever its value there (`countInsidePx`). */
  insidePx: number;
}

/** Source pixel-space coordinates of target pixel centres `(col + 0.5, row + 0.5)`, exact. */
function exactSourcePixels(
  src: Grid,
  target: Grid,
  cols: Float64Array,
  rows: Float64Array,
): [Float64Array, Float64Array] {
  const n = cols.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [x, y] = pixelToWorld(target.transform, cols[i] + 0.5, rows[i] + 0.5);
    xs[i] = x;
    ys[i] = y;
  }
  transformPoints(target.crs, src.crs, xs, ys);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(xs[i])) continue;
    const [c, r] = worldToPixel(src.transform, xs[i], ys[i]);
    xs[i] = c;
    ys[i] = r;
  }
  return [xs, ys];
}

/** Lattice positions 0, step, 2*step, ..., always ending at `len - 1` (at least two entries). */
function latticeAxis(len: number, step: number): number[] {
  if (len === 1) return [0, 0];
  const out: number[] = [];
  for (let i = 0; i < len - 1; i += step) out.push(i);
  out.push(len - 1);
  return out;
}

/**
 * Points transformed exactly between two yields: proj4 takes 0.5-0.7 µs a point (sinusoidal to
 * geographic or Web Mercator), 5-10 times a sample, so a block of STEP_PX / 8 points lasts about
 * as long as a block of STEP_PX sampled pixels.
 */
const EXACT_STEP_POINTS = STEP_PX >> 3;

/** `exactSourcePixels` yielding after each block of EXACT_STEP_POINTS points; the same values. */
function* exactSourcePixelsInSteps(
  src: Grid,
  target: Grid,
  cols: Float64Array,
  rows: Float64Array,
): Steps<[Float64Array, Float64Array]> {
  const n = cols.length;
  if (n <= EXACT_STEP_POINTS) return exactSourcePixels(src, target, cols, rows);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let s = 0; s < n; s += EXACT_STEP_POINTS) {
    if (s > 0) yield;
    const e = Math.min(n, s + EXACT_STEP_POINTS);
    const [bx, by] = exactSourcePixels(src, target, cols.subarray(s, e), rows.subarray(s, e));
    xs.set(bx, s);
    ys.set(by, s);
  }
  return [xs, ys];
}

interface Lattice {
  cols: number[];
  rows: number[];
  px: Float64Array;
  py: Float64Array;
}

/** The lattice of spacing `step`; at step 1 (every pixel centre exact) it yields per block of points. */
function* buildLatticeInSteps(src: Grid, target: Grid, step: number): Steps<Lattice> {
  const cols = latticeAxis(target.width, step);
  const rows = latticeAxis(target.height, step);
  const n = cols.length * rows.length;
  const lc = new Float64Array(n);
  const lr = new Float64Array(n);
  for (let j = 0; j < rows.length; j++) {
    for (let i = 0; i < cols.length; i++) {
      lc[j * cols.length + i] = cols[i];
      lr[j * cols.length + i] = rows[j];
    }
  }
  const [px, py] = yield* exactSourcePixelsInSteps(src, target, lc, lr);
  return { cols, rows, px, py };
}

/** Max |bilinear-of-corners - exact| at the centres of every lattice cell with four valid corners. */
function* latticeErrorInSteps(src: Grid, target: Grid, lat: Lattice): Steps<number> {
  const nc = lat.cols.length;
  const cc: number[] = [];
  const cr: number[] = [];
  const cells: number[] = [];
  for (let j = 0; j + 1 < lat.rows.length; j++) {
    for (let i = 0; i + 1 < nc; i++) {
      const k = j * nc + i;
      if ([k, k + 1, k + nc, k + nc + 1].some((q) => Number.isNaN(lat.px[q]))) continue;
      cc.push((lat.cols[i] + lat.cols[i + 1]) / 2);
      cr.push((lat.rows[j] + lat.rows[j + 1]) / 2);
      cells.push(k);
    }
  }
  const [ex, ey] = yield* exactSourcePixelsInSteps(src, target, Float64Array.from(cc), Float64Array.from(cr));
  let worst = 0;
  for (let m = 0; m < cells.length; m++) {
    if (Number.isNaN(ex[m])) continue;
    const k = cells[m];
    const ix = (lat.px[k] + lat.px[k + 1] + lat.px[k + nc] + lat.px[k + nc + 1]) / 4;
    const iy = (lat.py[k] + lat.py[k + 1] + lat.py[k + nc] + lat.py[k + nc + 1]) / 4;
    worst = Math.max(worst, Math.abs(ix - ex[m]), Math.abs(iy - ey[m]));
  }
  return worst;
}

/**
 * Target rows of lattice row interval `j` into `out`: source coordinates interpolated between the
 * lattice nodes (exact where a node is outside the projection domain), then sampled. Returns the
 * work done in sampled-pixel units (an exactly transformed pixel counts as STEP_PX /
 * EXACT_STEP_POINTS) and how many of the band's pixels lie inside the source (`countInsidePx`). A
 * plain function, so the hot loops stay out of the generator.
 */
function reprojectBand(
  src: Raster,
  target: Grid,
  method: ResampleMethod,
  lat: Lattice,
  j: number,
  filled: Float32Array | undefined,
  pxBuf: Float64Array,
  pyBuf: Float64Array,
  out: Float32Array,
): { work: number; insidePx: number } {
  const W = target.width;
  const nc = lat.cols.length;
  const r0 = lat.rows[j];
  const r1 = lat.rows[j + 1];
  const rEnd = j + 2 >= lat.rows.length ? r1 : r1 - 1;
  const bandH = rEnd - r0 + 1;
  const px = pxBuf.subarray(0, bandH * W);
  const py = pyBuf.subarray(0, bandH * W);
  const exactIdx: number[] = [];
  for (let r = r0; r <= rEnd; r++) {
    const tv = r1 === r0 ? 0 : (r - r0) / (r1 - r0);
    for (let i = 0; i + 1 < nc; i++) {
      const c0 = lat.cols[i];
      const c1 = lat.cols[i + 1];
      const cEnd = i + 2 >= nc ? c1 : c1 - 1;
      const k = j * nc + i;
      const k01 = k + 1;
      const k10 = k + nc;
      const k11 = k + nc + 1;
      const bad = Number.isNaN(lat.px[k] + lat.px[k01] + lat.px[k10] + lat.px[k11]);
      for (let c = c0; c <= cEnd; c++) {
        const o = (r - r0) * W + c;
        if (bad) {
          exactIdx.push(o);
          continue;
        }
        const tu = c1 === c0 ? 0 : (c - c0) / (c1 - c0);
        px[o] =
          (1 - tv) * ((1 - tu) * lat.px[k] + tu * lat.px[k01]) +
          tv * ((1 - tu) * lat.px[k10] + tu * lat.px[k11]);
        py[o] =
          (1 - tv) * ((1 - tu) * lat.py[k] + tu * lat.py[k01]) +
          tv * ((1 - tu) * lat.py[k10] + tu * lat.py[k11]);
      }
    }
  }
  if (exactIdx.length > 0) {
    const cols = Float64Array.from(exactIdx, (o) => o % W);
    const rows = Float64Array.from(exactIdx, (o) => r0 + Math.floor(o / W));
    const [ex, ey] = exactSourcePixels(src, target, cols, rows);
    for (let m = 0; m < exactIdx.length; m++) {
      px[exactIdx[m]] = ex[m];
      py[exactIdx[m]] = ey[m];
    }
  }
  samplePixels(src, px, py, method, filled, out.subarray(r0 * W, r0 * W + bandH * W));
  return {
    work: bandH * W + exactIdx.length * (STEP_PX / EXACT_STEP_POINTS - 1),
    insidePx: countInsidePx(px, py, src.width, src.height),
  };
}

/**
 * Reprojects `src` onto `target` (any CRS) by inverse mapping: each target pixel centre is taken
 * to the source CRS with proj4 and the source is sampled there (`samplePixels`: NaN outside the
 * source, where the containing source pixel is NaN, or outside either projection's domain).
 * Source coordinates are transformed exactly on a lattice and bilinearly interpolated between
 * nodes; the lattice is refined until the interpolation error is below `maxErrorPx`. Cells with a
 * node outside the projection domain are transformed pixel by pixel. Same CRS -> `resampleToGrid`.
 */
export function reprojectRaster(
  src: Raster,
  target: Grid,
  method: ResampleMethod,
  options: ReprojectOptions = {},
): Raster & { stats: ReprojectStats } {
  return finishSteps(reprojectRasterInSteps(src, target, method, options));
}

/**
 * `reprojectRaster` in steps: it yields after each block of about STEP_PX target pixels (whole
 * lattice bands of rows), after each lattice refinement, and while it transforms lattice nodes
 * exactly (every EXACT_STEP_POINTS: the whole grid at `maxErrorPx: 0`), so a caller can check for
 * a cancel there. The same result.
 */
export function* reprojectRasterInSteps(
  src: Raster,
  target: Grid,
  method: ResampleMethod,
  options: ReprojectOptions = {},
): Steps<Raster & { stats: ReprojectStats }> {
  if (sameCrs(src.crs, target.crs)) {
    const { raster, insidePx } = yield* resampleToGridCountingInSteps(src, target, method);
    return { ...raster, stats: { stepPx: 0, maxErrorPx: 0, insidePx } };
  }
  const tol = options.maxErrorPx ?? 0.1;
  let step = tol > 0 ? Math.max(1, Math.floor(options.initialStepPx ?? 32)) : 1;
  let lat = yield* buildLatticeInSteps(src, target, step);
  let err = step > 1 ? yield* latticeErrorInSteps(src, target, lat) : 0;
  while (step > 1 && err > tol) {
    step = Math.max(1, Math.floor(step / 2));
    yield;
    lat = yield* buildLatticeInSteps(src, target, step);
    err = step > 1 ? yield* latticeErrorInSteps(src, target, lat) : 0;
  }
  const filled =
    method === 'nearest' ? undefined : fillInvalid(src.data, src.width, src.height, kernelRadiusPx(method));
  const out = new Float32Array(target.width * target.height);
  const W = target.width;
  // One band of target rows per lattice row interval keeps the coordinate buffers small; the same
  // two serve every band (the last band is one row taller).
  let tallest = 1;
  for (let j = 0; j + 1 < lat.rows.length; j++) tallest = Math.max(tallest, lat.rows[j + 1] - lat.rows[j] + 1);
  const pxBuf = new Float64Array(tallest * W);
  const pyBuf = new Float64Array(tallest * W);
  let sinceYield = 0;
  let insidePx = 0;
  for (let j = 0; j + 1 < lat.rows.length; j++) {
    if (sinceYield >= STEP_PX) {
      sinceYield = 0;
      yield;
    }
    const band = reprojectBand(src, target, method, lat, j, filled, pxBuf, pyBuf, out);
    sinceYield += band.work;
    insidePx += band.insidePx;
  }
  return { ...target, data: out, stats: { stepPx: step, maxErrorPx: err, insidePx } };
}

/**
 * A north-up grid in `crs` covering `grid` (its outline reprojected), for display or export.
 * Pixel size: `pixelSize` if given, else chosen so the pixel count is about the source's; the
 * result is capped at `maxSidePx` pixels per side (default 8192). Throws NO_OVERLAP when the grid
 * lies entirely outside `crs`'s domain.
 */
export function reprojectedGrid(
  grid: Grid,
  crs: Crs,
  options: { pixelSize?: number; maxSidePx?: number } = {},
): Grid {
  if (sameCrs(grid.crs, crs) && options.pixelSize === undefined) return { ...grid };
  const b = gridBoundsIn(grid, crs);
  if (!b) {
    throw new AppError(
      'NO_OVERLAP',
      `The grid ${gridToString(grid)} has no point inside ${crs.name}'s valid area.`,
    );
  }
  const w = b.maxX - b.minX;
  const h = b.maxY - b.minY;
  let px = options.pixelSize ?? Math.sqrt((w * h) / (grid.width * grid.height));
  const maxSide = options.maxSidePx ?? 8192;
  px = Math.max(px, w / maxSide, h / maxSide);
  const width = Math.max(1, Math.ceil(w / px - 1e-9));
  const height = Math.max(1, Math.ceil(h / px - 1e-9));
  return { width, height, transform: [b.minX, px, 0, b.maxY, 0, -px], crs };
}
