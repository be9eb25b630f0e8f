import { AppError } from '../errors.ts';
import { type Affine, pixelToWorld, worldToPixel } from '../geo/affine.ts';
import { gridToString, refineGrid } from '../geo/grid.ts';
import { sameCrs } from '../geo/crs.ts';
import { finishSteps, STEP_PX, type Steps } from '../progress.ts';
import type { Grid, Raster } from './raster.ts';
import type { Scratch } from '../scratch.ts';

/** Interpolation kernels. Bicubic is Keys' cubic convolution with a = -0.5. */
export type ResampleMethod = 'nearest' | 'bilinear' | 'bicubic';

/** How far (in source pixels) each kernel reaches from the pixel containing the sample point. */
export function kernelRadiusPx(method: ResampleMethod): number {
  return method === 'bicubic' ? 2 : method === 'bilinear' ? 1 : 0;
}

/**
 * How far (source px) an `upsampleArray` / `resampleToGrid` output depends on its input: the
 * kernel radius plus as many passes of `fillInvalid` near gaps. The halo a tiled caller needs.
 */
export function upsampleHaloPx(method: ResampleMethod): number {
  return 2 * kernelRadiusPx(method);
}

/** Keys cubic convolution weight, a = -0.5 (reproduces linear ramps exactly). */
export function keysWeight(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 1) return (1.5 * ax - 2.5) * ax * ax + 1;
  if (ax < 2) return ((-0.5 * ax + 2.5) * ax - 4) * ax + 2;
  return 0;
}

/**
 * The four Keys weights of a sample at fraction `t` (0 <= t < 1) past source pixel centre `i`, for
 * the taps `i - 1, i, i + 1, i + 2`. They sum to 1.
 */
export function keysTaps(t: number): [number, number, number, number] {
  return [keysWeight(t + 1), keysWeight(t), keysWeight(1 - t), keysWeight(2 - t)];
}

/**
 * Fills NaN pixels from their valid 8-neighbours (their mean), `passes` times, each pass growing
 * the filled region by one pixel. Returns a new array (with `scratch`, one of its arrays, valid
 * until the next call with the pool); pixels farther than `passes` from any valid pixel stay NaN.
 * Interpolation calls this with the kernel radius so invalid neighbours lend plausible values to
 * the kernel instead of spreading NaN.
 */
export function fillInvalid(data: Float32Array, width: number, height: number, passes: number, scratch?: Scratch): Float32Array {
  // Two arrays in turn: a pass reads one and writes the other.
  const copy = (from: Float32Array, k: number): Float32Array => {
    if (!scratch) return from.slice();
    const to = scratch.f32(`fillInvalid.${k}`, from.length);
    to.set(from);
    return to;
  };
  let cur = copy(data, 0);
  for (let p = 0; p < passes; p++) {
    const next = copy(cur, (p + 1) % 2);
    let changed = false;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const i = r * width + c;
        if (cur[i] === cur[i]) continue;
        let s = 0;
        let n = 0;
        for (let dr = -1; dr <= 1; dr++) {
          const rr = r + dr;
          if (rr < 0 || rr >= height) continue;
          for (let dc = -1; dc <= 1; dc++) {
            const cc = c + dc;
            if (cc < 0 || cc >= width) continue;
            const v = cur[rr * width + cc];
            if (v === v) {
              s += v;
              n++;
            }
          }
        }
        if (n > 0) {
          next[i] = s / n;
          changed = true;
        }
      }
    }
    cur = next;
    if (!changed) break;
  }
  return cur;
}

/** `axisTaps`' result. */
interface AxisTaps {
  idx: Int32Array;
  w: Float64Array;
  taps: number;
}

/** Per output index along one axis: source indices (clamped) and weights of the kernel. */
function axisTaps(
  outLen: number,
  srcLen: number,
  coordOf: (o: number) => number,
  method: ResampleMethod,
): AxisTaps {
  const taps = method === 'bicubic' ? 4 : method === 'bilinear' ? 2 : 1;
  const idx = new Int32Array(outLen * taps);
  const w = new Float64Array(outLen * taps);
  const clamp = (i: number): number => (i < 0 ? 0 : i >= srcLen ? srcLen - 1 : i);
  for (let o = 0; o < outLen; o++) {
    const p = coordOf(o); // pixel-space coordinate, centre of source pixel i at i + 0.5
    if (method === 'nearest') {
      idx[o] = clamp(Math.floor(p));
      w[o] = 1;
      continue;
    }
    const u = p - 0.5;
    const i0 = Math.floor(u);
    const t = u - i0;
    if (method === 'bilinear') {
      idx[2 * o] = clamp(i0);
      idx[2 * o + 1] = clamp(i0 + 1);
      w[2 * o] = 1 - t;
      w[2 * o + 1] = t;
    } else {
      for (let k = 0; k < 4; k++) {
        idx[4 * o + k] = clamp(i0 - 1 + k);
        w[4 * o + k] = keysWeight(t - (k - 1));
      }
    }
  }
  return { idx, w, taps };
}

