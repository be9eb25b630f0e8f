import { AppError, isAppError } from '../core/errors.ts';
import { gridOverlap, gridPixelSize, pixelSizeMetres } from '../core/geo/grid.ts';
import { finishSteps, finishStepsAsync, type Steps } from '../core/progress.ts';
import type { AuxName, Raster } from '../core/raster/raster.ts';
import { parseProductName } from '../io/band-roles.ts';
import type { BandRole, Dataset, DatasetBand } from '../io/dataset.ts';
import { findLstBand, findQcFor, hasFinerPixels } from '../io/lst-select.ts';
import { decodeEcostressQc, isEcostressProduct } from '../io/ecostress-qc.ts';
import { decodeMod11Qc, DEFAULT_MOD11_QC_POLICY, type Mod11QcPolicy } from '../io/modis-qc.ts';
import type { SceneInputs } from './prepare.ts';
import { alignToGridInSteps } from './align.ts';
import { cloudOnLstGridInSteps, combineCloudMasks, type CloudOnLst } from './cloud-mask.ts';
import { andList, maskCount, maskNotices, percentWords, type MaskCount, type SceneMaskReport } from './mask-report.ts';

/**
 * One band with the role the user (app table) or the command line (option name) gave it. The
 * raster and its file's metadata (product, date, grid) come from `dataset`; `role` overrides the
 * detected `band.role`.
 */
export interface LabelledBand {
  /** The caller's key: a worker input id, a CLI option name. */
  key: string;
  /** Name for messages: the file name (with the band when the file has several). */
  name: string;
  role: BandRole;
  dataset: Dataset;
  band: DatasetBand;
}

/** Auxiliary roles in the order scene preparation uses them. */
export const AUX_ROLES: readonly AuxName[] = ['ndvi', 'red', 'nir', 'swir', 'albedo', 'dem', 'landcover'];
/** Roles whose date matters (static layers such as a DEM or land cover are not date-checked). */
const DATED_ROLES: ReadonlySet<BandRole> = new Set(['lst-qc', 'ndvi', 'red', 'nir', 'swir', 'albedo']);
/** A guide role with its article, for advice ('an NDVI file'). */
const ROLE_ARTICLED: Record<AuxName, string> = {
  ndvi: 'an NDVI',
  ndwi: 'an NDWI',
  red: 'a red',
  nir: 'a NIR',
  swir: 'a SWIR',
  albedo: 'an albedo',
  dem: 'a DEM',
  landcover: 'a land cover',
};
/** Default largest LST-to-guide date gap, days: the MODIS 8-day composite period. */
export const DEFAULT_MAX_DATE_GAP_DAYS = 8;
/** What the mask notes advise when most of the LST is masked: the app has a date picker, the command line takes other files. */
const MOSTLY_MASKED_ADVICE = { lenient: 'Pick a clearer date if you can.', strict: 'Give the files of a clearer date if there is one.' } as const;

/** Labels every band of a file with its detected role (keys `${keyPrefix}:${index}`). */
export function labelDataset(dataset: Dataset, keyPrefix = dataset.fileName): LabelledBand[] {
  const file = dataset.fileName.split(/[\\/]/).pop() ?? dataset.fileName;
  return dataset.bands.map((band, i) => ({
    key: dataset.bands.length > 1 ? `${keyPrefix}:${i + 1}` : keyPrefix,
    name: dataset.bands.length > 1 ? `${file} [band ${i + 1}: ${band.name}]` : file,
    role: band.role,
    dataset,
    band,
  }));
}

/** MODIS tile (`h14v09`) of a band's file, when its name carries one. */
export function tileOf(b: LabelledBand): string | undefined {
  return parseProductName(b.dataset.fileName).tile;
}

/** Whole days between two ISO dates (`YYYY-MM-DD`), always >= 0; undefined when either is unknown. */
export function daysBetween(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b) return undefined;
  const ta = Date.parse(`${a}T00:00:00Z`);
  const tb = Date.parse(`${b}T00:00:00Z`);
  if (!Number.isFinite(ta) || !Number.isFinite(tb)) return undefined;
  return Math.round(Math.abs(ta - tb) / 86_400_000);
}

