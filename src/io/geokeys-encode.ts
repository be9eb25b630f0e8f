import { AppError } from '../core/errors.ts';
import type { Crs } from '../core/raster/raster.ts';
import { GK, USER_DEFINED } from './geokeys.ts';

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
