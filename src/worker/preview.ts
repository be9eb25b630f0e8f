import { AppError, isAppError } from '../core/errors.ts';
import { finishSteps, finishStepsAsync, type Steps } from '../core/progress.ts';
import { maskedShareWords } from '../pipeline/mask-report.ts';
import { assembleSceneInSteps, DEFAULT_MAX_DATE_GAP_DAYS, periodGapDays, type AssembledScene, type LabelledBand, type SceneGroup } from '../pipeline/scene-assembly.ts';
import { describeNotKelvin, lstUnitConversion } from '../io/unit-sanity.ts';
import { getInput } from './inputs.ts';
import { pixelSizeMetres } from '../core/geo/grid.ts';
import { formatPixelM, makeLayerInSteps } from './layers.ts';
import type { InputInfo, LayerData, RoleId, RunParams, ScenePreview } from './protocol.ts';
import { toWireError } from './serve.ts';

/** LST-to-guide pixel ratio below which the inputs count as one grid (a 2x stage needs ~2). */
const SAME_GRID_RATIO = 1.5;

/** The worker's labelled bands: every input with the role the user confirmed. */
export function labelledInputs(params: Pick<RunParams, 'inputs'>): LabelledBand[] {
  return params.inputs.map(({ id, role }) => {
    const s = getInput(id);
    return { key: id, name: s.info.fileName, role, dataset: s.dataset, band: s.band };
  });
}

/** The app's scene: lenient assembly (doubts become notices) of the chosen date; with `refuseDateGaps` (a date of a series) a guide beyond the gap stops it. */
export function assembleForApp(params: Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays' | 'refuseDateGaps'>): AssembledScene {
  return finishSteps(assembleForAppInSteps(params));
}

/** `assembleForApp` for a run: `signal` checked after each block of rows of a QC or cloud mask reprojected onto the LST grid (CANCELLED when it fires). */
export function assembleForAppAsync(params: Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays' | 'refuseDateGaps'>, signal?: AbortSignal): Promise<AssembledScene> {
  return finishStepsAsync(assembleForAppInSteps(params), signal);
}

function* assembleForAppInSteps(params: Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays' | 'refuseDateGaps'>): Steps<AssembledScene> {
  const a = yield* assembleLenientInSteps(params);
  const info = getInput(a.lst.key).info;
  const celsius = info.lstUnitCandidates?.[0];
  if (celsius) throw celsiusLstError(a, celsius.code);
  if (info.notTemperature) throw notTemperatureError(a, info.notTemperature);
  if (params.refuseDateGaps && a.dateGaps.length > 0) throw dateGapError(a, params.maxDateGapDays ?? DEFAULT_MAX_DATE_GAP_DAYS);
  return a;
}

const ARTICLED: Partial<Record<RoleId, string>> = { 'lst-qc': 'a QC', ndvi: 'an NDVI', red: 'a red', nir: 'a NIR', swir: 'a SWIR', albedo: 'an albedo' };

/** DATE_MISMATCH for the first input of a series date that is further from the LST than the gap allowed, in the app's words. */
function dateGapError(a: AssembledScene, maxGap: number): AppError {
  const g = a.dateGaps[0];
  const what = ARTICLED[g.role] ?? `a ${g.role}`;
  const err = new AppError(
    'DATE_MISMATCH',
    `${g.name} (${g.role}, ${g.date}) is ${g.days} days from the LST ${a.lst.name} (${a.lst.dataset.date}), more than the max date gap of ${maxGap} days.`,
    { file: g.name },
  );
  return Object.assign(err, {
    hint: `Raise "Max date gap" in the scene panel to ${g.days} days to let it stand in, or drop ${what} file within ${maxGap} days of ${a.lst.dataset.date}.`,
  });
}

/**
 * BAD_VALUES for an LST whose role was set by hand and whose values look like degrees Celsius
 * (`InputInfo.lstUnitCandidates`): the range found, and the conversion to press in the file table.
 */
function celsiusLstError(a: AssembledScene, code: string): AppError {
  const c = lstUnitConversion(code)!;
  const seen = describeNotKelvin(a.lst.band.raster.data, [c]);
  const err = new AppError('BAD_VALUES', `${a.lst.name}: ${seen}.`, { file: a.lst.name });
  return Object.assign(err, {
    hint: `${seen[0].toUpperCase()}${seen.slice(1)}. To use it as the LST, press “${c.label}: convert to K” in its Notes column of the file table (adds ${c.offset}; nothing is converted until you press it).`,
  });
}

/**
 * BAD_VALUES for a file set to lst by hand whose name, metadata or values say it is not a temperature
 * (`InputInfo.notTemperature`): what it looks like and why, and which roles to pick in the file table.
 */