/** Days a product's date stands for: 365 for the yearly MCD12Q1 land cover, 16 for MOD13 vegetation composites, 8 for 8-day LST/reflectance composites, else 1. */
export function compositeDays(product: string | undefined): number {
  if (!product) return 1;
  if (/^MCD12Q1/i.test(product)) return 365;
  if (/^M[OYC]D13/i.test(product)) return 16;
  if (/^(M[OY]D11A2|M[OY]D21A2|M[OY]D09A1|M[OY]D15A2)/i.test(product)) return 8;
  return 1;
}

/**
 * Days between the periods two inputs stand for (a composite covers its start date plus its
 * period), 0 when they overlap; undefined when either date is unknown.
 */
export function periodGapDays(a: LabelledBand, b: LabelledBand): number | undefined {
  const d = daysBetween(a.dataset.date, b.dataset.date);
  if (d === undefined) return undefined;
  const first = a.dataset.date! <= b.dataset.date! ? a : b;
  return Math.max(0, d - (compositeDays(first.dataset.product) - 1));
}

/** The LST files of one date (and MODIS tile): one scene a user can pick. */
export interface SceneGroup {
  /** `date` and `tile` joined (`2024-04-06 h14v09`), or `undated`. */
  id: string;
  date?: string;
  tile?: string;
  /** Names of the LST bands of this date and tile. */
  lstNames: string[];
}

function groupId(date: string | undefined, tile: string | undefined): string {
  return [date ?? 'undated', tile].filter(Boolean).join(' ');
}

/** Groups the LST bands among `bands` by date and tile, earliest date first (undated last). */
export function groupScenes(bands: LabelledBand[]): SceneGroup[] {
  const groups = new Map<string, SceneGroup>();
  for (const b of bands) {
    if (b.role !== 'lst') continue;
    const date = b.dataset.date;
    const tile = tileOf(b);
    const id = groupId(date, tile);
    const g = groups.get(id) ?? { id, date, tile, lstNames: [] };
    g.lstNames.push(b.name);
    groups.set(id, g);
  }
  return [...groups.values()].sort((a, b) => (a.date ?? '9999').localeCompare(b.date ?? '9999') || a.id.localeCompare(b.id));
}

/** How `assembleScene` reacts to doubtful inputs. */
export interface AssemblyOptions {
  /** `strict` (command line): AppError on a date gap, a QC of another date or grid; `lenient` (app): a notice, and the doubtful QC is left out. */
  mode: 'strict' | 'lenient';
  /** The scene (a `SceneGroup.id`) to assemble when the bands hold several; default the earliest. */
  sceneId?: string;
  /** Largest gap in days between the LST's period and an input's (composites count their whole period; default 8). */
  maxDateGapDays?: number;
  qcPolicy?: Mod11QcPolicy;
  /** Day or night LST when both are present (default: day). */
  dayNight?: 'day' | 'night';
  /**
   * The sentence of the 'Several LST layers' note that says how to use one of `others` instead of
   * `lst` (default: the app's, `setRoleToUseOtherLst`); the command line passes its own.
   */
  otherLstHint?: (lst: LabelledBand, others: LabelledBand[]) => string;
}

/** The app's way to another of several LST layers: the chosen one's role set to "unknown" in the file table. */
export function setRoleToUseOtherLst(lst: LabelledBand, others: LabelledBand[]): string {
  return `To use ${others.map((b) => b.name).join(' or ')} instead, set the role of ${lst.name} to "unknown".`;
}

/** A date gap between the LST and another input. */
export interface DateGap {
  name: string;
  role: BandRole;
  date: string;
  days: number;
}

