import { gridOverlap, gridToString, sameGrid } from '../core/geo/grid.ts';
import { AppError } from '../core/errors.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import { finishSteps, type Steps } from '../core/progress.ts';
import { reprojectRasterInSteps } from '../core/raster/reproject.ts';

/** A raster brought onto another grid by georeference. */
export interface AlignedRaster {
  raster: Raster;
  /** 'same-grid': already the target's pixels; 'reprojected': resampled by georeference. */
  how: 'same-grid' | 'reprojected';
  /** Fraction of target pixels that fall inside the source raster (0..1), NaN source pixels included. */
  coverage: number;
}

/**
 * Brings a QC or auxiliary raster onto `target` by georeference, never by pixel index: returned
 * unchanged when it already has the target's pixels, else reprojected with proj4 (nearest
 * neighbour for categorical layers such as QC bit fields and masks, bilinear otherwise). Pixels of
 * `target` outside the source are NaN. Throws NO_OVERLAP naming the file when the two do not
 * overlap at all.
 */
export function alignToGrid(
  src: Raster,
  target: Grid,
  opts: { categorical: boolean; name: string; file?: string; targetName?: string },
): AlignedRaster {
  return finishSteps(alignToGridInSteps(src, target, opts));
}

/** `alignToGrid` in steps: a reprojection yields after each block of rows (`reprojectRasterInSteps`), so a caller can check for a cancel there. */
export function* alignToGridInSteps(
  src: Raster,
  target: Grid,
  opts: { categorical: boolean; name: string; file?: string; targetName?: string },
): Steps<AlignedRaster> {
  if (sameGrid(src, target, 1e-3)) return { raster: src, how: 'same-grid', coverage: 1 };
  if (!gridOverlap(target, src)) {
    throw new AppError(
      'NO_OVERLAP',
      `${opts.name} (${gridToString(src)}) does not overlap ${opts.targetName ?? 'the LST'} (${gridToString(target)}): it covers another place. Use the file of the same granule or area.`,
      opts.file === undefined ? {} : { file: opts.file },
    );
  }
  // The reprojection counts the target pixels inside the source as it places them.
  const { stats, ...raster } = yield* reprojectRasterInSteps(src, target, opts.categorical ? 'nearest' : 'bilinear');
  return { raster, how: 'reprojected', coverage: stats.insidePx / (target.width * target.height) };
}