/** Rows `r0` to `r1` (exclusive) of the horizontal pass of `resampleSeparableInSteps` into `tmp` (row `r0` first). */
function horizontalRows(src: Float32Array, width: number, cx: AxisTaps, tmp: Float64Array, outW: number, r0: number, r1: number): void {
  for (let r = r0; r < r1; r++) {
    const row = r * width;
    for (let oc = 0; oc < outW; oc++) {
      let s = 0;
      for (let k = 0; k < cx.taps; k++) s += cx.w[oc * cx.taps + k] * src[row + cx.idx[oc * cx.taps + k]];
      tmp[(r - r0) * outW + oc] = s;
    }
  }
}

/**
 * Output rows `or0` to `or1` (exclusive) of the vertical pass of `resampleSeparableInSteps`, from
 * `tmp` holding the horizontal pass of source rows from `rowLo` on: NaN where the parent source
 * pixel is NaN or outside.
 */
function verticalRows(
  data: Float32Array,
  width: number,
  height: number,
  tmp: Float64Array,
  cy: AxisTaps,
  parentCol: Int32Array,
  rowCoord: (or: number) => number,
  out: Float32Array,
  outW: number,
  or0: number,
  or1: number,
  rowLo: number,
): void {
  for (let or = or0; or < or1; or++) {
    const pr = Math.floor(rowCoord(or));
    const rowInside = pr >= 0 && pr < height;
    for (let oc = 0; oc < outW; oc++) {
      const pc = parentCol[oc];
      if (!rowInside || pc < 0 || data[pr * width + pc] !== data[pr * width + pc]) {
        out[or * outW + oc] = Number.NaN;
        continue;
      }
      let s = 0;
      for (let k = 0; k < cy.taps; k++) s += cy.w[or * cy.taps + k] * tmp[(cy.idx[or * cy.taps + k] - rowLo) * outW + oc];
      out[or * outW + oc] = s;
    }
  }
}

/**
 * Separable resampling of a `width`x`height` array to `outW`x`outH`, where output column `oc` samples
 * source pixel-space x = `colCoord(oc)` and row `or` samples y = `rowCoord(or)`. NaN-aware: the
 * source is filled (`fillInvalid`, kernel radius) for kernel support, and an output pixel is NaN
 * when the source pixel containing its sample point is NaN or the point lies outside the source.
 * In steps: it yields after each block of about STEP_PX pixels of either pass; `finishSteps` runs it
 * in one go, with the same values.
 */
function* resampleSeparableInSteps(
  data: Float32Array,
  width: number,
  height: number,
  outW: number,
  outH: number,
  colCoord: (oc: number) => number,
  rowCoord: (or: number) => number,
  method: ResampleMethod,
): Steps<Float32Array> {
  const blockRows = (w: number): number => Math.max(1, Math.floor(STEP_PX / Math.max(1, w)));
  const src = method === 'nearest' ? data : fillInvalid(data, width, height, kernelRadiusPx(method));
  const cx = axisTaps(outW, width, colCoord, method);
  const cy = axisTaps(outH, height, rowCoord, method);
  const parentCol = new Int32Array(outW);
  for (let oc = 0; oc < outW; oc++) {
    const p = Math.floor(colCoord(oc));
    parentCol[oc] = p >= 0 && p < width ? p : -1;
  }
  const out = new Float32Array(outW * outH);
  const outBlock = blockRows(outW);
  // Block by block of output rows, the horizontal pass covers only the source rows that block's
  // vertical taps read (a few rows under a block of a finer grid), so it never holds more than a
  // block's rows (392 MB of float64 for a 7000 x 7000 grid in one go before). Each output pixel is
  // summed as before, so the values are the same.
  let tmp = new Float64Array(0);
  for (let or = 0; or < outH; or += outBlock) {
    if (or > 0) yield;
    const or1 = Math.min(outH, or + outBlock);
    let lo = height;
    let hi = 0;
    for (let i = or * cy.taps; i < or1 * cy.taps; i++) {
      lo = Math.min(lo, cy.idx[i]);
      hi = Math.max(hi, cy.idx[i] + 1);
    }
    const need = Math.max(0, hi - lo) * outW;
    if (tmp.length < need) tmp = new Float64Array(need);
    horizontalRows(src, width, cx, tmp, outW, lo, hi);
    yield;
    verticalRows(data, width, height, tmp, cy, parentCol, rowCoord, out, outW, or, or1, lo);
  }
  return out;
}