/** A scene assembled from labelled bands: inputs for `prepareScene`, what was used, and what to tell the user. */
export interface AssembledScene {
  group: SceneGroup;
  /** Every scene the bands hold (for a date picker). */
  groups: SceneGroup[];
  inputs: SceneInputs;
  lst: LabelledBand;
  qc?: LabelledBand;
  aux: Partial<Record<AuxName, LabelledBand>>;
  /** Inputs dated more than the allowed gap from the LST (lenient mode only; strict throws). */
  dateGaps: DateGap[];
  /** The cloud mask applied to the LST (the first of `clouds`), when one was. */
  cloud?: LabelledBand;
  /** Every cloud mask applied to the LST (an LST pixel is masked where any says not clear), when one was. */
  clouds?: LabelledBand[];
  /** The water mask applied to the LST (every pixel where it is not 0 is masked, as Fmask water is), when one was. */
  water?: LabelledBand;
  /** What the QC, the cloud mask and the water mask take from the LST before any run, when any applies: the counts the mask notes are written from. */
  masks?: SceneMaskReport;
  /** Guides of another place than the LST, left out of this scene (lenient mode only; strict throws NO_OVERLAP): per role, the file the notice names. */
  awayGuides: { role: AuxName; name: string }[];
  /**
   * The other LSTs of the scene's date and tile with finer pixels than `lst`, over the same place,
   * finest first (an ASTER or Landsat LST dropped beside MODIS): independent truths the app scores
   * the outputs against.
   */
  finerLsts: LabelledBand[];
  /** Plain sentences for the user, naming files. */
  notices: string[];
  /**
   * Those of `notices` that ask for something before a run, which the app shows above the Run
   * button: a QC or cloud mask left out, what a cloud mask takes, most of the LST masked, several
   * LST of one date, a guide of another place.
   */
  warnings: string[];
}

/**
 * The QC band on the LST grid by georeference (never by pixel index), or why not: kept as it is on
 * the same grid, reprojected nearest-neighbour onto the LST grid otherwise (`alignToGrid`).
 */
export function qcOnLstGrid(
  lst: Raster,
  qc: Raster,
  qcName = 'The QC file',
): { raster: Raster; how: 'same-grid' | 'reprojected'; coverage: number } | { reason: string } {
  return finishSteps(qcOnLstGridInSteps(lst, qc, qcName));
}

/** `qcOnLstGrid` in steps: a reprojection yields after each block of rows (`alignToGridInSteps`). */
function* qcOnLstGridInSteps(
  lst: Raster,
  qc: Raster,
  qcName: string,
): Steps<{ raster: Raster; how: 'same-grid' | 'reprojected'; coverage: number } | { reason: string }> {
  try {
    return yield* alignToGridInSteps(qc, lst, { categorical: true, name: qcName });
  } catch (e) {
    if (isAppError(e) && e.code === 'NO_OVERLAP') return { reason: 'it does not cover the same place as the LST' };
    throw e;
  }
}

function pickNearest(candidates: LabelledBand[], lst: LabelledBand): LabelledBand {
  const lstTile = tileOf(lst);
  const score = (b: LabelledBand): number => {
    const gap = periodGapDays(b, lst);
    const tilePenalty = lstTile && tileOf(b) && tileOf(b) !== lstTile ? 10_000 : 0;
    return tilePenalty + (gap ?? 0.5);
  };
  return [...candidates].sort((a, b) => score(a) - score(b) || gridPixelSize(a.band.raster).x - gridPixelSize(b.band.raster).x)[0];
}

/**
 * Assembles one scene from labelled bands: the LST of the chosen date and tile (day preferred),
 * its MOD11 QC (same product, date, day/night and grid), and per auxiliary role the band nearest
 * in date. Checks date gaps against `maxDateGapDays` and measures the QC masked share.
 * Throws MISSING_BAND without an LST; in strict mode also DATE_MISMATCH (gap too large, QC of
 * another date) and GRID_MISMATCH (QC not on the LST grid). Rasters are shared, not copied.
 */
export function assembleScene(bands: LabelledBand[], options: AssemblyOptions): AssembledScene {
  return finishSteps(assembleSceneInSteps(bands, options));
}

