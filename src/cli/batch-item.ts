import { collectGarbage } from './collect-garbage.ts';
import { mkdir, open, readdir, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { DEFAULT_ORIENTATIONS, type OrientationCount } from '../core/raster/orient.ts';
import { validFraction } from '../core/raster/raster.ts';
import type { Dataset } from '../io/dataset.ts';
import { fitDetailWeight, withDetailWeight } from '../pipeline/detail-weight.ts';
import { detailWeightMessage, srdaOutputCheck, writtenOutputCheck } from '../pipeline/do-no-harm.ts';
import { runDownscale } from '../pipeline/downscale.ts';
import { isLstOnlyScene } from '../pipeline/lst-only.ts';
import { closedLoopScored } from '../pipeline/loop-sample.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { loadMethod } from '../pipeline/methods.ts';
import { prepareSceneAsync } from '../pipeline/prepare.ts';
import { assembleScene, labelDataset, type LabelledBand } from '../pipeline/scene-assembly.ts';
import { scoreStagesAgainstTruth, type TruthCheck } from '../pipeline/truth-score.ts';
import { formatDistance, shownTruthRows, truthResolutionWords, truthSentence, unscoredFinerWords } from '../core/truth-words.ts';
import type { Scene } from '../pipeline/scene.ts';
import { pickGivenBand } from './batch-manifest.ts';
import type { BatchItem } from './batch-plan.ts';
import { KEEP_GUIDES_ON_CLI, maskedShares, orientationsNotice } from './inputs.ts';
import { loadDataset, loadFileDatasets } from './load.ts';
import { packOnReadWorkers, prestartReadWorkers, withReadWorkersHeld } from './read-workers.ts';
import { sceneNotices } from './scene-notices.ts';
import { stageWriter } from './stage-files.ts';

/**
 * The command line's way to another of several LST layers of an item (the 'Several LST layers'
 * note): an LST in another file than the chosen one is taken once the chosen file is out of the
 * batch (moved out of its folder, or left out of the manifest; --force redoes a finished item); one
 * in the chosen one's own file (a stack, a day and night HDF) only by `srda-lst downscale --lst FILE:BAND`.
 */
export function batchOtherLstHint(lst: LabelledBand, others: LabelledBand[]): string {
  const file = lst.dataset.fileName;
  const apart = others.filter((b) => b.dataset.fileName !== file);
  const inside = others.filter((b) => b.dataset.fileName === file);
  const out: string[] = [];
  if (apart.length > 0) {
    out.push(`To use ${apart.map((b) => b.name).join(' or ')} instead, move ${path.basename(file)} out of ${path.dirname(file)} (or, with a manifest, leave it out) and run this item again with --force.`);
  }
  for (const b of inside) {
    // By name where the name picks it (an HDF grid's layer), else by number (GeoTIFF band names such as 'band 6' or 'B6' read as numbers).
    const byName = /^[\w.-]+$/.test(b.band.name) && !/^(\d+|b(and)?\d+)$/i.test(b.band.name);
    const spec = `${file}:${byName ? b.band.name : b.dataset.bands.indexOf(b.band) + 1}`;
    const arg = /^[\w./:@+-]+$/.test(spec) ? spec : `'${spec}'`;
    out.push(`To use ${b.name}, downscale it on its own: srda-lst downscale --lst ${arg}${b.dataset.date ? ` --date ${b.dataset.date}` : ''} with this item's guides (--ndvi FILE ...).`);
  }
  return out.join(' ');
}

/** Methods that run on an LST-only scene (no auxiliary layer): others fall back to bicubic there. */
const LST_ONLY_METHODS: ReadonlySet<string> = new Set(['bicubic', 'srda']);

/** Settings every item of a batch shares. */
export interface BatchSettings {
  outDir: string;
  method: StageMethod;
  methodNotice?: string;
  /** Methods scored in the closed loop (the run's method and bicubic by default), each once. */
  closedLoop: StageMethod[];
  stages?: number;
  /** LST and guides on one grid: the LST is block-averaged by this factor first (downscale's --reference-factor). */
  referenceFactor?: number;
  tileCoarsePx?: number;
  maxDateGapDays?: number;
  residualCorrection: boolean;
  residualMode: 'linear' | 'radiance';
  cog: boolean;
  /** SRDA-Net keeps all of its detail (no closed-loop weight). */
  fullDetail?: boolean;
  /** `--orientations` as given (1, 2 or 8; absent: DEFAULT_ORIENTATIONS, 1); the method was built with it, the report records it. */
  orientations?: OrientationCount;
  /** Move the reflectance guides onto the LST's frame (default true; pipeline/guide-registration.ts). */
  registerGuides?: boolean;
  /** Gets the item's scene notes (report.json `sceneNotices`) once its scene is prepared: `batch` prints them (a `--jobs N` child sends them to its parent). */
  onSceneNotices?: (item: BatchItem, notices: readonly string[]) => void;
}

/** One row of summary.csv. */
export interface SummaryRow {
  index: number;
  id: string;
  date: string;
  tile: string;
  method: string;
  validFraction: number;
  energyMaxAbsK: number;
  seconds: number;
  /** Closed-loop RMSE (K, residual-corrected) per method. */
  rmse: Record<string, number>;
  /**
   * Against an independent finer LST of the date, when the item had one: per method, its finest scored
   * output; `scoredPixelSizeM` where that output, finer than the LST, was scored at the LST's resolution.
   */
  independent?: Record<string, { offsetFreeRmseK: number; detailRmseK: number; detailCorr: number; scoredPixelSizeM?: number }>;
}

/** The finished output folder of an item: `<out>/<id>`; it exists only once the item is complete. */
export function itemDir(outDir: string, item: BatchItem): string {
  return path.join(outDir, item.id);
}

/** True when the item's folder holds its report (the last file written before the folder is renamed into place). */
export async function isItemDone(outDir: string, item: BatchItem): Promise<boolean> {
  return (
    (await stat(path.join(itemDir(outDir, item), 'report.json')).catch(() => undefined))?.isFile() ?? false
  );
}

/** Removes half-written temporary folders of an item (left by a killed run). */
async function clearPartial(outDir: string, item: BatchItem): Promise<void> {
  const names = await readdir(outDir).catch(() => [] as string[]);
  for (const n of names)
    if (n.startsWith(`.${item.id}.partial-`))
      await rm(path.join(outDir, n), { recursive: true, force: true });
}

/** The bands of the item's files, each labelled with its detected role or the one the manifest gives it. */
async function loadItemBands(item: BatchItem): Promise<LabelledBand[]> {
  const bands: LabelledBand[] = [];
  for (const f of item.files) {
    const list: Dataset[] = await loadFileDatasets(f.path, f.date ? { ncDates: [f.date] } : {});
    const own: LabelledBand[] = [];
    for (const d of list)
      own.push(
        ...labelDataset(
          d,
          `${f.path}${f.date ? `@${f.date}` : ''}${list.length > 1 ? `#${d.layer ?? ''}` : ''}`,
        ),
      );
    for (const g of f.given ?? []) {
      const picked = pickGivenBand(list, g, f.path, f.date ?? item.date);
      const b = own.find((x) => x.dataset === picked.dataset && x.band === picked.band);
      if (b) b.role = g.role;
    }
    bands.push(...own);
  }
  return bands;
}

/**
 * Runs one item: reads its files, assembles its scene strictly, downscales it, scores the closed
 * loop and writes `lst_stageN.tif` + `report.json` into a hidden temporary folder that is renamed to
 * `<out>/<id>` at the end, so a killed run leaves no half-written result behind. Returns the summary row.
 */
export async function runBatchItem(item: BatchItem, s: BatchSettings): Promise<SummaryRow> {
  prestartReadWorkers();
  await mkdir(s.outDir, { recursive: true });
  await clearPartial(s.outDir, item);
  // The partial folder exists for the whole item: a killed run is recognisable and cleaned next time.
  const tmp = path.join(s.outDir, `.${item.id}.partial-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    return await runInto(item, s, tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Creates `file` (never an existing one) and lets `fill` write it; resolves its path. */
async function writeInto(file: string, fill: (fh: FileHandle) => Promise<unknown>): Promise<string> {
  const fh = await open(file, 'wx');
  try {
    await fill(fh);
  } finally {
    await fh.close();
  }
  return file;
}

const optionalMessage = (message: string | undefined): { message?: string } => (message ? { message } : {});

/**
 * The item's written outputs (read back: the last stage is streamed to its file) and, unless the
 * item ran bicubic, bicubic's, scored against an independent finer LST of the date.
 */
async function independentLstCheck(scene: Scene, methodId: string, stageFiles: string[], truth: LabelledBand, s: BatchSettings): Promise<TruthCheck> {
  const written = [];
  for (const [i, f] of stageFiles.entries()) written.push({ stage: i + 1, lst: (await loadDataset(f)).bands[0].raster });
  const runs = [{ method: methodId, stages: written }];
  if (methodId !== 'bicubic') {
    const bic = await runDownscale(scene, { method: 'bicubic', residualCorrection: s.residualCorrection, residualMode: s.residualMode, tileCoarsePx: s.tileCoarsePx });
    runs.push({ method: 'bicubic', stages: bic.stages });
  }
  return scoreStagesAgainstTruth(truth.name, truth.band.raster, runs).check;
}

/**
 * What the check says of outputs finer than the independent LST (report.json independentLst, and
 * printed): `scoredAt`, that they were scored at its resolution; `notScored`, that they were not,
 * why, and what the item's files need.
 */
function finerThanLstWords(scene: Scene, check: TruthCheck): { scoredAt?: string; notScored?: string } {
  const sizes = check.finerStages.map((k) => formatDistance(scene.levels[k].pixelSizeM));
  const them = sizes.length > 1 ? 'them' : 'it';
  const notScored =
    sizes.length > 0
      ? `${unscoredFinerWords(check.name, sizes, check.finerWhy)} To score ${them}, give the item (a --lst line of the manifest, or a file in the folder) an LST of the date as fine as the ${sizes[sizes.length - 1]} output, or one whose pixels are whole blocks of the output's on its grid.`
      : undefined;
  const scoredAt = truthResolutionWords(check);
  return { ...(scoredAt ? { scoredAt } : {}), ...(notScored ? { notScored } : {}) };
}

/** Per method, the scores of its finest scored output (not a finer one whose rows repeat its scores). */
function finestRows(check: TruthCheck): NonNullable<SummaryRow['independent']> {
  const out: NonNullable<SummaryRow['independent']> = {};
  for (const r of shownTruthRows(check.rows)) out[r.method] = { offsetFreeRmseK: r.offsetFreeRmseK, detailRmseK: r.detailRmseK, detailCorr: r.detailCorr, ...(r.scoredPixelSizeM !== undefined ? { scoredPixelSizeM: r.scoredPixelSizeM } : {}) };
  return out;
}

async function runInto(item: BatchItem, s: BatchSettings, tmp: string): Promise<SummaryRow> {
  const t0 = performance.now();
  // As `downscale`: the read workers stay from the reads through the preparation, and the layers the
  // guide registration leaves in place are packed on one meanwhile.
  const { assembled, scene } = await withReadWorkersHeld(async () => {
    const bands = await loadItemBands(item);
    const sceneId = [item.date ?? 'undated', item.tile].filter(Boolean).join(' ');
    const assembled = assembleScene(bands, { mode: 'strict', sceneId, maxDateGapDays: s.maxDateGapDays, otherLstHint: batchOtherLstHint });
    return { assembled, scene: await prepareSceneAsync(assembled.inputs, { stages: s.stages, referenceFactor: s.referenceFactor, registerGuides: s.registerGuides !== false, keepGuidesHint: KEEP_GUIDES_ON_CLI, packer: packOnReadWorkers }) };
  });
  // The bands as read are garbage now: free them before the item's peak (see collectGarbage).
  collectGarbage();
  // What reading, assembling and preparing this date did, each once, as downscale prints them.
  const truthBand = assembled.finerLsts[0];
  const notices = sceneNotices([...assembled.notices, ...scene.notes]);
  s.onSceneNotices?.(item, notices);
  const method =
    isLstOnlyScene(scene) && !LST_ONLY_METHODS.has(s.method.id) ? await loadMethod('bicubic') : s.method;
  // Do no harm: SRDA-Net keeps the share of its detail that this date's own closed loop supports.
  const fitted = method.id === 'srda' && !s.fullDetail ? await fitDetailWeight(scene, method, s.residualMode) : undefined;
  // Its sentence, made once: report.json's detailWeight.message and the verdict on the weighted output.
  const weight = fitted && { ...fitted, message: detailWeightMessage(assembled.lst.name, fitted) };
  // Each stage's GeoTIFF is written as soon as it ends (stage 1's while stage 2 runs), the last
  // stage's band by band as its tiles complete; a failed item's temp folder is removed whole.
  const writer = stageWriter({ dir: tmp, write: (name, fill) => writeInto(path.join(tmp, name), fill) }, method.id, { cog: s.cog, sigma: false });
  const result = await runDownscale(scene, {
    method: weight ? withDetailWeight(method, weight.alpha) : method,
    residualCorrection: s.residualCorrection,
    residualMode: s.residualMode,
    tileCoarsePx: s.tileCoarsePx,
    onStageDone: writer.onStageDone,
    lastStageSink: writer.lastStageSink,
  }).catch(async (e: unknown) => {
    await writer.settle();
    throw e;
  });
  const loopMethods = s.closedLoop.filter((m) => !isLstOnlyScene(scene) || LST_ONLY_METHODS.has(m.id));
  // Which method to use on this date, by the rule the app and downscale read (core/recommend.ts),
  // judged on what this item writes: another method among those the loop scored (downscale's check);
  // SRDA-Net's output as `downscale` judges it (weighted, or alone with --full-detail), against
  // bicubic and every other method the loop scored.
  const { loop, check: loopCheck } = await writtenOutputCheck(scene, loopMethods, assembled.lst.name, method.id, { residualMode: s.residualMode, tileCoarsePx: s.tileCoarsePx }).catch(async (e: unknown) => {
    await writer.settle();
    throw e;
  });
  const rmse = Object.fromEntries(loop.methods.map((m) => [m.method, m.corrected.rmseK]));
  const others = loop.methods.map((m) => ({ method: m.method, rmseK: m.corrected.rmseK, pixels: m.corrected.n }));
  const check =
    method.id === 'srda'
      ? await srdaOutputCheck(scene, method, assembled.lst.name, weight, s.residualMode, {}, others).catch(async (e: unknown) => {
          await writer.settle();
          throw e;
        })
      : loopCheck;

  const files = (await writer.done()).lst.map((f) => path.basename(f));
  const independentLst = truthBand ? await independentLstCheck(scene, method.id, files.map((f) => path.join(tmp, f)), truthBand, s) : undefined;
  const finerWords = independentLst ? finerThanLstWords(scene, independentLst) : {};
  const truthNotices = [finerWords.notScored, finerWords.scoredAt].filter((n) => n !== undefined);
  if (truthNotices.length > 0) s.onSceneNotices?.(item, truthNotices);
  const orientedNotice = orientationsNotice(s.orientations, [method.id]);
  const energyMaxAbsK = Math.max(...result.stages.map((st) => st.energy.maxAbsK));
  const row: SummaryRow = {
    index: item.index,
    id: item.id,
    date: item.date ?? '',
    tile: item.tile ?? '',
    method: method.id,
    validFraction: validFraction(scene.lst.data),
    energyMaxAbsK,
    seconds: (performance.now() - t0) / 1000,
    rmse,
    ...(independentLst ? { independent: finestRows(independentLst) } : {}),
  };
  const report = {
    tool: 'srda-lst batch',
    item: { index: item.index, id: item.id, date: item.date, tile: item.tile },
    // With the roles the manifest gives a file or its bands, in place of the detected ones.
    inputs: item.files.map((f) => ({ file: path.basename(f.path), ...(f.date ? { date: f.date } : {}), ...(f.given?.length ? { roles: f.given.map((g) => ({ role: g.role, ...(g.band !== undefined ? { band: g.band } : {}) })) } : {}) })),
    lst: assembled.lst.name,
    qc: assembled.qc?.name ?? null,
    cloudMask: assembled.cloud?.name ?? null,
    waterMask: assembled.water?.name ?? null,
    // Several cloud masks of the date: each applied (a pixel masked where any says cloud), all named.
    ...((assembled.clouds?.length ?? 0) > 1 ? { cloudMasks: assembled.clouds!.map((b) => b.name) } : {}),
    // As downscale's report names them.
    ...maskedShares(assembled.masks),
    aux: Object.fromEntries(Object.entries(assembled.aux).map(([k, b]) => [k, b.name])),
    notices: [...assembled.notices, ...scene.notes, ...(s.methodNotice ? [s.methodNotice] : []), ...(orientedNotice ? [orientedNotice] : [])],
    // The scene's notes as batch prints them for this date (each once; with --jobs N read from here).
    sceneNotices: notices,
    method: method.id,
    ...(method.id === 'srda' ? { orientations: s.orientations ?? DEFAULT_ORIENTATIONS } : {}),
    residualCorrection: result.residualCorrection,
    residualMode: result.residualMode,
    stages: result.stages.map((st, i) => ({
      stage: st.stage,
      file: files[i],
      width: scene.levels[st.stage].grid.width,
      height: scene.levels[st.stage].grid.height,
      energyMaxAbsK: st.energy.maxAbsK,
    })),
    closedLoop: loop.methods.map((m) => ({
      method: m.method,
      rmseK: m.corrected.rmseK,
      maeK: m.corrected.maeK,
      biasK: m.corrected.biasK,
    })),
    ...(scene.guideShift ? { guideRegistration: scene.guideShift } : {}),
    closedLoopScored: closedLoopScored(loop),
    ...(check ? { closedLoopCheck: check } : {}),
    ...(weight ? { detailWeight: weight } : {}),
    ...(independentLst ? { independentLst: { ...independentLst, ...optionalMessage(truthSentence(independentLst)), ...finerWords } } : {}),
    summary: row,
  };
  await writeFile(path.join(tmp, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  const final = itemDir(s.outDir, item);
  // A forced rerun replaces the finished folder; the rename itself is atomic.
  await rm(final, { recursive: true, force: true });
  try {
    await rename(tmp, final);
  } catch (e) {
    throw new AppError('WRITE_FAILED', `${final}: ${(e as Error).message}`, { file: final, cause: e });
  }
  return row;
}
