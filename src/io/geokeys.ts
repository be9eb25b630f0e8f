import { AppError, isAppError } from '../core/errors.ts';
import { crsFromEpsg, crsFromProj4, MODIS_SINUSOIDAL, sameCrs } from '../core/geo/crs.ts';
import type { Crs } from '../core/raster/raster.ts';

function crsForEpsg(code: number, fileName: string): Crs {
  try {
    return crsFromEpsg(code);
  } catch (e) {
    if (isAppError(e)) throw new AppError(e.code, `${fileName}: ${e.message}`, { file: fileName, cause: e });
    throw e;
  }
}

function crsForProj4(def: string, name: string, fileName: string): Crs {
  try {
    const crs = crsFromProj4(def, name);
    return sameCrs(crs, MODIS_SINUSOIDAL) ? MODIS_SINUSOIDAL : crs;
  } catch (e) {
    if (isAppError(e)) throw new AppError(e.code, `${fileName}: ${e.message}`, { file: fileName, cause: e });
    throw e;
  }
}

/** GeoKey ids (GeoTIFF 1.1) used here. */
export const GK = {
  GTModelType: 1024,
  GTRasterType: 1025,
  GTCitation: 1026,
  GeographicType: 2048,
  GeogCitation: 2049,
  GeogGeodeticDatum: 2050,
  GeogPrimeMeridian: 2051,
  GeogAngularUnits: 2054,
  GeogEllipsoid: 2056,
  GeogSemiMajorAxis: 2057,
  GeogSemiMinorAxis: 2058,
  GeogInvFlattening: 2059,
  GeogTOWGS84: 2062,
  ProjectedCSType: 3072,
  PCSCitation: 3073,
  Projection: 3074,
  ProjCoordTrans: 3075,
  ProjLinearUnits: 3076,
  ProjStdParallel1: 3078,
  ProjStdParallel2: 3079,
  ProjNatOriginLong: 3080,
  ProjNatOriginLat: 3081,
  ProjFalseEasting: 3082,
  ProjFalseNorthing: 3083,
  ProjFalseOriginLong: 3084,
  ProjFalseOriginLat: 3085,
  ProjFalseOriginEasting: 3086,
  ProjFalseOriginNorthing: 3087,
  ProjCenterLong: 3088,
  ProjCenterLat: 3089,
  ProjScaleAtNatOrigin: 3092,
} as const;

/** Parsed GeoKeys: id -> number, number[] or string. */
export type GeoKeyMap = Map<number, number | number[] | string>;

const USER_DEFINED = 32767;

/** Parses the GeoKeyDirectory tag with its double and ASCII parameter tags. */
export function parseGeoKeyDirectory(
  dir: ArrayLike<number>,
  doubles?: ArrayLike<number>,
  ascii?: string,
): GeoKeyMap {
  const keys: GeoKeyMap = new Map();
  const count = dir[3] ?? 0;
  for (let i = 0; i < count; i++) {
    const [id, loc, n, off] = [dir[4 + i * 4], dir[5 + i * 4], dir[6 + i * 4], dir[7 + i * 4]];
    if (id === undefined) break;
    if (loc === 0) keys.set(id, off);
    else if (loc === 34736 && doubles)
      keys.set(id, n === 1 ? doubles[off] : Array.from({ length: n }, (_, k) => doubles[off + k]));
    else if (loc === 34737 && ascii !== undefined) keys.set(id, ascii.slice(off, off + n).replace(/\|$/, ''));
    else if (loc === 34735)
      keys.set(
        id,
        Array.from({ length: n }, (_, k) => dir[off + k]),
      );
  }
  return keys;
}

function num(keys: GeoKeyMap, id: number): number | undefined {
  const v = keys.get(id);
  return typeof v === 'number' ? v : Array.isArray(v) ? v[0] : undefined;
}

