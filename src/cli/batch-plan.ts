import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../core/errors.ts';
import { detectRole, parseProductName } from '../io/band-roles.ts';
import type { BandRole, Dataset } from '../io/dataset.ts';
import { listHdf4Layers } from '../io/hdf4-read.ts';
import { listNetcdf } from '../io/netcdf-read.ts';
import { sniffFileKind } from '../io/tiff-sniff.ts';
import { daysBetween } from '../pipeline/scene-assembly.ts';
import { parseManifest, rolesWithGiven, type GivenRole } from './batch-manifest.ts';
import { loadFileDatasets, readFileArrayBuffer } from './load.ts';

/** What one input file offers a batch, known without decoding its data. */
export interface BatchFile {
  path: string;
  /** Roles of its layers (LST, QC, NDVI, ...). */
  roles: BandRole[];
  /** Dates it covers: one for a GeoTIFF or HDF granule, every time step of a NetCDF series. */
  dates: (string | undefined)[];
  tile?: string;
  /** Roles its manifest entries give it (or bands of it), in place of the detected ones. */
  given?: GivenRole[];
}

/** One unit of batch work: the LST of one date (and MODIS tile) with the files that complete its scene. */
export interface BatchItem {
  /** Position in the stable order (0-based; the value of --index / JOB_COMPLETION_INDEX). */
  index: number;
  /** `2024-04-06` or `2024-04-06_h14v09`: the output folder name. */
  id: string;
  date?: string;
  tile?: string;
  /** Files to read, each with the date to take from multi-date files and the roles its manifest gives it. */
  files: { path: string; date?: string; given?: GivenRole[] }[];
}

const INPUT_EXT = /\.(tiff?|gtiff?|hdf|nc|nc4|h5)$/i;
const GUIDE_ROLES: readonly BandRole[] = ['ndvi', 'red', 'nir', 'swir', 'albedo', 'dem', 'landcover'];
/** Roles taken of the LST's own date: its QC and masks. */
const SCENE_MASK_ROLES: readonly BandRole[] = ['lst-qc', 'cloud-mask', 'water-mask'];
const USED_ROLES: ReadonlySet<BandRole> = new Set<BandRole>(['lst', ...SCENE_MASK_ROLES, ...GUIDE_ROLES]);

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (INPUT_EXT.test(e.name) && !e.name.startsWith('.')) out.push(p);
  }
  return out;
}

/** An input file of a batch source with the roles its manifest gives it (none for a folder's files). */
export interface SourceFile {
  path: string;
  given: GivenRole[];
}

/**
 * The input files of a batch source: every .tif/.hdf/.nc under a folder (recursively, sorted), or
 * the files a manifest lists (`parseManifest`: one path per line, `#` comments, relative to the
 * manifest, `--ROLE FILE[:BAND]` giving a role; or JSON). Folders inside a manifest are walked too;
 * a file listed twice is one file with the roles of both entries.
 */
export async function batchSourceFiles(source: string): Promise<SourceFile[]> {
  const s = await stat(source).catch(() => undefined);
  if (!s)
    throw new AppError(
      'BAD_ARGUMENT',
      `${source}: no such file or folder (give a folder of dates or a manifest).`,
      { file: source },
    );
  if (s.isDirectory()) return (await walk(source)).map((p) => ({ path: p, given: [] }));
  const base = path.dirname(source);
  const out = new Map<string, SourceFile>();
  for (const e of parseManifest(source, await readFile(source, 'utf8'))) {
    const p = path.resolve(base, e.path);
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new AppError('BAD_ARGUMENT', `${e.where} lists ${e.path}, which does not exist.`, { file: source });
    if (e.given && st.isDirectory())
      throw new AppError('BAD_ARGUMENT', `${e.where}: ${e.path} is a folder; a role is given to one file (or one band of it, FILE:BAND).`, { file: source });
    for (const f of st.isDirectory() ? await walk(p) : [p]) {
      const known = out.get(f) ?? { path: f, given: [] };
      // The same role twice (a --list read back names a file's roles in each item that reads it) is one.
      if (e.given && !known.given.some((g) => g.role === e.given!.role && g.band === e.given!.band)) known.given.push(e.given);
      out.set(f, known);
    }
  }
  return [...out.values()];
}

/** Layer roles of LAADS HDF products, so that planning need not open every granule. */
const HDF_PRODUCT_ROLES: [RegExp, BandRole[]][] = [
  [/^M[OY]D11/i, ['lst', 'lst-qc']],
  [/^M[OY]D21/i, ['lst', 'lst-qc']],
  [/^M[OY]D13/i, ['ndvi', 'red', 'nir']],
  [/^M[OY]D09/i, ['red', 'nir', 'swir']],
  [/^MCD43A3/i, ['albedo']],
  [/^MCD12Q1/i, ['landcover']],
];

