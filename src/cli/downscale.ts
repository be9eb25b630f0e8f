import os from 'node:os';
import path from 'node:path';
import { AppError, isAppError } from '../core/errors.ts';
import { DEFAULT_ORIENTATIONS, type OrientationCount } from '../core/raster/orient.ts';
import { fitDetailWeight, withDetailWeight } from '../pipeline/detail-weight.ts';
import { srdaOutputCheck, writtenOutputCheck, type LoopVerdict, type SrdaOutputCheck } from '../pipeline/do-no-harm.ts';
import { runDownscale, type StageResult, type StreamedStageResult } from '../pipeline/downscale.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { sampledLoopScored } from '../pipeline/loop-sample.ts';
import type { BackendName } from '../model/backend.ts';
import type { SrdaBackendInfo } from '../model/runner.ts';
import { collectGarbage } from './collect-garbage.ts';
import { prepareSceneAsync, type PrepareOptions } from '../pipeline/prepare.ts';
import {
  type CliValues,
  INPUT_HELP,
  INPUT_OPTIONS,
  intOption,
  loadInputs,
  type InputsSummary,
  summariseInputs,
  parseBackend,
  KEEP_GUIDES_ON_CLI,
  orientationsNotice,
  parseOrientations,
  parseCli,
  parseResidualMode,
  resolveMethod,
  sceneReport,
  stderrProgress,
} from './inputs.ts';
import { openOutDir, type OutDir } from './out-dir.ts';
import { stageWriter } from './stage-files.ts';
import { packOnReadWorkers, prestartReadWorkers, withReadWorkersHeld } from './read-workers.ts';
import { requireAuxFor } from '../pipeline/lst-only.ts';
import { sceneNotices } from './scene-notices.ts';
import { terminalSafe } from './terminal.ts';
import type { Command } from './main.ts';
import type { Scene } from '../pipeline/scene.ts';

const HELP = `Usage: srda-lst downscale --lst LST.tif [--qc QC.tif] [--cloud-mask MASK.tif ...] [--water-mask MASK.tif] (--ndvi NDVI.tif | --red RED.tif --nir NIR.tif)
         [--swir SWIR.tif] [--albedo A.tif] [--dem DEM.tif] [--landcover LC.tif]
         [--method srda|bicubic|tsharp|dms] [--stages N] [--reference-factor F] [--no-residual-correction]
         [--residual-mode linear|radiance] [--backend wasm|cpu|webgpu] [--jobs N] [--full-detail] [--orientations 1|2|8] [--no-guide-registration] [--no-cog] --out DIR

Downscales the LST stage by stage (factor 2 each) onto the auxiliary grid and writes
DIR/lst_stage1.tif ... DIR/lst_stageN.tif (float32 K, nodata -9999, cloud-optimised GeoTIFFs
with internal overviews, for tile servers and windowed reads) and DIR/report.json; with
SRDA-Net also DIR/lst_stageN_sigma.tif (its predicted uncertainty, 1 standard deviation in K).
SRDA-Net keeps only the share of its detail over bicubic that the scene's own closed loop (the LST
block-averaged by 2 and downscaled back) supports: output = bicubic + alpha x (SRDA-Net - bicubic),
alpha in [0, 1] fitted there, then residual-corrected; the report gives alpha and the loop's RMSEs,
and closedLoopCheck.recommendedMethod by the app's rule: SRDA-Net when its loop RMSE is 1 % or more
below bicubic's, else bicubic; none on fewer than 64 loop pixels. With another method the same loop
scores it against bicubic (as batch does), and closedLoopCheck says whether it is worse than the
method recommended.

${INPUT_HELP}
  --method M            srda (default; falls back to bicubic with a notice when unavailable),
                        bicubic, tsharp (TsHARP, NDVI), dms (regression trees, all layers)
  --reference-factor F  block-average the LST by F (2, 4, 8) first and downscale it back: for inputs
                        already on one grid (resampled products such as Fayoum, Landsat cubes)
  --no-residual-correction   skip the energy-conserving correction after each stage
  --residual-mode M     linear (default: conserve mean K) or radiance (conserve mean T^4)
  --backend B           tfjs backend for srda (default: the fastest that works; wasm in Node)
  --weights PATH        SRDA-Net folder or model.json (default: models/srda-net/ of this install)
  --finetune N          SRDA-Net per-scene fine-tuning steps on the coarse closed loop (default 0)
  --jobs N              SRDA-Net inference workers running tiles in parallel (default: the number of
                        cores; the output is identical for any N; 1 with --finetune)
  --full-detail         SRDA-Net: keep all of its detail (no closed-loop weight); the report then
                        says whether the closed loop finds SRDA-Net 1 % or more better than bicubic
  --orientations N      SRDA-Net: 1 (default), 2 or 8 network passes per prediction, averaged: 1
                        is the input as it is (fastest); 2 adds it rotated 180 degrees and averages the
                        two predictions turned back (about 2x one pass's time); 8 runs all 8
                        orientations (mirrors, rotations, transposes; about 8x, slowest). Sigma: root
                        of the mean of sigma^2; the closed-loop
                        weight is fitted with the same passes
  --no-guide-registration  keep NDVI/red/NIR/SWIR/albedo where they are (default: move them onto
                        the LST's frame by the sub-pixel shift the data support; report.json
                        guideRegistration gives the shift found)
  --no-cog              plain tiled GeoTIFFs without overviews instead of cloud-optimised ones
  --out DIR             output folder (created)
  -q, --quiet           no progress on stderr`;