const ELLIPSOIDS: Record<number, string> = {
  7030: '+ellps=WGS84',
  7019: '+ellps=GRS80',
  7008: '+ellps=clrk66',
  7043: '+ellps=WGS72',
  7022: '+ellps=intl',
  7004: '+ellps=bessel',
};
const GEOG_DATUMS: Record<number, string> = {
  4326: '+datum=WGS84',
  4269: '+datum=NAD83',
  4267: '+datum=NAD27',
  4258: '+ellps=GRS80 +towgs84=0,0,0',
  4674: '+ellps=GRS80 +towgs84=0,0,0',
  4283: '+ellps=GRS80 +towgs84=0,0,0',
};
const DATUMS: Record<number, string> = {
  6326: '+datum=WGS84',
  6269: '+datum=NAD83',
  6267: '+datum=NAD27',
  6258: '+ellps=GRS80 +towgs84=0,0,0',
};

function ellipsoidPart(keys: GeoKeyMap): string {
  const geog = num(keys, GK.GeographicType);
  if (geog !== undefined && GEOG_DATUMS[geog]) return GEOG_DATUMS[geog];
  const datum = num(keys, GK.GeogGeodeticDatum);
  if (datum !== undefined && DATUMS[datum]) return DATUMS[datum];
  const a = num(keys, GK.GeogSemiMajorAxis);
  const b = num(keys, GK.GeogSemiMinorAxis);
  const rf = num(keys, GK.GeogInvFlattening);
  const towgs = keys.get(GK.GeogTOWGS84);
  const tow = Array.isArray(towgs) ? ` +towgs84=${towgs.join(',')}` : '';
  if (a !== undefined && b !== undefined && Math.abs(a - b) < 1e-6) return `+R=${a}`;
  if (a !== undefined && b !== undefined) return `+a=${a} +b=${b}${tow}`;
  if (a !== undefined && rf !== undefined && rf > 0) return `+a=${a} +rf=${rf}${tow}`;
  const ell = num(keys, GK.GeogEllipsoid);
  if (ell !== undefined && ELLIPSOIDS[ell]) return ELLIPSOIDS[ell] + tow;
  return '+datum=WGS84';
}

/**
 * The CRS described by a GeoKey directory: registered EPSG codes, or a proj4 definition built from
 * user-defined keys (sinusoidal, Albers, Lambert conformal conic, transverse Mercator, LAEA,
 * Mercator, EPSG UTM projection codes on any ellipsoid). Throws UNSUPPORTED_CRS otherwise.
 */
