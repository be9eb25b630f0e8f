import proj4 from 'proj4';
import { AppError } from '../errors.ts';
import type { Crs } from '../raster/raster.ts';

const WGS84_GEO = '+proj=longlat +datum=WGS84 +no_defs';

/** MODIS land products' sinusoidal grid (sphere R = 6371007.181 m). It has no EPSG code. */
export const MODIS_SINUSOIDAL: Crs = {
  proj4: '+proj=sinu +lon_0=0 +x_0=0 +y_0=0 +R=6371007.181 +units=m +no_defs',
  name: 'MODIS Sinusoidal',
  isGeographic: false,
};

/** WGS 84 longitude/latitude in degrees (EPSG:4326), x = longitude, y = latitude. */
export const WGS84: Crs = { epsg: 4326, proj4: WGS84_GEO, name: 'WGS 84', isGeographic: true };

/** Web Mercator (EPSG:3857), the map's display CRS. */
export const WEB_MERCATOR: Crs = {
  epsg: 3857,
  proj4:
    '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs',
  name: 'WGS 84 / Pseudo-Mercator',
  isGeographic: false,
};

const NC_LCC =
  '+proj=lcc +lat_0=33.75 +lon_0=-79 +lat_1=36.1666666666667 +lat_2=34.3333333333333 +x_0=609601.22 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs';
const CONUS_ALBERS =
  '+proj=aea +lat_0=23 +lon_0=-96 +lat_1=29.5 +lat_2=45.5 +x_0=0 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs';
const GRS80_AS_WGS84 = '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0';

/** Fixed codes beyond the UTM families (`crsFromEpsg` computes those). */
const FIXED: Record<number, { proj4: string; name: string }> = {
  4326: { proj4: WGS84_GEO, name: 'WGS 84' },
  4269: { proj4: `+proj=longlat ${GRS80_AS_WGS84} +no_defs`, name: 'NAD83' },
  4258: { proj4: `+proj=longlat ${GRS80_AS_WGS84} +no_defs`, name: 'ETRS89' },
  4674: { proj4: `+proj=longlat ${GRS80_AS_WGS84} +no_defs`, name: 'SIRGAS 2000' },
  3857: { proj4: WEB_MERCATOR.proj4, name: WEB_MERCATOR.name },
  32119: { proj4: NC_LCC, name: 'NAD83 / North Carolina' },
  3358: { proj4: NC_LCC, name: 'NAD83(HARN) / North Carolina' },
  6542: { proj4: NC_LCC, name: 'NAD83(2011) / North Carolina' },
  5070: { proj4: CONUS_ALBERS, name: 'NAD83 / Conus Albers' },
};

function utm(zone: number, south: boolean, datum: string): string {
  return `+proj=utm +zone=${zone}${south ? ' +south' : ''} ${datum} +units=m +no_defs`;
}

/** The UTM families: WGS 84 (326zz/327zz), NAD83 (269zz), SIRGAS 2000 (319xx), ETRS89 (258zz). */
function utmFromEpsg(code: number): { proj4: string; name: string } | undefined {
  if (code >= 32601 && code <= 32660) {
    const z = code - 32600;
    return { proj4: utm(z, false, '+datum=WGS84'), name: `WGS 84 / UTM zone ${z}N` };
  }
  if (code >= 32701 && code <= 32760) {
    const z = code - 32700;
    return { proj4: utm(z, true, '+datum=WGS84'), name: `WGS 84 / UTM zone ${z}S` };
  }
  if (code >= 26901 && code <= 26923) {
    const z = code - 26900;
    return { proj4: utm(z, false, GRS80_AS_WGS84), name: `NAD83 / UTM zone ${z}N` };
  }
  if (code >= 25828 && code <= 25838) {
    const z = code - 25800;
    return { proj4: utm(z, false, GRS80_AS_WGS84), name: `ETRS89 / UTM zone ${z}N` };
  }
  // SIRGAS 2000: 31965..31976 are zones 11N..22N, 31977..31985 are zones 17S..25S.
  if (code >= 31965 && code <= 31976) {
    const z = code - 31954;
    return { proj4: utm(z, false, GRS80_AS_WGS84), name: `SIRGAS 2000 / UTM zone ${z}N` };
  }
  if (code >= 31977 && code <= 31985) {
    const z = code - 31960;
    return { proj4: utm(z, true, GRS80_AS_WGS84), name: `SIRGAS 2000 / UTM zone ${z}S` };
  }
  return undefined;
}

