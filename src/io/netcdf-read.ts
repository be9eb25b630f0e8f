import type { Affine } from '../core/geo/affine.ts';
import { crsFromEpsg, crsFromProj4, MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import { AppError, isAppError, toAppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import type { Crs } from '../core/raster/raster.ts';
import { detectRole, parseProductName } from './band-roles.ts';
import { decodeSamples, resolveScaling } from './band-decode.ts';
import type { BandRole, Dataset, DatasetBand } from './dataset.ts';

/** Options of `readNetcdf`. */
export interface ReadNetcdfOptions extends RunOptions {
  /** Variable names to read; default every gridded (y, x) or (time, y, x) variable. */
  variables?: readonly string[];
  /** Time steps to read: ISO dates, or a predicate on them; default all. */
  dates?: readonly string[] | ((isoDate: string) => boolean);
  /** Largest number of pixels (x steps x variables) to decode; default 2^28. */
  maxPixels?: number;
}

type AttrValue = string | number | number[] | bigint | unknown;
interface H5Var {
  shape: number[] | null;
  dtype: unknown;
  attrs: Record<string, { value: AttrValue }>;
  value: unknown;
  slice(ranges: number[][]): unknown;
}

function num(v: AttrValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    const x = (v as ArrayLike<number | bigint>)[0];
    return x === undefined ? undefined : Number(x);
  }
  return undefined;
}

function text(v: AttrValue): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function attrsOf(v: H5Var): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, a] of Object.entries(v.attrs)) {
    try {
      out[k] = a.value;
    } catch {
      // Attributes of types h5wasm cannot convert (references) are not needed here.
    }
  }
  return out;
}

/** CRS of a CF `grid_mapping` variable's attributes (Albers, sinusoidal, lat/lon, UTM, LAEA, LCC). */
export function crsFromGridMapping(a: Record<string, AttrValue>, fileName: string): Crs {
  const name = text(a.grid_mapping_name);
  const n = (k: string, d = 0): number => num(a[k]) ?? d;
  const sp = a.standard_parallel;
  const sp1 = num(sp) ?? 0;
  const sp2 = ArrayBuffer.isView(sp) || Array.isArray(sp) ? Number((sp as ArrayLike<number>)[1] ?? sp1) : sp1;
  const fe = `+x_0=${n('false_easting')} +y_0=${n('false_northing')}`;
  const datum =
    /WGS ?84/i.test(text(a.horizontal_datum_name) ?? 'WGS84') || num(a.semi_major_axis) === undefined
      ? '+datum=WGS84'
      : `+a=${n('semi_major_axis')} +rf=${n('inverse_flattening')}`;
  switch (name) {
    case 'albers_conical_equal_area':
      return crsFromProj4(
        `+proj=aea +lat_0=${n('latitude_of_projection_origin')} +lon_0=${n('longitude_of_central_meridian')} +lat_1=${sp1} +lat_2=${sp2} ${fe} ${datum} +units=m +no_defs`,
        'Albers equal-area (AppEEARS)',
      );
    case 'sinusoidal': {
      const r = num(a.earth_radius) ?? num(a.semi_major_axis) ?? 6371007.181;
      return Math.abs(r - 6371007.181) < 1e-3 && n('longitude_of_central_meridian') === 0
        ? MODIS_SINUSOIDAL
        : crsFromProj4(
            `+proj=sinu +lon_0=${n('longitude_of_central_meridian')} ${fe} +R=${r} +units=m +no_defs`,
            'Sinusoidal',
          );
    }
    case 'latitude_longitude':
      return crsFromEpsg(4326);
    case 'lambert_azimuthal_equal_area':
      return crsFromProj4(
        `+proj=laea +lat_0=${n('latitude_of_projection_origin')} +lon_0=${n('longitude_of_projection_origin')} ${fe} ${datum} +units=m +no_defs`,
        'Lambert azimuthal equal-area',
      );
    case 'lambert_conformal_conic':
      return crsFromProj4(
        `+proj=lcc +lat_0=${n('latitude_of_projection_origin')} +lon_0=${n('longitude_of_central_meridian')} +lat_1=${sp1} +lat_2=${sp2} ${fe} ${datum} +units=m +no_defs`,
        'Lambert conformal conic',
      );
    case 'transverse_mercator':
      return crsFromProj4(
        `+proj=tmerc +lat_0=${n('latitude_of_projection_origin')} +lon_0=${n('longitude_of_central_meridian')} +k=${n('scale_factor_at_central_meridian', 1)} ${fe} ${datum} +units=m +no_defs`,
        'Transverse Mercator',
      );
    default:
      throw new AppError(
        'UNSUPPORTED_CRS',
        `${fileName}: grid mapping '${name ?? 'none'}' is not supported; reproject the layer with gdalwarp or export it as GeoTIFF from AppEEARS.`,
        { file: fileName },
      );
  }
}

