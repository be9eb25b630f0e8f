import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../core/errors.ts';
import { gridPixelSize } from '../core/geo/grid.ts';
import type { Progress } from '../core/progress.ts';
import type { AuxName, Grid, Raster } from '../core/raster/raster.ts';
import type { Dataset, DatasetBand } from '../io/dataset.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { decodeMod11Qc } from '../io/modis-qc.ts';
import { runDownscale } from '../pipeline/downscale.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { loadDefaultMethod, loadMethod, type MethodLoadOptions } from '../pipeline/methods.ts';
import { prepareScene, type PrepareOptions, type SceneInputs } from '../pipeline/prepare.ts';
import type { Scene } from '../pipeline/scene.ts';
import { loadDataset } from './load.ts';
import type { Command } from './main.ts';

/** Input options shared by `downscale` and `evaluate`. */
export const INPUT_OPTIONS = {
  lst: { type: 'string' },
  qc: { type: 'string' },
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
  help: { type: 'boolean', short: 'h' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** `--help` text of the input options (shared with `evaluate`). */
export const INPUT_HELP = `Inputs (GeoTIFFs; MODIS/Landsat scale factors and calibration are applied on read):
  --lst FILE            land surface temperature (MOD11A1/MOD11A2 LST, Landsat thermal band)
  --qc FILE             MOD11 QC of the LST (keeps "good" and "other quality" with LST error <= 2 K)
  --ndvi FILE           NDVI (MOD13Q1/MOD13A1)          or  --red FILE --nir FILE (NDVI is computed)
  --swir FILE           SWIR 1.6 um (NDWI is computed with NIR)
  --albedo FILE  --dem FILE  --landcover FILE            more auxiliary layers
  A FILE may name one band of a multi-band file as FILE:BAND, BAND being a 1-based index, a
  Landsat band (B4, B10), a band name, or a role (red, nir, lst). Without :BAND the band whose
  detected role matches the option is used. Example with the Lisbon Landsat 8 cube:
    --lst LC08_cube.tiff:B10 --red LC08_cube.tiff:B4 --nir LC08_cube.tiff:B5
  The finest auxiliary grid is the output grid; the LST is put on the aligned coarse grid.
  --stages N            factor-2 stages (default: from the resolutions, e.g. 2 for 1 km -> 250 m)
  --tile N              tile size in coarse pixels (default 256)`;

const HELP = `Usage: srda-lst downscale --lst LST.tif [--qc QC.tif] (--ndvi NDVI.tif | --red RED.tif --nir NIR.tif)
         [--swir SWIR.tif] [--albedo A.tif] [--dem DEM.tif] [--landcover LC.tif]
         [--method srda|bicubic|tsharp|dms] [--stages N] [--no-residual-correction]
         [--residual-mode linear|radiance] [--backend wasm|cpu|webgpu] [--jobs N] [--no-cog] --out DIR

Downscales the LST stage by stage (factor 2 each) onto the auxiliary grid and writes
DIR/lst_stage1.tif ... DIR/lst_stageN.tif (float32 K, nodata -9999, cloud-optimised GeoTIFFs
with internal overviews, for tile servers and windowed reads) and DIR/report.json.

${INPUT_HELP}
  --method M            srda (default; falls back to bicubic with a notice when unavailable),
                        bicubic, tsharp (TsHARP, NDVI), dms (regression trees, all layers)
  --no-residual-correction   skip the energy-conserving correction after each stage
  --residual-mode M     linear (default: conserve mean K) or radiance (conserve mean T^4)
  --backend B           tfjs backend for srda (default: the fastest that works; wasm in Node)
  --weights PATH        SRDA-Net folder or model.json (default: models/srda-net/ of this install)
  --finetune N          SRDA-Net per-scene fine-tuning steps on the coarse closed loop (default 0)
  --jobs N              SRDA-Net inference workers running tiles in parallel (default: the number of
                        cores; the output is identical for any N; 1 with --finetune)
  --no-cog              plain tiled GeoTIFFs without overviews instead of cloud-optimised ones
  --out DIR             output folder (created)
  -q, --quiet           no progress on stderr`;

const AUX_OPTIONS: readonly AuxName[] = ['ndvi', 'red', 'nir', 'swir', 'albedo', 'dem', 'landcover'];

/** Parsed input options (a subset of `parseArgs` values). */
export type InputValues = Record<string, string | boolean | undefined>;

function splitSpec(spec: string): { file: string; band?: string } {
  const m = /^(.*\.tiff?):([^:/\\]+)$/i.exec(spec);
  return m ? { file: m[1], band: m[2] } : { file: spec };
}

function pickBand(ds: Dataset, want: string, band: string | undefined, spec: string): DatasetBand {
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
  throw new AppError('MISSING_BAND', `${spec} has ${ds.bands.length} bands and none has the role '${role}': name one as ${spec}:BAND (bands: ${list}).`, { file: ds.fileName });
}

/** Everything the input options produce: scene inputs plus what to put in reports. */
export interface LoadedInputs {
  inputs: SceneInputs;
  /** Per option: file, band name and role as read. */
  files: Record<string, { file: string; band: string; role: string; grid: Grid }>;
  warnings: string[];
}

/** Reads the files named by the input options (each file once, even when several bands are used). */
export async function loadInputs(values: InputValues): Promise<LoadedInputs> {
  const cache = new Map<string, Promise<Dataset>>();
  const read = (file: string): Promise<Dataset> => {
    const key = path.resolve(file);
    if (!cache.has(key)) cache.set(key, loadDataset(file));
    return cache.get(key)!;
  };
  const files: LoadedInputs['files'] = {};
  const warnings: string[] = [];
  const get = async (opt: string): Promise<DatasetBand | undefined> => {
    const spec = values[opt];
    if (typeof spec !== 'string') return undefined;
    const { file, band } = splitSpec(spec);
    const ds = await read(file);
    const b = pickBand(ds, opt, band, spec);
    files[opt] = { file, band: b.name, role: b.role, grid: { width: ds.width, height: ds.height, transform: ds.transform, crs: ds.crs } };
    for (const w of ds.warnings) if (!warnings.includes(w)) warnings.push(w);
    return b;
  };
  if (typeof values.lst !== 'string') throw new AppError('MISSING_BAND', 'No LST given: pass --lst LST.tif (e.g. a MOD11A1 LST_Day_1km GeoTIFF).');
  const lst = (await get('lst'))!;
  if (lst.role !== 'lst' && lst.units !== 'K') warnings.push(`--lst ${values.lst}: detected role '${lst.role}', used as LST in K.`);
  const aux: Partial<Record<AuxName, Raster>> = {};
  for (const name of AUX_OPTIONS) {
    const b = await get(name);
    if (b) aux[name] = b.raster;
  }
  if (!aux.ndvi && (aux.red ? !aux.nir : aux.nir)) {
    throw new AppError('MISSING_BAND', `NDVI needs both --red and --nir (only --${aux.red ? 'red' : 'nir'} was given), or pass --ndvi.`);
  }
  if (Object.keys(aux).length === 0) {
    throw new AppError('MISSING_BAND', 'No auxiliary layer given: pass --ndvi NDVI.tif, or --red and --nir (the finest one sets the output grid).');
  }
  let lstKeep: Uint8Array | undefined;
  const qc = await get('qc');
  if (qc) {
    if (qc.raster.width !== lst.raster.width || qc.raster.height !== lst.raster.height) {
      throw new AppError('GRID_MISMATCH', `--qc ${values.qc} is ${qc.raster.width}x${qc.raster.height} but the LST is ${lst.raster.width}x${lst.raster.height}: give the QC of the same granule.`, { file: files.qc.file });
    }
    lstKeep = decodeMod11Qc(qc.raster.data);
  }
  const names = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.basename(f.file)]));
  return { inputs: { lst: lst.raster, lstKeep, aux, names }, files, warnings };
}

