import type { BandRole, LandsatBand, ScaleSource } from './dataset.ts';
import { unusedBesideSurfaceReflectance, type EspaBand } from './espa.ts';

/** What a file name says: product, date, layer (MODIS LAADS/LP DAAC, AppEEARS, Landsat, GEE). */
export interface ProductName {
  product?: string;
  /** ISO `YYYY-MM-DD`. */
  date?: string;
  layer?: string;
  tile?: string;
  /** Landsat mission (4, 5, 7, 8, 9) when the name is a Landsat one. */
  landsatMission?: number;
  landsatLevel?: 'L1' | 'L2';
}

function isoFromYearDoy(year: number, doy: number): string | undefined {
  if (doy < 1 || doy > 366 || year < 1970 || year > 2100) return undefined;
  const d = new Date(Date.UTC(year, 0, doy));
  return d.toISOString().slice(0, 10);
}

function isoFromYmd(y: number, m: number, d: number): string | undefined {
  if (y < 1970 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) return undefined;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function stem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.g?tiff?$/i, '');
}

/** Parses product, date and layer from a file name. Unknown parts stay undefined. */
export function parseProductName(fileName: string): ProductName {
  const s = stem(fileName);
  const out: ProductName = {};
  // MODIS / VIIRS / ECOSTRESS product short names, e.g. MOD11A1, MYD13Q1, MCD43A3, ECO_L2_LSTE.
  const modis = /\b(M[OYC]D\d{2}[A-Z0-9]{1,3}|VNP\d{2}[A-Z0-9]{1,3}|ECO_?L2T?_LSTE|ECO2LSTE)(?=[._]|$)/i.exec(
    s,
  );
  if (modis) out.product = modis[1].toUpperCase().replace('ECO2LSTE', 'ECO_L2_LSTE');
  // AppEEARS: PRODUCT.VER_LAYER_doyYYYYDDDhhmmss_aidNNNN
  const appeears = /^([A-Za-z0-9_]+?)\.(\d{3})_(.+?)_doy(\d{4})(\d{3})\d{0,6}_aid\d+$/.exec(s);
  if (appeears) {
    out.product = appeears[1].toUpperCase();
    out.layer = appeears[3];
    out.date = isoFromYearDoy(Number(appeears[4]), Number(appeears[5]));
    return out;
  }
  // LAADS / LP DAAC granule: PRODUCT.AYYYYDDD.hXXvYY.CCC.PRODTIME[.LAYER]
  const laads = /^([A-Z0-9]+)\.A(\d{4})(\d{3})\.(h\d{2}v\d{2})?\.?(\d{3})?\.?\d*\.?(.*)$/.exec(s);
  if (laads) {
    out.product = laads[1].toUpperCase();
    out.date = isoFromYearDoy(Number(laads[2]), Number(laads[3]));
    if (laads[4]) out.tile = laads[4];
    if (laads[6]) out.layer = laads[6].replace(/^.*:/, '');
    return out;
  }
  // Landsat Collection 1/2: LC08_L1TP_204033_20210525_20210529_02_T1[_B10]
  const landsatC =
    /^L([CTEOM])0?(\d)_(L1|L2)[A-Z]{0,2}_\d{6}_(\d{4})(\d{2})(\d{2})_\d{8}_\d{2}_[A-Z0-9]{2}(?:_(.+))?$/.exec(
      s,
    );
  if (landsatC) {
    out.product = `LANDSAT_${landsatC[2]}`;
    out.landsatMission = Number(landsatC[2]);
    out.landsatLevel = landsatC[3] as 'L1' | 'L2';
    out.date = isoFromYmd(Number(landsatC[4]), Number(landsatC[5]), Number(landsatC[6]));
    if (landsatC[7]) out.layer = landsatC[7];
    return out;
  }
  // Pre-collection Landsat scene id: LT52240631988227CUB02[_B6]
  const landsatOld = /^L([CTEOM])(\d)\d{6}(\d{4})(\d{3})[A-Z]{3}\d{2}(?:_(.+))?$/.exec(s);
  if (landsatOld) {
    out.product = `LANDSAT_${landsatOld[2]}`;
    out.landsatMission = Number(landsatOld[2]);
    out.landsatLevel = 'L1';
    out.date = isoFromYearDoy(Number(landsatOld[3]), Number(landsatOld[4]));
    if (landsatOld[5]) out.layer = landsatOld[5];
    return out;
  }
  // GRASS NC sample naming: lsat7_2000_30 (ETM+ band 3), lsat5_1987_61 ...
  const grass = /^lsat(\d)_(\d{4})_(\d{2})$/i.exec(s);
  if (grass) {
    out.product = `LANDSAT_${grass[1]}`;
    out.landsatMission = Number(grass[1]);
    out.landsatLevel = 'L1';
    out.layer = grass[3];
    return out;
  }
  // Short Landsat band files (l8_B10, L7_ETMs, LC08_cube): mission from the prefix.
  const shortLandsat = /^(?:l|lc0?|le0?|lt0?)([4-9])(?:_|$)/i.exec(s);
  if (shortLandsat) {
    out.landsatMission = Number(shortLandsat[1]);
    out.product = `LANDSAT_${shortLandsat[1]}`;
  }
  // Dates: YYYYMMDD, or PRODUCT_..._YYYY_DDD (MODIStsp), or ...doyYYYYDDD.
  const doy = /doy(\d{4})(\d{3})/.exec(s) ?? /_(\d{4})_(\d{3})$/.exec(s);
  const ymd = /(?:^|[_.-])((?:19|20)\d{2})(\d{2})(\d{2})(?:[_.-]|$)/.exec(s);
  if (doy) out.date = isoFromYearDoy(Number(doy[1]), Number(doy[2]));
  else if (ymd) out.date = isoFromYmd(Number(ymd[1]), Number(ymd[2]), Number(ymd[3]));
  return out;
}