/** Affine of cell-centre coordinate vectors (regular spacing required). */
function axisTransform(xs: ArrayLike<number>, ys: ArrayLike<number>, fileName: string): Affine {
  if (xs.length < 2 || ys.length < 2)
    throw new AppError(
      'NO_GEOREFERENCE',
      `${fileName}: the x/y coordinate variables need at least 2 values each.`,
      { file: fileName },
    );
  const dx = (xs[xs.length - 1] - xs[0]) / (xs.length - 1);
  const dy = (ys[ys.length - 1] - ys[0]) / (ys.length - 1);
  for (let i = 1; i < xs.length; i++)
    if (Math.abs(xs[i] - xs[i - 1] - dx) > Math.abs(dx) * 1e-3) throw irregular(fileName);
  for (let i = 1; i < ys.length; i++)
    if (Math.abs(ys[i] - ys[i - 1] - dy) > Math.abs(dy) * 1e-3) throw irregular(fileName);
  return [xs[0] - dx / 2, dx, 0, ys[0] - dy / 2, 0, dy];
}

function irregular(fileName: string): AppError {
  return new AppError(
    'NO_GEOREFERENCE',
    `${fileName}: the x/y coordinates are not regularly spaced, so the grid has no affine transform; regrid it with gdalwarp.`,
    { file: fileName },
  );
}

/** ISO dates of a CF time axis ("days since 2000-01-01 ..."; hours/seconds too). */
export function cfDates(values: ArrayLike<number>, units: string | undefined): string[] {
  const m = units
    ? /^(days|hours|minutes|seconds) since (\d{4})-(\d{1,2})-(\d{1,2})/.exec(units.trim())
    : null;
  if (!m) return Array.from(values, (_, i) => `step-${i + 1}`);
  const perDay = { days: 1, hours: 24, minutes: 1440, seconds: 86400 }[m[1] as 'days'];
  const base = Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4]));
  return Array.from(values, (v) =>
    new Date(base + (Number(v) / perDay) * 86400000).toISOString().slice(0, 10),
  );
}

function roleOf(
  fileName: string,
  name: string,
  a: Record<string, AttrValue>,
): { role: BandRole; dayNight?: 'day' | 'night' } {
  const g = detectRole({
    fileName,
    description: name,
    metadata: { long_name: text(a.long_name) ?? '', units: text(a.units) ?? '' },
  });
  let role = g.role;
  if (/assessment|(^|_)qc($|_)|quality/i.test(name) && role !== 'lst-qc') role = 'qc';
  else if (/land_?cover_type_\d$|^LC_Type\d$/i.test(name)) role = 'landcover';
  return { role, ...(g.dayNight ? { dayNight: g.dayNight } : {}) };
}

let fileCounter = 0;

/**
 * Reads a NetCDF-4 (HDF5) file such as an AppEEARS export with h5wasm: every selected gridded
 * variable becomes a band, every time step a Dataset with its date. The grid comes from the x/y
 * coordinate variables (cell centres), the CRS from the CF `grid_mapping` variable. Scale, offset,
 * `_FillValue` and `valid_min`/`valid_max` follow CF (physical = DN x scale + offset). Bad input
 * throws CORRUPT_HDF, NO_GEOREFERENCE, UNSUPPORTED_CRS, MISSING_BAND or TOO_LARGE naming `fileName`.
 */