/** Parses `--stages`, `--tile` style positive integers; BAD_ARGUMENT otherwise. */
export function intOption(v: unknown, name: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new AppError('BAD_ARGUMENT', `--${name} must be an integer >= ${min}, got '${String(v)}'.`);
  return n;
}

/** Prints throttled progress lines on stderr. */
export function stderrProgress(quiet: boolean | undefined): ((p: Progress) => void) | undefined {
  if (quiet) return undefined;
  let last = 0;
  return (p) => {
    const t = Date.now();
    if (p.done !== p.total && t - last < 500) return;
    last = t;
    process.stderr.write(`${p.stage}: ${p.done}/${p.total}${p.detail ? ` (${p.detail})` : ''}\n`);
  };
}

/**
 * Loads the method named by `--method`; without one the default (SRDA-Net when its weights load,
 * else a baseline with a notice). SRDA-Net's CLI loader (cli/srda-register.ts) reads the weights
 * from `options.modelPath` or the shipped models/srda-net/.
 */
export async function resolveMethod(id: string | undefined, options: MethodLoadOptions): Promise<{ method: StageMethod; notice?: string }> {
  if (id === undefined) return loadDefaultMethod(options);
  return { method: await loadMethod(id, options) };
}

function gridJson(g: Grid): Record<string, unknown> {
  const p = gridPixelSize(g);
  return { width: g.width, height: g.height, pixelSize: [p.x, p.y], transform: g.transform, crs: g.crs.epsg ? `EPSG:${g.crs.epsg}` : g.crs.proj4 };
}

