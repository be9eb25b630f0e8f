import { AppError } from '../errors.ts';
import { gridToString, sameGrid } from '../geo/grid.ts';
import type { Raster } from './raster.ts';

/**
 * `(a - b) / (a + b)` per pixel, clamped to [-1, 1]. NaN where either input is NaN or `a + b` is 0.
 * Returns a new array of the inputs' length (they must match).
 */
export function normalizedDifference(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) {
    throw new AppError(
      'GRID_MISMATCH',
      `normalizedDifference: bands have ${a.length} and ${b.length} pixels.`,
    );
  }
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const s = a[i] + b[i];
    if (s === 0 || s !== s) {
      out[i] = Number.NaN;
      continue;
    }
    const v = (a[i] - b[i]) / s;
    out[i] = v > 1 ? 1 : v < -1 ? -1 : v;
  }
  return out;
}

function requireSameGrid(a: Raster, b: Raster, what: string, aName: string, bName: string): void {
  if (!sameGrid(a, b)) {
    throw new AppError(
      'GRID_MISMATCH',
      `${what} needs ${aName} and ${bName} on one grid: ${aName} ${gridToString(a)}, ${bName} ${gridToString(b)}.`,
    );
  }
}

/** NDVI = (NIR - red) / (NIR + red) from reflectances on the same grid; NaN-safe, in [-1, 1]. */
export function computeNdvi(red: Raster, nir: Raster): Raster {
  requireSameGrid(red, nir, 'NDVI', 'red', 'NIR');
  return { ...nir, data: normalizedDifference(nir.data, red.data) };
}

/**
 * NDWI after Gao (1996) = (NIR - SWIR) / (NIR + SWIR), vegetation water content (MODIS band 2 with
 * band 6 or 7); NaN-safe, in [-1, 1].
 */
export function computeNdwi(nir: Raster, swir: Raster): Raster {
  requireSameGrid(nir, swir, 'NDWI', 'NIR', 'SWIR');
  return { ...nir, data: normalizedDifference(nir.data, swir.data) };
}