export async function readNetcdf(
  source: ArrayBuffer | Blob | Uint8Array,
  fileName: string,
  opts: ReadNetcdfOptions = {},
): Promise<Dataset[]> {
  throwIfAborted(opts.signal);
  const bytes =
    source instanceof Uint8Array
      ? source
      : new Uint8Array(source instanceof ArrayBuffer ? source : await source.arrayBuffer());
  const h5 = await import('h5wasm');
  const { FS } = await h5.ready;
  const path = `/srda-${++fileCounter}.nc`;
  FS!.writeFile(path, bytes);
  let file: InstanceType<typeof h5.File> | undefined;
  try {
    try {
      file = new h5.File(path, 'r');
    } catch (e) {
      throw toAppError(
        e,
        'CORRUPT_HDF',
        `${fileName}: the NetCDF-4/HDF5 structure cannot be read (damaged or truncated; download the file again)`,
        fileName,
      );
    }
    return readOpen(file as unknown as { keys(): string[]; get(n: string): unknown }, fileName, opts);
  } catch (e) {
    if (isAppError(e)) throw e;
    throw toAppError(
      e,
      'CORRUPT_HDF',
      `${fileName}: the NetCDF-4 data cannot be decoded (damaged or truncated; download the file again)`,
      fileName,
    );
  } finally {
    try {
      file?.close();
    } finally {
      FS!.unlink(path);
    }
  }
}

