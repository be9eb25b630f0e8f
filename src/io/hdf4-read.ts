import { AppError, isAppError, toAppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import { detectRole, parseProductName } from './band-roles.ts';
import { decodeSamples, resolveScaling } from './band-decode.ts';
import type { BandRole, Dataset, DatasetBand } from './dataset.ts';
import { Hdf4File, TAG } from './hdf4-file.ts';
import { catalogHdf4, readSdsSamples, type Hdf4AttrValue, type Hdf4Sds } from './hdf4-sds.ts';
import { eosGridGeoreference, parseStructMetadata, type EosGrid } from './hdfeos-grid.ts';

/** Options of `readHdf4`. */
export interface ReadHdf4Options extends RunOptions {
  /**
   * SDS names to read. Default: the SDSs a downscaling run can use (LST, LST QC, NDVI, red, NIR,
   * SWIR, shortwave albedo, land cover, DEM); `'all'` reads every 2-D SDS.
   */
  fields?: readonly string[] | 'all';
  /** Largest number of pixels (width x height x SDSs) to decode; default 2^28. */
  maxPixels?: number;
}

/** One SDS as listed for the user: name, grid, size, role (nothing decoded). */
export interface Hdf4Layer {
  name: string;
  grid: string;
  width: number;
  height: number;
  role: BandRole;
  dayNight?: 'day' | 'night';
}

const RUN_ROLES: ReadonlySet<BandRole> = new Set([
  'lst',
  'lst-qc',
  'ndvi',
  'red',
  'nir',
  'swir',
  'albedo',
  'landcover',
  'dem',
]);

function attrNumber(v: Hdf4AttrValue | undefined): number | undefined {
  return Array.isArray(v) && v.length > 0 && Number.isFinite(v[0]) ? v[0] : undefined;
}

function attrText(v: Hdf4AttrValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Role of an SDS: the project's naming rules, with MODIS quality layers kept out of the data roles. */
function sdsRole(fileName: string, s: Hdf4Sds): { role: BandRole; dayNight?: 'day' | 'night' } {
  const guess = detectRole({
    fileName,
    description: s.name,
    metadata: {
      long_name: attrText(s.attributes.long_name) ?? '',
      units: attrText(s.attributes.units) ?? '',
    },
  });
  let role = guess.role;
  if (role !== 'lst-qc' && /quality|(^|_)qc(_|$)|_state_/i.test(s.name)) role = 'qc';
  if (/^LC_Type\d|Land_Cover_Type/i.test(s.name)) role = 'landcover';
  if (/^Albedo_(BSA|WSA)/i.test(s.name)) role = 'albedo';
  return { role, ...(guess.dayNight ? { dayNight: guess.dayNight } : {}) };
}

function wanted(
  fields: ReadHdf4Options['fields'],
  s: Hdf4Sds,
  role: BandRole,
  all: Hdf4Sds[],
  fileName: string,
): boolean {
  if (fields === 'all') return true;
  if (fields) return fields.includes(s.name);
  if (!RUN_ROLES.has(role)) return false;
  // MCD43A3 has 20 albedo layers: a run needs the shortwave white-sky one (black-sky if absent).
  if (role === 'albedo') {
    const sw = all.filter((x) => /shortwave/i.test(x.name) && sdsRole(fileName, x).role === 'albedo');
    if (sw.length === 0) return true;
    return s.name === (sw.find((x) => /WSA/i.test(x.name)) ?? sw[0]).name;
  }
  return true;
}

/** Which SDSs (by NDG ref) each HDF-EOS grid vgroup lists under "Data Fields". */
function gridMembers(f: Hdf4File): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const dd of f.all(TAG.VG)) {
    const g = f.vgroup(dd.ref);
    if (g.className !== 'GRID') continue;
    const refs = new Set<number>();
    for (const m of g.members) {
      if (m.tag !== TAG.VG) continue;
      const sub = f.vgroup(m.ref);
      if (sub.name === 'Data Fields') for (const x of sub.members) if (x.tag === TAG.NDG) refs.add(x.ref);
    }
    out.set(g.name, refs);
  }
  return out;
}

function inGrid(s: Hdf4Sds, g: EosGrid, members: Map<string, Set<number>>): boolean {
  const refs = members.get(g.name);
  if (refs && refs.size > 0 && s.ndgRef !== undefined) return refs.has(s.ndgRef);
  return g.fields.some((name) => s.name === name || s.name === `${name}:${g.name}`);
}

function coreDate(core: string | undefined): string | undefined {
  const m = core
    ? /OBJECT\s*=\s*RANGEBEGINNINGDATE[\s\S]*?VALUE\s*=\s*"(\d{4}-\d{2}-\d{2})"/.exec(core)
    : null;
  return m ? m[1] : undefined;
}

function coreShortName(core: string | undefined): string | undefined {
  const m = core ? /OBJECT\s*=\s*SHORTNAME[\s\S]*?VALUE\s*=\s*"([^"]+)"/.exec(core) : null;
  return m ? m[1] : undefined;
}

