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
  ProjLinearUnitSize: 3077,
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

/** GeoTIFF's 'user-defined' key value. */
export const USER_DEFINED = 32767;

/**
 * Parses the GeoKeyDirectory tag with its double and ASCII parameter tags. Throws CORRUPT_TIFF
 * (naming `fileName`) when the directory or a key points past the arrays it refers to.
 */
export function parseGeoKeyDirectory(
  dir: ArrayLike<number>,
  doubles?: ArrayLike<number>,
  ascii?: string,
  fileName = 'GeoTIFF',
): GeoKeyMap {
  const keys: GeoKeyMap = new Map();
  const count = dir[3] ?? 0;
  const damaged = (why: string): never => {
    throw new AppError(
      'CORRUPT_TIFF',
      `${fileName}: the GeoTIFF keys are damaged (${why}). Re-export the file, or assign the CRS again with gdal_translate -a_srs EPSG:<code> in.tif out.tif.`,
      { file: fileName },
    );
  };
  if (4 + count * 4 > dir.length)
    damaged(`${count} keys declared, room for ${Math.floor((dir.length - 4) / 4)}`);
  for (let i = 0; i < count; i++) {
    const [id, loc, n, off] = [dir[4 + i * 4], dir[5 + i * 4], dir[6 + i * 4], dir[7 + i * 4]];
    if (id === undefined) break;
    const size = loc === 34736 ? (doubles?.length ?? 0) : loc === 34737 ? (ascii?.length ?? 0) : dir.length;
    if (loc !== 0 && (n < 1 || off + n > size))
      damaged(`key ${id} refers to values ${off}..${off + n - 1} of tag ${loc}, which holds ${size}`);
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
  7001: '+ellps=airy',
  7002: '+ellps=mod_airy',
  7024: '+ellps=krass',
  7012: '+ellps=clrk80',
  7011: '+ellps=clrk80ign',
  7015: '+a=6377276.345 +rf=300.8017',
  7016: '+a=6377298.556 +rf=300.8017',
  7018: '+a=6377304.063 +rf=300.8017',
  7042: '+a=6377299.151 +rf=300.8017255',
  7044: '+a=6377301.243 +rf=300.8017255',
  7045: '+a=6377299.36559538 +rf=300.8017255',
  7048: '+R=6371007',
  7059: '+a=6378137 +b=6356752.314245179',
};
/** EPSG linear unit codes -> proj4 (metres per unit where proj4 has no name for it). */
const LINEAR_UNITS: Record<number, string> = {
  9001: '+units=m',
  9002: '+units=ft',
  9003: '+units=us-ft',
  9005: '+to_meter=0.3047972654',
  9014: '+to_meter=1.8288',
  9030: '+to_meter=1852',
  9033: '+to_meter=20.11684023368047',
  9035: '+to_meter=1609.344',
  9036: '+units=km',
  9037: '+to_meter=0.9143917962',
  9039: '+to_meter=0.201166195164',
  9040: '+to_meter=0.914398414616029',
  9042: '+to_meter=20.1167651215526',
  9084: '+to_meter=0.9143985307444408',
  9094: '+to_meter=0.3047995102481469',
};

/** Linear units of a projected CRS; unknown codes are refused rather than taken as metres. */
function linearUnitPart(keys: GeoKeyMap, fileName: string): string {
  const units = num(keys, GK.ProjLinearUnits);
  if (units === undefined) return '+units=m';
  if (LINEAR_UNITS[units]) return LINEAR_UNITS[units];
  const size = num(keys, GK.ProjLinearUnitSize);
  if (units === USER_DEFINED && size !== undefined && size > 0) return `+to_meter=${size}`;
  throw new AppError(
    'UNSUPPORTED_CRS',
    `${fileName}: linear unit code ${units} is not known here. Reproject it first: gdalwarp -t_srs EPSG:4326 in.tif out.tif`,
    { file: fileName },
  );
}

/** Geographic CRS codes -> proj4 datum or ellipsoid (+ the EPSG default shift to WGS 84, as PROJ's own definitions). */
const GEOG_DATUMS: Record<number, string> = {
  4326: '+datum=WGS84',
  4269: '+datum=NAD83',
  4267: '+datum=NAD27',
  4258: '+ellps=GRS80 +towgs84=0,0,0',
  4674: '+ellps=GRS80 +towgs84=0,0,0',
  4283: '+ellps=GRS80 +towgs84=0,0,0',
  4167: '+ellps=GRS80 +towgs84=0,0,0',
  4612: '+ellps=GRS80 +towgs84=0,0,0',
  4148: '+ellps=WGS84 +towgs84=0,0,0',
  4230: '+ellps=intl +towgs84=-87,-98,-121,0,0,0,0',
  4277: '+ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489',
  4322: '+ellps=WGS72 +towgs84=0,0,4.5,0,0,0.554,0.2263',
  4008: '+ellps=clrk66',
  4019: '+ellps=GRS80',
  4030: '+ellps=WGS84',
  4035: '+R=6371007',
  4047: '+R=6371007',
};
/** Geodetic datum codes -> proj4 (the datum code GDAL writes for a user-defined geographic CRS). */
const DATUMS: Record<number, string> = {
  6326: '+datum=WGS84',
  6269: '+datum=NAD83',
  6267: '+datum=NAD27',
  6258: '+ellps=GRS80 +towgs84=0,0,0',
  6674: '+ellps=GRS80 +towgs84=0,0,0',
  6283: '+ellps=GRS80 +towgs84=0,0,0',
  6230: '+ellps=intl +towgs84=-87,-98,-121,0,0,0,0',
  6277: '+ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489',
  6322: '+ellps=WGS72 +towgs84=0,0,4.5,0,0,0.554,0.2263',
};

/**
 * The datum / ellipsoid part of a proj4 definition, from (in order) the geographic CRS code, the
 * datum code, the ellipsoid's axes (GeogSemiMajorAxis with GeogSemiMinorAxis or GeogInvFlattening),
 * or the ellipsoid code. A code this reader does not know, with no axes to fall back on, is refused
 * (UNSUPPORTED_CRS) rather than taken as WGS 84; keys that name no datum or ellipsoid at all get
 * WGS 84 with a note in `notes`.
 */
function ellipsoidPart(keys: GeoKeyMap, fileName: string, notes?: string[]): string {
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
  const unknown = [
    geog !== undefined && geog !== USER_DEFINED ? `geographic CRS EPSG:${geog}` : '',
    datum !== undefined && datum !== USER_DEFINED ? `datum EPSG:${datum}` : '',
    ell !== undefined && ell !== USER_DEFINED ? `ellipsoid EPSG:${ell}` : '',
  ].filter(Boolean);
  if (unknown.length > 0)
    throw new AppError(
      'UNSUPPORTED_CRS',
      `${fileName}: ${unknown.join(', ')} is not known here and the GeoTIFF keys give no ellipsoid axes. Reproject it first: gdalwarp -t_srs EPSG:4326 in.tif out.tif`,
      { file: fileName },
    );
  notes?.push('the GeoTIFF keys name no datum or ellipsoid: WGS 84 assumed');
  return '+datum=WGS84';
}

/**
 * The CRS described by a GeoKey directory: registered EPSG codes, or a proj4 definition built from
 * user-defined keys (sinusoidal, Albers, Lambert conformal conic, transverse Mercator, LAEA,
 * Mercator, EPSG UTM projection codes on any ellipsoid). Throws UNSUPPORTED_CRS otherwise.
 */
export function crsFromGeoKeys(keys: GeoKeyMap, fileName: string, notes?: string[]): Crs {
  const model = num(keys, GK.GTModelType);
  const pcs = num(keys, GK.ProjectedCSType);
  const geog = num(keys, GK.GeographicType);
  const citation = String(keys.get(GK.GTCitation) ?? keys.get(GK.PCSCitation) ?? 'user-defined');
  if (pcs !== undefined && pcs > 0 && pcs !== USER_DEFINED) return crsForEpsg(pcs, fileName);
  if (model === 2 || (model === undefined && pcs === undefined && geog !== undefined)) {
    if (geog !== undefined && geog !== USER_DEFINED) {
      // Codes the core CRS table knows keep their EPSG identity; others are built from their datum or axes.
      try {
        return crsFromEpsg(geog);
      } catch {
        return crsForProj4(`+proj=longlat ${ellipsoidPart(keys, fileName, notes)} +no_defs`, `EPSG:${geog}`, fileName);
      }
    }
    return crsForProj4(`+proj=longlat ${ellipsoidPart(keys, fileName, notes)} +no_defs`, 'user-defined geographic', fileName);
  }
  if (model !== 1 && model !== undefined) {
    throw new AppError(
      'UNSUPPORTED_CRS',
      `${fileName}: GeoTIFF model type ${model} (geocentric) is not supported; reproject with gdalwarp first.`,
      { file: fileName },
    );
  }
  const ell = ellipsoidPart(keys, fileName, notes);
  const unitPart = linearUnitPart(keys, fileName);
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