function readOpen(
  file: { keys(): string[]; get(n: string): unknown },
  fileName: string,
  opts: ReadNetcdfOptions,
): Dataset[] {
  const vars = new Map<string, H5Var>();
  for (const k of file.keys()) {
    const v = file.get(k) as H5Var | null;
    if (v && 'shape' in v) vars.set(k, v);
  }
  const gridded = [...vars.entries()].filter(
    ([, v]) => (v.shape?.length ?? 0) >= 2 && text(attrsOf(v).grid_mapping) !== undefined,
  );
  const chosen = opts.variables ? gridded.filter(([k]) => opts.variables!.includes(k)) : gridded;
  if (opts.variables) {
    const missing = opts.variables.filter((k) => !gridded.some(([g]) => g === k));
    if (missing.length)
      throw new AppError(
        'MISSING_BAND',
        `${fileName} has no gridded variable ${missing.join(', ')} (it has: ${gridded.map(([k]) => k).join(', ') || 'none'}).`,
        { file: fileName },
      );
  }
  if (chosen.length === 0)
    throw new AppError(
      'NO_GEOREFERENCE',
      `${fileName} has no variable with a CF grid_mapping (no map position); export the layers as GeoTIFF from AppEEARS.`,
      { file: fileName },
    );
  const first = attrsOf(chosen[0][1]);
  const mapping = vars.get(text(first.grid_mapping)!);
  if (!mapping)
    throw new AppError(
      'NO_GEOREFERENCE',
      `${fileName}: grid mapping variable '${text(first.grid_mapping)}' is missing.`,
      { file: fileName },
    );
  const crs = crsFromGridMapping(attrsOf(mapping), fileName);
  const coords = (text(first.coordinates) ?? '').split(/\s+/);
  const xName =
    coords.find((c) => /^(x|xdim|lon|longitude)$/i.test(c)) ??
    (vars.has('xdim') ? 'xdim' : vars.has('x') ? 'x' : 'lon');
  const yName =
    coords.find((c) => /^(y|ydim|lat|latitude)$/i.test(c)) ??
    (vars.has('ydim') ? 'ydim' : vars.has('y') ? 'y' : 'lat');
  const xv = vars.get(xName);
  const yv = vars.get(yName);
  if (!xv || !yv)
    throw new AppError(
      'NO_GEOREFERENCE',
      `${fileName}: no x/y coordinate variables (looked for ${xName}, ${yName}).`,
      { file: fileName },
    );
  const transform = axisTransform(xv.value as ArrayLike<number>, yv.value as ArrayLike<number>, fileName);
  const shape = chosen[0][1].shape!;
  const [h, w] = shape.slice(-2);
  const tv = vars.get('time');
  const dates =
    shape.length === 3 && tv ? cfDates(tv.value as ArrayLike<number>, text(attrsOf(tv).units)) : [''];
  const want = opts.dates;
  const steps = dates
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => !want || (typeof want === 'function' ? want(d) : want.includes(d)));
  const maxPixels = opts.maxPixels ?? 2 ** 28;
  if (steps.length * chosen.length * w * h > maxPixels)
    throw new AppError(
      'TOO_LARGE',
      `${fileName}: ${steps.length} steps x ${chosen.length} variables of ${w}x${h} exceed the ${maxPixels} pixels this reader decodes at once; pick fewer dates.`,
      { file: fileName },
    );
  const name = parseProductName(fileName);
  const product = name.product;
  const perStep: DatasetBand[][] = steps.map(() => []);
  for (const [k, v] of chosen) {
    throwIfAborted(opts.signal);
    if (v.shape!.slice(-2).join() !== `${h},${w}`) continue;
    const a = attrsOf(v);
    const { role, dayNight } = roleOf(fileName, k, a);
    const sf = num(a.scale_factor);
    const lo = num(a.valid_min);
    const hi = num(a.valid_max);
    const scaling = resolveScaling({
      role,
      product,
      isFloat: typeof v.dtype === 'string' && /[fd]$/.test(v.dtype),
      hints: {
        ...(sf !== undefined ? { scaleFactor: sf, addOffset: num(a.add_offset) ?? 0 } : {}),
        ...(lo !== undefined && hi !== undefined ? { validRange: [lo, hi] as [number, number] } : {}),
        ...(num(a._FillValue) !== undefined ? { fillValue: num(a._FillValue) } : {}),
        ...(text(a.units) ? { units: text(a.units) } : {}),
      },
    });
    const fill = num(a._FillValue);
    const nodata = role === 'lst-qc' ? null : (scaling.fill ?? fill ?? null);
    // One read of the whole variable is far faster than a slice per step when most steps are wanted.
    const whole = v.shape!.length === 2 || steps.length * 4 >= dates.length;
    const all = (whole ? v.value : null) as
      (ArrayLike<number> & { subarray?(a: number, b: number): ArrayLike<number> }) | null;
    steps.forEach(({ i }, s) => {
      const raw = all
        ? v.shape!.length === 2
          ? all
          : all.subarray!(i * w * h, (i + 1) * w * h)
        : (v.slice([[i, i + 1], [], []]) as ArrayLike<number>);
      const data = decodeSamples(raw, {
        scale: scaling.scale,
        offset: scaling.offset,
        nodata,
        fill: role === 'lst-qc' ? undefined : scaling.fill,
        validRange: role === 'lst-qc' ? undefined : scaling.validRange,
      });
      perStep[s].push({
        role,
        name: k,
        ...(dayNight ? { dayNight } : {}),
        ...(scaling.units ? { units: scaling.units } : {}),
        scale: scaling.scale,
        offset: scaling.offset,
        scaleSource: scaling.source,
        nodata,
        raster: { width: w, height: h, transform, crs, data },
      });
    });
    opts.onProgress?.({
      stage: 'read',
      done: chosen.indexOf(chosen.find(([x]) => x === k)!) + 1,
      total: chosen.length,
      detail: `${fileName}: ${k}`,
    });
  }
  return steps.map(({ d }, s) => ({
    fileName,
    width: w,
    height: h,
    transform,
    crs,
    ...(product ? { product } : {}),
    ...(d && !d.startsWith('step-') ? { date: d } : {}),
    bands: perStep[s],
    metadata: { NETCDF_TIME_STEP: d },
    layout: {
      bitsPerSample: 32,
      sampleFormat: 2,
      compression: 8,
      tiled: true,
      blockWidth: w,
      blockHeight: h,
    },
    warnings: [],
  }));
}
