import { cropGrid } from '../core/geo/grid.ts';
import type { Raster } from '../core/raster/raster.ts';

/**
 * Copies the window (col0, row0, width, height) of `data` (row-major, `srcWidth` wide) into a new
 * array. Pixels outside the source are NaN.
 */
export function cropData(
  data: Float32Array,
  srcWidth: number,
  srcHeight: number,
  col0: number,
  row0: number,
  width: number,
  height: number,
): Float32Array {
  const out = new Float32Array(width * height).fill(Number.NaN);
  for (let r = 0; r < height; r++) {
    const sr = row0 + r;
    if (sr < 0 || sr >= srcHeight) continue;
    const c0 = Math.max(0, -col0);
    const c1 = Math.min(width, srcWidth - col0);
    if (c1 <= c0) continue;
    out.set(data.subarray(sr * srcWidth + col0 + c0, sr * srcWidth + col0 + c1), r * width + c0);
  }
  return out;
}

/** Crops a raster to a pixel window (see `cropData`); the result's grid is the window's grid. */
export function cropRaster(r: Raster, col0: number, row0: number, width: number, height: number): Raster {
  return {
    ...cropGrid(r, { col: col0, row: row0, width, height }),
    data: cropData(r.data, r.width, r.height, col0, row0, width, height),
  };
}

function cubicWeights(t: number): [number, number, number, number] {
  // Keys kernel, a = -0.5 (Catmull-Rom), for taps at -1, 0, 1, 2 relative to floor(x).
  const a = -0.5;
  const w = (x: number): number => {
    const ax = Math.abs(x);
    if (ax <= 1) return (a + 2) * ax ** 3 - (a + 3) * ax ** 2 + 1;
    if (ax < 2) return a * ax ** 3 - 5 * a * ax ** 2 + 8 * a * ax - 4 * a;
    return 0;
  };
  return [w(t + 1), w(t), w(1 - t), w(2 - t)];
}

/**
 * Bicubic upsampling by an integer `factor` in pixel-area convention (fine pixel centres at
 * `(i + 0.5)/factor - 0.5` coarse pixels), edge pixels clamped. NaN-aware: invalid taps are dropped
 * and the remaining weights renormalised; a fine pixel whose own coarse pixel is NaN is NaN.
 * Output is `factor*width x factor*height`.
 */
export function bicubicUpsampleData(data: Float32Array, width: number, height: number, factor: number): Float32Array {
  const fw = width * factor;
  const fh = height * factor;
  const out = new Float32Array(fw * fh);
  const phaseW: [number, number, number, number][] = [];
  const phaseOff: number[] = [];
  for (let p = 0; p < factor; p++) {
    const x = (p + 0.5) / factor - 0.5;
    const f = Math.floor(x);
    phaseOff.push(f);
    phaseW.push(cubicWeights(x - f));
  }
  const clampC = (c: number): number => (c < 0 ? 0 : c >= width ? width - 1 : c);
  const clampR = (r: number): number => (r < 0 ? 0 : r >= height ? height - 1 : r);
  for (let fr = 0; fr < fh; fr++) {
    const cr = Math.floor(fr / factor);
    const pr = fr - cr * factor;
    const wy = phaseW[pr];
    const r0 = cr + phaseOff[pr] - 1;
    const rows = [clampR(r0) * width, clampR(r0 + 1) * width, clampR(r0 + 2) * width, clampR(r0 + 3) * width];
    for (let fc = 0; fc < fw; fc++) {
      const cc = Math.floor(fc / factor);
      const own = data[cr * width + cc];
      if (own !== own) {
        out[fr * fw + fc] = Number.NaN;
        continue;
      }
      const pc = fc - cc * factor;
      const wx = phaseW[pc];
      const c0 = cc + phaseOff[pc] - 1;
      const cols = [clampC(c0), clampC(c0 + 1), clampC(c0 + 2), clampC(c0 + 3)];
      let s = 0;
      let ws = 0;
      let complete = true;
      for (let i = 0; i < 4; i++) {
        const rb = rows[i];
        for (let j = 0; j < 4; j++) {
          const v = data[rb + cols[j]];
          const w = wy[i] * wx[j];
          if (v === v) {
            s += w * v;
            ws += w;
          } else if (w !== 0) complete = false;
        }
      }
      // With missing taps the renormalised sum can blow up when the kept weights nearly cancel.
      out[fr * fw + fc] = complete || ws > 0.5 ? s / ws : own;
    }
  }
  return out;
}

/** Nearest-neighbour upsampling by an integer factor (each coarse pixel repeated factor x factor). */
export function nearestUpsampleData(data: Float32Array, width: number, height: number, factor: number): Float32Array {
  const fw = width * factor;
  const out = new Float32Array(fw * height * factor);
  for (let fr = 0; fr < height * factor; fr++) {
    const cr = Math.floor(fr / factor);
    for (let fc = 0; fc < fw; fc++) out[fr * fw + fc] = data[cr * width + Math.floor(fc / factor)];
  }
  return out;
}
