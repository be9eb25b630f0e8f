import type { Grid, Raster } from '../core/raster/raster.ts';
import type { UnitConversion } from './unit-sanity.ts';

/**
 * What a band is for. `lst` covers MODIS/ECOSTRESS LST and Landsat thermal brightness temperature
 * (K); `lst-qc` is the LST's QC bit field (MOD11/MYD11, or ECOSTRESS L2 LSTE by the file's product);
 * `qc` any other quality band (MOD13 VI_Quality, MOD09 state); `cloud-mask` 1 (any non-zero) =
 * cloudy, or a Landsat BQA/QA_PIXEL band read by its cloud bits; `water-mask` 1 (any non-zero) =
 * water; `swir` is the 1.6 µm band, `swir2` the 2.1 µm band.
 */
export type BandRole =
  | 'lst'
  | 'lst-qc'
  | 'qc'
  | 'cloud-mask'
  | 'water-mask'
  | 'blue'
  | 'green'
  | 'red'
  | 'nir'
  | 'swir'
  | 'swir2'
  | 'ndvi'
  | 'albedo'
  | 'dem'
  | 'landcover'
  | 'view-angle'
  | 'unknown';

/** Every role, in the order a role picker lists them. */
export const BAND_ROLES: readonly BandRole[] = [
  'lst',
  'lst-qc',
  'qc',
  'cloud-mask',
  'water-mask',
  'blue',
  'green',
  'red',
  'nir',
  'swir',
  'swir2',
  'ndvi',
  'albedo',
  'dem',
  'landcover',
  'view-angle',
  'unknown',
];

/** Roles whose values are bit fields, flags or classes: never rescaled, never interpolated. */
export function isCategoricalRole(role: BandRole): boolean {
  return (
    role === 'lst-qc' ||
    role === 'qc' ||
    role === 'cloud-mask' ||
    role === 'water-mask' ||
    role === 'landcover'
  );
}

/** Where the applied scale/offset came from (`espa-xml`: the `scale_factor` of the folder's ESPA metadata file, named by `scaleFile`). */
export type ScaleSource = 'metadata' | 'product' | 'espa-xml' | 'landsat-mtl' | 'landsat-default' | 'none';

/** Landsat band identity, when the band is one. */
export interface LandsatBand {
  /** 4, 5, 7, 8 or 9. */
  mission: number;
  /** Sensor band number as in the MTL (`6` for TM thermal, `61`/`62` ETM+ low/high gain, `10` TIRS). */
  band: number;
  /** 'L1' digital numbers or 'L2' surface products. */
  level: 'L1' | 'L2';
}

/** Description of one band: role, naming, and the DN -> physical mapping that was applied. */
export interface BandInfo {
  role: BandRole;
  /** Band or layer name (GDAL description, AppEEARS layer, file stem). */
  name: string;
  /** `day`/`night` for LST and LST QC when known. */
  dayNight?: 'day' | 'night';
  /** Physical unit after scaling ('K', 'm', 'deg', 'reflectance', ...), when known. */
  units?: string;
  /** physical = raw * scale + offset (identity for floats and categorical bands). */
  scale: number;
  offset: number;
  scaleSource: ScaleSource;
  /** The file the scale was read from, when it is not the band's own (the ESPA `<scene>.xml` for `espa-xml`). */
  scaleFile?: string;
  /** Nodata value of the raw band (file tag or product fill), or null. Ignored for MOD11 QC. */
  nodata: number | null;
  /** Landsat band identity, when detected. */
  landsat?: LandsatBand;
  /**
   * For an LST band whose values are not plausible kelvin: the unit conversions that would make
   * them so (degrees Celsius, scaled kelvin...). Never applied by the reader: the user chooses.
   */
  unitCandidates?: UnitConversion[];
  /** Why the band is left out (role `unknown`) although it has a role: the folder holds a better file for it. */
  unused?: string;
  /** Why the role of a band of a stack is `unknown`: it has only GDAL's default name (`Band 8`) and nothing in the file says what it holds. */
  nameless?: string;
  /** Calibration applied beyond scale/offset (Landsat L1). */
  calibration?: 'brightness-temperature' | 'toa-reflectance' | 'surface-temperature' | 'surface-reflectance';
}

/** One band read into the project's raster shape (float32, physical units, NaN = invalid). */
export interface DatasetBand extends BandInfo {
  raster: Raster;
}

/** Storage layout facts, for display and for deciding what can be read. */
export interface TiffLayout {
  bitsPerSample: number;
  /** 1 uint, 2 int, 3 float. */
  sampleFormat: number;
  compression: number;
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
}

/** A GeoTIFF read into rasters: one grid, one or more bands. */
export interface Dataset extends Grid {
  fileName: string;
  /** Product short name ('MOD11A1', 'MOD13Q1', 'ECO_L2_LSTE', 'LANDSAT_8', ...), when known. */
  product?: string;
  /** Acquisition (or composite start) date, ISO `YYYY-MM-DD`, when known. */
  date?: string;
  /** Layer name from the file name (AppEEARS / LAADS naming), when known. */
  layer?: string;
  bands: DatasetBand[];
  /** Dataset-level GDAL metadata items (entities decoded). */
  metadata: Record<string, string>;
  layout: TiffLayout;
  /** Things the reader assumed or could not do, in plain words. */
  warnings: string[];
}