/** The report part that describes a prepared scene. */
export function sceneReport(scene: Scene, loaded: LoadedInputs): Record<string, unknown> {
  return {
    inputs: Object.fromEntries(Object.entries(loaded.files).map(([k, f]) => [k, { file: f.file, band: f.band, role: f.role, grid: gridJson(f.grid) }])),
    stageCount: scene.stages,
    lstAlignment: scene.alignment.lst,
    grids: scene.levels.map((l, i) => ({ level: i, pixelSizeM: Number(l.pixelSizeM.toFixed(2)), ...gridJson(l.grid), aux: Object.keys(l.aux) })),
    notes: [...loaded.warnings, ...scene.notes],
  };
}

/** Parses `--backend`. */
export function parseBackend(v: unknown): MethodLoadOptions['backend'] {
  if (v === undefined) return undefined;
  if (v === 'wasm' || v === 'cpu' || v === 'webgpu' || v === 'webgl') return v;
  throw new AppError('BAD_ARGUMENT', `--backend must be wasm, cpu or webgpu, got '${String(v)}'.`);
}

/** Parses `--residual-mode`. */
export function parseResidualMode(v: unknown): 'linear' | 'radiance' {
  if (v === undefined || v === 'linear' || v === 'radiance') return (v ?? 'linear') as 'linear' | 'radiance';
  throw new AppError('BAD_ARGUMENT', `--residual-mode must be linear or radiance, got '${String(v)}'.`);
}

/** Parsed option values: strings and booleans by option name. */
export type CliValues = Record<string, string | boolean | undefined>;

/** Parses argv with `options` (node:util parseArgs, strict), turning failures into BAD_ARGUMENT. */
export function parseCli(argv: string[], options: NonNullable<ParseArgsConfig['options']>): CliValues {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as CliValues;
  } catch (e) {
    throw new AppError('BAD_ARGUMENT', `${(e as Error).message}. Run with --help for the options.`, { cause: e });
  }
}

/** `srda-lst downscale`: see HELP. */
export const downscaleCommand: Command = async (argv) => {
  const values = parseCli(argv, { ...INPUT_OPTIONS, method: { type: 'string' }, out: { type: 'string' }, 'no-cog': { type: 'boolean' }, jobs: { type: 'string' } });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (typeof values.out !== 'string') throw new AppError('BAD_ARGUMENT', 'No output folder: pass --out DIR.');
  const backend = parseBackend(values.backend);
  const residualMode = parseResidualMode(values['residual-mode']);
  const options: PrepareOptions = { stages: intOption(values.stages, 'stages', 1) };
  const tile = intOption(values.tile, 'tile', 8);
  const finetuneSteps = intOption(values.finetune, 'finetune', 0);
  const modelPath = typeof values.weights === 'string' ? path.resolve(values.weights) : undefined;
  const jobs = intOption(values.jobs, 'jobs', 1) ?? defaultJobs();
  // The inference workers start (tfjs, weights) while the inputs are read and prepared.
  const methodP = resolveMethod(values.method as string | undefined, { backend, finetuneSteps, modelPath, jobs });
  // Its failure is reported after the inputs' (awaited below); until then it must not count as unhandled.
  methodP.catch(() => undefined);
  const close = (): Promise<void> =>
    methodP.then(
      async ({ method }) => (method as { close?: () => Promise<void> }).close?.(),
      () => undefined,
    );
  let inputs: { loaded: LoadedInputs; scene: Scene };
  try {
    const loaded = await loadInputs(values);
    inputs = { loaded, scene: prepareScene(loaded.inputs, options) };
  } catch (e) {
    // Do not wait for workers still loading the model: end them now.
    if (jobs > 1) await (await import('./srda-pool.ts')).terminateSrdaWorkers();
    await close();
    throw e;
  }
  const { method, notice } = await methodP;
  try {
    return await downscaleWith(method, notice, values, inputs, { residualMode, tile, backend });
  } finally {
    await close();
  }
};