/**
 * Upsamples a row-major `width`x`height` array by an integer `factor` onto the aligned fine grid
 * (fine pixel centre `(fc + 0.5) / factor` in coarse pixel space). Clamp-to-edge at the borders.
 * NaN rule: invalid coarse pixels are filled from valid neighbours for the kernel's support only,
 * then every fine pixel whose coarse parent is NaN is NaN again. Returns a new
 * `width*factor`x`height*factor` array.
 */
export function upsampleArray(
  data: Float32Array,
  width: number,
  height: number,
  factor: number,
  method: ResampleMethod,
): Float32Array {
  if (!Number.isInteger(factor) || factor < 1) {
    throw new AppError('BAD_ARGUMENT', `upsample: factor must be a positive integer, got ${factor}.`);
  }
  const coord = (o: number): number => (o + 0.5) / factor;
  return finishSteps(resampleSeparableInSteps(data, width, height, width * factor, height * factor, coord, coord, method));
}

/** Upsamples a raster by `factor` onto `refineGrid(r, factor)` (see `upsampleArray`). */
export function upsample(r: Raster, factor: number, method: ResampleMethod): Raster {
  return { ...refineGrid(r, factor), data: upsampleArray(r.data, r.width, r.height, factor, method) };
}

/**
 * Samples `src` at arbitrary pixel-space points (`px[i], py[i]`, pixel `(c, r)` covers
 * `[c, c+1) x [r, r+1)`), same NaN rule as `upsampleArray`: NaN outside the source or where the
 * source pixel containing the point is NaN. `filled` may pass a pre-filled copy of `src.data`;
 * `into` (at least `px.length` long) receives the samples instead of a new array, and is returned.
 */
export function samplePixels(
  src: { data: Float32Array; width: number; height: number },
  px: Float64Array,
  py: Float64Array,
  method: ResampleMethod,
  filled?: Float32Array,
  into?: Float32Array,
): Float32Array {
  const { data, width, height } = src;
  const f =
    method === 'nearest' ? data : (filled ?? fillInvalid(data, width, height, kernelRadiusPx(method)));
  const out = into ?? new Float32Array(px.length);
  const cl = (i: number, n: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);
  for (let i = 0; i < px.length; i++) {
    const x = px[i];
    const y = py[i];
    const c = Math.floor(x);
    const r = Math.floor(y);
    if (!(c >= 0 && c < width && r >= 0 && r < height) || data[r * width + c] !== data[r * width + c]) {
      out[i] = Number.NaN;
      continue;
    }
    if (method === 'nearest') {
      out[i] = data[r * width + c];
      continue;
    }
    const u = x - 0.5;
    const v = y - 0.5;
    const i0 = Math.floor(u);
    const j0 = Math.floor(v);
    const tu = u - i0;
    const tv = v - j0;
    if (method === 'bilinear') {
      const a0 = cl(i0, width);
      const a1 = cl(i0 + 1, width);
      const b0 = cl(j0, height) * width;
      const b1 = cl(j0 + 1, height) * width;
      out[i] =
        (1 - tv) * ((1 - tu) * f[b0 + a0] + tu * f[b0 + a1]) + tv * ((1 - tu) * f[b1 + a0] + tu * f[b1 + a1]);
      continue;
    }
    let s = 0;
    for (let kr = 0; kr < 4; kr++) {
      const wr = keysWeight(tv - (kr - 1));
      const rowOff = cl(j0 - 1 + kr, height) * width;
      let sr = 0;
      for (let kc = 0; kc < 4; kc++) sr += keysWeight(tu - (kc - 1)) * f[rowOff + cl(i0 - 1 + kc, width)];
      s += wr * sr;
    }
    out[i] = s;
  }
  return out;
}

/**
 * How many of the points (`px[i], py[i]`, source pixel space as in `samplePixels`) lie inside a
 * `width`x`height` source, whatever its values there: the samples a source without NaN would fill.
 */