/** SRDA-Net's backend for report.json: the one it ran on and why faster ones were skipped. */
function backendReport(method: StageMethod, asked: BackendName | undefined): unknown {
  const b = (method as { backend?: SrdaBackendInfo }).backend;
  return b ? { backend: b.name, skipped: b.skipped } : (asked ?? 'auto');
}

/** `srda-lst downscale`: see HELP. */
export const downscaleCommand: Command = async (argv) => {
  const values = parseCli(argv, { ...INPUT_OPTIONS, method: { type: 'string' }, out: { type: 'string' }, 'reference-factor': { type: 'string' }, 'no-cog': { type: 'boolean' }, 'full-detail': { type: 'boolean' }, orientations: { type: 'string' }, 'no-guide-registration': { type: 'boolean' }, jobs: { type: 'string' } });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (typeof values.out !== 'string') throw new AppError('BAD_ARGUMENT', 'No output folder: pass --out DIR.');
  const backend = parseBackend(values.backend);
  const residualMode = parseResidualMode(values['residual-mode']);
  const options: PrepareOptions = { stages: intOption(values.stages, 'stages', 1), referenceFactor: intOption(values['reference-factor'], 'reference-factor', 1), registerGuides: values['no-guide-registration'] !== true, keepGuidesHint: KEEP_GUIDES_ON_CLI };
  const tile = intOption(values.tile, 'tile', 8);
  const finetuneSteps = intOption(values.finetune, 'finetune', 0);
  const modelPath = typeof values.weights === 'string' ? path.resolve(values.weights) : undefined;
  const jobs = intOption(values.jobs, 'jobs', 1) ?? defaultJobs();
  const orientations = parseOrientations(values.orientations);
  // The read workers start (their module) while the folder is opened and the inference workers start.
  prestartReadWorkers();
  // The folder is checked and locked before the run, so a bad --out fails in a second, not after it.
  const out = await openOutDir(values.out);
  // The inference workers start (tfjs, weights) while the inputs are read and prepared.
  const methodP = resolveMethod(values.method as string | undefined, { backend, finetuneSteps, modelPath, jobs, orientations });
  // Its failure is reported after the inputs' (awaited below); until then it must not count as unhandled.
  methodP.catch(() => undefined);
  const close = (): Promise<void> =>
    methodP.then(
      async ({ method }) => (method as { close?: () => Promise<void> }).close?.(),
      () => undefined,
    );
  let inputs: { loaded: InputsSummary; scene: Scene };
  try {
    inputs = await readScene(values, options);
  } catch (e) {
    // Do not wait for workers still loading the model: end them now.
    if (jobs > 1) await (await import('./srda-pool.ts')).terminateSrdaWorkers();
    await close();
    await out.release();
    throw e;
  }
  try {
    const { method, notice } = await methodP;
    return await downscaleWith(out, method, notice, values, inputs, { residualMode, tile, backend, orientations });
  } finally {
    await out.release();
    await close();
  }
};

