import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../core/errors.ts';
import { gridPixelSize } from '../core/geo/grid.ts';
import type { Progress } from '../core/progress.ts';
import { DEFAULT_ORIENTATIONS, ORIENTATION_COUNTS, ORIENTATION_COUNTS_TEXT, type OrientationCount } from '../core/raster/orient.ts';
import type { AuxName, Grid } from '../core/raster/raster.ts';
import type { BandRole, Dataset, DatasetBand } from '../io/dataset.ts';
import type { StageMethod } from '../pipeline/method.ts';
import type { MethodFactory } from '../pipeline/methods.ts';
import type { BackendName } from '../model/backend.ts';
import type { SceneInputs } from '../pipeline/prepare.ts';
import { assembleScene, daysBetween, DEFAULT_MAX_DATE_GAP_DAYS, type AssembledScene, type LabelledBand } from '../pipeline/scene-assembly.ts';
import type { Scene } from '../pipeline/scene.ts';
import { orientationsMessage } from '../pipeline/orientations.ts';
import { loadFileDatasets } from './load.ts';
import { applyUnitConversion, celsiusConversion, describeNotKelvin, LST_UNIT_CONVERSIONS, lstUnitConversion } from '../io/unit-sanity.ts';
import { describeNotTemperature, notTemperature } from '../io/not-temperature.ts';
import { terminalSafe } from './terminal.ts';
import { createCliMethodFactory, type CliMethodOptions } from './srda-weights.ts';