export function countInsidePx(px: Float64Array, py: Float64Array, width: number, height: number): number {
  let n = 0;
  for (let i = 0; i < px.length; i++) {
    const c = Math.floor(px[i]);
    const r = Math.floor(py[i]);
    if (c >= 0 && c < width && r >= 0 && r < height) n++;
  }
  return n;
}

/**
 * Resamples `src` onto `target` (same CRS; use `reprojectRaster` otherwise) by sampling the source
 * at each target pixel centre. North-up pairs use the fast separable path. NaN outside the source.
 */
export function resampleToGrid(src: Raster, target: Grid, method: ResampleMethod): Raster {
  return finishSteps(resampleToGridInSteps(src, target, method));
}

/** `resampleToGrid` in steps: it yields after each block of about STEP_PX output pixels, on the separable path (`resampleSeparableInSteps`) and on the rotated-grid one. */
export function* resampleToGridInSteps(src: Raster, target: Grid, method: ResampleMethod): Steps<Raster> {
  return (yield* resampleToGridCountingInSteps(src, target, method)).raster;
}

/**
 * `resampleToGridInSteps` that also counts the target pixels whose centre lies inside the source
 * (`insidePx`, as `countInsidePx`: NaN source pixels included), without an array for it.
 */
export function* resampleToGridCountingInSteps(
  src: Raster,
  target: Grid,
  method: ResampleMethod,
): Steps<{ raster: Raster; insidePx: number }> {
  if (!sameCrs(src.crs, target.crs)) {
    throw new AppError(
      'GRID_MISMATCH',
      `resampleToGrid needs one CRS: source ${gridToString(src)}, target ${gridToString(target)}. Reproject instead.`,
    );
  }
  const s = src.transform;
  const t = target.transform;
  if (s[2] === 0 && s[4] === 0 && t[2] === 0 && t[4] === 0) {
    const colCoord = (oc: number): number => (t[0] + (oc + 0.5) * t[1] - s[0]) / s[1];
    const rowCoord = (or: number): number => (t[3] + (or + 0.5) * t[5] - s[3]) / s[5];
    const data = yield* resampleSeparableInSteps(
      src.data,
      src.width,
      src.height,
      target.width,
      target.height,
      colCoord,
      rowCoord,
      method,
    );
    // Separable: a target pixel is inside when both its column and its row are.
    let cols = 0;
    let rows = 0;
    for (let oc = 0; oc < target.width; oc++) {
      const p = Math.floor(colCoord(oc));
      if (p >= 0 && p < src.width) cols++;
    }
    for (let or = 0; or < target.height; or++) {
      const p = Math.floor(rowCoord(or));
      if (p >= 0 && p < src.height) rows++;
    }
    return { raster: { ...target, data }, insidePx: cols * rows };
  }
  // A rotated or sheared pair: each target pixel centre mapped through both transforms, a block of rows at a time.
  const W = target.width;
  const blockRows = Math.max(1, Math.floor(STEP_PX / Math.max(1, W)));
  const out = new Float32Array(W * target.height);
  const px = new Float64Array(Math.min(target.height, blockRows) * W);
  const py = new Float64Array(px.length);
  const filled = method === 'nearest' ? undefined : fillInvalid(src.data, src.width, src.height, kernelRadiusPx(method));
  let insidePx = 0;
  for (let r0 = 0; r0 < target.height; r0 += blockRows) {
    if (r0 > 0) yield;
    const r1 = Math.min(target.height, r0 + blockRows);
    mapRowsToSource(s, t, W, r0, r1, px, py);
    const n = (r1 - r0) * W;
    insidePx += countInsidePx(px.subarray(0, n), py.subarray(0, n), src.width, src.height);
    samplePixels(src, px.subarray(0, n), py.subarray(0, n), method, filled, out.subarray(r0 * W, r1 * W));
  }
  return { raster: { ...target, data: out }, insidePx };
}

/** Source pixel coordinates of the centres of target rows `r0..r1-1` (transform `t`, `width` columns) into `px`, `py`. */
function mapRowsToSource(s: Affine, t: Affine, width: number, r0: number, r1: number, px: Float64Array, py: Float64Array): void {
  for (let r = r0; r < r1; r++) {
    for (let c = 0; c < width; c++) {
      const [x, y] = pixelToWorld(t, c + 0.5, r + 0.5);
      const [sc, sr] = worldToPixel(s, x, y);
      px[(r - r0) * width + c] = sc;
      py[(r - r0) * width + c] = sr;
    }
  }
}