/** Inference workers by default: one per core the process may use. */
export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

async function downscaleWith(
  method: StageMethod,
  notice: string | undefined,
  values: CliValues,
  { loaded, scene }: { loaded: LoadedInputs; scene: Scene },
  o: { residualMode: 'linear' | 'radiance'; tile?: number; backend: MethodLoadOptions['backend'] },
): Promise<number> {
  const { residualMode, tile, backend } = o;
  const progress = stderrProgress(values.quiet as boolean | undefined);
  if (notice && !values.quiet) process.stderr.write(`notice: ${notice}\n`);
  const result = await runDownscale(
    scene,
    { method, residualCorrection: !values['no-residual-correction'], residualMode, tileCoarsePx: tile },
    { onProgress: progress },
  );
  const outDir = values.out as string;
  await mkdir(outDir, { recursive: true });
  const outputs: string[] = [];
  const cog = !values['no-cog'];
  for (const st of result.stages) {
    const file = path.join(outDir, `lst_stage${st.stage}.tif`);
    const bytes = writeGeoTiff([{ raster: st.lst, name: `LST stage ${st.stage} (${method.id})`, units: 'K' }], { nodata: -9999, cog });
    try {
      await writeFile(file, bytes);
    } catch (e) {
      throw new AppError('WRITE_FAILED', `${file}: ${(e as Error).message}`, { file, cause: e });
    }
    outputs.push(file);
  }
  const report = {
    tool: 'srda-lst downscale',
    createdAt: new Date().toISOString(),
    ...sceneReport(scene, loaded),
    method: method.id,
    methodLabel: method.label,
    ...(notice ? { methodNotice: notice } : {}),
    ...(typeof (method as { concurrency?: number }).concurrency === 'number' ? { inferenceWorkers: (method as { concurrency: number }).concurrency } : {}),
    backend: method.id === 'srda' ? ((method as { backend?: unknown }).backend ?? backend ?? 'auto') : 'none (classical method, plain TypeScript)',
    residualCorrection: result.residualCorrection,
    residualMode: result.residualMode,
    layout: cog ? 'cloud-optimised GeoTIFF' : 'tiled GeoTIFF',
    totalSeconds: result.totalSeconds,
    stages: result.stages.map((s) => ({
      stage: s.stage,
      file: path.basename(outputs[s.stage - 1]),
      pixelSizeM: Number(scene.levels[s.stage].pixelSizeM.toFixed(2)),
      width: s.lst.width,
      height: s.lst.height,
      seconds: s.seconds,
      tiles: s.tiles,
      skippedTiles: s.skippedTiles,
      energyConservation: { maxAbsK: s.energy.maxAbsK, meanAbsK: s.energy.meanAbsK, blocks: s.energy.blocks },
      energyBeforeCorrection: { maxAbsK: s.energyBeforeCorrection.maxAbsK, meanAbsK: s.energyBeforeCorrection.meanAbsK },
      ...(s.fit ? { fit: s.fit } : {}),
    })),
  };
  await writeFile(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  if (!values.quiet) {
    for (const s of report.stages) {
      process.stderr.write(`stage ${s.stage}: ${s.width}x${s.height} at ${s.pixelSizeM} m, ${s.seconds.toFixed(2)} s, energy max |err| ${s.energyConservation.maxAbsK.toExponential(2)} K -> ${s.file}\n`);
    }
  }
  process.stdout.write(JSON.stringify({ out: outDir, files: outputs.map((f) => path.basename(f)), method: method.id }) + '\n');
  return 0;
}