/** Reads and prepares the scene, keeping of the inputs only what the report needs: the rasters as read go once the scene holds its own. */
async function readScene(values: Parameters<typeof loadInputs>[0], options: PrepareOptions): Promise<{ loaded: InputsSummary; scene: Scene }> {
  // The read workers stay from the reads through the preparation: the layers the guide registration
  // leaves in place are packed on one meanwhile (the rasters as read are not read again).
  const { loaded, scene } = await withReadWorkersHeld(async () => {
    const loaded = await loadInputs(values);
    return { loaded, scene: await prepareSceneAsync(loaded.inputs, { ...options, packer: packOnReadWorkers }) };
  });
  const summary = summariseInputs(loaded);
  // The files and rasters as read are garbage now: free them before the run's peak rather than after.
  collectGarbage();
  return { loaded: summary, scene };
}

/**
 * The closed-loop check of a run with a method other than SRDA-Net, built as batch builds it
 * (writtenOutputCheck: the method and bicubic in the scene's own loop). Undefined when the loop
 * cannot be run (a scene too small for it): the run goes on without a check, as SRDA-Net's does.
 */
async function otherMethodCheck(scene: Scene, method: StageMethod, lstName: string, options: { residualMode: 'linear' | 'radiance'; tileCoarsePx?: number }, onProgress: ReturnType<typeof stderrProgress>): Promise<LoopVerdict | undefined> {
  const methods = method.id === 'bicubic' ? [method] : [method, 'bicubic' as const];
  try {
    return (await writtenOutputCheck(scene, methods, lstName, method.id, options, { onProgress })).check;
  } catch (e) {
    if (isAppError(e) && e.code === 'CANCELLED') throw e;
    return undefined;
  }
}

const hasSigma = (s: StageResult | StreamedStageResult): boolean => (s.streamed ? s.hasSigma : !!s.sigma);

