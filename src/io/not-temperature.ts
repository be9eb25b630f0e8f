import type { BandInfo, BandRole } from './dataset.ts';
import { celsiusConversion, looksLikeKelvin, valueRange, type UnitConversion } from './unit-sanity.ts';

/** What a band holds when it is not a temperature, and what says so. */
export interface NotTemperature {
  /** What the band looks like, with its article ('an NDVI', 'reflectance', 'classes or flags'). */
  looksLike: string;
  /** What says so, in words following 'as' ('its units are reflectance', 'every value lies between -1 and 1'). */
  because: string;
  /** The role the band is a guide for, when it is one ('ndvi', 'red'...). */
  guideRole?: BandRole;
}

/** What a band says about itself: the fields of `BandInfo` that can tell a temperature from something else. */
export type BandSelf = Pick<BandInfo, 'role' | 'name' | 'units' | 'calibration' | 'landsat'>;

const ROLE_LOOKS: Partial<Record<BandRole, string>> = {
  blue: 'a blue reflectance band',
  green: 'a green reflectance band',
  red: 'a red reflectance band',
  nir: 'a near-infrared reflectance band',
  swir: 'a shortwave-infrared reflectance band',
  swir2: 'a shortwave-infrared reflectance band',
  ndvi: 'an NDVI',
  albedo: 'an albedo',
  dem: 'an elevation model',
  landcover: 'land cover classes',
  'lst-qc': 'LST quality flags',
  qc: 'quality flags',
  'cloud-mask': 'a cloud mask',
  'water-mask': 'a water mask',
  'view-angle': 'view angles',
};

/** Words in a band or file name that say what it holds; a name that also says temperature is not read this way. */
const NAME_LOOKS: readonly [RegExp, string][] = [
  [/ndvi|evi|savi/, 'a vegetation index'],
  [/ndwi|mndwi/, 'a water index'],
  [/refl|albedo/, 'reflectance'],
  [/mask/, 'a mask'],
  [/class|cover|lulc/, 'land cover classes'],
  [/time|hour/, 'a time of day'],
  [/angle|zenith|azimuth/, 'angles'],
  [/dem|elev|srtm/, 'an elevation model'],
  [/qa|qc|quality/, 'quality flags'],
];
const SAYS_TEMPERATURE = /lst|temp|celsius|kelvin|thermal|degc|bt$/;
const CELSIUS_UNITS = /^(c|°c|degc|deg_?c|degrees?[ _]?c(elsius)?|celsius)$/i;
const THERMAL_BANDS = new Set([6, 61, 62, 10, 11]);
/** At most this many distinct whole values over at least MIN_PIXELS_FOR_CLASSES valid pixels: classes or flags rather than temperatures. */
const MAX_CLASSES = 8;
const MIN_PIXELS_FOR_CLASSES = 64;

function countValid(data: Float32Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === data[i]) n++;
  return n;
}

/** A word of `name` (letters only, split at anything else) starting or ending with one of `re`'s alternatives ('LandMask' ends with 'mask'; 'aqua' is not 'qa'). */
function nameSays(name: string, re: RegExp): boolean {
  const starts = new RegExp(`^(${re.source})`);
  const ends = new RegExp(`(${re.source})$`);
  return name
    .toLowerCase()
    .split(/[^a-z]+/)
    .some((w) => w !== '' && (starts.test(w) || ends.test(w)));
}

/** The distinct valid values, up to `max + 1` of them. */
function distinctValues(data: Float32Array, max: number): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < data.length && seen.size <= max; i++) if (data[i] === data[i]) seen.add(data[i]);
  return [...seen].sort((a, b) => a - b);
}

/**
 * For a band whose values are not plausible kelvin: what it looks like when something says it is not
 * a temperature, from what the band says about itself first (units, calibration, Landsat band,
 * detected role, name), then from its values (every value within -1..1 as in an NDVI or a
 * reflectance; a few whole values over many pixels, as in classes). Undefined when nothing says so (degrees Celsius
 * may then be offered), when the band says it is a temperature, or when its values are kelvin already.
 */
export function notTemperature(band: BandSelf, data: Float32Array): NotTemperature | undefined {
  if (band.role === 'lst' || looksLikeKelvin(data)) return undefined;
  const units = band.units?.trim();
  if (units && (CELSIUS_UNITS.test(units) || /^(k|kelvin)$/i.test(units))) return undefined;
  const roleLooks = ROLE_LOOKS[band.role];
  if (roleLooks) return { looksLike: roleLooks, because: `its name or metadata (${band.name}) says`, guideRole: band.role };
  if (band.calibration === 'toa-reflectance' || band.calibration === 'surface-reflectance')
    return { looksLike: 'reflectance', because: `it was calibrated to ${band.calibration === 'toa-reflectance' ? 'top-of-atmosphere' : 'surface'} reflectance` };
  if (band.landsat && !THERMAL_BANDS.has(band.landsat.band))
    return { looksLike: 'reflectance', because: `it is Landsat ${band.landsat.mission} band ${band.landsat.band}, a reflective band` };
  if (units && /refl/i.test(units)) return { looksLike: 'reflectance', because: `its units are ${units}` };
  if (nameSays(band.name, SAYS_TEMPERATURE)) return undefined;
  const named = NAME_LOOKS.find(([re]) => nameSays(band.name, re));
  if (named) return { looksLike: named[1], because: `its name (${band.name}) says` };
  const r = valueRange(data);
  if (!r) return undefined;
  if (r.min >= -1 && r.max <= 1)
    return {
      looksLike: r.min < 0 ? 'an NDVI or another index' : 'reflectance or a fraction',
      because: `every value lies between ${r.min < 0 ? '-1' : '0'} and 1`,
    };
  const distinct = r.isWhole ? distinctValues(data, MAX_CLASSES) : [];
  if (r.isWhole && distinct.length <= MAX_CLASSES && countValid(data) >= MIN_PIXELS_FOR_CLASSES)
    return { looksLike: 'classes or flags', because: `it holds only ${distinct.length} distinct whole values (${distinct.join(', ')})` };
  return undefined;
}

/**
 * The plain degrees-Celsius conversion for a band not read as an LST whose values look like degrees
 * Celsius and that says nothing to the contrary (`notTemperature`, or `other`: its verdict when the
 * caller has it already); else undefined.
 */
export function celsiusOffer(band: BandSelf, data: Float32Array, other: NotTemperature | undefined = notTemperature(band, data)): UnitConversion | undefined {
  if (other) return undefined;
  return celsiusConversion(data);
}

/** 'the values run from -0.3000 to 0.7952: they look like an NDVI, not a temperature, as every value lies between -1 and 1'. */
export function describeNotTemperature(data: Float32Array, n: NotTemperature): string {
  const r = valueRange(data);
  const num = (v: number) => (r!.isWhole ? String(v) : v.toPrecision(4));
  const range = !r ? '' : r.isWhole ? `every value is a whole number from ${num(r.min)} to ${num(r.max)}: ` : `the values run from ${num(r.min)} to ${num(r.max)}: `;
  return `${range}they look like ${n.looksLike}, not a temperature, as ${n.because}`;
}