/** Input options shared by `downscale` and `evaluate`. */
export const INPUT_OPTIONS = {
  lst: { type: 'string' },
  qc: { type: 'string' },
  'cloud-mask': { type: 'string', multiple: true },
  'water-mask': { type: 'string' },
  'lst-units': { type: 'string' },
  'read-budget-mb': { type: 'string' },
  ndvi: { type: 'string' },
  red: { type: 'string' },
  nir: { type: 'string' },
  swir: { type: 'string' },
  albedo: { type: 'string' },
  dem: { type: 'string' },
  landcover: { type: 'string' },
  stages: { type: 'string' },
  backend: { type: 'string' },
  'residual-mode': { type: 'string' },
  'no-residual-correction': { type: 'boolean' },
  tile: { type: 'string' },
  weights: { type: 'string' },
  finetune: { type: 'string' },
  'max-date-gap': { type: 'string' },
  date: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** `--help` text of the input options (shared with `evaluate`). */
export const INPUT_HELP = `Inputs (GeoTIFF, LAADS HDF4/HDF-EOS2 .hdf, AppEEARS NetCDF-4 .nc; MODIS/Landsat scale factors and calibration are applied on read):
  --lst FILE            land surface temperature (MOD11A1/MOD11A2 LST, Landsat thermal band)
  --qc FILE             QC of the LST: MOD11 (keeps "good" and "other quality" with LST error <= 2 K) or
                        ECOSTRESS L2 LSTE (masks cloud, not produced, bad L1B data, LST accuracy > 2 K)
  --cloud-mask FILE     cloud mask of the LST's scene (Fmask, ECOSTRESS cloud_mask): the LST is masked
                        wherever it is not 0 (e.g. --cloud-mask stack.gtif:8); a Landsat BQA or QA_PIXEL
                        band where its bits say cloud or shadow; a mask with finer pixels than the LST
                        masks an LST pixel when more than 5 % of the mask pixels under it are not clear;
                        repeat it for several masks of the date (--cloud-mask A.tif --cloud-mask B.tif):
                        an LST pixel is masked where any of them says it is not clear
  --water-mask FILE     water mask of the LST's scene (ECOSTRESS water_mask): the LST is masked wherever
                        it is not 0 (water), as Fmask water is
  --lst-units CODE      the LST is not in kelvin: C (degrees Celsius), dC / cC (Celsius x 10 / x 100),
                        dK / cK (kelvin x 10 / x 100), modis (DN x 0.02); converted to K on read
  --read-budget-mb N    most memory one input file may decode to (default 1024)
  --ndvi FILE           NDVI (MOD13Q1/MOD13A1)          or  --red FILE --nir FILE (NDVI is computed)
  --swir FILE           SWIR 1.6 um (NDWI is computed with NIR)
  --albedo FILE  --dem FILE  --landcover FILE            more auxiliary layers
  A FILE may name one band of a multi-band file as FILE:BAND, BAND being a 1-based index, a
  Landsat band (B4, B10), a band name, or a role (red, nir, lst). Without :BAND the band whose
  detected role matches the option is used. Example with the Lisbon Landsat 8 cube:
    --lst LC08_cube.tiff:B10 --red LC08_cube.tiff:B4 --nir LC08_cube.tiff:B5
  An .hdf file gives its SDSs as bands (FILE.hdf:LST_Day_1km); a NetCDF series one date per time step:
  --date YYYY-MM-DD     the date to take from multi-date files (NetCDF time series)
  The finest auxiliary grid is the output grid; the LST is put on the aligned coarse grid.
  --stages N            factor-2 stages (default: from the resolutions, e.g. 2 for 1 km -> 250 m)
  --tile N              tile size in coarse pixels (default 256)
  --max-date-gap DAYS   largest gap between the LST date and a QC, NDVI, band or albedo date
                        (default ${DEFAULT_MAX_DATE_GAP_DAYS}, the MODIS 8-day composite period); a QC must be of the LST's date`;

const AUX_OPTIONS: readonly AuxName[] = ['ndvi', 'red', 'nir', 'swir', 'albedo', 'dem', 'landcover'];

/** Parsed input options (a subset of `parseArgs` values; a repeatable option gives a list). */
export type InputValues = Record<string, string | string[] | boolean | undefined>;

/** The values given for `opt` (none, one, or each of a repeated option), with the key each one's band gets: `opt`, then `opt-2`, `opt-3`... */
function givenSpecs(values: InputValues, opt: string): Array<{ key: string; spec: string }> {
  const v = values[opt];
  const specs = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
  return specs.map((spec, i) => ({ key: i === 0 ? opt : `${opt}-${i + 1}`, spec }));
}

/** `FILE:BAND` split into the file and the band (none when the spec names no band). */
export function splitSpec(spec: string): { file: string; band?: string } {
  const m = /^(.*\.(?:tiff?|gtiff?|hdf|nc|nc4|h5)):([^:/\\]+)$/i.exec(spec);
  return m ? { file: m[1], band: m[2] } : { file: spec };
}

/**
 * The band `band` of `ds` (1-based index, Landsat band, band name or detected role), or without
 * one the file's only band or its first of the role `want` (an option name: `qc` is `lst-qc`);
 * MISSING_BAND naming `spec` and listing the bands otherwise (`nameOne` says how to name one).
 */
export function pickBand(ds: Dataset, want: string, band: string | undefined, spec: string, nameOne = `name one as ${spec}:BAND`): DatasetBand {
  const list = ds.bands.map((b, i) => `${i + 1}:${b.name || '?'}(${b.role})`).join(', ');
  if (band !== undefined) {
    const b = band.toLowerCase();
    const n = /^\d+$/.test(b) ? Number(b) : undefined;
    const ls = /^b(?:and)?\s*0*(\d+)$/.exec(b);
    const found =
      (n !== undefined ? ds.bands[n - 1] : undefined) ??
      (ls ? ds.bands.find((x) => x.landsat?.band === Number(ls[1]) || new RegExp(`^band\\s*0*${ls[1]}\\b`, 'i').test(x.name)) : undefined) ??
      ds.bands.find((x) => x.name.toLowerCase() === b) ??
      ds.bands.find((x) => x.role === b);
    if (!found) throw new AppError('MISSING_BAND', `${spec}: no band '${band}' (bands: ${list}).`, { file: ds.fileName });
    return found;
  }
  if (ds.bands.length === 1) return ds.bands[0];
  const role = want === 'qc' ? 'lst-qc' : want;
  const byRole = ds.bands.filter((x) => x.role === role);
  if (byRole.length >= 1) return byRole[0];
  throw new AppError('MISSING_BAND', `${spec} has ${ds.bands.length} bands and none has the role '${role}': ${nameOne} (bands: ${list}).`, { file: ds.fileName });
}

/** The dataset of a multi-grid (HDF) or multi-date (NetCDF) file that holds the wanted band. */
export function pickDataset(list: Dataset[], want: string, band: string | undefined, spec: string, date: string | undefined): Dataset {
  if (list.length === 1) return list[0];
  let dated = date ? list.filter((d) => d.date === date) : list;
  if (date && dated.length === 0) {
    // A guide of another date (yearly land cover, 16-day NDVI): the nearest one; the scene assembler checks the gap.
    const gap = (d: Dataset): number => daysBetween(d.date, date) ?? Number.POSITIVE_INFINITY;
    const best = Math.min(...list.map(gap));
    dated = list.filter((d) => gap(d) === best);
  }
  const role = want === 'qc' ? 'lst-qc' : want;
  const has = dated.filter((d) => d.bands.some((b) => (band ? b.name.toLowerCase() === band.toLowerCase() : b.role === role)));
  const dates = new Set(has.map((d) => d.date));
  if (has.length > 1 && dates.size > 1)
    throw new AppError('BAD_ARGUMENT', `${spec} holds ${dates.size} dates: pick one with --date YYYY-MM-DD, or run srda-lst batch on it for the whole series.`, { file: list[0].fileName });
  return has[0] ?? dated[0];
}

/** Everything the input options produce: scene inputs plus what to put in reports. */
export interface LoadedInputs {
  inputs: SceneInputs;
  /** Per option: file, band name and role as read (a repeated option's second value under `OPTION-2`, and so on). */
  files: Record<string, { file: string; band: string; role: string; grid: Grid; date?: string }>;
  warnings: string[];
  /** The scene as the assembler put it together (QC share, date gaps). */
  assembled: AssembledScene;
}

const ROLE_OF_OPTION: Record<string, BandRole> = { lst: 'lst', qc: 'lst-qc' };

/**
 * Reads the files named by the input options (each file once, even when several bands are used),
 * labels each band with its option's role and assembles the scene strictly (pipeline/scene-assembly):
 * a QC of another date or grid, or a guide more than `--max-date-gap` days from the LST, is an error.
 */
export async function loadInputs(values: InputValues): Promise<LoadedInputs> {
  const cache = new Map<string, Promise<Dataset[]>>();
  const date = typeof values.date === 'string' ? values.date : undefined;
  const budget = intOption(values['read-budget-mb'], 'read-budget-mb', 16);
  const readBudget = budget === undefined ? {} : { maxDecodedBytes: budget * 2 ** 20 };
  const read = (file: string): Promise<Dataset[]> => {
    const key = path.resolve(file);
    // The option names the file's role: no band file goes unused beside another of the folder (siblings not looked at).
    if (!cache.has(key)) cache.set(key, loadFileDatasets(file, { ...readBudget, siblingNames: [] }));
    return cache.get(key)!;
  };
  const files: LoadedInputs['files'] = {};
  const warnings: string[] = [];
  const bands: LabelledBand[] = [];
  const get = async (opt: string): Promise<DatasetBand | undefined> => {
    let last: DatasetBand | undefined;
    for (const { key, spec } of givenSpecs(values, opt)) last = await getOne(opt, key, spec);
    return last;
  };
  const getOne = async (opt: string, key: string, spec: string): Promise<DatasetBand> => {
    const { file, band } = splitSpec(spec);
    const ds = pickDataset(await read(file), opt, band, spec, date);
    const picked = pickBand(ds, opt, band, spec);
    const b = opt === 'lst' ? withLstUnits(picked, values, warnings) : picked;
    files[key] = { file, band: b.name, role: b.role, grid: { width: ds.width, height: ds.height, transform: ds.transform, crs: ds.crs }, ...(ds.date ? { date: ds.date } : {}) };
    // The file's own notes ('band 1: ...') say which file.
    for (const w of ds.warnings) if (!warnings.includes(`${path.basename(file)}: ${w}`)) warnings.push(`${path.basename(file)}: ${w}`);
    bands.push({ key, name: path.basename(file), role: ROLE_OF_OPTION[opt] ?? (opt as BandRole), dataset: ds, band: b });
    return b;
  };
  if (typeof values.lst !== 'string') throw new AppError('MISSING_BAND', 'No LST given: pass --lst LST.tif (e.g. a MOD11A1 LST_Day_1km GeoTIFF).');
  // Every file starts reading now, so one's inflating (node:zlib, off the main thread) overlaps
  // another's decoding; they are still labelled and checked one after the other below, and a failed
  // read is reported when its option's turn comes (the first failing option in this order).
  for (const opt of ['lst', ...AUX_OPTIONS, 'qc', 'cloud-mask', 'water-mask']) {
    for (const { spec } of givenSpecs(values, opt)) read(splitSpec(spec).file).catch(() => undefined);
  }
  const lst = (await get('lst'))!;
  if (lst.role !== 'lst' && lst.units !== 'K') warnings.push(`--lst ${values.lst}: detected role '${lst.role}', used as LST in K.`);
  const given: AuxName[] = [];
  for (const name of AUX_OPTIONS) if (await get(name)) given.push(name);
  if (!given.includes('ndvi') && given.includes('red') !== given.includes('nir')) {
    throw new AppError('MISSING_BAND', `NDVI needs both --red and --nir (only --${given.includes('red') ? 'red' : 'nir'} was given), or pass --ndvi.`);
  }
  await get('qc');
  await get('cloud-mask');
  await get('water-mask');
  const maxDateGapDays = intOption(values['max-date-gap'], 'max-date-gap', 0);
  const assembled = assembleScene(bands, { mode: 'strict', maxDateGapDays });
  warnings.push(...assembled.notices);
  const names = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.basename(f.file)]));
  return { inputs: { ...assembled.inputs, names }, files, warnings, assembled };
}

