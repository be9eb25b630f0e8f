import { worldToPixel } from '../core/geo/affine.ts';
import { sameCrs } from '../core/geo/crs.ts';
import {
  coarsenGrid,
  cropGrid,
  gridBoundsIn,
  gridPixelSize,
  gridToString,
  isNorthUp,
  pixelSizeMetres,
  windowOfBounds,
  type PixelWindow,
} from '../core/geo/grid.ts';
import { AppError } from '../core/errors.ts';
import { throwIfAborted, yieldToEventLoop, type Progress, type RunOptions } from '../core/progress.ts';
import { aggregateMean, aggregateMeanInSteps, aggregateModeInSteps } from '../core/raster/aggregate.ts';
import { computeNdvi, computeNdwi } from '../core/raster/indices.ts';
import { gridOf, type AuxName, type Grid, type Raster } from '../core/raster/raster.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { type AuxLayer, type PackedRaster } from '../core/raster/packed.ts';
import { packRasterInSteps } from '../core/raster/pack-raster.ts';
import type { Scene, SceneLevel } from './scene.ts';
import { LST_ONLY_DEFAULT_STAGES, prepareLstOnlyScene } from './lst-only.ts';
import { reprojectRasterInSteps, type ReprojectStats } from '../core/raster/reproject.ts';
import { applyGuideShift, estimateGuideShiftInSteps, guideSample, guideShiftNote, REGISTERED_GUIDES, type GuideShift } from './guide-registration.ts';
import { releaseArray } from '../core/release-buffer.ts';
import { celsiusConversion, describeNotKelvin } from '../io/unit-sanity.ts';
import type { SceneMaskReport } from './mask-report.ts';

/** Inputs of scene preparation: rasters already in physical units (NaN invalid). */
export interface SceneInputs {
  /** LST in K on its own grid. */
  lst: Raster;
  /** Optional keep-mask on the LST grid (1 = good quality, 0 = masked), e.g. from MOD11 QC. */
  lstKeep?: Uint8Array;
  /**
   * What made `lstKeep` and what it takes (the scene assembly's report), whose notes already say
   * so: preparation then adds no note of its own. Without it, a note counts what `lstKeep` removed.
   */
  lstMasks?: SceneMaskReport;
  /** Auxiliary layers, each on its own grid; the finest one defines the output grid. */
  aux: Partial<Record<AuxName, Raster>>;
  /** Names (file names) for messages. */
  names?: Partial<Record<AuxName | 'lst', string>>;
}

/** Options of scene preparation. */
export interface PrepareOptions {
  /** Number of factor-2 stages; default: log2 of the LST/auxiliary pixel-size ratio. */
  stages?: number;
  /** Allow a scene with 0 stages (LST already at the auxiliary resolution): for closed loops. */
  allowZeroStages?: boolean;
  /**
   * Block-average the LST by this power of two first and downscale it back (default 1): for inputs
   * already on one grid (resampled products, Landsat cubes). Adds log2 of it to the stages.
   */
  referenceFactor?: number;
  /**
   * Estimate the reflectance guides' sub-pixel shift against the LST and move them onto its frame
   * (default true; `pipeline/guide-registration.ts`).
   */
  registerGuides?: boolean;
  /** The sentence that tells how to keep the guides in place, ending the registration note (default: the app's run panel). */
  keepGuidesHint?: string;
  /**
   * `prepareSceneAsync` only: packs a layer of the output grid as `packRaster` does, elsewhere
   * (the CLI: on a read worker thread, cli/read-workers.ts `packOnReadWorkers`). Every layer is
   * handed to it before the guide registration, so the layers are packed while this thread
   * registers; those the registration may move (the reflectance guides) with `keep`, to have
   * their field back should it move them (their codes are then dropped). It may move `r.data` to
   * another thread: the caller must not read the rasters it gave the preparation afterwards.
   */
  packer?: AuxPacker;
}