/** Describes one file for planning: names first, the file's own catalogue where names say too little. */
export async function describeBatchFile(file: string): Promise<BatchFile> {
  const name = parseProductName(path.basename(file));
  const head = new Uint8Array(16);
  const fh = await open(file, 'r');
  try {
    await fh.read(head, 0, 16, 0);
  } finally {
    await fh.close();
  }
  const kind = sniffFileKind(head);
  if (kind === 'hdf4') {
    const known = HDF_PRODUCT_ROLES.find(([re]) => re.test(name.product ?? ''));
    if (known && name.date) return { path: file, roles: known[1], dates: [name.date], tile: name.tile };
    const layers = await listHdf4Layers(await readFileArrayBuffer(file), file);
    return {
      path: file,
      roles: [...new Set(layers.map((l) => l.role))],
      dates: [name.date],
      tile: name.tile,
    };
  }
  if (kind === 'hdf5') {
    const nc = await listNetcdf(await readFileArrayBuffer(file), file);
    return {
      path: file,
      roles: [...new Set(nc.variables.map((v) => v.role))],
      dates: nc.dates.length ? nc.dates : [name.date],
      tile: name.tile,
    };
  }
  // A band file unused beside a better one of its folder (ESPA surface reflectance) is known by name too.
  const guess = detectRole({ fileName: path.basename(file), siblingNames: await readdir(path.dirname(file)).catch(() => []) });
  if ((guess.role !== 'unknown' || guess.unused) && name.date)
    return { path: file, roles: [guess.role], dates: [name.date], tile: name.tile };
  // Names say too little: read the file (GeoTIFF metadata carries roles and dates).
  const ds = await loadFileDatasets(file);
  return {
    path: file,
    roles: [...new Set(ds.flatMap((d) => d.bands.map((b) => b.role)))],
    dates: [...new Set(ds.map((d) => d.date))],
    tile: name.tile,
  };
}

/**
 * An undated cloud or water mask that is no LST: every dated item applies it beside its date's own,
 * as the app applies an undated mask dropped with LSTs of several dates (the scene takes a mask
 * with no date as one of the LST's date).
 */
function isUndatedMask(f: BatchFile): boolean {
  return f.dates.includes(undefined) && !f.roles.includes('lst') && f.roles.some((r) => r === 'cloud-mask' || r === 'water-mask');
}

function itemId(date: string | undefined, tile: string | undefined): string {
  return [date ?? 'undated', tile].filter(Boolean).join('_');
}

/** The common folder of `dirs` (absolute or relative to the same place). */
function commonFolder(dirs: string[]): string {
  const parts = dirs.map((d) => path.resolve(d).split(path.sep));
  let n = 0;
  while (parts.every((p) => n < p.length && p[n] === parts[0][n])) n++;
  return parts[0].slice(0, n).join(path.sep) || path.sep;
}

/**
 * Plans the items of a batch: one per LST date and tile, in a stable order (date, then tile). Each
 * item carries its LST files, the QC files, cloud masks and water masks of the same date and tile (the
 * app applies each when dropped with the LST), and per auxiliary role the
 * files of the nearest date (same tile, or untiled), so each item can run on its own. An undated
 * cloud or water mask goes with every dated item (of its tile), as in the app.
 * Undated LSTs in several folders (one folder per scene, as a pair database is laid out) are one
 * item per folder, named by the folder, with that folder's undated QC and masks, and its guides
 * before those of other folders.
 */
export function planBatch(files: BatchFile[]): BatchItem[] {
  const used = files.filter((f) => f.roles.some((r) => USED_ROLES.has(r)));
  const undatedLstDirs = [...new Set(used.filter((f) => f.roles.includes('lst') && f.dates.includes(undefined)).map((f) => path.dirname(f.path)))];
  const byFolder = undatedLstDirs.length > 1;
  const root = byFolder ? commonFolder(undatedLstDirs) : '';
  // The common folder's own scene (LST files beside the scene folders) is 'undated', as a lone undated scene is.
  const folderId = (dir: string): string => path.relative(root, path.resolve(dir)).replace(/[^A-Za-z0-9._-]+/g, '_') || 'undated';
  const scenes = new Map<string, { date?: string; tile?: string; folder?: string }>();
  for (const f of used)
    if (f.roles.includes('lst'))
      for (const d of f.dates) {
        const folder = d === undefined && byFolder ? path.dirname(f.path) : undefined;
        scenes.set(folder === undefined ? itemId(d, f.tile) : itemId(folderId(folder), f.tile), { date: d, tile: f.tile, folder });
      }
  const keys = [...scenes.keys()].sort((a, b) => a.localeCompare(b));
  return keys.map((id, index) => {
    const { date, tile, folder } = scenes.get(id)!;
    const sameTile = (f: BatchFile): boolean => !f.tile || !tile || f.tile === tile;
    const inFolder = (f: BatchFile): boolean => folder === undefined || path.dirname(f.path) === folder;
    const take: BatchItem['files'] = [];
    // A file read once per item, whatever roles it serves (a stack's LST, red and NIR).
    const add = (f: BatchFile, d: string | undefined): void => {
      const entry = { path: f.path, ...(d && f.dates.length > 1 ? { date: d } : {}) };
      if (!take.some((t) => t.path === entry.path && t.date === entry.date)) take.push({ ...entry, ...(f.given?.length ? { given: f.given } : {}) });
    };
    for (const f of used)
      if (sameTile(f) && inFolder(f) && (f.roles.includes('lst') || SCENE_MASK_ROLES.some((r) => f.roles.includes(r))) && f.dates.includes(date))
        add(f, date);
    // After the date's own: the scene applies the first water mask of the date (cloud masks all together).
    for (const f of used)
      if (date !== undefined && sameTile(f) && isUndatedMask(f) && !(byFolder && undatedLstDirs.includes(path.dirname(f.path))))
        add(f, undefined);
    for (const role of GUIDE_ROLES) {
      let best: { f: BatchFile; d: string | undefined; rank: [number, number] } | undefined;
      for (const f of used) {
        if (!f.roles.includes(role) || !sameTile(f)) continue;
        for (const d of f.dates) {
          const gap = daysBetween(d, date) ?? (d === undefined ? 0 : Number.POSITIVE_INFINITY);
          const rank: [number, number] = [inFolder(f) ? 0 : 1, gap];
          if (!best || rank[0] < best.rank[0] || (rank[0] === best.rank[0] && rank[1] < best.rank[1])) best = { f, d, rank };
        }
      }
      if (best) add(best.f, best.d);
    }
    return { index, id, ...(date ? { date } : {}), ...(tile ? { tile } : {}), files: take };
  });
}