/**
 * Applies `--lst-units`, or refuses an LST whose values are not kelvin but look like another unit
 * (BAD_VALUES naming the candidates and the option that converts them): never guessed silently.
 */
function withLstUnits(lst: DatasetBand, values: InputValues, warnings: string[]): DatasetBand {
  const code = values['lst-units'];
  if (typeof code === 'string') {
    const c = lstUnitConversion(code);
    if (!c) throw new AppError('BAD_ARGUMENT', `--lst-units ${code} is not one of ${LST_UNIT_CONVERSIONS.map((u) => u.code).join(', ')}.`);
    const data = lst.raster.data.slice();
    applyUnitConversion(data, c);
    warnings.push(`--lst ${values.lst}: converted from ${c.label} to K (x ${c.scale} + ${c.offset}) as --lst-units ${code} asks.`);
    return { ...lst, units: 'K', raster: { ...lst.raster, data } };
  }
  // A file whose name or metadata did not say LST (its role given by --lst) was not checked when read: degrees Celsius is said
  // here too, unless the file says it holds something else (reflectance, an NDVI, classes): that is said instead.
  const other = lst.unitCandidates ? undefined : notTemperature(lst, lst.raster.data);
  if (other) {
    const flag = other.guideRole && GUIDE_FLAGS[other.guideRole] ? ` (this file goes with ${GUIDE_FLAGS[other.guideRole]})` : '';
    throw new AppError(
      'BAD_VALUES',
      `--lst ${values.lst}: ${describeNotTemperature(lst.raster.data, other)}. Give your LST file (in kelvin) with --lst${flag}.`,
      { file: typeof values.lst === 'string' ? splitSpec(values.lst).file : undefined },
    );
  }
  const celsius = lst.unitCandidates ? undefined : celsiusConversion(lst.raster.data);
  const cs = lst.unitCandidates ?? (celsius ? [celsius] : []);
  if (cs.length === 0) return lst;
  throw new AppError(
    'BAD_VALUES',
    `--lst ${values.lst}: ${describeNotKelvin(lst.raster.data, cs, true)}. Rerun with --lst-units ${cs[0].code}${cs.length > 1 ? ` (or ${cs.slice(1).map((c) => c.code).join(', ')})` : ''} to convert them to K.`,
    { file: typeof values.lst === 'string' ? splitSpec(values.lst).file : undefined },
  );
}