/** A layer packed by an `AuxPacker`: the packed layer where it packs; the raster where it does not, or where it was asked to keep it. */
export interface AuxPacked {
  packed?: PackedRaster;
  raster?: Raster;
}

/** See `PrepareOptions.packer`. */
export type AuxPacker = (r: Raster, name: string, keep: boolean) => Promise<AuxPacked>;

/**
 * What the preparation's steps yield: progress, a pack to wait for (`prepareSceneAsync` awaits it
 * and hands back its result), or a pause between the parts of a step (a layer packed, the guide
 * registration): `prepareSceneAsync` checks its signal there and lets a cancel message in.
 */
type PrepareStep = Progress | { wait: Promise<AuxPacked> } | typeof PAUSE;

/** See `PrepareStep`. */
const PAUSE = { pause: true } as const;

/** The sentence CLI and app both show when a reference factor was used. */
export function referenceFactorNote(factor: number, coarseM: number, fineM: number): string {
  return (
    `Reference factor ${factor}: the LST was block-averaged by ${factor} (to ${Math.round(coarseM)} m) and downscaled back to ${Math.round(fineM)} m. ` +
    'With inputs already on one grid this shows how well each method recovers the LST; it adds no detail finer than the input LST.'
  );
}

const AUX_ORDER: readonly AuxName[] = ['ndvi', 'red', 'nir', 'swir', 'ndwi', 'albedo', 'dem', 'landcover'];

/** A guide block-averaged by `factor` (land cover: block mode), in steps (`aggregateMeanInSteps`); the raster itself when `factor` is 1. */
function* aggregateAux(name: AuxName, r: Raster, factor: number): Generator<void, Raster> {
  if (factor === 1) return r;
  return yield* (name === 'landcover' ? aggregateModeInSteps(r, factor) : aggregateMeanInSteps(r, factor));
}

/**
 * `cropRaster`, but a window that is the whole raster shares its pixels (the scene never writes
 * into its layers): a full MODIS tile's 250 m NDVI and DEM are not copied (92 MB each).
 */
function cropOrShare(r: Raster, w: PixelWindow): Raster {
  const whole = w.col === 0 && w.row === 0 && w.width === r.width && w.height === r.height;
  return whole ? { ...cropGrid(r, w), data: r.data } : cropRaster(r, w);
}

function countValid(d: Float32Array): number {
  let n = 0;
  for (let i = 0; i < d.length; i++) if (d[i] === d[i]) n++;
  return n;
}

/** Values no LST in kelvin can take: at or below 0 K, or above this (a DN read without its scale factor is 7500-65535). */
export const LST_ABSURD_ABOVE_K = 5000;

/**
 * Rejects an LST that is not in kelvin (missing or absurd scale factor, Celsius, another layer):
 * BAD_VALUES when its values look like degrees Celsius (io/unit-sanity), when more than 1% of the valid pixels are <= 0 K or > LST_ABSURD_ABOVE_K, when every
 * value is a whole number up to 255 (8-bit digital numbers), or when every value is below 150 K;
 * rarer absurd outliers become NaN (noted).
 */