/** Inputs for role detection; any may be missing. */
export interface RoleHints {
  fileName: string;
  /** Band description (GDAL DESCRIPTION, GEE band name). */
  description?: string;
  /** Dataset and band metadata values worth matching (long_name, units, ...). */
  metadata?: Record<string, string>;
  bandIndex?: number;
  bandCount?: number;
  /** What the ESPA metadata file of the folder says of this band file. */
  espaBand?: EspaBand;
  /** Names of the other files of the folder (or drop): a band file may go unused beside a better one. */
  siblingNames?: readonly string[];
}

/** Result of role detection. */
export interface RoleGuess {
  role: BandRole;
  dayNight?: 'day' | 'night';
  landsat?: LandsatBand;
  /** Scaling the naming convention implies (ESPA/LEDAPS products), when the product table has none. */
  scale?: ProductScale;
  /** Why (for logs and the info command). */
  reason: string;
  /**
   * Set when the band is left out (`role` is then `unknown`) because the folder holds a better
   * file for its role: the role it would have (for its calibration) and why it is not used.
   */
  unused?: { role: BandRole; because: string };
}

const LANDSAT_ROLES: Record<string, Record<number, BandRole>> = {
  oli: {
    1: 'unknown',
    2: 'blue',
    3: 'green',
    4: 'red',
    5: 'nir',
    6: 'swir',
    7: 'swir2',
    8: 'unknown',
    9: 'unknown',
    10: 'lst',
    11: 'lst',
  },
  tm: {
    1: 'blue',
    2: 'green',
    3: 'red',
    4: 'nir',
    5: 'swir',
    6: 'lst',
    61: 'lst',
    62: 'unknown',
    7: 'swir2',
    8: 'unknown',
  },
};

function landsatRole(mission: number, band: number): BandRole {
  const table = mission >= 8 ? LANDSAT_ROLES.oli : LANDSAT_ROLES.tm;
  return table[band] ?? 'unknown';
}

function dayNightOf(text: string): 'day' | 'night' | undefined {
  if (/night/.test(text)) return 'night';
  if (/(^|_)day(_|$)|daytime/.test(text)) return 'day';
  return undefined;
}