/** True when a proj4 definition describes longitude/latitude in degrees. */
export function isGeographicProj4(def: string): boolean {
  return /\+proj=(longlat|latlong|lonlat|latlon)\b/.test(def);
}

/**
 * The CRS of an EPSG code. Supported: 4326, 4269, 4258, 4674, 3857, 5070, North Carolina state
 * plane (32119, 3358, 6542), and the UTM families WGS 84 (32601-32660, 32701-32760), NAD83
 * (26901-26923), ETRS89 (25828-25838) and SIRGAS 2000 (31965-31985). Throws UNSUPPORTED_CRS
 * otherwise; callers with a full definition (GeoKeys, WKT) should use `crsFromProj4`.
 */
export function crsFromEpsg(code: number): Crs {
  const entry = FIXED[code] ?? utmFromEpsg(code);
  if (!entry) {
    throw new AppError(
      'UNSUPPORTED_CRS',
      `EPSG:${code} is not one of the CRSs this app knows (WGS 84, Web Mercator, UTM zones, NAD83, ` +
        `SIRGAS 2000, North Carolina state plane, Conus Albers). Reproject the file to one of them ` +
        `(e.g. gdalwarp -t_srs EPSG:4326) or provide a proj4 definition.`,
    );
  }
  return { epsg: code, proj4: entry.proj4, name: entry.name, isGeographic: isGeographicProj4(entry.proj4) };
}

/**
 * A CRS from a proj4 definition (user-defined CRSs such as MODIS sinusoidal). Throws
 * UNSUPPORTED_CRS when proj4 cannot parse it. `epsg` is left unset.
 */
export function crsFromProj4(def: string, name: string): Crs {
  try {
    proj4(def, WGS84_GEO);
  } catch (e) {
    throw new AppError('UNSUPPORTED_CRS', `proj4 cannot use the CRS definition "${def}" (${name}).`, {
      cause: e,
    });
  }
  return { proj4: def.trim(), name, isGeographic: isGeographicProj4(def) };
}