/** The option that takes a band of each guide role. */
const GUIDE_FLAGS: Partial<Record<DatasetBand['role'], string>> = {
  red: '--red',
  nir: '--nir',
  swir: '--swir',
  ndvi: '--ndvi',
  albedo: '--albedo',
  dem: '--dem',
  landcover: '--landcover',
  'lst-qc': '--qc',
  'cloud-mask': '--cloud-mask',
  'water-mask': '--water-mask',
};

/** How a command-line user keeps the guides in place (ends the guide-registration note in `downscale` and `batch`). */
export const KEEP_GUIDES_ON_CLI = 'To keep them where they are, run again with --no-guide-registration.';

/** Parses `--stages`, `--tile` style positive integers; BAD_ARGUMENT otherwise. */
export function intOption(v: unknown, name: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new AppError('BAD_ARGUMENT', `--${name} must be an integer >= ${min}, got '${String(v)}'.`);
  return n;
}

/** `--orientations`: 1, 2 or 8, or undefined when not given (then DEFAULT_ORIENTATIONS, 1); BAD_ARGUMENT otherwise. */
export function parseOrientations(v: unknown): OrientationCount | undefined {
  if (v === undefined) return undefined;
  const n = ORIENTATION_COUNTS.find((c) => String(c) === v);
  if (n === undefined) throw new AppError('BAD_ARGUMENT', `--orientations must be ${ORIENTATION_COUNTS_TEXT}, got '${String(v)}'.`);
  return n;
}