function checkLstValues(lst: Raster, name: string, file: string | undefined, notes: string[]): Raster {
  let n = 0;
  let bad = 0;
  let min = Infinity;
  let max = -Infinity;
  let whole = true;
  for (const v of lst.data) {
    if (v !== v) continue;
    n++;
    if (v <= 0 || v > LST_ABSURD_ABOVE_K) bad++;
    if (whole && v !== Math.floor(v)) whole = false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = `values ${min.toPrecision(4)} to ${max.toPrecision(4)}`;
  // Degrees Celsius (whole or not) is said as such, before the bounds below read it as 'not kelvin' or 'below 150 K'.
  const celsius = celsiusConversion(lst.data);
  if (celsius) throw new AppError('BAD_VALUES', `${name}: ${describeNotKelvin(lst.data, [celsius])}. Give the LST in kelvin (degrees Celsius + 273.15).`, { file });
  const fix = 'Check the scale factor (MODIS LST is DN x 0.02 K) and that this file is an LST layer in kelvin.';
  if (bad > 0.01 * n) {
    throw new AppError('BAD_VALUES', `${name}: ${bad} of ${n} valid LST pixels are not temperatures in kelvin (${range}). ${fix}`, { file });
  }
  if (max < 150) throw new AppError('BAD_VALUES', `${name}: every LST value is below 150 K (${range}): degrees Celsius? ${fix}`, { file });
  // 8-bit digital numbers (a thermal band without its calibration, a role picked by hand) up to 255 pass the bounds above.
  if (whole && max <= 255)
    throw new AppError('BAD_VALUES', `${name}: every LST value is a whole number from ${min} to ${max}, as in 8-bit digital numbers, not kelvin. A thermal band in digital numbers needs its calibration: a Landsat band named <scene>_B6_VCID_1.TIF or <scene>_B10.TIF beside its <scene>_MTL.txt is read as brightness temperature.`, { file });
  if (bad === 0) return lst;
  notes.push(`${bad} LST pixels with impossible values (<= 0 K or > ${LST_ABSURD_ABOVE_K} K) were treated as invalid.`);
  return { ...lst, data: lst.data.map((v) => (v <= 0 || v > LST_ABSURD_ABOVE_K ? Number.NaN : v)) };
}

/** Where the LST lattice sits on the fine lattice: integer offset in fine pixels, or undefined. */
function latticeOffset(fine: Grid, lst: Grid, factor: number): { col: number; row: number } | undefined {
  if (!sameCrs(fine.crs, lst.crs)) return undefined;
  const pf = gridPixelSize(fine);
  const pl = gridPixelSize(lst);
  const maxCells = Math.max(lst.width, lst.height);
  // The accumulated drift over the whole LST grid must stay well under a fine pixel.
  if (Math.abs(pl.x - factor * pf.x) * maxCells > 0.1 * pf.x || Math.abs(pl.y - factor * pf.y) * maxCells > 0.1 * pf.y) return undefined;
  const [c, r] = worldToPixel(fine.transform, lst.transform[0], lst.transform[3]);
  if (Math.abs(c - Math.round(c)) > 0.01 || Math.abs(r - Math.round(r)) > 0.01) return undefined;
  return { col: Math.round(c), row: Math.round(r) };
}

function withoutStats({ stats: _stats, ...r }: Raster & { stats: ReprojectStats }): Raster {
  return r;
}

function maskedLst(inputs: SceneInputs, notes: string[]): Raster {
  if (!inputs.lstKeep) return inputs.lst;
  const data = inputs.lst.data.slice();
  let masked = 0;
  let valid = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== data[i]) continue;
    valid++;
    if (inputs.lstKeep[i]) continue;
    data[i] = Number.NaN;
    masked++;
  }
  // Out of the valid pixels, as the scene panel's share: fill and cloud the product already left out are not "kept".
  // The assembly's notes already said what its masks take: a second sentence here told the same fact twice.
  if (!inputs.lstMasks) notes.push(`QC mask removed ${masked} of the ${valid} valid LST pixels.`);
  return { ...inputs.lst, data };
}


/**
 * Bands of int16 codes (~1 M pixels each) packed between two pauses. The output grid's layers that
 * int16 codes hold exactly (integer products: MODIS NDVI DN x 1e-4, DEM metres, land cover) are
 * packed: half the memory of float32, a full MODIS tile's 250 m NDVI and DEM 46 MB each instead of
 * 92 MB. Their coarser levels are not built or held either (58 MB more): a window of them is
 * block-averaged from the codes when read, the same float32 values. A layer that does not pack
 * (resampled, shifted, float data) stays float32.
 */
