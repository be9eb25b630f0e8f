import type { Affine } from '../core/geo/affine.ts';
import { crsFromEpsg, crsFromProj4, MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import { AppError } from '../core/errors.ts';
import type { Crs } from '../core/raster/raster.ts';

/** One HDF-EOS2 grid from `StructMetadata.0`: size, corners, projection and its field names. */
export interface EosGrid {
  name: string;
  width: number;
  height: number;
  /** Upper-left and lower-right corners of the grid's outer edges, projection units. */
  upperLeft: [number, number];
  lowerRight: [number, number];
  /** GCTP projection name (GCTP_SNSOID, GCTP_GEO, ...). */
  projection: string;
  projParams: number[];
  sphereCode: number;
  fields: string[];
}

function value(block: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}=(.*)$`, 'm').exec(block);
  return m ? m[1].trim().replace(/^"|"$/g, '') : undefined;
}

function pair(text: string | undefined): [number, number] | undefined {
  const m = text ? /\(\s*([-+\d.eE]+)\s*,\s*([-+\d.eE]+)\s*\)/.exec(text) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Parses the grids of an HDF-EOS2 `StructMetadata.0` text (ODL). Swaths and points are ignored. */
export function parseStructMetadata(text: string): EosGrid[] {
  const grids: EosGrid[] = [];
  const re = /GROUP=(GRID_\d+)([\s\S]*?)END_GROUP=\1/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const block = m[2];
    const ul = pair(value(block, 'UpperLeftPointMtrs'));
    const lr = pair(value(block, 'LowerRightMtrs'));
    const width = Number(value(block, 'XDim'));
    const height = Number(value(block, 'YDim'));
    if (!ul || !lr || !(width > 0) || !(height > 0)) continue;
    const params = (value(block, 'ProjParams') ?? '').replace(/[()]/g, '').split(',').map(Number);
    const fields = [...block.matchAll(/DataFieldName="([^"]*)"/g)].map((x) => x[1]);
    grids.push({
      name: value(block, 'GridName') ?? m[1],
      width,
      height,
      upperLeft: ul,
      lowerRight: lr,
      projection: value(block, 'Projection') ?? 'unknown',
      projParams: params,
      sphereCode: Number(value(block, 'SphereCode') ?? -1),
      fields,
    });
  }
  return grids;
}

/** Packed DMS (DDDMMMSSS.SS, the HDF-EOS GEO convention) to decimal degrees. */
export function packedDmsToDegrees(v: number): number {
  const sign = v < 0 ? -1 : 1;
  const a = Math.abs(v);
  const deg = Math.floor(a / 1e6);
  const min = Math.floor((a - deg * 1e6) / 1e3);
  const sec = a - deg * 1e6 - min * 1e3;
  return sign * (deg + min / 60 + sec / 3600);
}

/** Sphere radius of a GCTP grid: ProjParams[0] when set, else the GCTP sphere code's (MODIS: 6371007.181 m). */
function radius(g: EosGrid): number {
  if (g.projParams[0] > 0) return g.projParams[0];
  return g.sphereCode === 19 || g.sphereCode === -1 ? 6371007.181 : 6370997;
}

/**
 * Grid geotransform and CRS, as GDAL's HDF4 driver derives them: the affine spans the corners
 * (`UpperLeftPointMtrs`, `LowerRightMtrs`) over `XDim` x `YDim` pixels. Supports GCTP_SNSOID
 * (MODIS sinusoidal with its sphere), GCTP_GEO (packed DMS corners), GCTP_LAMAZ, GCTP_ALBERS and
 * GCTP_UTM; others throw UNSUPPORTED_CRS naming the file.
 */
export function eosGridGeoreference(g: EosGrid, fileName: string): { transform: Affine; crs: Crs } {
  let [x0, y0] = g.upperLeft;
  let [x1, y1] = g.lowerRight;
  let crs: Crs;
  const p = g.projParams;
  const dms = (i: number): number => packedDmsToDegrees(p[i] ?? 0);
  switch (g.projection) {
    case 'GCTP_SNSOID': {
      const r = radius(g);
      crs =
        Math.abs(r - 6371007.181) < 1e-3
          ? MODIS_SINUSOIDAL
          : crsFromProj4(
              `+proj=sinu +lon_0=${dms(4)} +x_0=${p[6] ?? 0} +y_0=${p[7] ?? 0} +R=${r} +units=m +no_defs`,
              'Sinusoidal',
            );
      break;
    }
    case 'GCTP_GEO':
      [x0, y0, x1, y1] = [x0, y0, x1, y1].map(packedDmsToDegrees);
      crs = crsFromEpsg(4326);
      break;
    case 'GCTP_LAMAZ':
      crs = crsFromProj4(
        `+proj=laea +lat_0=${dms(5)} +lon_0=${dms(4)} +x_0=${p[6] ?? 0} +y_0=${p[7] ?? 0} +R=${radius(g)} +units=m +no_defs`,
        'Lambert azimuthal equal-area',
      );
      break;
    case 'GCTP_ALBERS':
      crs = crsFromProj4(
        `+proj=aea +lat_1=${dms(2)} +lat_2=${dms(3)} +lat_0=${dms(5)} +lon_0=${dms(4)} +x_0=${p[6] ?? 0} +y_0=${p[7] ?? 0} +datum=WGS84 +units=m +no_defs`,
        'Albers equal-area',
      );
      break;
    case 'GCTP_UTM': {
      const zone = Math.abs(p[0] ?? 0);
      if (!(zone >= 1 && zone <= 60)) throw unsupported(g, fileName);
      crs = crsFromEpsg((p[0] < 0 ? 32700 : 32600) + zone);
      break;
    }
    default:
      throw unsupported(g, fileName);
  }
  const transform: Affine = [x0, (x1 - x0) / g.width, 0, y0, 0, (y1 - y0) / g.height];
  return { transform, crs };
}

function unsupported(g: EosGrid, fileName: string): AppError {
  return new AppError(
    'UNSUPPORTED_CRS',
    `${fileName}: grid ${g.name} uses the HDF-EOS projection ${g.projection} (parameters ${g.projParams.join(', ')}), which this reader does not map to a CRS; reproject the layer with gdalwarp first.`,
    { file: fileName },
  );
}