/**
 * `assembleScene` for the app's run: the same scene, with `signal` checked after each block of
 * rows of a QC or cloud mask reprojected onto the LST grid (the longest part), yielding to the
 * event loop there so a cancel message gets in. CANCELLED when it fires.
 */
export function assembleSceneAsync(bands: LabelledBand[], options: AssemblyOptions, signal?: AbortSignal): Promise<AssembledScene> {
  return finishStepsAsync(assembleSceneInSteps(bands, options), signal);
}

/** The work of `assembleScene`, yielding after each block of rows a mask is reprojected by. */
export function* assembleSceneInSteps(bands: LabelledBand[], options: AssemblyOptions): Steps<AssembledScene> {
  const strict = options.mode === 'strict';
  const maxGap = options.maxDateGapDays ?? DEFAULT_MAX_DATE_GAP_DAYS;
  const notices: string[] = [];
  const warnings: string[] = [];
  const warn = (text: string): void => {
    notices.push(text);
    warnings.push(text);
  };
  const groups = groupScenes(bands);
  if (groups.length === 0) {
    const names = bands.map((b) => `${b.name} (${b.role})`).join('; ');
    throw new AppError('MISSING_BAND', `No LST among the inputs: ${names || 'none'}. Add a MOD11/MYD11 LST GeoTIFF or set a file's role to LST.`);
  }
  let group = groups[0];
  if (options.sceneId !== undefined) {
    const hit = groups.find((g) => g.id === options.sceneId);
    if (!hit) throw new AppError('BAD_ARGUMENT', `No LST of ${options.sceneId} among the inputs (there are: ${groups.map((g) => g.id).join(', ')}).`);
    group = hit;
  } else if (groups.length > 1) {
    if (strict) throw new AppError('BAD_ARGUMENT', `The inputs hold LST of ${groups.length} dates (${groups.map((g) => g.id).join(', ')}): give the files of one date.`);
    notices.push(`The files hold ${groups.length} dates (${groups.map((g) => g.id).join(', ')}); showing ${group.id}. Pick another date above the file table.`);
  }

  // Matching runs on one-band views of the files so that the role given by the user counts.
  const views = new Map<Dataset, LabelledBand>();
  const view = (b: LabelledBand): Dataset => {
    const d: Dataset = { ...b.dataset, bands: [{ ...b.band, role: b.role }] };
    views.set(d, b);
    return d;
  };
  const inGroup = bands.filter((b) => b.role === 'lst' && groupId(b.dataset.date, tileOf(b)) === group.id);
  const lstRef = findLstBand(inGroup.map(view), options.dayNight)!;
  const lst = views.get(lstRef.dataset)!;
  let finerLsts: LabelledBand[] = [];
  if (inGroup.length > 1) {
    const others = inGroup.filter((b) => b !== lst);
    const m = (b: LabelledBand): number => pixelSizeMetres(b.band.raster);
    const finer = others.filter((b) => hasFinerPixels(b.band.raster, lst.band.raster));
    finerLsts = finer.filter((b) => gridOverlap(lst.band.raster, b.band.raster) !== undefined).sort((a, b) => m(a) - m(b));
    const why = finer.length > 0 ? `, the coarsest (about ${Math.round(m(lst))} m; ${finer.map((b) => `${b.name}: ${Math.round(m(b))} m`).join(', ')})` : '';
    // The finer LST over the same place scores the outputs (app and batch); one no coarser than the
    // finest guide could not be downscaled itself, so the note offers no switch to it.
    const truthWords = finerLsts.length > 0 ? ` ${finerLsts[0].name} is not downscaled: it is the independent truth each output is scored against.` : '';
    const guidesM = bands.filter((b) => (AUX_ROLES as readonly string[]).includes(b.role)).map(m);
    const switchable = guidesM.length === 0 ? others : others.filter((b) => m(b) >= 1.9 * Math.min(...guidesM));
    const hint = switchable.length > 0 ? ` ${(options.otherLstHint ?? setRoleToUseOtherLst)(lst, switchable)}` : '';
    warn(`Several LST layers for ${group.id}: using ${lst.name}${why}.${truthWords}${hint}`);
  }
  const lstDate = lst.dataset.date;
  const dateGaps: DateGap[] = [];
  const checkDate = (b: LabelledBand): void => {
    const days = periodGapDays(b, lst);
    if (days === undefined || days <= maxGap || !DATED_ROLES.has(b.role)) return;
    const gap = { name: b.name, role: b.role, date: b.dataset.date!, days };
    if (strict) {
      throw new AppError('DATE_MISMATCH', `${b.name} (${b.role}, ${gap.date}) is ${days} days from the LST ${lst.name} (${lstDate}; composite periods counted), more than ${maxGap}: give inputs of the same period, or allow the gap with --max-date-gap ${days}.`, { file: b.dataset.fileName });
    }
    dateGaps.push(gap);
    notices.push(`${b.name} (${b.role}) is dated ${gap.date}, ${days} days from the LST (${lstDate}; composite periods counted): results may be off. Drop a ${b.role === 'lst-qc' ? 'QC' : b.role.toUpperCase()} file within ${maxGap} days of the LST, or remove this one.`);
  };

  // QC: the one matching the LST; a QC of another date or grid is never applied silently.
  let qc: LabelledBand | undefined;
  let lstKeep: Uint8Array | undefined;
  let qcMask: (MaskCount & { name: string }) | undefined;
  const qcBands = bands.filter((b) => b.role === 'lst-qc');
  const matchRef = qcBands.length ? findQcFor(qcBands.map(view), lstRef) : undefined;
  const qcCandidate = matchRef ? views.get(matchRef.dataset) : qcBands.length === 1 ? qcBands[0] : undefined;
  if (qcCandidate) {
    const days = daysBetween(qcCandidate.dataset.date, lstDate);
    const onGrid = yield* qcOnLstGridInSteps(lst.band.raster, qcCandidate.band.raster, qcCandidate.name);
    const qcDn = qcCandidate.band.dayNight;
    const lstDn = lst.band.dayNight;
    if (qcDn && lstDn && qcDn !== lstDn) {
      const msg = `${qcCandidate.name} is the ${qcDn} QC and the LST ${lst.name} is the ${lstDn} LST`;
      if (strict) throw new AppError('DATE_MISMATCH', `${msg}: give the QC of the same overpass.`, { file: qcCandidate.dataset.fileName });
      warn(`${msg}: the QC was not applied. Drop the ${lstDn} QC file.`);
    } else if (days !== undefined && days > 0) {
      const msg = `${qcCandidate.name} is the QC of ${qcCandidate.dataset.date}, the LST ${lst.name} is of ${lstDate}`;
      if (strict) throw new AppError('DATE_MISMATCH', `${msg}: give the QC of the same granule.`, { file: qcCandidate.dataset.fileName });
      warn(`${msg}: the QC was not applied. Drop the QC file of ${lstDate}.`);
    } else if ('reason' in onGrid) {
      const msg = `${qcCandidate.name} is not on the grid of ${lst.name}: ${onGrid.reason}`;
      if (strict) throw new AppError('GRID_MISMATCH', `${msg}. Give the QC of the same granule.`, { file: qcCandidate.dataset.fileName });
      warn(`${msg}; the QC was not applied. Drop the QC file of the same granule.`);
    } else {
      qc = qcCandidate;
      if (onGrid.how === 'reprojected')
        notices.push(`${qc.name} is on another grid than the LST ${lst.name}: it was reprojected onto the LST grid by georeference (nearest QC pixel; ${percentWords(onGrid.coverage)} of the LST covered).`);
      lstKeep = lstQcKeep(qc, lst, onGrid.raster.data, options.qcPolicy ?? DEFAULT_MOD11_QC_POLICY);
      const d = lst.band.raster.data;
      let valid = 0;
      let masked = 0;
      for (let i = 0; i < d.length; i++) {
        if (d[i] !== d[i]) continue;
        valid++;
        if (!lstKeep[i]) masked++;
      }
      qcMask = { ...maskCount(valid, masked), name: qc.name };
    }
  } else if (qcBands.length > 1) {
    const none = `None of the ${qcBands.length} QC files matches ${lst.name} (same product, date and day/night); no QC was applied.`;
    // The app shows its warnings in the scene panel, where a QC left out must be seen before the run.
    if (strict) notices.push(none);
    else warn(`${none} Drop the ${lst.band.dayNight ? `${lst.band.dayNight} ` : ''}QC file of ${lstDate ?? 'the same granule'}, or pick "lst-qc" in the Role column of that file if it is in the table with another role.`);
  }

  const clouds = yield* applyCloudMasks(bands, lst, lstKeep, strict);
  for (const n of clouds.notices) warn(n);
  const water = yield* applyMaskOfDate(bands, lst, clouds.lstKeep, strict, WATER_MASK);
  for (const n of water.notices) warn(n);
  lstKeep = water.lstKeep;
  const masks = maskReport(qcMask, clouds.count, water.count);
  for (const n of masks ? maskNotices(masks, MOSTLY_MASKED_ADVICE[options.mode]) : []) {
    if (n.isWarning) warn(n.text);
    else notices.push(n.text);
  }

  const aux: AssembledScene['aux'] = {};
  const auxRasters: SceneInputs['aux'] = {};
  const names: NonNullable<SceneInputs['names']> = { lst: lst.name };
  const awayGuides: AssembledScene['awayGuides'] = [];
  for (const role of AUX_ROLES) {
    const candidates = bands.filter((b) => b.role === role);
    if (candidates.length === 0) continue;
    // A guide of another place would pass or fail the date check for nothing and then stop the run.
    const here = candidates.filter((b) => gridOverlap(lst.band.raster, b.band.raster) !== undefined);
    if (here.length === 0) {
      const away = pickNearest(candidates, lst);
      if (strict)
        throw new AppError('NO_OVERLAP', `The LST ${lst.name} and ${away.name} (${role}) do not overlap: they cover different places. Give ${ROLE_ARTICLED[role]} file of the same area.`, { file: away.dataset.fileName });
      warn(`${away.name} (${role}) covers another place than the LST ${lst.name}: it was left out of this scene. Drop ${ROLE_ARTICLED[role]} file of the same area, or remove this one.`);
      awayGuides.push({ role, name: away.name });
      continue;
    }
    const chosen = pickNearest(here, lst);
    checkDate(chosen);
    aux[role] = chosen;
    auxRasters[role] = chosen.band.raster;
    names[role] = chosen.name;
  }
  return {
    group,
    groups,
    inputs: { lst: lst.band.raster, lstKeep, ...(masks ? { lstMasks: masks } : {}), aux: auxRasters, names },
    lst,
    qc,
    aux,
    dateGaps,
    ...(clouds.mask ? { cloud: clouds.mask, clouds: clouds.masks } : {}),
    ...(water.mask ? { water: water.mask } : {}),
    ...(masks ? { masks } : {}),
    awayGuides,
    finerLsts,
    notices,
    warnings,
  };
}