function notTemperatureError(a: AssembledScene, n: NonNullable<InputInfo['notTemperature']>): AppError {
  const err = new AppError('BAD_VALUES', `${a.lst.name}: ${n.seen}.`, { file: a.lst.name });
  const back = n.guideRole ? `pick "${n.guideRole}" back in its Role column, and ` : 'set its Role back to "unknown", and ';
  return Object.assign(err, {
    hint: `${n.seen[0].toUpperCase()}${n.seen.slice(1)}. To run, ${back}pick "lst" in the Role column of your LST file (or drop one: MOD11A1/MOD11A2 LST, a Landsat thermal band).`,
  });
}

/** Files used per role in an assembled scene (names and dates), for the report. */
export function usedFiles(a: AssembledScene): Partial<Record<RoleId, { name: string; date?: string }>> {
  const used: Partial<Record<RoleId, { name: string; date?: string }>> = { lst: { name: a.lst.name, date: a.lst.dataset.date } };
  if (a.qc) used['lst-qc'] = { name: a.qc.name, date: a.qc.dataset.date };
  if (a.cloud) used['cloud-mask'] = { name: (a.clouds ?? [a.cloud]).map((b) => b.name).join(' + '), date: a.cloud.dataset.date };
  if (a.water) used['water-mask'] = { name: a.water.name, date: a.water.dataset.date };
  for (const [role, b] of Object.entries(a.aux)) used[role as RoleId] = { name: b.name, date: b.dataset.date };
  return used;
}

function assembleLenient(params: Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays'>): AssembledScene {
  return finishSteps(assembleLenientInSteps(params));
}

function* assembleLenientInSteps(params: Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays'>): Steps<AssembledScene> {
  const bands = labelledInputs(params);
  if (!bands.some((b) => b.role === 'lst')) throw Object.assign(new AppError('MISSING_BAND', 'No input has the role lst.'), { hint: missingLstHint(bands) });
  const known = params.sceneId !== undefined && bands.some((b) => b.role === 'lst');
  try {
    return yield* assembleSceneInSteps(bands, { mode: 'lenient', sceneId: known ? params.sceneId : undefined, maxDateGapDays: params.maxDateGapDays });
  } catch (e) {
    // A date picked before its files were removed: fall back to the earliest.
    if (isAppError(e) && e.code === 'BAD_ARGUMENT') return yield* assembleSceneInSteps(bands, { mode: 'lenient', maxDateGapDays: params.maxDateGapDays });
    throw e;
  }
}

const THERMAL_BANDS = new Set([6, 61, 62, 10, 11]);

function someNames(names: string[]): string {
  const list = [...new Set(names)];
  return list.length > 3 ? `${list.slice(0, 3).join(', ')} and ${list.length - 3} more` : list.join(', ');
}

/**
 * What to do in the app when no input has the role lst, for what the files are: Landsat reflective
 * bands with no thermal band among them (Olinda's six-band stack), or files whose names and
 * metadata say nothing (band-number exports such as Pennsylvania's july61.tif: not guessed from their values).
 */
export function missingLstHint(bands: LabelledBand[]): string {
  if (bands.length === 0) return 'Drop an LST file (MOD11A1/MOD11A2 LST, or a Landsat thermal band), or load the demo scene.';
  const hint = ['None of the files has the role "lst": set the role of your LST file in the table, or drop one (MOD11A1/MOD11A2 LST, a Landsat thermal band).'];
  const landsat = bands.filter((b) => b.band.landsat);
  if (landsat.length > 0 && !landsat.some((b) => THERMAL_BANDS.has(b.band.landsat!.band))) {
    const files = [...new Set(landsat.map((b) => b.dataset.fileName.split(/[\\/]/).pop()!))];
    const bandList = [...new Set(landsat.map((b) => b.band.landsat!.band))].sort((x, y) => x - y).join(', ');
    hint.push(
      `${someNames(files)} ${files.length > 1 ? 'hold' : 'holds'} Landsat reflective bands only (bands ${bandList}), no thermal band: add an LST of the same place and date (the scene's thermal band with its MTL, or a MODIS LST), as these files cannot give one.`,
    );
  }
  const nameless = bands.filter((b) => b.band.role === 'unknown' && !b.band.unused && !b.band.landsat);
  if (nameless.length > 0)
    hint.push(
      `${nameless.length === 1 ? '1 file has' : `${nameless.length} files have`} no role the app can tell from ${nameless.length === 1 ? 'its name or metadata' : 'their names or metadata'} (${someNames(nameless.map((b) => b.name))}). If one holds LST in kelvin, pick "lst" in its Role column. A thermal band in digital numbers is not kelvin: drop it under its Landsat name (<scene>_B6_VCID_1.TIF, <scene>_B10.TIF) with its scene's <scene>_MTL.txt, and it is read as brightness temperature.`,
    );
  return hint.join(' ');
}

/** Grid facts of an assembled scene: LST and finest guide pixel sizes, same grid, LST only. */
export function gridFacts(a: AssembledScene): Pick<ScenePreview, 'lstPixelM' | 'guidePixelM' | 'isSameGrid' | 'isLstOnly'> {
  const lstPixelM = pixelSizeMetres(a.lst.band.raster);
  const guides = Object.values(a.aux).map((b) => pixelSizeMetres(b.band.raster));
  if (guides.length === 0) return { lstPixelM, isSameGrid: false, isLstOnly: true };
  const guidePixelM = Math.min(...guides);
  return { lstPixelM, guidePixelM, isSameGrid: lstPixelM / guidePixelM < SAME_GRID_RATIO, isLstOnly: false };
}