/** Canonical token set of a proj4 string: datums expanded, zeros dropped, numbers rounded. */
function canonicalProj4(def: string): string {
  const tokens = new Map<string, string>();
  for (const raw of def.trim().split(/\s+/)) {
    if (!raw.startsWith('+')) continue;
    const [key, value = ''] = raw.slice(1).split('=');
    if (['no_defs', 'wktext', 'type'].includes(key)) continue;
    tokens.set(key.toLowerCase(), value);
  }
  const datum = tokens.get('datum')?.toLowerCase();
  if (datum === 'wgs84') {
    tokens.delete('datum');
    tokens.set('ellps', 'WGS84');
  } else if (datum === 'nad83') {
    tokens.delete('datum');
    tokens.set('ellps', 'GRS80');
  }
  // GeoKeys-built definitions spell the ellipsoid out (+a/+rf); fold the two common ones back.
  if (Number(tokens.get('a')) === 6378137 && !tokens.has('ellps')) {
    const rf = Number(tokens.get('rf'));
    const name =
      Math.abs(rf - 298.257222101) < 1e-6 ? 'GRS80' : Math.abs(rf - 298.257223563) < 1e-6 ? 'WGS84' : '';
    if (name) {
      tokens.delete('a');
      tokens.delete('rf');
      tokens.set('ellps', name);
    }
  }
  const towgs = tokens.get('towgs84');
  if (towgs !== undefined && towgs.split(',').every((v) => Number(v) === 0)) tokens.delete('towgs84');
  for (const key of ['lat_0', 'lon_0', 'x_0', 'y_0']) if (Number(tokens.get(key)) === 0) tokens.delete(key);
  if (tokens.get('units') === 'm') tokens.delete('units');
  if (tokens.get('k') !== undefined && Number(tokens.get('k')) === 1) tokens.delete('k');
  if (tokens.get('k_0') !== undefined && Number(tokens.get('k_0')) === 1) tokens.delete('k_0');
  if (tokens.get('proj') === 'latlong' || tokens.get('proj') === 'lonlat') tokens.set('proj', 'longlat');
  const parts: string[] = [];
  for (const [k, v] of [...tokens.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const n = Number(v);
    parts.push(v !== '' && Number.isFinite(n) ? `${k}=${Number(n.toPrecision(10))}` : `${k}=${v}`);
  }
  return parts.join(' ');
}

/**
 * True when two CRSs are the same for pixel maths: equal EPSG codes, or proj4 definitions that
 * agree after normalisation (datum aliases, zero towgs84, default parameters, numbers to 10
 * significant digits).
 */
export function sameCrs(a: Crs, b: Crs): boolean {
  if (a === b) return true;
  if (a.epsg !== undefined && a.epsg === b.epsg) return true;
  return a.proj4 === b.proj4 || canonicalProj4(a.proj4) === canonicalProj4(b.proj4);
}

type Converter = { forward: (p: [number, number]) => [number, number] };
const converters = new Map<string, Converter>();

function converterFor(from: Crs, to: Crs): Converter {
  const key = `${from.proj4}\u0000${to.proj4}`;
  let c = converters.get(key);
  if (!c) {
    try {
      c = proj4(from.proj4, to.proj4) as unknown as Converter;
    } catch (e) {
      throw new AppError('UNSUPPORTED_CRS', `proj4 cannot convert from ${from.name} to ${to.name}.`, {
        cause: e,
      });
    }
    converters.set(key, c);
  }
  return c;
}

/**
 * Runs `conv` over the arrays in place; failures and non-finite results become NaN. With `back`
 * set, each result is converted back and must land within `tolM` of the input.
 */
function convertInPlace(
  conv: Converter,
  xs: Float64Array,
  ys: Float64Array,
  back?: Converter,
  tolM = 1e-3,
): void {
  const p: [number, number] = [0, 0];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    p[0] = x;
    p[1] = y;
    let ok = false;
    let qx = Number.NaN;
    let qy = Number.NaN;
    try {
      const q = conv.forward(p);
      qx = q[0];
      qy = q[1];
      ok = Number.isFinite(qx) && Number.isFinite(qy);
      // Inverse projections (sinusoidal, for one) wrap longitudes outside their domain instead of
      // failing, so a point off the map would land somewhere real: the round trip exposes it.
      if (ok && back) {
        const r = back.forward([qx, qy]);
        ok = Math.abs(r[0] - x) <= tolM && Math.abs(r[1] - y) <= tolM;
      }
    } catch {
      ok = false;
    }
    xs[i] = ok ? qx : Number.NaN;
    ys[i] = ok ? qy : Number.NaN;
  }
}

/**
 * Transforms points from `from` to `to` **in place** (`xs[i], ys[i]` are overwritten). Geographic
 * CRSs use x = longitude, y = latitude in degrees. Points outside either projection's domain become
 * NaN (projected sources go through WGS 84 longitude/latitude with a round-trip check, since some
 * inverse projections wrap off-map points instead of failing). About 0.5 s per million points.
 */
export function transformPoints(from: Crs, to: Crs, xs: Float64Array, ys: Float64Array): void {
  if (xs.length !== ys.length) {
    throw new AppError('BAD_ARGUMENT', `transformPoints: ${xs.length} x values but ${ys.length} y values.`);
  }
  if (sameCrs(from, to)) return;
  if (from.isGeographic) {
    convertInPlace(converterFor(from, to), xs, ys);
    return;
  }
  convertInPlace(converterFor(from, WGS84), xs, ys, converterFor(WGS84, from));
  if (!sameCrs(to, WGS84)) convertInPlace(converterFor(WGS84, to), xs, ys);
}

/** Transforms one point; returns `[NaN, NaN]` outside the target's domain. */
export function transformPoint(from: Crs, to: Crs, x: number, y: number): [number, number] {
  const xs = Float64Array.of(x);
  const ys = Float64Array.of(y);
  transformPoints(from, to, xs, ys);
  return [xs[0], ys[0]];
}

/** A short label for messages: `EPSG:32616 (WGS 84 / UTM zone 16N)` or the name and proj4. */
export function crsToString(crs: Crs): string {
  return crs.epsg !== undefined ? `EPSG:${crs.epsg} (${crs.name})` : `${crs.name} [${crs.proj4}]`;
}