const PACK_BANDS_PER_PAUSE = 2;

/**
 * Blocks of rows (STEP_PX pixels each) of a layer resampled or reprojected between two pauses: a
 * 500 m guide reprojected onto a full tile's 4800x4800 output grid took 1-2.6 s in one go.
 */
const RESAMPLE_BLOCKS_PER_PAUSE = 2;

/**
 * Blocks of coarse rows (STEP_PX output pixels each) of a guide block-averaged between two pauses: a
 * float 4800x4800 guide averaged to a level took a few hundred ms in one go.
 */
const AGGREGATE_BLOCKS_PER_PAUSE = 1;

/** Runs `steps` to their end, pausing after every `every` of them. */
function* paused<T>(steps: Generator<void, T>, every: number): Generator<typeof PAUSE, T> {
  for (let k = 1; ; k++) {
    const r = steps.next();
    if (r.done) return r.value;
    if (k % every === 0) yield PAUSE;
  }
}

/** The field an `AuxPacker` handed back (`keep`, or a layer that does not pack). */
function keptRaster(done: AuxPacked, name: string): Raster {
  if (!done.raster) throw new AppError('INTERNAL', `${name}: the packer handed back neither the packed layer nor its field.`, { file: name });
  return done.raster;
}

/**
 * Prepares a scene: output grid = the finest auxiliary grid; the LST goes onto the aligned coarse
 * grid (pixel = output pixel x 2^stages) without resampling when the lattices match (cropping to
 * the common window of whole pixels), by block mean when more stages than the resolution ratio are
 * asked, and by proj4 reprojection (bilinear) otherwise; the QC mask is applied; NDVI and NDWI are
 * computed from bands when not given; every auxiliary layer is aggregated to every stage.
 * Throws MISSING_BAND, ALL_NODATA, GRID_MISMATCH, NO_OVERLAP, UNSUPPORTED_LAYOUT (AppError).
 */