/** Inference workers by default: one per core the process may use. */
export function defaultJobs(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

async function downscaleWith(
  out: OutDir,
  method: StageMethod,
  notice: string | undefined,
  values: CliValues,
  { loaded, scene }: { loaded: InputsSummary; scene: Scene },
  o: { residualMode: 'linear' | 'radiance'; tile?: number; backend: BackendName | undefined; orientations: OrientationCount | undefined },
): Promise<number> {
  const { residualMode, tile, backend, orientations } = o;
  const progress = stderrProgress(values.quiet as boolean | undefined);
  if (notice && !values.quiet) process.stderr.write(`notice: ${terminalSafe(notice)}\n`);
  // A method that cannot run on this scene fails on its one line, before the scene's notes.
  requireAuxFor(method.id, scene);
  // What reading, assembling and preparing the scene did (masked shares, reprojection, resampling, guide registration): the app shows each too.
  if (!values.quiet) for (const n of sceneNotices([...loaded.warnings, ...scene.notes])) process.stderr.write(`notice: ${terminalSafe(n)}\n`);
  const lstName = loaded.names.lst ?? 'the LST file';
  // Do no harm: the scene's own closed loop decides how much of SRDA-Net's detail to keep.
  const weight = method.id === 'srda' && !values['full-detail'] ? await fitDetailWeight(scene, method, residualMode, { onProgress: progress }) : undefined;
  // Another method is judged before the run, as batch judges it (its loop against bicubic): the
  // guides can then go during the run as without a check.
  const otherCheck = method.id === 'srda' ? undefined : await otherMethodCheck(scene, method, lstName, { residualMode, tileCoarsePx: tile }, progress);
  const used = weight ? withDetailWeight(method, weight.alpha) : method;
  const cog = !values['no-cog'];
  // Each stage's GeoTIFFs are written as soon as it ends (stage 1's while stage 2 runs), the last
  // stage's band by band as its tiles complete (never whole in memory).
  const writer = stageWriter(out, method.id, { cog });
  // Without the closed-loop check below, nothing after the last stage's tiles runs SRDA-Net or reads
  // the guides: they go once the last tiles are cut, and a pool ends each inference worker as it
  // falls idle, so neither is held through the correction and the last stage's writes.
  const checksAfter = method.id === 'srda' && !weight;
  const retire = (method as { retire?: () => void }).retire?.bind(method);
  const result = await runDownscale(
    scene,
    { method: used, residualCorrection: !values['no-residual-correction'], residualMode, tileCoarsePx: tile, onStageDone: writer.onStageDone, lastStageSink: writer.lastStageSink, ...(checksAfter ? {} : { releaseAux: true, onAuxReleased: collectGarbage, onLastTilesAsked: retire }) },
    { onProgress: progress },
  ).catch(async (e: unknown) => {
    await writer.settle();
    throw e;
  });
  let check: SrdaOutputCheck | LoopVerdict | undefined = otherCheck;
  try {
    // The verdict on what this run writes (the output as weighted; with --full-detail, or a scene too
    // small to fit a weight, SRDA-Net alone against bicubic in the scene's own loop): batch's too.
    if (method.id === 'srda') check = await srdaOutputCheck(scene, method, lstName, weight, residualMode);
    // Nothing below runs SRDA-Net: end the inference workers (tfjs, wasm heaps) while the last stage is written.
    await (method as { close?: () => Promise<void> }).close?.();
  } catch (e) {
    await writer.settle();
    throw e;
  }
  const outDir = out.dir;
  const { lst: outputs, sigma: sigmaFiles } = await writer.done();
  if (check && !weight && !values.quiet) process.stderr.write(`${!check.recommendedMethod ? 'notice' : check.recommendedMethod !== method.id ? 'warning' : 'check'}: ${terminalSafe(check.message)}\n`);
  // What SRDA-Net (in this thread or in a pool worker) did to go on: out of memory, a failed backend.
  const runNotices = [...((method as { notices?: readonly string[] }).notices ?? [])];
  const orientedNotice = orientationsNotice(orientations, [method.id]);
  if (orientedNotice) runNotices.unshift(orientedNotice);
  if (!values.quiet) for (const n of runNotices) process.stderr.write(`notice: ${terminalSafe(n)}\n`);
  // With the weight, the verdict's message is the weight's own (srdaOutputCheck made it): printed, not made again.
  if (check && weight && !values.quiet) process.stderr.write(`check: ${terminalSafe(check.message)}\n`);
  const poolWorkers = (method as { workers?: number }).workers;
  const report = {
    tool: 'srda-lst downscale',
    createdAt: new Date().toISOString(),
    ...sceneReport(scene, loaded),
    method: method.id,
    methodLabel: used.label,
    ...(method.id === 'srda' ? { orientations: orientations ?? DEFAULT_ORIENTATIONS } : {}),
    ...(notice ? { methodNotice: notice } : {}),
    ...(runNotices.length ? { notices: runNotices } : {}),
    ...(typeof poolWorkers === 'number' ? { inferenceWorkers: poolWorkers } : {}),
    backend: method.id === 'srda' ? backendReport(method, backend) : 'none (classical method, plain TypeScript)',
    residualCorrection: result.residualCorrection,
    residualMode: result.residualMode,
    layout: cog ? 'cloud-optimised GeoTIFF' : 'tiled GeoTIFF',
    totalSeconds: result.totalSeconds,
    ...(check ? { closedLoopCheck: check } : {}),
    ...(check?.pixels !== undefined ? { closedLoopScored: sampledLoopScored(scene.lst.width, scene.lst.height, check.pixels) } : {}),
    stages: result.stages.map((s) => ({
      stage: s.stage,
      file: path.basename(outputs[s.stage - 1]),
      ...(hasSigma(s) ? { sigmaFile: `lst_stage${s.stage}_sigma.tif` } : {}),
      pixelSizeM: Number(scene.levels[s.stage].pixelSizeM.toFixed(2)),
      width: scene.levels[s.stage].grid.width,
      height: scene.levels[s.stage].grid.height,
      seconds: s.seconds,
      tiles: s.tiles,
      skippedTiles: s.skippedTiles,
      energyConservation: { maxAbsK: s.energy.maxAbsK, meanAbsK: s.energy.meanAbsK, blocks: s.energy.blocks },
      energyBeforeCorrection: { maxAbsK: s.energyBeforeCorrection.maxAbsK, meanAbsK: s.energyBeforeCorrection.meanAbsK },
      ...(s.fit ? { fit: s.fit } : {}),
    })),
  };
  await out.write('report.json', JSON.stringify(report, null, 2) + '\n');
  if (!values.quiet) {
    for (const s of report.stages) {
      process.stderr.write(`stage ${s.stage}: ${s.width}x${s.height} at ${s.pixelSizeM} m, ${s.seconds.toFixed(2)} s, energy max |err| ${s.energyConservation.maxAbsK.toExponential(2)} K -> ${s.file}\n`);
    }
  }
  process.stdout.write(JSON.stringify({ out: outDir, files: [...outputs, ...sigmaFiles].map((f) => path.basename(f)), method: method.id }) + '\n');
  return 0;
}