/** What the current inputs make, before any run (shown above the Run button). */
export function previewScene(params: Pick<RunParams, 'inputs' | 'sceneId' | 'maxDateGapDays'>): ScenePreview {
  try {
    const a = assembleForApp(params);
    const used: ScenePreview['used'] = { lst: a.lst.name };
    if (a.qc) used['lst-qc'] = a.qc.name;
    if (a.cloud) used['cloud-mask'] = (a.clouds ?? [a.cloud]).map((b) => b.name).join(' + ');
    if (a.water) used['water-mask'] = a.water.name;
    for (const [role, b] of Object.entries(a.aux)) used[role as keyof typeof used] = b.name;
    return {
      scenes: a.groups.length > 1 ? a.groups.map((g) => seriesRow(params, g)) : a.groups.map((g) => ({ ...g, inputIds: inputIdsOf(a) })),
      sceneId: a.group.id,
      lstName: a.lst.name,
      lstId: a.lst.key,
      used,
      ...(a.masks?.qc ? { qcMaskedShare: a.masks.qc.share, qcMaskedWords: maskedShareWords(a.masks.qc.masked, a.masks.qc.valid, true) } : {}),
      dateGaps: a.dateGaps,
      ...gridFacts(a),
      notices: a.notices,
      warnings: a.warnings,
    };
  } catch (e) {
    const err = isAppError(e) ? e : new AppError('INTERNAL', String(e));
    return {
      scenes: [],
      used: {},
      dateGaps: [],
      isSameGrid: false,
      isLstOnly: false,
      notices: [],
      warnings: [],
      blocker: toWireError(err),
    };
  }
}

/** The input ids the scene takes per role (LST, QC, every cloud mask applied, the water mask, each guide). */
function inputIdsOf(a: AssembledScene): Partial<Record<RoleId, string[]>> {
  const ids: Partial<Record<RoleId, string[]>> = { lst: [a.lst.key] };
  if (a.qc) ids['lst-qc'] = [a.qc.key];
  if (a.cloud) ids['cloud-mask'] = (a.clouds ?? [a.cloud]).map((b) => b.key);
  if (a.water) ids['water-mask'] = [a.water.key];
  for (const [role, b] of Object.entries(a.aux)) ids[role as RoleId] = [b.key];
  return ids;
}

/** Roles whose date is checked against the LST's (the guides that can stand in from a nearby date). */
const DATED_GUIDES: readonly RoleId[] = ['ndvi', 'red', 'nir', 'swir', 'albedo'];

/** One date of a series as the queue list shows it: the guides that stand in with their dates, the ones beyond the gap. */
function seriesRow(params: Pick<RunParams, 'inputs' | 'maxDateGapDays'>, g: SceneGroup): ScenePreview['scenes'][number] {
  try {
    const a = assembleLenient({ ...params, sceneId: g.id });
    const guides = Object.values(a.aux)
      .filter((b) => DATED_GUIDES.includes(b.role))
      .map((b) => ({ role: b.role, name: b.name, date: b.dataset.date, days: periodGapDays(b, a.lst) }));
    return { ...g, guides, inputIds: inputIdsOf(a), overGap: a.dateGaps.map((d) => d.name), ...(a.awayGuides.length > 0 ? { awayGuides: a.awayGuides, hasGuide: Object.keys(a.aux).length > 0 } : {}) };
  } catch (e) {
    return { ...g, problem: isAppError(e) ? e.message : String(e) };
  }
}

/**
 * The dropped LST band as a map layer (native grid, before QC and cropping), so it shows before any
 * run: `signal` checked after each block of rows of its display reprojection (CANCELLED when it
 * fires, with nothing stored), so a large LST's layer stops when the app asks for another.
 */
export function inputLayer(id: string, transfer: Transferable[], signal?: AbortSignal): Promise<LayerData> {
  return finishStepsAsync(inputLayerInSteps(id, transfer), signal);
}

/** `inputLayer` in steps: yields after each block of rows of the display reprojection. */
export function* inputLayerInSteps(id: string, transfer: Transferable[]): Steps<LayerData> {
  const s = getInput(id);
  const px = pixelSizeMetres(s.band.raster);
  const stem = s.info.fileName.replace(/\s*\[.*$/, '').replace(/\.(tiff?|TIFF?)$/, '').replace(/[^A-Za-z0-9._-]+/g, '-');
  return yield* makeLayerInSteps(
    { id: 'lst-dropped', label: `Dropped LST ${formatPixelM(px)}`, kind: 'input', stage: 0, isFinal: false, pixelSizeM: px, fileStem: `${stem}_input` },
    s.band.raster,
    transfer,
  );
}
