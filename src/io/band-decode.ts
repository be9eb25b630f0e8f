import { productScale, type ProductScale } from './band-roles.ts';
import { isCategoricalRole, type BandRole, type ScaleSource } from './dataset.ts';

/** What the file's metadata says about one band's scaling and validity. */
export interface BandMetadataHints {
  /** GDAL band SCALE / OFFSET (role="scale"/"offset") items. */
  bandScale?: number;
  bandOffset?: number;
  /** Dataset-level HDF-style attributes kept by GDAL/AppEEARS (scale_factor, add_offset, valid_range, _FillValue, units). */
  scaleFactor?: number;
  addOffset?: number;
  validRange?: [number, number];
  fillValue?: number;
  units?: string;
}

/** The chosen DN -> physical mapping for one band. */
export interface BandScaling {
  scale: number;
  offset: number;
  source: ScaleSource;
  units?: string;
  validRange?: [number, number];
  fill?: number;
  notes: string[];
}

const REFLECTIVE: BandRole[] = ['ndvi', 'albedo', 'red', 'nir', 'blue', 'green', 'swir', 'swir2'];

/**
 * Chooses scale/offset for a band: float data and categorical roles are left as they are; else
 * GDAL band SCALE/OFFSET, else HDF `scale_factor`/`add_offset` (a factor > 1 on NDVI or
 * reflectance is the MOD13 "divide by 10000" convention and is inverted), else the product's
 * naming convention, else identity.
 */
export function resolveScaling(args: {
  role: BandRole;
  product?: string;
  landsatLevel?: 'L1' | 'L2';
  /** Scaling implied by the band's naming convention (role detection), used when the product has none. */
  nameScale?: ProductScale;
  isFloat: boolean;
  hints: BandMetadataHints;
}): BandScaling {
  const { role, isFloat, hints } = args;
  const notes: string[] = [];
  const prod = productScale(args.product, role, args.landsatLevel) ?? args.nameScale;
  const units = hints.units ?? prod?.units;
  if (isCategoricalRole(role)) return { scale: 1, offset: 0, source: 'none', notes };
  const hasBandScale =
    (hints.bandScale !== undefined && hints.bandScale !== 1) || (hints.bandOffset ?? 0) !== 0;
  // GDAL band scale/offset (band tags, GDAL_METADATA, .aux.xml) is applied to every sample type, as GDAL's -unscale does.
  if (isFloat && !hasBandScale) {
    if ((hints.bandScale ?? hints.scaleFactor ?? 1) !== 1)
      notes.push('float data taken as physical; the scale metadata was not applied');
    return {
      scale: 1,
      offset: 0,
      source: 'none',
      units,
      validRange: hints.validRange,
      fill: hints.fillValue,
      notes,
    };
  }
  let scale = hasBandScale ? (hints.bandScale ?? 1) : hints.scaleFactor;
  let offset = hasBandScale ? (hints.bandOffset ?? 0) : (hints.addOffset ?? 0);
  if (scale !== undefined && (scale !== 1 || offset !== 0)) {
    if (!hasBandScale && scale > 1 && REFLECTIVE.includes(role)) {
      notes.push(`scale factor ${scale} is a divisor (MODIS VI convention): used 1/${scale}`);
      scale = 1 / scale;
    }
    return {
      scale,
      offset,
      source: 'metadata',
      units,
      validRange: hints.validRange ?? prod?.validRange,
      fill: hints.fillValue ?? prod?.fill,
      notes,
    };
  }
  if (prod) {
    scale = prod.scale;
    offset = prod.offset;
    return {
      scale,
      offset,
      source: prod.source ?? 'product',
      units,
      validRange: hints.validRange ?? prod.validRange,
      fill: hints.fillValue ?? prod.fill,
      notes,
    };
  }
  return {
    scale: 1,
    offset: 0,
    source: 'none',
    units,
    validRange: hints.validRange,
    fill: hints.fillValue,
    notes,
  };
}

/**
 * Converts raw samples to float32 physical values: nodata, fill and out-of-valid-range samples
 * become NaN, then `raw * scale + offset`. Non-finite raw values are NaN. The values go into
 * `into` when given (`raw.length` long; it may be `raw` itself, a Float32Array the caller owns:
 * each sample is read before it is overwritten), else into a new array.
 */
