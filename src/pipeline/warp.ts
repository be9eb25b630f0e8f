import { pixelToWorld, worldToPixel } from '../core/geo/affine.ts';
import { sameCrs, transformPoints } from '../core/geo/crs.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';

/**
 * Resamples `src` onto `target`, reprojecting target pixel centres into the source CRS with proj4
 * when the CRSs differ. Continuous layers are bilinear (falling back to the nearest valid pixel
 * when a neighbour is NaN), categorical layers nearest. NaN outside the source.
 */
export function warpToGrid(src: Raster, target: Grid, categorical = false): Raster {
  const { width: tw, height: th } = target;
  const out = new Float32Array(tw * th);
  const xs = new Float64Array(tw);
  const ys = new Float64Array(tw);
  const same = sameCrs(src.crs, target.crs);
  const { data, width: sw, height: sh } = src;
  for (let r = 0; r < th; r++) {
    for (let c = 0; c < tw; c++) {
      const [x, y] = pixelToWorld(target.transform, c + 0.5, r + 0.5);
      xs[c] = x;
      ys[c] = y;
    }
    if (!same) transformPoints(target.crs, src.crs, xs, ys);
    for (let c = 0; c < tw; c++) {
      const [px, py] = worldToPixel(src.transform, xs[c], ys[c]);
      const ci = Math.floor(px);
      const ri = Math.floor(py);
      let v = Number.NaN;
      if (ci >= 0 && ci < sw && ri >= 0 && ri < sh) {
        v = data[ri * sw + ci];
        if (!categorical && v === v) {
          const u = px - 0.5;
          const w = py - 0.5;
          const i0 = Math.min(sw - 1, Math.max(0, Math.floor(u)));
          const j0 = Math.min(sh - 1, Math.max(0, Math.floor(w)));
          const i1 = Math.min(sw - 1, i0 + 1);
          const j1 = Math.min(sh - 1, j0 + 1);
          const tu = Math.min(1, Math.max(0, u - i0));
          const tv = Math.min(1, Math.max(0, w - j0));
          const b = (1 - tv) * ((1 - tu) * data[j0 * sw + i0] + tu * data[j0 * sw + i1]) + tv * ((1 - tu) * data[j1 * sw + i0] + tu * data[j1 * sw + i1]);
          if (b === b) v = b;
        }
      }
      out[r * tw + c] = v;
    }
  }
  return { ...target, data: out };
}