/** Role rules over a normalised name (lower case, non-alphanumerics -> `_`), first match wins. */
const NAME_RULES: Array<[RegExp, BandRole]> = [
  [/(^|_)qc_(day|night)(_|$)|quality_control_for_(day|night)time_lst/, 'lst-qc'],
  [
    /(^|_)(lst|emis\w*|qc)_err|(^|_)emis(_?\d+|wb|sivity)|(^|_)view_time|clear_(day|night)_cov|(^|_)evi(_|$)|(^|_)time(_|$)|landmask/,
    'unknown',
  ],
  [/cloud_?mask|(^|_)(bqa|qa_pixel)(_|$)/, 'cloud-mask'],
  [/water_?mask/, 'water-mask'],
  [/vi_quality|(^|_)(qc|qa|qa_radsat|state_1km|qc_500m|qc_250m)(_|$)/, 'qc'],
  [/view_(angl|zenith)|(^|_)vzen(_|$)|sensor_zenith/, 'view-angle'],
  [/sur_refl_b0?1(_|$)|(^|_)red(_|$)/, 'red'],
  [/sur_refl_b0?2(_|$)|(^|_)nir(_|$)/, 'nir'],
  [/sur_refl_b0?3(_|$)|(^|_)blue(_|$)/, 'blue'],
  [/sur_refl_b0?4(_|$)|(^|_)green(_|$)/, 'green'],
  [/sur_refl_b0?6(_|$)|(^|_)swir_?1(_|$)|(^|_)swir(_|$)/, 'swir'],
  [/sur_refl_b0?7(_|$)|(^|_)swir_?2(_|$)/, 'swir2'],
  [/ndvi/, 'ndvi'],
  [
    /(^|_)lst(_|$)|land_?surface_?temp|surface_temperature|(^|_)st_b(6|10)(_|$)|thermal|brightness_temp/,
    'lst',
  ],
  [/albedo|(^|_)(wsa|bsa)(_|$)/, 'albedo'],
  [/(^|_)(dem|dtm|srtm\w*|elevation|gmted\w*|be\d+_grd|height|altitude)(_|$)|_dem(_|$)/, 'dem'],
  [/land_?cover|lndcov|(^|_)lc_?type|(^|_)nlcd|mcd12q1|(^|_)igbp|(^|_)lulc(_|$)/, 'landcover'],
];

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Landsat band number from a band/layer name: `B10`, `SR_B4`, `ST_B10`, `Band4 - Red`, `B6_VCID_1`. */
function landsatBandNumber(text: string): number | undefined {
  const vcid = /(?:^|_)b_?6_vcid_?([12])(?:_|$)/.exec(text);
  if (vcid) return 60 + Number(vcid[1]);
  const m = /(?:^|_)(?:sr_|st_)?(?:b|band)_?(\d{1,2})(?:_|$)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Guesses a band's role from the file name, band description and metadata, covering LAADS/LP DAAC
 * GDAL subdataset names, AppEEARS layer names, GEE band names, Landsat L1/L2 band files and
 * GRASS-style Landsat names. Returns `unknown` rather than guessing wildly.
 */
export function detectRole(hints: RoleHints): RoleGuess {
  const guess = detectOwnRole(hints);
  const because = hints.siblingNames && guess.role !== 'unknown' ? unusedBesideSurfaceReflectance(hints.fileName, hints.siblingNames) : undefined;
  return because ? { ...guess, role: 'unknown', reason: because, unused: { role: guess.role, because } } : guess;
}

/** `detectRole` from the band's own name and metadata (its folder aside). */
function detectOwnRole(hints: RoleHints): RoleGuess {
  const name = parseProductName(hints.fileName);
  const desc = normalise(hints.description ?? '');
  const layer = normalise(name.layer ?? '');
  const file = normalise(stem(hints.fileName));
  const longName = normalise(hints.metadata?.long_name ?? '');
  const mission = name.landsatMission ?? landsatMissionFromMetadata(hints.metadata);
  const level = name.landsatLevel ?? (/(^|_)(sr|st)_b\d/.test(`${desc}_${layer}`) ? 'L2' : 'L1');

  // ESPA/LEDAPS products of pre-collection scenes: `<scene>_sr_band4` surface reflectance x 0.0001,
  // `band 6 temperature` brightness temperature in degrees C x 100. Not L1 DN: no MTL calibration.
  if (mission !== undefined) {
    const fromXml = hints.espaBand ? espaMetadataGuess(hints.espaBand, mission) : undefined;
    if (fromXml) return fromXml;
    const espa = espaGuess(`${desc}|${layer}`, mission);
    if (espa) return espa;
  }
  // Landsat bands: by explicit band keyword in the description, else by band number. GDAL's default
  // band name (`Band 8`, which gdal_translate keeps from the band it copied) comes after the file's
  // own name: `<scene>_west_cloud_mask.tif` cut from band 8 of a stack is a cloud mask.
  if (mission !== undefined) {
    const texts = /^band_\d+$/.test(desc) ? [layer, file, desc] : [desc, layer, file];
    for (const text of texts) {
      if (!text) continue;
      for (const [re, role] of NAME_RULES) {
        if (role === 'unknown' || role === 'lst-qc') continue;
        if (re.test(text)) {
          const band = landsatBandNumber(text);
          return {
            role,
            landsat: band === undefined ? undefined : { mission, band, level },
            reason: `Landsat band name '${text}'`,
          };
        }
      }
      const band =
        text === layer && /^\d{2}$/.test(text) && !name.layer?.startsWith('B')
          ? Number(text)
          : landsatBandNumber(text);
      if (band !== undefined) {
        // GRASS names use band*10 (30 = band 3, 61 = band 6 low gain).
        const b = /^\d{2}$/.test(text) ? (band % 10 === 0 ? band / 10 : band) : band;
        return {
          role: landsatRole(mission, b),
          landsat: { mission, band: b, level },
          reason: `Landsat ${mission} band ${b}`,
        };
      }
    }
    // Whole-scene stack without band names: TM/ETM+ reflective bands 1,2,3,4,5,7 (or 1..7).
    if (hints.bandCount && hints.bandCount > 1 && hints.bandIndex !== undefined) {
      const order =
        mission >= 8
          ? [2, 3, 4, 5, 6, 7, 10]
          : hints.bandCount === 6
            ? [1, 2, 3, 4, 5, 7]
            : [1, 2, 3, 4, 5, 6, 7];
      // ETM+ stacks carry one thermal layer: the low-gain B6_VCID_1 (the one SLC-era exports keep).
      const b = mission === 7 && order[hints.bandIndex] === 6 ? 61 : order[hints.bandIndex];
      if (b !== undefined)
        return {
          role: landsatRole(mission, b),
          landsat: { mission, band: b, level },
          reason: `Landsat ${mission} stack band ${hints.bandIndex + 1} = B${b}`,
        };
    }
  }

  // The QC layer of an ECOSTRESS LST product is the LST's own QC (its bit layout: io/ecostress-qc.ts).
  if (/^ECO/i.test(name.product ?? '') && /(^|_)qc$/.test(layer))
    return { role: 'lst-qc', reason: `ECOSTRESS ${name.product} QC of the LST` };
  for (const text of [desc, layer, longName, file]) {
    if (!text) continue;
    for (const [re, role] of NAME_RULES) {
      if (!re.test(text)) continue;
      const guess: RoleGuess = { role, reason: `name '${text}' matches ${role}` };
      if (role === 'lst' || role === 'lst-qc' || role === 'view-angle') {
        const dn = dayNightOf(text) ?? dayNightOf(longName);
        if (dn) guess.dayNight = dn;
      }
      return guess;
    }
  }
  return { role: 'unknown', reason: 'no naming rule matched' };
}

/** The role and scale an ESPA metadata file gives a band file: surface or top-of-atmosphere reflectance, brightness temperature. */
function espaMetadataGuess(b: EspaBand, mission: number): RoleGuess | undefined {
  const n = /(?:^|_)band(\d{1,2})$/.exec(b.name);
  if (!n || b.category !== 'image') return undefined;
  const band = Number(n[1]);
  const fill = b.fill !== undefined ? { fill: b.fill } : {};
  const xml = b.scale !== undefined ? { source: 'espa-xml' as const } : {};
  const what = { sr_refl: 'surface reflectance', toa_refl: 'top-of-atmosphere reflectance', toa_bt: 'brightness temperature' }[b.product];
  if (!what) return undefined;
  const role = landsatRole(mission, band);
  if ((b.product === 'toa_bt') !== (role === 'lst') || role === 'unknown') return { role: 'unknown', reason: `ESPA metadata: ${what} band ${band}` };
  const scale: ProductScale =
    b.product === 'toa_bt'
      ? { scale: b.scale ?? 1, offset: 0, units: 'K', ...fill, ...xml }
      : { scale: b.scale ?? 1, offset: 0, units: 'reflectance', ...fill, ...xml };
  return { role, scale, reason: `ESPA metadata: ${what} band ${band}, scale ${scale.scale}` };
}

function espaGuess(text: string, mission: number): RoleGuess | undefined {
  const sr =
    /(?:^|_|\|)sr_band_?(\d{1,2})(?:_|$|\|)/.exec(text) ??
    /(?:^|\|)band_?(\d)_reflectance(?:_|$|\|)/.exec(text);
  if (sr) {
    const band = landsatRole(mission, Number(sr[1]));
    const role = band === 'lst' ? 'unknown' : band;
    return {
      role,
      ...(role === 'unknown'
        ? {}
        : { scale: { scale: 0.0001, offset: 0, units: 'reflectance', fill: -9999 } }),
      reason: `ESPA surface reflectance band ${sr[1]}`,
    };
  }
  if (/(?:^|_|\|)band_?6_temperature(?:_|$|\|)/.test(text))
    return {
      role: 'lst',
      scale: { scale: 0.01, offset: 273.15, units: 'K', fill: -9999 },
      reason: 'LEDAPS band 6 temperature (degrees C x 100)',
    };
  return undefined;
}

function landsatMissionFromMetadata(md?: Record<string, string>): number | undefined {
  const id = md?.SATELLITEID ?? md?.SPACECRAFT_ID;
  const m = id ? /LANDSAT_?(\d)/i.exec(id) : null;
  return m ? Number(m[1]) : undefined;
}

/** Product-naming default for raw integer bands: physical = DN * scale + offset. */
export interface ProductScale {
  scale: number;
  offset: number;
  units?: string;
  /** Raw values outside this range are fill. */
  validRange?: [number, number];
  fill?: number;
  /** Where this scale was read, when not from the product's naming convention (`espa-xml`: the folder's ESPA metadata file). */
  source?: ScaleSource;
}

/**
 * Default scaling implied by the product and role when a file carries no scale metadata:
 * MOD11/MYD11/MOD21/ECOSTRESS LST x0.02 K, MOD09 reflectance x0.0001, MOD13 NDVI x0.0001,
 * MCD43 albedo x0.001, MOD11 view angle DN-65, Landsat C2 L2 ST/SR constants.
 */
export function productScale(
  product: string | undefined,
  role: BandRole,
  level?: 'L1' | 'L2',
): ProductScale | undefined {
  const p = (product ?? '').toUpperCase();
  if (role === 'lst' && /^(M[OY]D(11|21)|VNP21|ECO)/.test(p))
    return { scale: 0.02, offset: 0, units: 'K', validRange: [7500, 65535], fill: 0 };
  if (role === 'view-angle' && /^M[OY]D11/.test(p)) return { scale: 1, offset: -65, units: 'deg', fill: 255 };
  if (['red', 'nir', 'blue', 'green', 'swir', 'swir2'].includes(role) && /^M[OY]D09/.test(p)) {
    return { scale: 0.0001, offset: 0, units: 'reflectance', validRange: [-100, 16000], fill: -28672 };
  }
  if (role === 'ndvi' && /^M[OY]D13/.test(p))
    return { scale: 0.0001, offset: 0, validRange: [-2000, 10000], fill: -3000 };
  if (role === 'albedo' && /^MCD43/.test(p))
    return { scale: 0.001, offset: 0, validRange: [0, 32766], fill: 32767 };
  if (/^LANDSAT/.test(p) && level === 'L2') {
    if (role === 'lst') return { scale: 0.00341802, offset: 149.0, units: 'K', fill: 0 };
    if (['red', 'nir', 'blue', 'green', 'swir', 'swir2'].includes(role))
      return { scale: 0.0000275, offset: -0.2, units: 'reflectance', fill: 0 };
  }
  return undefined;
}