/**
 * Masks the LST wherever the cloud masks of its date (role `cloud-mask`: Fmask, ECOSTRESS
 * cloud_mask, Landsat BQA or QA_PIXEL read by their bits, `cloudReading`) say not clear; an LST
 * pixel is masked when any of them does. Where a mask is nodata it says nothing. Fmask classes
 * other than clear (0) are masked too (water 1, shadow 2, snow 3, cloud 4), as Fmask users mask
 * `Fmask != 0`. A mask finer than the LST masks by the share of its pixels under each LST pixel
 * (`cloudOnLstGridInSteps`). Masks of another date beside one of the LST's date are left out with
 * a notice naming them; the one mask, of another date, or one of another place is refused
 * (strict) or left out with a notice (lenient); several none of which has the LST's date, a
 * notice. `lstKeep` (1 = keep, from the QC) is not changed; the result is a new array when a mask
 * was applied.
 */
function* applyCloudMasks(
  bands: LabelledBand[],
  lst: LabelledBand,
  lstKeep: Uint8Array | undefined,
  strict: boolean,
): Steps<{ lstKeep: Uint8Array | undefined; mask?: LabelledBand; masks?: LabelledBand[]; count?: SceneMaskReport['cloudMask']; notices: string[] }> {
  const masks = bands.filter((b) => b.role === 'cloud-mask');
  if (masks.length === 0) return { lstKeep, notices: [] };
  const lstDate = lst.dataset.date;
  const ofDate = masks.filter((b) => (daysBetween(b.dataset.date, lstDate) ?? 0) === 0);
  if (ofDate.length === 0 && masks.length > 1) return { lstKeep, notices: [`None of the ${masks.length} cloud masks is of the date of ${lst.name} (${lstDate}); no cloud mask was applied.`] };
  if (ofDate.length === 0) {
    const m = masks[0];
    const msg = `${m.name} is the cloud mask of ${m.dataset.date}, the LST ${lst.name} is of ${lstDate}`;
    if (strict) throw new AppError('DATE_MISMATCH', `${msg}: give the cloud mask of the same scene.`, { file: m.dataset.fileName });
    return { lstKeep, notices: [`${msg}: the cloud mask was not applied. Drop the cloud mask of ${lstDate}.`] };
  }
  const notices: string[] = [];
  const otherDate = masks.filter((b) => !ofDate.includes(b));
  if (otherDate.length > 0) {
    const those = otherDate.map((b) => `${b.name} (${b.dataset.date})`);
    notices.push(`${andList(those)} ${otherDate.length > 1 ? 'are cloud masks' : 'is a cloud mask'} of another date than the LST ${lst.name} (${lstDate}) and ${otherDate.length > 1 ? 'were' : 'was'} not applied; the cloud mask${ofDate.length > 1 ? 's' : ''} of ${lstDate}, ${andList(ofDate.map((b) => b.name))}, ${ofDate.length > 1 ? 'were' : 'was'} used.`);
  }
  const placed: CloudOnLst[] = [];
  for (const mask of ofDate) {
    const onGrid = yield* cloudOnLstGridInSteps(lst.band.raster, mask);
    if ('reason' in onGrid) {
      const msg = `${mask.name} (cloud mask) is not on the grid of ${lst.name}: ${onGrid.reason}`;
      if (strict) throw new AppError('GRID_MISMATCH', `${msg}. Give the cloud mask of the same scene.`, { file: mask.dataset.fileName });
      notices.push(`${msg}; the cloud mask was not applied. Drop the cloud mask of the same scene.`);
      continue;
    }
    placed.push(onGrid);
  }
  if (placed.length === 0) return { lstKeep, notices };
  const { keep, count } = combineCloudMasks(lst.band.raster, placed, lstKeep);
  return { lstKeep: keep, mask: placed[0].mask, masks: placed.map((c) => c.mask), count, notices };
}

