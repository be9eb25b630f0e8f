import { WEB_MERCATOR, WGS84, transformPoint } from '../core/geo/crs.ts';
import { reprojectedGrid, reprojectRasterInSteps } from '../core/raster/reproject.ts';
import { AppError } from '../core/errors.ts';
import { finishSteps, type Steps } from '../core/progress.ts';
import type { Raster } from '../core/raster/raster.ts';
import { orderStatistics } from '../core/raster/stats.ts';
import type { LayerData } from './protocol.ts';

/** Longest side of a display grid, px: enough detail for a 4800 px MODIS tile at screen scale. */
const MAX_DISPLAY_PX = 2048;

/**
 * Reprojects a raster (any CRS, MODIS sinusoidal included) onto an axis-aligned Web Mercator grid
 * (core reprojectRaster, nearest neighbour), so the map can draw it as one image whose corners are exact. The display
 * cell is half the source's smallest pixel side in Mercator metres, so nearest picks keep the
 * source's pixels (also sheared ones) to within a quarter pixel; at most 2048 px a side.
 * Returns bounds in longitude/latitude degrees.
 */
export function toDisplay(r: Raster): LayerData['display'] {
  return finishSteps(toDisplayInSteps(r));
}

/** `toDisplay` in steps: it yields after each block of rows of the reprojection (`reprojectRasterInSteps`), where a caller may check for a cancel. The same grid. */
export function* toDisplayInSteps(r: Raster): Steps<LayerData['display']> {
  const grid = reprojectedGrid(r, WEB_MERCATOR, {
    pixelSize: nativeCellMercator(r) / 2,
    maxSidePx: MAX_DISPLAY_PX,
  });
  const { data } = yield* reprojectRasterInSteps(r, grid, 'nearest', { maxErrorPx: 0.05 });
  const t = grid.transform;
  const [west, north] = transformPoint(WEB_MERCATOR, WGS84, t[0], t[3]);
  const [east, south] = transformPoint(
    WEB_MERCATOR,
    WGS84,
    t[0] + grid.width * t[1],
    t[3] + grid.height * t[5],
  );
  return { width: grid.width, height: grid.height, bounds: [west, south, east, north], data };
}

/** The smaller side, in Web Mercator metres, of the source pixel at the grid centre. */
function nativeCellMercator(r: Raster): number {
  const c = Math.floor(r.width / 2);
  const rr = Math.floor(r.height / 2);
  const t = r.transform;
  const pts = [
    [c, rr],
    [c + 1, rr],
    [c, rr + 1],
  ].map(([col, row]) =>
    transformPoint(r.crs, WEB_MERCATOR, t[0] + col * t[1] + row * t[2], t[3] + col * t[4] + row * t[5]),
  );
  const dx = Math.hypot(pts[1][0] - pts[0][0], pts[1][1] - pts[0][1]);
  const dy = Math.hypot(pts[2][0] - pts[0][0], pts[2][1] - pts[0][1]);
  const d = Math.min(dx, dy);
  if (!(d > 0))
    throw new AppError(
      'UNSUPPORTED_CRS',
      'The layer cannot be placed on the Web Mercator map (its centre is outside the projection).',
    );
  return d;
}

const BINS = 64;

/** Valid values sorted for the percentiles; above this many they are subsampled with a fixed stride. */
const MAX_SORTED = 1 << 20;

/** What `layerStatsInSteps`' first pass has gathered so far: valid values, their sum, min and max. */
interface FirstPass {
  n: number;
  sum: number;
  min: number;
  max: number;
}