export function crsFromGeoKeys(keys: GeoKeyMap, fileName: string): Crs {
  const model = num(keys, GK.GTModelType);
  const pcs = num(keys, GK.ProjectedCSType);
  const geog = num(keys, GK.GeographicType);
  const citation = String(keys.get(GK.GTCitation) ?? keys.get(GK.PCSCitation) ?? 'user-defined');
  if (pcs !== undefined && pcs > 0 && pcs !== USER_DEFINED) return crsForEpsg(pcs, fileName);
  if (model === 2 || (model === undefined && pcs === undefined && geog !== undefined)) {
    if (geog !== undefined && geog !== USER_DEFINED) return crsForEpsg(geog, fileName);
    return crsForProj4(`+proj=longlat ${ellipsoidPart(keys)} +no_defs`, 'user-defined geographic', fileName);
  }
  if (model !== 1 && model !== undefined) {
    throw new AppError(
      'UNSUPPORTED_CRS',
      `${fileName}: GeoTIFF model type ${model} (geocentric) is not supported; reproject with gdalwarp first.`,
      { file: fileName },
    );
  }
  const ell = ellipsoidPart(keys);
  const units = num(keys, GK.ProjLinearUnits);
  const unitPart =
    units === undefined || units === 9001
      ? '+units=m'
      : units === 9002
        ? '+units=ft'
        : units === 9003
          ? '+units=us-ft'
          : '+units=m';
  const projection = num(keys, GK.Projection);
  if (projection !== undefined && projection >= 16001 && projection <= 16160) {
    const zone = projection % 100;
    const south = projection >= 16101;
    return crsForProj4(
      `+proj=utm +zone=${zone}${south ? ' +south' : ''} ${ell} ${unitPart} +no_defs`,
      `UTM zone ${zone}${south ? 'S' : 'N'}`,
      fileName,
    );
  }
  const ct = num(keys, GK.ProjCoordTrans);
  const g = (id: number, d = 0): number => num(keys, id) ?? d;
  const fe = g(GK.ProjFalseEasting, g(GK.ProjFalseOriginEasting));
  const fn = g(GK.ProjFalseNorthing, g(GK.ProjFalseOriginNorthing));
  let p: string | undefined;
  let name = citation;
  switch (ct) {
    case 24:
      p = `+proj=sinu +lon_0=${g(GK.ProjCenterLong, g(GK.ProjNatOriginLong))} +x_0=${fe} +y_0=${fn}`;
      name = /^R=6371007\.181/.test(ell.slice(1)) ? 'MODIS sinusoidal' : 'sinusoidal';
      break;
    case 11:
      p = `+proj=aea +lat_0=${g(GK.ProjNatOriginLat, g(GK.ProjFalseOriginLat))} +lon_0=${g(GK.ProjNatOriginLong, g(GK.ProjFalseOriginLong))} +lat_1=${g(GK.ProjStdParallel1)} +lat_2=${g(GK.ProjStdParallel2)} +x_0=${fe} +y_0=${fn}`;
      break;
    case 8:
      p = `+proj=lcc +lat_0=${g(GK.ProjFalseOriginLat, g(GK.ProjNatOriginLat))} +lon_0=${g(GK.ProjFalseOriginLong, g(GK.ProjNatOriginLong))} +lat_1=${g(GK.ProjStdParallel1)} +lat_2=${g(GK.ProjStdParallel2)} +x_0=${fe} +y_0=${fn}`;
      break;
    case 9:
      p = `+proj=lcc +lat_1=${g(GK.ProjNatOriginLat)} +lat_0=${g(GK.ProjNatOriginLat)} +lon_0=${g(GK.ProjNatOriginLong)} +k_0=${g(GK.ProjScaleAtNatOrigin, 1)} +x_0=${fe} +y_0=${fn}`;
      break;
    case 1:
      p = `+proj=tmerc +lat_0=${g(GK.ProjNatOriginLat)} +lon_0=${g(GK.ProjNatOriginLong)} +k=${g(GK.ProjScaleAtNatOrigin, 1)} +x_0=${fe} +y_0=${fn}`;
      break;
    case 10:
      p = `+proj=laea +lat_0=${g(GK.ProjCenterLat, g(GK.ProjNatOriginLat))} +lon_0=${g(GK.ProjCenterLong, g(GK.ProjNatOriginLong))} +x_0=${fe} +y_0=${fn}`;
      break;
    case 7:
      p = `+proj=merc +lon_0=${g(GK.ProjNatOriginLong)} +k=${g(GK.ProjScaleAtNatOrigin, 1)} +x_0=${fe} +y_0=${fn}`;
      break;
    default:
      break;
  }
  if (!p) {
    throw new AppError(
      'UNSUPPORTED_CRS',
      `${fileName}: user-defined projection (coordinate transformation ${ct ?? 'missing'}) is not supported; reproject with gdalwarp -t_srs EPSG:4326 first.`,
      { file: fileName },
    );
  }
  return crsForProj4(`${p} ${ell} ${unitPart} +no_defs`, name, fileName);
}

/** Parses `+key=value` proj4 parameters. */
function proj4Params(def: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const tok of def.trim().split(/\s+/)) {
    const t = /^\+([a-z_0-9]+)(?:=(.*))?$/i.exec(tok);
    if (t) m.set(t[1], t[2] ?? '');
  }
  return m;
}

/** One GeoKey to write. */
export type GeoKeyValue = { id: number; value: number | number[] | string };