/** A mask of the LST's scene applied where it is not 0: its role, and what it is called in messages. */
interface SceneMask {
  role: 'cloud-mask' | 'water-mask';
  /** 'cloud mask', 'water mask'. */
  label: string;
}

const WATER_MASK: SceneMask = { role: 'water-mask', label: 'water mask' };

/** The keep-mask (1 keep) of an LST QC on the LST grid, by its product's bit layout: ECOSTRESS L2 LSTE, else MOD11 under `policy`. */
function lstQcKeep(qc: LabelledBand, lst: LabelledBand, data: Float32Array, policy: Mod11QcPolicy): Uint8Array {
  return isEcostressProduct(qc.dataset.product ?? lst.dataset.product) ? decodeEcostressQc(data) : decodeMod11Qc(data, policy);
}

/**
 * Masks the LST wherever one mask of its date, of `kind` (the scene passes WATER_MASK: role
 * `water-mask`, ECOSTRESS water_mask), is not 0; pixels where the mask is nodata stay. The mask is
 * taken at the nearest mask pixel to each LST pixel (`qcOnLstGridInSteps`: as it is on the LST
 * grid, reprojected by georeference otherwise), whatever its pixel size; only one mask is used: the
 * first of the LST's date, else the first undated one. Cloud masks do not come here: `applyCloudMasks` applies every cloud mask
 * of the date together, read by their kind and, when finer than the LST, by their share under
 * each LST pixel. The one mask of another date, or one of another place, is refused (strict) or
 * left out with a notice (lenient); several none of which has the LST's date, a notice. `lstKeep`
 * (1 = keep, from the QC and the cloud masks) is not changed; the result is a new array when the
 * mask was applied, with its counts among the pixels `lstKeep` kept.
 */