/** Adds the valid values of `data[from..to)` to `acc`, in order (a plain function: its loop is the hot one). */
function firstPass(data: Float32Array, from: number, to: number, acc: FirstPass): void {
  let { n, sum, min, max } = acc;
  for (let i = from; i < to; i++) {
    const v = data[i];
    if (v !== v) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  Object.assign(acc, { n, sum, min, max });
}

/** The second pass's state: the sum of squared deviations, the histogram, and the strided sample for the percentiles. */
interface Histogram {
  readonly mean: number;
  readonly min: number;
  /** Bin width. */
  readonly w: number;
  readonly stride: number;
  ss: number;
  skip: number;
  /** Values in `sample` so far. */
  k: number;
  readonly counts: Float64Array;
  readonly sample: Float32Array;
}

/** Adds the valid values of `data[from..to)` to `h`, in order. */
function histogramPass(data: Float32Array, from: number, to: number, h: Histogram): void {
  const { mean, min, w, stride, counts, sample } = h;
  const inv = 1 / w;
  let { ss, skip, k } = h;
  for (let i = from; i < to; i++) {
    const v = data[i];
    if (v !== v) continue;
    const d = v - mean;
    ss += d * d;
    // The bin is floor((v - min) / w); the product by 1/w is within a few ulps of the quotient, so
    // its floor is the same unless it lies that close to an integer, where the division decides.
    const t = (v - min) * inv;
    let bin = Math.floor(t);
    const f = t - bin;
    if (f < 1e-9 || f > 1 - 1e-9) bin = Math.floor((v - min) / w);
    counts[bin < BINS - 1 ? bin : BINS - 1]++;
    if (skip === 0) {
      sample[k++] = v;
      skip = stride;
    }
    skip--;
  }
  h.ss = ss;
  h.skip = skip;
  h.k = k;
}

/** Values `layerStatsInSteps` goes through between two yields in its second pass (the histogram's), ~30-60 ms on one core; its first pass (sum, min, max) takes 4 such blocks a step. */
export const STATS_STEP_PX = 1 << 21;

/**
 * Min, max, mean, std, 2nd/98th percentiles (nearest rank) and a 64-bin histogram of the valid
 * values. Linear in the pixel count: the percentiles are order statistics (quickselect) of at most
 * MAX_SORTED evenly strided values (exact below that), so a 4800x4800 layer takes well under a second and no copy of the band.
 */
export function layerStats(data: Float32Array): LayerData['stats'] {
  return finishSteps(layerStatsInSteps(data));
}

/**
 * `layerStats` in steps: it yields after each block of `blockPx` values of its histogram pass and
 * of 4 x `blockPx` of its first pass (sum, min, max), where a caller may check for a cancel. The
 * same statistics, bit for bit, whatever `blockPx`: the values are summed in the same order.
 */
export function* layerStatsInSteps(data: Float32Array, blockPx = STATS_STEP_PX): Steps<LayerData['stats']> {
  const first: FirstPass = { n: 0, sum: 0, min: Infinity, max: -Infinity };
  for (let from = 0; from < data.length; from += 4 * blockPx) {
    firstPass(data, from, Math.min(data.length, from + 4 * blockPx), first);
    yield;
  }
  const { n, sum, min, max } = first;
  if (n === 0) {
    return {
      min: NaN,
      max: NaN,
      mean: NaN,
      std: NaN,
      p2: NaN,
      p98: NaN,
      validFraction: 0,
      histogram: { min: 0, max: 0, counts: [] },
    };
  }
  const mean = sum / n;
  const stride = Math.ceil(n / MAX_SORTED);
  const w = max > min ? (max - min) / BINS : 1;
  const hist: Histogram = { mean, min, w, stride, ss: 0, skip: 0, k: 0, counts: new Float64Array(BINS), sample: new Float32Array(Math.ceil(n / stride)) };
  for (let from = 0; from < data.length; from += blockPx) {
    histogramPass(data, from, Math.min(data.length, from + blockPx), hist);
    yield;
  }
  const { ss, k, counts, sample } = hist;
  const rank = (p: number): number => Math.min(k - 1, Math.max(0, Math.round(p * (k - 1))));
  const [p2, p98] = orderStatistics(sample.subarray(0, k), [rank(0.02), rank(0.98)]);
  return {
    min,
    max,
    mean,
    std: Math.sqrt(ss / n),
    p2,
    p98,
    validFraction: n / data.length,
    histogram: { min, max, counts: Array.from(counts) },
  };
}