/**
 * The notice of `--orientations` (`given`, undefined when not given: the default, 1) for a run of
 * `methods` (ids, e.g. `['srda']` or `['bicubic', 'tsharp']`): that SRDA-Net averaged over 2 or 8
 * when it ran (none for one pass); else, when the flag was given with more than 1, that it had no
 * effect, since only SRDA-Net averages its prediction over orientations.
 */
export function orientationsNotice(given: OrientationCount | undefined, methods: readonly string[]): string | undefined {
  const n = given ?? DEFAULT_ORIENTATIONS;
  if (methods.includes('srda')) return n > 1 ? orientationsMessage(n) : undefined;
  if (given === undefined || given === 1) return undefined;
  return `--orientations ${given} has no effect with ${methods.join(', ')}: only SRDA-Net averages its prediction over orientations.`;
}

/** Prints throttled progress lines on stderr. */
export function stderrProgress(quiet: boolean | undefined): ((p: Progress) => void) | undefined {
  if (quiet) return undefined;
  let last = 0;
  return (p) => {
    const t = Date.now();
    if (p.done !== p.total && t - last < 500) return;
    last = t;
    process.stderr.write(`${p.stage}: ${p.done}/${p.total}${p.detail ? ` (${terminalSafe(p.detail)})` : ''}\n`);
  };
}

/**
 * Loads the method named by `--method`; without one the default (SRDA-Net when its weights load,
 * else a baseline with a notice), from the CLI's method factory (cli/srda-weights.ts), which reads
 * SRDA-Net's weights from `options.modelPath` or the shipped models/srda-net/.
 */
export function resolveMethod(id: string | undefined, options: CliMethodOptions): Promise<{ method: StageMethod; notice?: string }> {
  return methodOrDefault(createCliMethodFactory(options), id);
}

/** The method `id` from `factory`, or without an id its default (with the notice of a fallback): one rule for `downscale`, `evaluate` and `batch`. */
export async function methodOrDefault(factory: MethodFactory, id: string | undefined): Promise<{ method: StageMethod; notice?: string }> {
  if (id === undefined) return factory.loadDefault();
  return { method: await factory.load(id) };
}

