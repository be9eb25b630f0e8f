import type { PixelWindow } from '../core/geo/grid.ts';
import type { AuxName, Grid, Raster } from '../core/raster/raster.ts';
import type { AuxLayer } from '../core/raster/packed.ts';
import type { GuideShift } from './guide-registration.ts';

/** One resolution level of a prepared scene: its grid and the auxiliary layers on it. */
export interface SceneLevel {
  grid: Grid;
  /**
   * Auxiliary layers block-averaged onto `grid` (physical units, NaN invalid). The finest level's
   * layers are int16-packed where that is exact (`core/raster/packed.ts`: integer products such as
   * MODIS NDVI and DEM metres); read them with `unpackWindow` / `unpackRaster`.
   */
  aux: Partial<Record<AuxName, AuxLayer>>;
  /** Approximate pixel size in metres (for reports; geographic grids at the scene's latitude). */
  pixelSizeM: number;
}

/**
 * A scene ready for staged downscaling: the LST on the coarse grid (`levels[0]`) and the auxiliary
 * layers on every level. `levels[k]` (k = 1..stages) is the output grid of stage k, exactly
 * `levels[k-1]` refined by 2. Plain data (typed arrays): structured-cloneable to a worker.
 */
export interface Scene {
  /** LST in K on `levels[0].grid`, NaN where invalid (QC-masked, fill, outside). */
  lst: Raster;
  levels: SceneLevel[];
  stages: number;
  /** What preparation did that the user should know (crops, reprojection, computed indices). */
  notes: string[];
  /** The reflectance guides' registration against the LST (`guide-registration.ts`), when estimated. */
  guideShift?: GuideShift;
  /** How the inputs were mapped: LST alignment ('exact' = no resampling) and crop windows. */
  alignment: {
    lst: 'exact' | 'aggregated' | 'reprojected';
    lstWindow?: PixelWindow;
    auxWindow: PixelWindow;
    auxGrid: Grid;
    lstGrid: Grid;
  };
}
