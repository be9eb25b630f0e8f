import type { Affine } from '../geo/affine.ts';

/**
 * A coordinate reference system. `proj4` is always set (a proj4 definition string usable by the
 * proj4 library); `epsg` when the CRS is a registered code. `name` is for people.
 */
export interface Crs {
  epsg?: number;
  proj4: string;
  name: string;
  /** True for geographic (degree) CRSs. */
  isGeographic: boolean;
}

/** A georeferenced pixel grid. */
export interface Grid {
  width: number;
  height: number;
  transform: Affine;
  crs: Crs;
}

/**
 * The project's one raster shape: a single band of float32 physical values (K for LST, unitless
 * reflectance/NDVI, metres for DEM), row-major, `width*height` long, NaN where invalid.
 */
export interface Raster extends Grid {
  data: Float32Array;
}

/** Auxiliary layer names the pipeline and the model know, all on fine grids, physical units. */
export type AuxName = 'ndvi' | 'ndwi' | 'albedo' | 'dem' | 'landcover' | 'red' | 'nir' | 'swir';

/** Creates a raster on `grid` filled with `value` (NaN = all invalid). */
export function createRaster(grid: Grid, value = Number.NaN): Raster {
  const data = new Float32Array(grid.width * grid.height);
  data.fill(value);
  return { ...grid, data };
}

/** The grid part of a raster (no data). */
export function gridOf(r: Grid): Grid {
  return { width: r.width, height: r.height, transform: r.transform, crs: r.crs };
}

/** Fraction of pixels that are valid (not NaN). */
export function validFraction(data: Float32Array): number {
  if (data.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isNaN(data[i])) n++;
  return n / data.length;
}