function* applyMaskOfDate(
  bands: LabelledBand[],
  lst: LabelledBand,
  lstKeep: Uint8Array | undefined,
  strict: boolean,
  kind: SceneMask,
): Steps<{ lstKeep: Uint8Array | undefined; mask?: LabelledBand; count?: SceneMaskReport['cloudMask']; notices: string[] }> {
  const masks = bands.filter((b) => b.role === kind.role);
  if (masks.length === 0) return { lstKeep, notices: [] };
  const lstDate = lst.dataset.date;
  // The mask of the LST's date, else an undated one (taken as of its date), whatever the drop order.
  const mask = masks.find((b) => daysBetween(b.dataset.date, lstDate) === 0) ?? masks.find((b) => daysBetween(b.dataset.date, lstDate) === undefined);
  if (!mask && masks.length > 1) return { lstKeep, notices: [`None of the ${masks.length} ${kind.label}s is of the date of ${lst.name} (${lstDate}); no ${kind.label} was applied.`] };
  if (!mask) {
    const m = masks[0];
    const msg = `${m.name} is the ${kind.label} of ${m.dataset.date}, the LST ${lst.name} is of ${lstDate}`;
    if (strict) throw new AppError('DATE_MISMATCH', `${msg}: give the ${kind.label} of the same scene.`, { file: m.dataset.fileName });
    return { lstKeep, notices: [`${msg}: the ${kind.label} was not applied. Drop the ${kind.label} of ${lstDate}.`] };
  }
  const onGrid = yield* qcOnLstGridInSteps(lst.band.raster, mask.band.raster, mask.name);
  if ('reason' in onGrid) {
    const msg = `${mask.name} (${kind.label}) is not on the grid of ${lst.name}: ${onGrid.reason}`;
    if (strict) throw new AppError('GRID_MISMATCH', `${msg}. Give the ${kind.label} of the same scene.`, { file: mask.dataset.fileName });
    return { lstKeep, notices: [`${msg}; the ${kind.label} was not applied. Drop the ${kind.label} of the same scene.`] };
  }
  const d = lst.band.raster.data;
  const m = onGrid.raster.data;
  const keep = lstKeep ? lstKeep.slice() : new Uint8Array(d.length).fill(1);
  let valid = 0;
  let masked = 0;
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== d[i] || !keep[i]) continue;
    valid++;
    if (m[i] === m[i] && m[i] !== 0) {
      keep[i] = 0;
      masked++;
    }
  }
  return {
    lstKeep: keep,
    mask,
    count: { ...maskCount(valid, masked), name: mask.name, ...(onGrid.how === 'reprojected' ? { coverage: onGrid.coverage } : {}) },
    notices: [],
  };
}

/** The masks' counts together: each mask counts among the pixels the ones before it kept (QC, cloud mask, water mask), so they add up. */
function maskReport(qc: SceneMaskReport['qc'], cloudMask: SceneMaskReport['cloudMask'], waterMask: SceneMaskReport['waterMask']): SceneMaskReport | undefined {
  const first = qc ?? cloudMask ?? waterMask;
  if (!first) return undefined;
  const masked = (qc?.masked ?? 0) + (cloudMask?.masked ?? 0) + (waterMask?.masked ?? 0);
  return { ...maskCount(first.valid, masked), ...(qc ? { qc } : {}), ...(cloudMask ? { cloudMask } : {}), ...(waterMask ? { waterMask } : {}) };
}