async function bytesOf(source: ArrayBuffer | Blob | Uint8Array): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return new Uint8Array(await source.arrayBuffer());
}

function open(
  bytes: Uint8Array,
  fileName: string,
): { f: Hdf4File; grids: EosGrid[]; sds: Hdf4Sds[]; globals: Record<string, Hdf4AttrValue> } {
  const f = new Hdf4File(bytes, fileName);
  const cat = catalogHdf4(f);
  const struct = Object.keys(cat.globalAttributes)
    .filter((k) => /^StructMetadata\.\d+$/.test(k))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
    .map((k) => attrText(cat.globalAttributes[k]) ?? '')
    .join('');
  const grids = parseStructMetadata(struct);
  if (grids.length === 0) {
    throw new AppError(
      'NO_GEOREFERENCE',
      `${fileName} is an HDF4 file without an HDF-EOS grid (no StructMetadata.0 grid): its ${cat.sds.length} data sets have no map position. Use the LAADS/LP DAAC gridded product (MOD11A1, MOD13Q1, ...) or export a GeoTIFF with AppEEARS.`,
      { file: fileName },
    );
  }
  return { f, grids, sds: cat.sds, globals: cat.globalAttributes };
}

/** Lists the SDSs of an HDF-EOS2 file with their grids and roles, decoding nothing. */
export async function listHdf4Layers(
  source: ArrayBuffer | Blob | Uint8Array,
  fileName: string,
): Promise<Hdf4Layer[]> {
  return guard(fileName, async () => {
    const { f, grids, sds } = open(await bytesOf(source), fileName);
    const members = gridMembers(f);
    return sds.flatMap((s) => {
      const g = grids.find((x) => inGrid(s, x, members));
      if (!g) return [];
      const r = sdsRole(fileName, s);
      return [{ name: s.name, grid: g.name, width: g.width, height: g.height, ...r }];
    });
  });
}

async function guard<T>(fileName: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isAppError(e)) throw e;
    throw toAppError(
      e,
      'CORRUPT_HDF',
      `${fileName}: the HDF4 file cannot be read (damaged or truncated; download it again)`,
      fileName,
    );
  }
}

/**
 * Reads an HDF4 / HDF-EOS2 file (LAADS MODIS products) into one Dataset per HDF-EOS grid that has
 * a selected SDS: every selected SDS is a band in physical units (MODIS `scale_factor` /
 * `add_offset` with the HDF convention physical = scale x (DN - offset); the MOD13 factor > 1 is a
 * divisor; `_FillValue` and `valid_range` -> NaN), on the grid and CRS of `StructMetadata.0`.
 * Only the selected SDSs are decompressed. Bad input throws CORRUPT_HDF, UNSUPPORTED_HDF,
 * NO_GEOREFERENCE, UNSUPPORTED_CRS, MISSING_BAND or TOO_LARGE naming `fileName`. Arrays are owned by the caller.
 */