function geographicKeys(p: Map<string, string>): GeoKeyValue[] {
  const datum = p.get('datum');
  if (datum === 'WGS84' || p.get('ellps') === 'WGS84') return [{ id: GK.GeographicType, value: 4326 }];
  if (datum === 'NAD83') return [{ id: GK.GeographicType, value: 4269 }];
  const keys: GeoKeyValue[] = [
    { id: GK.GeographicType, value: USER_DEFINED },
    { id: GK.GeogGeodeticDatum, value: USER_DEFINED },
    { id: GK.GeogAngularUnits, value: 9102 },
    { id: GK.GeogEllipsoid, value: USER_DEFINED },
  ];
  const r = p.get('R');
  const a = Number(p.get('a') ?? r ?? (p.get('ellps') === 'GRS80' ? 6378137 : Number.NaN));
  if (r !== undefined) {
    keys.push({ id: GK.GeogSemiMajorAxis, value: Number(r) }, { id: GK.GeogSemiMinorAxis, value: Number(r) });
  } else if (p.get('ellps') === 'GRS80') {
    keys.push(
      { id: GK.GeogSemiMajorAxis, value: 6378137 },
      { id: GK.GeogInvFlattening, value: 298.257222101 },
    );
  } else if (p.has('a') && p.has('b')) {
    keys.push(
      { id: GK.GeogSemiMajorAxis, value: a },
      { id: GK.GeogSemiMinorAxis, value: Number(p.get('b')) },
    );
  } else if (p.has('a') && p.has('rf')) {
    keys.push(
      { id: GK.GeogSemiMajorAxis, value: a },
      { id: GK.GeogInvFlattening, value: Number(p.get('rf')) },
    );
  } else {
    return [{ id: GK.GeographicType, value: 4326 }];
  }
  keys.push({ id: GK.GeogPrimeMeridian, value: 8901 });
  const tow = p.get('towgs84');
  if (tow) keys.push({ id: GK.GeogTOWGS84, value: tow.split(',').map(Number) });
  return keys;
}

/**
 * GeoKeys describing `crs` for a PixelIsArea raster: EPSG codes as one key; user-defined CRSs
 * (MODIS sinusoidal on the R = 6371007.181 m sphere, Albers, LCC, tmerc/UTM, LAEA, Mercator,
 * longlat) as full parameter sets. Throws UNSUPPORTED_CRS for anything else.
 */