export function decodeSamples(
  raw: ArrayLike<number>,
  s: { scale: number; offset: number; nodata: number | null; fill?: number; validRange?: [number, number] },
  into?: Float32Array,
): Float32Array {
  const n = raw.length;
  const out = into ?? new Float32Array(n);
  // Unset markers are NaN so that every comparison below is false for them.
  const nodata = s.nodata === null ? Number.NaN : s.nodata;
  // Float32 nodata tags such as -3.4e38 are compared at float32 precision too.
  const nodata32 = Math.fround(nodata);
  const fill = s.fill ?? Number.NaN;
  const lo = s.validRange ? s.validRange[0] : Number.NEGATIVE_INFINITY;
  const hi = s.validRange ? s.validRange[1] : Number.POSITIVE_INFINITY;
  const { scale, offset } = s;
  const lut = n > LUT_MIN_SAMPLES ? tableFor(raw) : undefined;
  if (lut) {
    // 8- and 16-bit products (MODIS int16 DN): each possible sample decoded once, then looked up.
    for (let k = 0; k < lut.table.length; k++)
      lut.table[k] = decodeOne(k + lut.min, nodata, nodata32, fill, lo, hi, scale, offset);
    const { table, min } = lut;
    const src = raw as Int16Array | Uint16Array | Int8Array | Uint8Array;
    for (let i = 0; i < n; i++) out[i] = table[src[i] - min];
  } else if (raw instanceof Float32Array) {
    decodeFloat32(raw, out, nodata, nodata32, fill, lo, hi, scale, offset);
  } else {
    // Written out (no call per sample): float64 and 32-bit integer rasters take this path.
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      // v - v is NaN for NaN and +-Infinity.
      out[i] =
        v - v !== 0 || v === nodata || v === nodata32 || v === fill || v < lo || v > hi
          ? Number.NaN
          : v * scale + offset;
    }
  }
  return out;
}

/**
 * The float loop for Float32Array samples alone: a function that only ever sees Float32Array
 * stays specialised to it (the shared loop above, once it has seen several array kinds, runs
 * ~5x slower per sample). Same arithmetic as the shared loop, so the same values.
 */
function decodeFloat32(
  raw: Float32Array,
  out: Float32Array,
  nodata: number,
  nodata32: number,
  fill: number,
  lo: number,
  hi: number,
  scale: number,
  offset: number,
): void {
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    // v - v is NaN for NaN and +-Infinity.
    out[i] =
      v - v !== 0 || v === nodata || v === nodata32 || v === fill || v < lo || v > hi
        ? Number.NaN
        : v * scale + offset;
  }
}

function decodeOne(
  v: number,
  nodata: number,
  nodata32: number,
  fill: number,
  lo: number,
  hi: number,
  scale: number,
  offset: number,
): number {
  return v - v !== 0 || v === nodata || v === nodata32 || v === fill || v < lo || v > hi
    ? Number.NaN
    : v * scale + offset;
}

/** Above this many samples a 16-bit band is decoded through a table of its 65 536 values. */
const LUT_MIN_SAMPLES = 1 << 18;

/** A table for every value of an 8- or 16-bit integer array (`table[v - min]`), or undefined for other arrays. */
function tableFor(raw: ArrayLike<number>): { table: Float32Array; min: number } | undefined {
  if (raw instanceof Int16Array) return { table: new Float32Array(65536), min: -32768 };
  if (raw instanceof Uint16Array) return { table: new Float32Array(65536), min: 0 };
  if (raw instanceof Int8Array) return { table: new Float32Array(256), min: -128 };
  if (raw instanceof Uint8Array || raw instanceof Uint8ClampedArray)
    return { table: new Float32Array(256), min: 0 };
  return undefined;
}

/** Parses a number from metadata text ("0.02", "-65"); undefined when absent or not numeric. */
export function metaNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** Parses "7500, 65535" style ranges. */
export function metaRange(v: string | undefined): [number, number] | undefined {
  if (!v) return undefined;
  const parts = v
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
  return parts.length === 2 && parts.every(Number.isFinite) ? [parts[0], parts[1]] : undefined;
}
