import { parseProductName } from './band-roles.ts';
import type { BandRole, LandsatBand } from './dataset.ts';

/** A parsed Landsat MTL: `GROUP.KEY` -> value (quotes removed), plus the bare key for lookups. */
export interface Mtl {
  entries: Map<string, string>;
}

/** Parses MTL text (old L1 ODL, Collection 1/2, NUL-padded or HTML-escaped inside GDAL metadata). */
export function parseMtl(text: string): Mtl {
  const clean = text
    .replace(/\0/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
  const entries = new Map<string, string>();
  const groups: string[] = [];
  for (const line of clean.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const [, key, rawValue] = m;
    const value = rawValue.replace(/^"(.*)"$/, '$1');
    if (key === 'GROUP') groups.push(value);
    else if (key === 'END_GROUP') groups.pop();
    else entries.set(`${groups[groups.length - 1] ?? ''}.${key}`, value);
  }
  return { entries };
}

/** True when the text looks like an MTL. */
export function isMtlText(text: string): boolean {
  return /GROUP\s*=\s*(L1_METADATA_FILE|LANDSAT_METADATA_FILE)/.test(text.slice(0, 2000).replace(/\0/g, ''));
}

/** True for a name an MTL may have (`<scene>_MTL.txt`, `L7.MTL.txt`). */
export function isMtlName(name: string): boolean {
  return /mtl.*\.txt$/i.test(name);
}

/**
 * The MTL among `mtlNames` that belongs to the Landsat band file `bandName`: `<scene>_MTL.txt` for
 * `<scene>_B10.TIF`, else the only one. Undefined for a name that does not look like Landsat.
 */
export function pickMtlName(bandName: string, mtlNames: readonly string[]): string | undefined {
  if (parseProductName(bandName).landsatMission === undefined) return undefined;
  const mtls = mtlNames.filter(isMtlName);
  const prefix = bandName
    .replace(/\.(tif|tiff)$/i, '')
    .replace(/_(B\d+|BQA|B6_VCID_\d|SR_B\d+|ST_B\d+|QA_\w+|ST_\w+|SR_\w+|band\d+|sr_band\d+)$/i, '');
  return mtls.find((n) => n.toLowerCase() === `${prefix}_mtl.txt`.toLowerCase()) ?? (mtls.length === 1 ? mtls[0] : undefined);
}

/** Value of `key`, preferring groups whose name matches `groupHint` (e.g. /LEVEL2/). */
export function mtlValue(mtl: Mtl, key: string, groupHint?: RegExp): string | undefined {
  let fallback: string | undefined;
  for (const [k, v] of mtl.entries) {
    const dot = k.lastIndexOf('.');
    if (k.slice(dot + 1) !== key) continue;
    if (!groupHint || groupHint.test(k.slice(0, dot))) return v;
    fallback ??= v;
  }
  return groupHint ? undefined : fallback;
}

function mtlNumber(mtl: Mtl, key: string, groupHint?: RegExp): number | undefined {
  const v = mtlValue(mtl, key, groupHint);
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Mission number (4..9) from the MTL. */
export function mtlMission(mtl: Mtl): number | undefined {
  const id = mtlValue(mtl, 'SPACECRAFT_ID');
  const m = id ? /LANDSAT_?(\d)/.exec(id) : null;
  return m ? Number(m[1]) : undefined;
}

/** Acquisition date (ISO) from the MTL. */
export function mtlDate(mtl: Mtl): string | undefined {
  return mtlValue(mtl, 'DATE_ACQUIRED') ?? mtlValue(mtl, 'ACQUISITION_DATE');
}

/** Standard thermal constants for sensors whose old MTLs lack K1/K2 (USGS Landsat handbook). */
const THERMAL_DEFAULTS: Record<string, { k1: number; k2: number; mult?: number; add?: number }> = {
  '4-6': { k1: 671.62, k2: 1284.3 },
  '5-6': { k1: 607.76, k2: 1260.56 },
  '7-61': { k1: 666.09, k2: 1282.71, mult: 0.067087, add: -0.06709 },
  '7-62': { k1: 666.09, k2: 1282.71, mult: 0.037205, add: 3.16 },
  '8-10': { k1: 774.8853, k2: 1321.0789, mult: 3.342e-4, add: 0.1 },
  '9-10': { k1: 799.0284, k2: 1329.2405, mult: 3.8e-4, add: 0.1 },
};

/** Mean exo-atmospheric solar irradiance (W m-2 µm-1) of TM/ETM+ reflective bands (Chander et al. 2009). */
const ESUN: Record<number, Record<number, number>> = {
  4: { 1: 1983, 2: 1795, 3: 1539, 4: 1028, 5: 219.8, 7: 83.49 },
  5: { 1: 1983, 2: 1796, 3: 1536, 4: 1031, 5: 220, 7: 83.44 },
  7: { 1: 1997, 2: 1812, 3: 1533, 4: 1039, 5: 230.8, 7: 84.9 },
};

/** Earth-sun distance in AU for a day of year (first-order approximation). */
function earthSunDistanceAu(isoDate: string): number {
  const t = Date.parse(`${isoDate}T00:00:00Z`);
  const doy = Math.floor((t - Date.UTC(new Date(t).getUTCFullYear(), 0, 1)) / 86400000) + 1;
  return 1 - 0.01672 * Math.cos((0.9856 * (doy - 4) * Math.PI) / 180);
}

/** A per-pixel DN -> physical conversion for one Landsat band. */
export interface LandsatCalibration {
  kind: 'brightness-temperature' | 'toa-reflectance' | 'surface-temperature' | 'surface-reflectance';
  units: string;
  /** Converts DN (0 = fill -> NaN) in place. */
  apply: (dn: Float32Array) => void;
  /** Plain-words notes (assumed constants). */
  notes: string[];
}

function linear(mult: number, add: number, divisor = 1): (dn: Float32Array) => void {
  return (dn) => {
    for (let i = 0; i < dn.length; i++) {
      const v = dn[i];
      dn[i] = v === 0 || Number.isNaN(v) ? Number.NaN : (v * mult + add) / divisor;
    }
  };
}

/**
 * The calibration of a Landsat band: L1 thermal -> TOA brightness temperature (radiance mult/add,
 * K1/K2), L1 reflective -> TOA reflectance corrected for sun elevation (REFLECTANCE_MULT/ADD, or
 * radiance with ESUN and earth-sun distance for old TM/ETM+ MTLs), L2 -> ST (K) / SR. Returns
 * undefined when the band is not calibratable (QA, panchromatic) or the MTL lacks what it needs
 * and no standard constants exist.
 */
export function landsatCalibration(
  band: LandsatBand,
  role: BandRole,
  mtl: Mtl | undefined,
): LandsatCalibration | undefined {
  const b = band.band;
  const notes: string[] = [];
  const mtlBand = b === 61 ? '6_VCID_1' : b === 62 ? '6_VCID_2' : String(b);
  if (role === 'lst') {
    if (band.level === 'L2') {
      const mult = (mtl && mtlNumber(mtl, `TEMPERATURE_MULT_BAND_ST_B${b}`)) ?? 0.00341802;
      const add = (mtl && mtlNumber(mtl, `TEMPERATURE_ADD_BAND_ST_B${b}`)) ?? 149.0;
      return { kind: 'surface-temperature', units: 'K', apply: linear(mult, add), notes };
    }
    const def = THERMAL_DEFAULTS[`${band.mission}-${b}`];
    const mult = (mtl && mtlNumber(mtl, `RADIANCE_MULT_BAND_${mtlBand}`)) ?? def?.mult;
    const add = (mtl && mtlNumber(mtl, `RADIANCE_ADD_BAND_${mtlBand}`)) ?? def?.add;
    const k1 = (mtl && mtlNumber(mtl, `K1_CONSTANT_BAND_${mtlBand}`)) ?? def?.k1;
    const k2 = (mtl && mtlNumber(mtl, `K2_CONSTANT_BAND_${mtlBand}`)) ?? def?.k2;
    if (mult === undefined || add === undefined || k1 === undefined || k2 === undefined) return undefined;
    if (!mtl)
      notes.push(
        `no MTL found: assumed the standard Landsat ${band.mission} band ${mtlBand} gain ${mult}, bias ${add}, K1 ${k1}, K2 ${k2}`,
      );
    else if (mtlNumber(mtl, `K1_CONSTANT_BAND_${mtlBand}`) === undefined)
      notes.push(`MTL has no K1/K2: used the standard Landsat ${band.mission} values K1 ${k1}, K2 ${k2}`);
    return {
      kind: 'brightness-temperature',
      units: 'K',
      notes,
      apply: (dn) => {
        for (let i = 0; i < dn.length; i++) {
          const v = dn[i];
          if (v === 0 || Number.isNaN(v)) {
            dn[i] = Number.NaN;
            continue;
          }
          const radiance = v * mult + add;
          dn[i] = radiance > 0 ? k2 / Math.log(k1 / radiance + 1) : Number.NaN;
        }
      },
    };
  }
  if (!['blue', 'green', 'red', 'nir', 'swir', 'swir2'].includes(role)) return undefined;
  if (band.level === 'L2') {
    const mult = (mtl && mtlNumber(mtl, `REFLECTANCE_MULT_BAND_${b}`, /LEVEL2/)) ?? 0.0000275;
    const add = (mtl && mtlNumber(mtl, `REFLECTANCE_ADD_BAND_${b}`, /LEVEL2/)) ?? -0.2;
    return { kind: 'surface-reflectance', units: 'reflectance', apply: linear(mult, add), notes };
  }
  if (!mtl) return undefined;
  const sunElevDeg = mtlNumber(mtl, 'SUN_ELEVATION');
  if (sunElevDeg === undefined) return undefined;
  const sinElev = Math.sin((sunElevDeg * Math.PI) / 180);
  const rMult =
    mtlNumber(mtl, `REFLECTANCE_MULT_BAND_${b}`, /LEVEL1|RADIOMETRIC_RESCALING/) ??
    mtlNumber(mtl, `REFLECTANCE_MULT_BAND_${b}`);
  const rAdd =
    mtlNumber(mtl, `REFLECTANCE_ADD_BAND_${b}`, /LEVEL1|RADIOMETRIC_RESCALING/) ??
    mtlNumber(mtl, `REFLECTANCE_ADD_BAND_${b}`);
  if (rMult !== undefined && rAdd !== undefined) {
    return { kind: 'toa-reflectance', units: 'reflectance', apply: linear(rMult, rAdd, sinElev), notes };
  }
  const lMult = mtlNumber(mtl, `RADIANCE_MULT_BAND_${b}`);
  const lAdd = mtlNumber(mtl, `RADIANCE_ADD_BAND_${b}`);
  const esun = ESUN[band.mission]?.[b];
  const date = mtlDate(mtl);
  if (lMult === undefined || lAdd === undefined || esun === undefined || !date) return undefined;
  const d = mtlNumber(mtl, 'EARTH_SUN_DISTANCE') ?? earthSunDistanceAu(date);
  notes.push(
    `TOA reflectance from radiance with ESUN ${esun} W m-2 µm-1 and earth-sun distance ${d.toFixed(5)} AU`,
  );
  return {
    kind: 'toa-reflectance',
    units: 'reflectance',
    apply: linear(lMult * Math.PI * d * d, lAdd * Math.PI * d * d, esun * sinElev),
    notes,
  };
}
