import { AppError } from '../core/errors.ts';
import { pixelSizeMetres } from '../core/geo/grid.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import type { Dataset, DatasetBand } from './dataset.ts';
import { applyMod11Qc, DEFAULT_MOD11_QC_POLICY, type Mod11QcPolicy } from './modis-qc.ts';

/** A band together with the dataset (file) it came from. */
export interface BandRef {
  dataset: Dataset;
  band: DatasetBand;
}

function sameGridShape(a: Dataset, b: Dataset): boolean {
  return (
    a.width === b.width &&
    a.height === b.height &&
    a.transform.every((v, i) => Math.abs(v - b.transform[i]) <= Math.abs(a.transform[1]) * 1e-6 + 1e-9)
  );
}

/** True when `a` has pixels more than 1 % smaller than `b`'s (in metres): sizes within 1 % count as one. */
export function hasFinerPixels(a: Grid, b: Grid): boolean {
  return pixelSizeMetres(a) < 0.99 * pixelSizeMetres(b);
}

/**
 * The LST band to downscale among `datasets`: role `lst`, matching `dayNight` when given (day
 * preferred otherwise); then the coarsest (an LST finer than another, `hasFinerPixels`, is the
 * finer truth of the same place, e.g. ASTER beside MODIS, not the one to downscale); among Landsat
 * thermal bands B10 beats B11. Undefined when none.
 */
export function findLstBand(datasets: Dataset[], dayNight?: 'day' | 'night'): BandRef | undefined {
  const all: BandRef[] = datasets.flatMap((dataset) =>
    dataset.bands.filter((b) => b.role === 'lst').map((band) => ({ dataset, band })),
  );
  const dayScore = (r: BandRef): number =>
    (dayNight && r.band.dayNight === dayNight ? 2 : 0) + (!dayNight && r.band.dayNight !== 'night' ? 1 : 0);
  const order = (a: BandRef, b: BandRef): number => {
    const d = dayScore(b) - dayScore(a);
    if (d !== 0) return d;
    if (hasFinerPixels(a.band.raster, b.band.raster)) return 1;
    if (hasFinerPixels(b.band.raster, a.band.raster)) return -1;
    return (a.band.landsat?.band === 11 ? 1 : 0) - (b.band.landsat?.band === 11 ? 1 : 0);
  };
  return all.sort(order)[0];
}

/** The MOD11 QC band that belongs to `lst`: role `lst-qc`, same grid, and same product, date and day/night when known. */
export function findQcFor(datasets: Dataset[], lst: BandRef): BandRef | undefined {
  for (const dataset of datasets) {
    for (const band of dataset.bands) {
      if (band.role !== 'lst-qc' || !sameGridShape(dataset, lst.dataset)) continue;
      if (lst.dataset.product && dataset.product && lst.dataset.product !== dataset.product) continue;
      if (lst.dataset.date && dataset.date && lst.dataset.date !== dataset.date) continue;
      if (lst.band.dayNight && band.dayNight && lst.band.dayNight !== band.dayNight) continue;
      return { dataset, band };
    }
  }
  return undefined;
}

/** The LST ready for the pipeline: QC applied when a matching MOD11 QC was found. */
export interface SelectedLst {
  raster: Raster;
  lst: BandRef;
  qc?: BandRef;
  /** Valid LST pixels the QC policy rejected. */
  rejected: number;
}

/**
 * Picks the LST band among `datasets` and applies its MOD11 QC (default policy: good or other
 * quality with LST error <= 2 K). Throws MISSING_BAND when no dataset has an LST band.
 * The returned raster is a new array when QC was applied, else the band's own raster.
 */
export function selectLstWithQc(
  datasets: Dataset[],
  policy: Mod11QcPolicy = DEFAULT_MOD11_QC_POLICY,
  dayNight?: 'day' | 'night',
): SelectedLst {
  const lst = findLstBand(datasets, dayNight);
  if (!lst) {
    const names = datasets.map((d) => `${d.fileName} (${d.bands.map((b) => b.role).join(',')})`).join('; ');
    throw new AppError(
      'MISSING_BAND',
      `No LST band among the inputs: ${names || 'none'}. Add a MOD11/MYD11 LST GeoTIFF or set a file's role to LST.`,
    );
  }
  const qc = findQcFor(datasets, lst);
  if (!qc) return { raster: lst.band.raster, lst, rejected: 0 };
  const { raster, rejected } = applyMod11Qc(lst.band.raster, qc.band.raster, policy);
  return { raster, lst, qc, rejected };
}