export function prepareScene(inputs: SceneInputs, options: PrepareOptions = {}): Scene {
  // Without a packer the steps never wait.
  const steps = prepareSteps(inputs, options, undefined);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `prepareScene` for the app and the CLI (a full MODIS tile takes over a second): the same scene,
 * with progress `{stage: 'preparing'}` after each layer and level, and `signal` checked between
 * them; with `options.packer`, layers packed elsewhere meanwhile (the same codes).
 */
export async function prepareSceneAsync(inputs: SceneInputs, options: PrepareOptions = {}, run: RunOptions = {}): Promise<Scene> {
  const steps = prepareSteps(inputs, options, options.packer);
  let got: AuxPacked | undefined;
  for (;;) {
    throwIfAborted(run.signal);
    const r = steps.next(got);
    got = undefined;
    if (r.done) return r.value;
    if ('wait' in r.value) {
      got = await r.value.wait;
      continue;
    }
    if ('pause' in r.value) {
      await yieldToEventLoop();
      continue;
    }
    run.onProgress?.(r.value);
    // Also lets a packer's request out (a worker's reply, its start) before the next step's work.
    await yieldToEventLoop();
  }
}

/** The work of `prepareScene`, one step (the LST, each auxiliary layer, each level) at a time. */
function* prepareSteps(inputs: SceneInputs, options: PrepareOptions, packer: AuxPacker | undefined): Generator<PrepareStep, Scene, AuxPacked | undefined> {
  const names = inputs.names ?? {};
  const lstName = names.lst ?? 'LST';
  const notes: string[] = [];
  if (!inputs.lst) throw new AppError('MISSING_BAND', 'No LST layer was given: an LST raster (e.g. MOD11A1 LST_Day_1km) is required.');
  const present = AUX_ORDER.filter((n) => inputs.aux[n]);
  for (const g of [inputs.lst, ...present.map((n) => inputs.aux[n]!)]) {
    if (!isNorthUp(g)) throw new AppError('UNSUPPORTED_LAYOUT', `Rotated grids are not supported (${gridToString(g)}).`);
  }
  let lst = maskedLst(inputs, notes);
  yield PAUSE;
  if (countValid(lst.data) === 0) throw new AppError('ALL_NODATA', `${lstName} has no valid LST pixel (all fill, cloud or QC-rejected).`, { file: names.lst });
  lst = checkLstValues(lst, lstName, names.lst, notes);
  if (present.length === 0) return prepareLstOnlyScene(lst, options.stages ?? LST_ONLY_DEFAULT_STAGES, notes);
  yield PAUSE;
  let done = 0;
  // Resolved below once the stages are known: LST, each auxiliary layer, indices, each level.
  let total = 0;
  const step = (detail: string): Progress => ({ stage: 'preparing', done: ++done, total, detail });

  // Output lattice: the finest auxiliary grid (ties keep AUX_ORDER, NDVI first).
  let refName = present[0];
  for (const n of present) if (pixelSizeMetres(inputs.aux[n]!) < pixelSizeMetres(inputs.aux[refName]!) * 0.999) refName = n;
  const ref = inputs.aux[refName]!;
  const refLabel = names[refName] ?? refName;

  const pf = pixelSizeMetres(ref);
  const pl = sameCrs(ref.crs, lst.crs) ? gridPixelSize(lst).x * (pf / gridPixelSize(ref).x) : pixelSizeMetres(lst);
  const ratio = pl / pf;
  const k = Math.max(0, Math.round(Math.log2(ratio)));
  const refFactor = options.referenceFactor ?? 1;
  if (!Number.isInteger(Math.log2(refFactor)) || refFactor < 1 || refFactor > 64) {
    throw new AppError('BAD_ARGUMENT', `The reference factor must be a power of two (2, 4, 8), got ${refFactor}.`);
  }
  const stages = options.stages ?? k + Math.log2(refFactor);
  if (!Number.isInteger(stages) || stages < 0 || stages > 6) throw new AppError('BAD_ARGUMENT', `stages must be an integer 0..6, got ${stages}.`);
  if (stages === 0 && !options.allowZeroStages) {
    throw new AppError(
      'NOT_COARSER',
      `${lstName} (${gridToString(lst)}) is not coarser than ${refLabel} (${gridToString(ref)}): nothing to downscale. ` +
        'Give auxiliary layers finer than the LST (e.g. 250 m NDVI for 1 km LST), or choose a reference factor: ' +
        'the LST is block-averaged by it and downscaled back onto the guides (a check of the method, not new detail).',
      { file: names.lst },
    );
  }

  total = 1 + present.length + 1 + (stages + 1) + 1;
  const factorK = 2 ** k;
  const offset = Math.abs(ratio - factorK) / factorK < 0.01 ? latticeOffset(ref, lst, factorK) : undefined;
  let coarseLst: Raster;
  let auxWindow: PixelWindow;
  let lstWindow: PixelWindow | undefined;
  let outFactor: number; // aux pixels per output pixel
  let mode: Scene['alignment']['lst'];
  let isOneGrid = false;
  if (offset) {
    const big = 2 ** Math.max(stages, k); // coarse cell in aux pixels
    const group = big / factorK; // LST cells per coarse cell
    // First LST cell, whole cells in groups, and whole cells the auxiliary grid covers.
    const window1d = (off: number, nL: number, nF: number): [number, number, number] => {
      const i0 = Math.max(0, Math.ceil(-off / factorK));
      const f0 = off + factorK * i0;
      const n = Math.min(nL - i0, Math.floor((nF - f0) / factorK));
      return [i0, Math.max(0, Math.floor(n / group) * group), n];
    };
    const [ci0, cn, cCovered] = window1d(offset.col, lst.width, ref.width);
    const [ri0, rn, rCovered] = window1d(offset.row, lst.height, ref.height);
    if (cn <= 0 || rn <= 0) {
      throw new AppError('NO_OVERLAP', `${lstName} (${gridToString(lst)}) and ${refLabel} (${gridToString(ref)}) share no whole LST pixel.`);
    }
    lstWindow = { col: ci0, row: ri0, width: cn, height: rn };
    auxWindow = { col: offset.col + factorK * ci0, row: offset.row + factorK * ri0, width: cn * factorK, height: rn * factorK };
    coarseLst = cropRaster(lst, { col: ci0, row: ri0, width: cn, height: rn });
    mode = 'exact';
    if (group > 1) {
      coarseLst = aggregateMean(coarseLst, group);
      mode = 'aggregated';
      // With a reference factor its own note says so (and why); a second sentence only repeated it.
      if (refFactor <= 1) notes.push(`LST block-averaged by ${group} to allow ${stages} stage${stages === 1 ? '' : 's'}.`);
    }
    outFactor = 2 ** Math.max(0, k - stages);
    // On one grid the LST and the guides are cropped to one window: one fact, one note.
    isOneGrid = factorK === 1 && offset.col === 0 && offset.row === 0 && lst.width === ref.width && lst.height === ref.height;
    if (isOneGrid && (cn !== lst.width || rn !== lst.height)) {
      notes.push(`LST and guides (one grid) cropped from ${lst.width}x${lst.height} to ${cn}x${rn} (from col ${ci0}, row ${ri0}): the coarsest level takes whole blocks of ${group}x${group} pixels.`);
    } else if (cn !== lst.width || rn !== lst.height) {
      const blocks = cn !== cCovered || rn !== rCovered ? `, in whole blocks of ${group}x${group} (one pixel of the coarsest level)` : '';
      notes.push(`LST cropped from ${lst.width}x${lst.height} to the ${cn}x${rn} pixels (from col ${ci0}, row ${ri0}) that the auxiliary grid covers whole${blocks}.`);
    }
  } else {
    if (stages < 1) throw new AppError('GRID_MISMATCH', `${lstName} (${gridToString(lst)}) is not on the lattice of ${refLabel} (${gridToString(ref)}).`);
    const bounds = gridBoundsIn(lst, ref.crs);
    const win = bounds && windowOfBounds(ref, bounds);
    const big = 2 ** stages;
    if (!win || Math.floor(win.width / big) < 1 || Math.floor(win.height / big) < 1) {
      throw new AppError('NO_OVERLAP', `${lstName} (${gridToString(lst)}) and ${refLabel} (${gridToString(ref)}) do not overlap by one coarse pixel.`);
    }
    auxWindow = { col: win.col, row: win.row, width: Math.floor(win.width / big) * big, height: Math.floor(win.height / big) * big };
    const coarseGrid = coarsenGrid(cropGrid(ref, auxWindow), big, 'floor');
    coarseLst = withoutStats(yield* paused(reprojectRasterInSteps(lst, coarseGrid, 'bilinear'), RESAMPLE_BLOCKS_PER_PAUSE));
    mode = 'reprojected';
    outFactor = 1;
    notes.push(
      `LST resampled (bilinear${sameCrs(lst.crs, ref.crs) ? '' : ', reprojected with proj4'}) from ${gridToString(lst)} onto ${gridToString(coarseGrid)}: its grid is not aligned with ${refLabel}.`,
    );
  }
  if (!isOneGrid && (auxWindow.width !== ref.width || auxWindow.height !== ref.height)) {
    notes.push(`Auxiliary grid cropped from ${ref.width}x${ref.height} to ${auxWindow.width}x${auxWindow.height} (from col ${auxWindow.col}, row ${auxWindow.row}) to the common aligned window.`);
  }
  if (countValid(coarseLst.data) === 0) {
    const err = new AppError('ALL_NODATA', `${lstName} has no valid pixel inside the area covered by ${refLabel}.`, { file: names.lst });
    throw Object.assign(err, { outsideOf: refLabel });
  }
  yield step('LST on the coarse grid');

  // Auxiliary layers on the cropped finest grid, then on the output grid.
  const fineGrid = cropGrid(ref, auxWindow);
  const fineAux: Partial<Record<AuxName, Raster>> = {};
  for (const n of present) {
    const r = inputs.aux[n]!;
    if (r === ref) fineAux[n] = cropOrShare(r, auxWindow);
    else {
      const off = latticeOffset(fineGrid, r, 1);
      const fp = gridPixelSize(r);
      const exactSame = off && Math.abs(fp.x - gridPixelSize(fineGrid).x) < 1e-9 * fp.x;
      // A guide on another lattice or CRS is resampled a block of rows at a time, with a pause (a cancel check) after each.
      fineAux[n] = exactSame
        ? cropOrShare(r, { col: -off.col, row: -off.row, width: fineGrid.width, height: fineGrid.height })
        : withoutStats(yield* paused(reprojectRasterInSteps(r, fineGrid, n === 'landcover' ? 'nearest' : 'bilinear'), RESAMPLE_BLOCKS_PER_PAUSE));
      if (!exactSame) notes.push(`${names[n] ?? n} resampled onto the ${refLabel} grid.`);
    }
    yield step(`${n} on the output grid`);
  }
  if (!fineAux.ndvi && fineAux.red && fineAux.nir) {
    fineAux.ndvi = { ...fineGrid, data: computeNdvi(fineAux.red, fineAux.nir).data };
    notes.push('NDVI computed from red and NIR.');
  }
  if (!fineAux.ndwi && fineAux.nir && fineAux.swir) {
    fineAux.ndwi = { ...fineGrid, data: computeNdwi(fineAux.nir, fineAux.swir).data };
    notes.push('NDWI computed from NIR and SWIR.');
  }
  // Only where the LST comes on its own, coarser grid (separate products, e.g. MOD11 and MOD13): a
  // stack already on one grid keeps its provider's co-registration (a closed loop built from a scene
  // inherits the scene's guides as they are).
  const registering = stages >= 1 && k >= 1 && refFactor === 1 && options.registerGuides !== false;

  // Grids come from the auxiliary lattice so outputs carry its exact georeference.
  const grids: Grid[] = new Array(stages + 1);
  grids[stages] = coarsenGrid(fineGrid, outFactor, 'floor');
  for (let s = stages; s > 0; s--) grids[s - 1] = coarsenGrid(grids[s], 2, 'floor');
  const regFactor = outFactor * 2 ** stages;
  // With a packer every layer goes to it now, to be packed elsewhere while this thread registers:
  // the output grid's layers do not depend on the registration unless it moves the reflectance
  // guides, which is rare. Those go with `keep` where the layer is the fine field itself, so that a
  // moved guide is made from its field (its codes dropped); the estimate reads its own copy of the
  // part of the guide it needs (`guideSample`, taken before the field goes).
  const sample = packer && registering ? guideSample(coarseLst, fineAux, regFactor) : undefined;
  const early = new Map<AuxName, { pack: Promise<AuxPacked>; kept: boolean }>();
  if (packer && stages >= 1) {
    for (const [n, r] of Object.entries(fineAux) as [AuxName, Raster][]) {
      const layer = { ...(yield* paused(aggregateAux(n, r, outFactor), AGGREGATE_BLOCKS_PER_PAUSE)), ...grids[stages] };
      const kept = registering && REGISTERED_GUIDES.includes(n) && layer.data === r.data;
      const pack = packer(layer, names[n] ?? n, kept);
      // Awaited below; a failure before then (another step's) must not count as unhandled.
      pack.catch(() => undefined);
      early.set(n, { pack, kept });
    }
  }
  yield step('indices');
  let guideShift: GuideShift | undefined;
  if (registering) {
    const shift = yield* paused(estimateGuideShiftInSteps(coarseLst, fineAux, regFactor, sample), 5);
    if (shift) {
      if (shift.applied) {
        // The moved guides are made from their fields: packs of them as they were are dropped.
        for (const n of shift.moved) {
          const e = early.get(n);
          if (!e) continue;
          early.delete(n);
          if (e.kept) fineAux[n] = { ...fineAux[n]!, data: keptRaster((yield { wait: e.pack })!, names[n] ?? n).data };
        }
        Object.assign(fineAux, applyGuideShift(fineAux, shift));
      }
      guideShift = shift;
      notes.push(guideShiftNote(shift, pixelSizeMetres(fineGrid), names, options.keepGuidesHint));
    }
  }

  if (grids[0].width !== coarseLst.width || grids[0].height !== coarseLst.height) {
    throw new AppError('INTERNAL', `coarse LST is ${coarseLst.width}x${coarseLst.height}, expected ${grids[0].width}x${grids[0].height}`);
  }
  coarseLst = { ...grids[0], data: coarseLst.data };
  const levels: SceneLevel[] = new Array(stages + 1);
  let aux: Partial<Record<AuxName, Raster>> = {};
  for (const [n, r] of Object.entries(fineAux) as [AuxName, Raster][]) if (!early.has(n)) aux[n] = { ...(yield* paused(aggregateAux(n, r, outFactor), AGGREGATE_BLOCKS_PER_PAUSE)), ...grids[stages] };
  const order = Object.keys(fineAux) as AuxName[];
  const packed: Partial<Record<AuxName, PackedRaster>> = {};
  // A layer, and a few bands of its codes, at a time (a full tile's 250 m layer takes a few hundred ms), pausing between them.
  if (stages >= 1) {
    for (const n of Object.keys(aux) as AuxName[]) {
      const p = yield* paused(packRasterInSteps(aux[n]!), PACK_BANDS_PER_PAUSE);
      yield PAUSE;
      if (!p) continue;
      packed[n] = p;
      delete aux[n];
    }
  }
  for (const [n, e] of early) {
    const done = (yield { wait: e.pack })!;
    if (done.packed) {
      packed[n] = done.packed;
      // A field kept for a registration that left it in place: its memory goes at once.
      if (done.raster) releaseArray(done.raster.data);
    } else aux[n] = { ...keptRaster(done, names[n] ?? n), ...grids[stages] };
  }
  yield step('compact storage');
  for (let s = stages; s >= 0; s--) {
    const held: Partial<Record<AuxName, AuxLayer>> = {};
    for (const n of order) {
      const p = packed[n];
      held[n] = !p ? aux[n] : s === stages ? p : { ...gridOf(grids[s]), from: p, steps: stages - s, categorical: n === 'landcover' };
    }
    levels[s] = { grid: grids[s], aux: held, pixelSizeM: pixelSizeMetres(grids[s]) };
    yield step(`level ${s} of ${stages}`);
    if (s === 0) break;
    const next: Partial<Record<AuxName, Raster>> = {};
    for (const [n, r] of Object.entries(aux) as [AuxName, Raster][]) {
      next[n] = { ...(yield* paused(aggregateAux(n, r, 2), AGGREGATE_BLOCKS_PER_PAUSE)), ...grids[s - 1] };
      yield PAUSE;
    }
    aux = next;
  }
  if (refFactor > 1) notes.push(referenceFactorNote(refFactor, levels[0].pixelSizeM, levels[stages].pixelSizeM));
  return {
    lst: coarseLst,
    levels,
    stages,
    notes,
    ...(guideShift ? { guideShift } : {}),
    alignment: { lst: mode, lstWindow, auxWindow, auxGrid: { width: ref.width, height: ref.height, transform: ref.transform, crs: ref.crs }, lstGrid: { width: lst.width, height: lst.height, transform: lst.transform, crs: lst.crs } },
  };
}