export function geoKeysForCrs(crs: Crs): GeoKeyValue[] {
  const base: GeoKeyValue[] = [{ id: GK.GTRasterType, value: 1 }];
  if (crs.epsg !== undefined) {
    return crs.isGeographic
      ? [
          { id: GK.GTModelType, value: 2 },
          ...base,
          { id: GK.GeographicType, value: crs.epsg },
          { id: GK.GeogAngularUnits, value: 9102 },
        ]
      : [
          { id: GK.GTModelType, value: 1 },
          ...base,
          { id: GK.GTCitation, value: crs.name },
          { id: GK.ProjectedCSType, value: crs.epsg },
          { id: GK.ProjLinearUnits, value: 9001 },
        ];
  }
  const p = proj4Params(crs.proj4);
  const proj = p.get('proj');
  const n = (k: string, d = 0): number => (p.has(k) ? Number(p.get(k)) : d);
  if (proj === 'longlat' || proj === 'latlong') {
    return [
      { id: GK.GTModelType, value: 2 },
      ...base,
      { id: GK.GeogCitation, value: crs.name },
      ...geographicKeys(p),
    ];
  }
  const head: GeoKeyValue[] = [
    { id: GK.GTModelType, value: 1 },
    ...base,
    { id: GK.GTCitation, value: crs.name },
    ...geographicKeys(p),
    { id: GK.ProjectedCSType, value: USER_DEFINED },
    { id: GK.Projection, value: USER_DEFINED },
  ];
  const tail: GeoKeyValue[] = [
    { id: GK.ProjLinearUnits, value: 9001 },
    { id: GK.ProjFalseEasting, value: n('x_0') },
    { id: GK.ProjFalseNorthing, value: n('y_0') },
  ];
  switch (proj) {
    case 'sinu':
      return [
        ...head,
        { id: GK.ProjCoordTrans, value: 24 },
        ...tail,
        { id: GK.ProjCenterLong, value: n('lon_0') },
      ];
    case 'aea':
      return [
        ...head,
        { id: GK.ProjCoordTrans, value: 11 },
        ...tail,
        { id: GK.ProjStdParallel1, value: n('lat_1') },
        { id: GK.ProjStdParallel2, value: n('lat_2') },
        { id: GK.ProjNatOriginLong, value: n('lon_0') },
        { id: GK.ProjNatOriginLat, value: n('lat_0') },
      ];
    case 'lcc':
      return [
        ...head,
        { id: GK.ProjCoordTrans, value: 8 },
        { id: GK.ProjLinearUnits, value: 9001 },
        { id: GK.ProjStdParallel1, value: n('lat_1') },
        { id: GK.ProjStdParallel2, value: n('lat_2', n('lat_1')) },
        { id: GK.ProjFalseOriginLong, value: n('lon_0') },
        { id: GK.ProjFalseOriginLat, value: n('lat_0') },
        { id: GK.ProjFalseOriginEasting, value: n('x_0') },
        { id: GK.ProjFalseOriginNorthing, value: n('y_0') },
      ];
    case 'utm': {
      const zone = n('zone');
      const south = p.has('south');
      return [
        ...head,
        { id: GK.ProjCoordTrans, value: 1 },
        { id: GK.ProjLinearUnits, value: 9001 },
        { id: GK.ProjFalseEasting, value: 500000 },
        { id: GK.ProjFalseNorthing, value: south ? 10000000 : 0 },
        { id: GK.ProjNatOriginLong, value: zone * 6 - 183 },
        { id: GK.ProjNatOriginLat, value: 0 },
        { id: GK.ProjScaleAtNatOrigin, value: 0.9996 },
      ];
    }
    case 'tmerc':
      return [
        ...head,
        { id: GK.ProjCoordTrans, value: 1 },
        ...tail,
        { id: GK.ProjNatOriginLong, value: n('lon_0') },
        { id: GK.ProjNatOriginLat, value: n('lat_0') },
        { id: GK.ProjScaleAtNatOrigin, value: n('k', n('k_0', 1)) },
      ];
    case 'laea':
      return [
        ...head,
        { id: GK.ProjCoordTrans, value: 10 },
        ...tail,
        { id: GK.ProjCenterLong, value: n('lon_0') },
        { id: GK.ProjCenterLat, value: n('lat_0') },
      ];
    case 'merc':
      return [
        ...head,
        { id: GK.ProjCoordTrans, value: 7 },
        ...tail,
        { id: GK.ProjNatOriginLong, value: n('lon_0') },
        { id: GK.ProjScaleAtNatOrigin, value: n('k', n('k_0', 1)) },
      ];
    default:
      throw new AppError(
        'UNSUPPORTED_CRS',
        `Cannot write CRS '${crs.name}' (${crs.proj4}) as GeoKeys; use an EPSG code.`,
      );
  }
}

/**
 * Encodes GeoKeys into the three GeoTIFF tags: GeoKeyDirectory (34735, SHORT), GeoDoubleParams
 * (34736) and GeoAsciiParams (34737). Keys are sorted by id as the spec requires.
 */
export function encodeGeoKeys(keys: GeoKeyValue[]): {
  directory: number[];
  doubles: number[];
  ascii: string;
} {
  const sorted = [...keys].sort((a, b) => a.id - b.id);
  const directory = [1, 1, 0, sorted.length];
  const doubles: number[] = [];
  let ascii = '';
  for (const k of sorted) {
    if (typeof k.value === 'string') {
      const s = `${k.value.replace(/\|/g, ' ')}|`;
      directory.push(k.id, 34737, s.length, ascii.length);
      ascii += s;
    } else if (
      Array.isArray(k.value) ||
      !Number.isInteger(k.value) ||
      k.value < 0 ||
      k.value > 65535 ||
      isDoubleKey(k.id)
    ) {
      const vals = Array.isArray(k.value) ? k.value : [k.value];
      directory.push(k.id, 34736, vals.length, doubles.length);
      doubles.push(...vals);
    } else {
      directory.push(k.id, 0, 1, k.value);
    }
  }
  return { directory, doubles, ascii };
}

function isDoubleKey(id: number): boolean {
  return (id >= 2057 && id <= 2062 && id !== 2060) || (id >= 3078 && id <= 3095);
}