function gridJson(g: Grid): Record<string, unknown> {
  const p = gridPixelSize(g);
  return { width: g.width, height: g.height, pixelSize: [p.x, p.y], transform: g.transform, crs: g.crs.epsg ? `EPSG:${g.crs.epsg}` : g.crs.proj4 };
}

/** What the reports need of the loaded inputs, without their pixels (a prepared scene holds its own). */
export interface InputsSummary {
  files: LoadedInputs['files'];
  warnings: string[];
  names: NonNullable<SceneInputs['names']>;
  /** What the QC and the cloud mask took from the LST (report.json's shares), when either applied. */
  masks?: AssembledScene['masks'];
}

/** `loaded` without its rasters: keep this instead once the scene is prepared, so the rasters as read can go. */
export function summariseInputs(loaded: LoadedInputs): InputsSummary {
  return { files: loaded.files, warnings: loaded.warnings, names: loaded.inputs.names ?? {}, ...(loaded.assembled.masks ? { masks: loaded.assembled.masks } : {}) };
}

/** A masked share (0..1) for report.json: 4 significant digits, so a few pixels are never written as 0 (2 of 1971448: 0.000001014). */
export function reportShare(share: number): number {
  return Number(share.toPrecision(4));
}

/** report.json's masked shares (`qcMaskedShare`, `cloudMaskedShare`, `waterMaskedShare`), each present when its mask applied. */
export function maskedShares(masks: AssembledScene['masks']): { qcMaskedShare?: number; cloudMaskedShare?: number; waterMaskedShare?: number } {
  return {
    ...(masks?.qc ? { qcMaskedShare: reportShare(masks.qc.share) } : {}),
    ...(masks?.cloudMask ? { cloudMaskedShare: reportShare(masks.cloudMask.share) } : {}),
    ...(masks?.waterMask ? { waterMaskedShare: reportShare(masks.waterMask.share) } : {}),
  };
}

/** The report part that describes a prepared scene. */
export function sceneReport(scene: Scene, loaded: InputsSummary): Record<string, unknown> {
  return {
    inputs: Object.fromEntries(Object.entries(loaded.files).map(([k, f]) => [k, { file: f.file, band: f.band, role: f.role, ...(f.date ? { date: f.date } : {}), grid: gridJson(f.grid) }])),
    stageCount: scene.stages,
    lstAlignment: scene.alignment.lst,
    grids: scene.levels.map((l, i) => ({ level: i, pixelSizeM: Number(l.pixelSizeM.toFixed(2)), ...gridJson(l.grid), aux: Object.keys(l.aux) })),
    ...maskedShares(loaded.masks),
    ...(scene.guideShift ? { guideRegistration: scene.guideShift } : {}),
    notes: [...loaded.warnings, ...scene.notes],
  };
}

/** Parses `--backend`. */
export function parseBackend(v: unknown): BackendName | undefined {
  if (v === undefined) return undefined;
  if (v === 'wasm' || v === 'cpu' || v === 'webgpu' || v === 'webgl') return v;
  throw new AppError('BAD_ARGUMENT', `--backend must be wasm, cpu or webgpu, got '${String(v)}'.`);
}

/** Parses `--residual-mode`. */
export function parseResidualMode(v: unknown): 'linear' | 'radiance' {
  if (v === undefined || v === 'linear' || v === 'radiance') return (v ?? 'linear') as 'linear' | 'radiance';
  throw new AppError('BAD_ARGUMENT', `--residual-mode must be linear or radiance, got '${String(v)}'.`);
}

/** Parsed option values: strings, booleans and (repeatable options) lists of strings by option name. */
export type CliValues = Record<string, string | string[] | boolean | undefined>;

/** Parses argv with `options` (node:util parseArgs, strict), turning failures into BAD_ARGUMENT. */
export function parseCli(argv: string[], options: NonNullable<ParseArgsConfig['options']>): CliValues {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as CliValues;
  } catch (e) {
    throw new AppError('BAD_ARGUMENT', `${(e as Error).message}. Run with --help for the options.`, { cause: e });
  }
}