/**
 * The QC files (of an LST) that no item reads, each with why: no LST of its date (and tile) is
 * among the files, so there is nothing of that date to downscale.
 */
export function unmatchedQc(files: BatchFile[], items: BatchItem[]): { file: string; why: string }[] {
  const out: { file: string; why: string }[] = [];
  for (const f of files) {
    if (!f.roles.includes('lst-qc') || f.roles.includes('lst')) continue;
    for (const d of f.dates)
      if (!items.some((it) => it.date === d && (!f.tile || !it.tile || it.tile === f.tile)))
        out.push({ file: f.path, why: `QC of ${d ?? 'no date'}${f.tile ? ` (tile ${f.tile})` : ''} with no LST of that date${f.tile ? ' and tile' : ''} among the files: not an item, nothing of that date to downscale (add its LST to run it)` });
  }
  return out;
}

/**
 * A file a manifest gives roles: its roles and dates as read, the given ones in place of the detected
 * ones. The file must be readable and hold each band named (errors name the manifest entry).
 */
async function describeGivenFile(f: SourceFile): Promise<BatchFile> {
  let datasets: Dataset[];
  try {
    datasets = await loadFileDatasets(f.path);
  } catch (e) {
    if (!isAppError(e)) throw e;
    throw new AppError(e.code, `${f.given[0].where}: ${e.message}`, { cause: e });
  }
  const { tile } = parseProductName(path.basename(f.path));
  return { path: f.path, roles: rolesWithGiven(datasets, f.given, f.path), dates: [...new Set(datasets.map((d) => d.date))], ...(tile ? { tile } : {}), given: f.given };
}

/** Files given a mask role (QC, cloud or water mask) by the manifest that no item reads, each with why. */
function unreadGiven(files: BatchFile[], items: BatchItem[]): { file: string; why: string }[] {
  const out: { file: string; why: string }[] = [];
  for (const f of files) {
    const masks = (f.given ?? []).filter((g) => SCENE_MASK_ROLES.includes(g.role));
    if (masks.length === 0 || items.some((it) => it.files.some((x) => x.path === f.path))) continue;
    const dates = f.dates.map((d) => d ?? 'no date').join(', ');
    out.push({ file: f.path, why: `${masks.map((g) => g.role).join(' and ')} as ${masks[0].where} gives it, but of ${dates}${f.tile ? ` (tile ${f.tile})` : ''} with no LST of that date among the files: no item reads it (a mask goes with the LST of its own date, from its file name or metadata; an undated cloud or water mask with every date)` });
  }
  return out;
}

/** Plans a batch from a folder or manifest; unreadable files are reported, not fatal (but for those the manifest gives a role), and QC files and masks with no LST of their date are named. */
export async function planBatchSource(source: string): Promise<{ items: BatchItem[]; skipped: string[]; unmatched: { file: string; why: string }[] }> {
  const skipped: string[] = [];
  const described: BatchFile[] = [];
  for (const f of await batchSourceFiles(source)) {
    if (f.given.length > 0) {
      described.push(await describeGivenFile(f));
      continue;
    }
    try {
      described.push(await describeBatchFile(f.path));
    } catch (e) {
      if (!isAppError(e)) throw e;
      skipped.push(`${f.path}: ${e.code}: ${e.message}`);
    }
  }
  const items = planBatch(described);
  if (items.length === 0)
    throw new AppError(
      'MISSING_BAND',
      `${source} holds no LST file (MOD11/MYD11 LST GeoTIFF, .hdf or .nc): nothing to downscale.`,
      { file: source },
    );
  const given = unreadGiven(described, items);
  return { items, skipped, unmatched: [...given, ...unmatchedQc(described, items).filter((u) => !given.some((g) => g.file === u.file))] };
}