export async function readHdf4(
  source: ArrayBuffer | Blob | Uint8Array,
  fileName: string,
  opts: ReadHdf4Options = {},
): Promise<Dataset[]> {
  throwIfAborted(opts.signal);
  return guard(fileName, async () => {
    const { f, grids, sds, globals } = open(await bytesOf(source), fileName);
    const members = gridMembers(f);
    const core = Object.keys(globals)
      .filter((k) => /^CoreMetadata\.\d+$/.test(k))
      .map((k) => attrText(globals[k]) ?? '')
      .join('');
    const name = parseProductName(fileName);
    const product = name.product ?? coreShortName(core);
    const date = name.date ?? coreDate(core);
    const isMod13 = /^M[OY]D13/i.test(product ?? '');
    const picked = sds
      .map((s) => ({ s, ...sdsRole(fileName, s) }))
      .filter((x) => wanted(opts.fields, x.s, x.role, sds, fileName));
    if (Array.isArray(opts.fields)) {
      const missing = opts.fields.filter((n) => !sds.some((s) => s.name === n));
      if (missing.length > 0)
        throw new AppError(
          'MISSING_BAND',
          `${fileName} has no data set ${missing.map((m) => `'${m}'`).join(', ')} (it has: ${sds.map((s) => s.name).join(', ')}).`,
          { file: fileName },
        );
    }
    if (picked.length === 0)
      throw new AppError(
        'MISSING_BAND',
        `${fileName} holds no layer the downscaling uses (LST, QC, NDVI, red/NIR, SWIR, albedo, land cover); it has: ${sds.map((s) => s.name).join(', ')}.`,
        { file: fileName },
      );
    const maxPixels = opts.maxPixels ?? 2 ** 28;
    const total = picked.reduce((a, x) => a + x.s.dims.reduce((p, d) => p * d, 1), 0);
    if (total > maxPixels)
      throw new AppError(
        'TOO_LARGE',
        `${fileName}: the ${picked.length} selected data sets hold ${total} pixels, more than the ${maxPixels} this reader decodes at once; pick fewer layers or clip the tile in AppEEARS.`,
        { file: fileName },
      );
    const out: Dataset[] = [];
    let done = 0;
    for (const g of grids) {
      const inThis = picked.filter((x) => inGrid(x.s, g, members));
      if (inThis.length === 0) continue;
      const { transform, crs } = eosGridGeoreference(g, fileName);
      const warnings: string[] = [];
      const bands: DatasetBand[] = [];
      for (const { s, role, dayNight } of inThis) {
        throwIfAborted(opts.signal);
        opts.onProgress?.({ stage: 'read', done, total: picked.length, detail: `${fileName}: ${s.name}` });
        const h = s.dims[s.dims.length - 2];
        const w = s.dims[s.dims.length - 1];
        if (w !== g.width || h !== g.height) {
          warnings.push(
            `${s.name}: ${w}x${h} does not match grid ${g.name} (${g.width}x${g.height}); skipped`,
          );
          continue;
        }
        if (s.dims.length > 2) warnings.push(`${s.name}: ${s.dims.length}-D data set, first plane read`);
        const raw = readSdsSamples(f, s);
        bands.push(decodeBand(s, role, dayNight, raw, { product, isMod13, transform, crs, w, h, warnings }));
        done++;
      }
      if (bands.length === 0) continue;
      const size = inThis[0].s.numberType.size;
      out.push({
        fileName,
        width: g.width,
        height: g.height,
        transform,
        crs,
        ...(product ? { product } : {}),
        ...(date ? { date } : {}),
        ...(grids.length > 1 ? { layer: g.name } : {}),
        bands,
        metadata: { HDFEOS_GRID: g.name, ...(name.tile ? { TILE: name.tile } : {}) },
        layout: {
          bitsPerSample: size * 8,
          sampleFormat: [5, 6].includes(inThis[0].s.numberType.code) ? 3 : 1,
          compression: 8,
          tiled: false,
          blockWidth: g.width,
          blockHeight: 1,
        },
        warnings,
      });
    }
    opts.onProgress?.({ stage: 'read', done: picked.length, total: picked.length, detail: fileName });
    if (out.length === 0)
      throw new AppError(
        'MISSING_BAND',
        `${fileName}: none of the selected data sets lies on an HDF-EOS grid of the file.`,
        { file: fileName },
      );
    return out;
  });
}

function decodeBand(
  s: Hdf4Sds,
  role: BandRole,
  dayNight: 'day' | 'night' | undefined,
  raw: ArrayLike<number>,
  ctx: {
    product?: string;
    isMod13: boolean;
    transform: Dataset['transform'];
    crs: Dataset['crs'];
    w: number;
    h: number;
    warnings: string[];
  },
): DatasetBand {
  const code = s.numberType.code;
  let sf = attrNumber(s.attributes.scale_factor);
  const ao = attrNumber(s.attributes.add_offset) ?? 0;
  if (sf !== undefined && sf > 1 && ctx.isMod13) {
    ctx.warnings.push(`${s.name}: scale_factor ${sf} is a divisor (MOD13 convention): used 1/${sf}`);
    sf = 1 / sf;
  }
  const vr = s.attributes.valid_range;
  const scaling = resolveScaling({
    role,
    product: ctx.product,
    isFloat: code === 5 || code === 6,
    hints: {
      ...(sf !== undefined ? { scaleFactor: sf, addOffset: -sf * ao } : {}),
      ...(Array.isArray(vr) && vr.length === 2 ? { validRange: [vr[0], vr[1]] as [number, number] } : {}),
      ...(attrNumber(s.attributes._FillValue) !== undefined
        ? { fillValue: attrNumber(s.attributes._FillValue) }
        : {}),
      ...(attrText(s.attributes.units) ? { units: attrText(s.attributes.units) } : {}),
    },
  });
  for (const n of scaling.notes) ctx.warnings.push(`${s.name}: ${n}`);
  const fill = attrNumber(s.attributes._FillValue);
  // MOD11 QC: 0 is "good quality", never nodata; other categorical layers keep their fill as nodata.
  const nodata = role === 'lst-qc' ? null : (scaling.fill ?? fill ?? null);
  const data = decodeSamples(raw, {
    scale: scaling.scale,
    offset: scaling.offset,
    nodata,
    fill: role === 'lst-qc' ? undefined : scaling.fill,
    validRange: role === 'lst-qc' ? undefined : scaling.validRange,
  });
  return {
    role,
    name: s.name,
    ...(dayNight ? { dayNight } : {}),
    ...(scaling.units ? { units: scaling.units } : {}),
    scale: scaling.scale,
    offset: scaling.offset,
    scaleSource: scaling.source,
    nodata,
    raster: { width: ctx.w, height: ctx.h, transform: ctx.transform, crs: ctx.crs, data },
  };
}
