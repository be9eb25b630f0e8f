import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { DEFAULT_ORIENTATIONS } from '../core/raster/orient.ts';
import { runDownscale } from '../pipeline/downscale.ts';
import { closedLoopScene, evaluateClosedLoop, type ClosedLoopResult } from '../pipeline/evaluate.ts';
import { closedLoopScored, evaluateSampledLoop, loopWindows } from '../pipeline/loop-sample.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { loadMethod, METHOD_IDS } from '../pipeline/methods.ts';
import type { CliMethodOptions } from './srda-weights.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { closedLoopVerdict } from '../pipeline/do-no-harm.ts';
import type { Scores } from '../pipeline/evaluate.ts';
import {
  INPUT_HELP,
  INPUT_OPTIONS,
  intOption,
  loadInputs,
  orientationsNotice,
  summariseInputs,
  parseBackend,
  parseCli,
  parseOrientations,
  parseResidualMode,
  resolveMethod,
  sceneReport,
  stderrProgress,
} from './inputs.ts';
import { loadDataset } from './load.ts';
import { truthSection } from './evaluate-truth.ts';
import type { Command } from './main.ts';
import { terminalSafe } from './terminal.ts';
import { sceneNotices } from './scene-notices.ts';
import { detailShareWords, type DetailShareFit } from '../core/detail-share.ts';
import { fitDetailWeight, withDetailWeight, type DetailWeight } from '../pipeline/detail-weight.ts';

const HELP = `Usage: srda-lst evaluate (inputs as for downscale) [--truth TRUTH.tif] [--methods a,b,c]
         [--stages N] [--reference-factor F] [--residual-mode linear|radiance] [--orientations 1|2|8]
         [--full-detail] [--whole-scene] [--json]

Closed loop (the paper's simulation experiment): the input LST (optionally block-averaged by F
first) is the reference; it is block-averaged by 2^N, downscaled back with each method using the
auxiliary layers at the matching resolutions, and scored against the reference (RMSE, MAE, bias,
R2, Pearson r, SSIM), with and without residual correction. With --truth, each method's real
downscaled output of every stage is also scored against TRUTH.tif, as the app and batch score it.
The method to use (JSON closedLoopCheck.recommendedMethod; the line under the table) is the app's:
the lowest corrected RMSE if 1 % or more below bicubic's, else bicubic; none under 64 loop pixels.
On an LST of more than 524,288 px the one-stage loop is scored, as the app, downscale and batch
score it, on up to 9 windows spread over the scene (the sample the detail weight is fitted on), so the
numbers are theirs; --whole-scene scores every pixel instead (slower), as do --stages 2 or more and
--reference-factor 2 or more. What was scored is named above the table and in JSON closedLoop.scored.
SRDA-Net is scored as the app shows it and downscale writes it: keeping the share of its detail over
bicubic fitted on the scene's own one-stage loop (the app's windows; JSON detailWeight), so on that
loop its score is optimistic; with --stages 2+ or --reference-factor 2+ the share is fitted as the app
and downscale fit it for a run from the loop's coarse input: on that input's own one-stage loop;
--full-detail scores SRDA-Net alone, as downscale --full-detail writes it.

${INPUT_HELP.replace(/--stages N .*\n/, '')}
  --stages N            closed-loop stages: 1 (reference/2 -> reference, default) or more
  --reference-factor F  block-average the LST by F first (e.g. 2 turns 30 m Landsat into a 60 m reference)
  --methods a,b,c       methods to compare (default: all available of ${METHOD_IDS.join(',')})
  --truth FILE          independent fine-scale LST to score the real downscaled outputs of every
                        stage against, a row per method and stage (RMSE, also without the mean
                        difference, SSIM, and the detail: each output pixel minus its input pixel's
                        mean against the truth's same; the app does this with an LST of the same date
                        with finer pixels dropped beside the one downscaled). An output as coarse as
                        the truth or coarser is scored on its own grid, the truth put on it; an output
                        finer than the truth at the truth's resolution: block-averaged onto its grid
                        ("30 m at 60 m"), where its pixel is a whole number of the output's on the
                        output's blocks (else not scored, and a notice says why). JSON truth.rows has
                        every row (repeatsStage: the stage whose scores a block-averaged row repeats),
                        truth.methods the last stage's, truth.scoredAt the sentence under the table
  --weights FILE  --backend B  --finetune N   SRDA-Net options, as for downscale
  --orientations N      SRDA-Net: 1 (default), 2 or 8 network passes per prediction, averaged: 1
                        is the input as it is (fastest); 2 adds it rotated 180 degrees and averages the
                        two predictions turned back (about 2x one pass's time); 8 runs all 8
                        orientations (mirrors, rotations, transposes; about 8x, slowest). Sigma: root
                        of the mean of sigma^2, as downscale
                        does
  --full-detail         SRDA-Net: score it alone, keeping all of its detail (no closed-loop weight)
  --whole-scene         score the loop on every pixel of a large scene, not on the app's windows
  --json                print one JSON document on stdout (default: a table)
  -q, --quiet           no progress on stderr`;

function fmt(v: number, d = 3): string {
  return Number.isFinite(v) ? v.toFixed(d) : 'NaN';
}

function round(s: Scores): Record<string, number> {
  const r = (v: number, d: number): number => Number(v.toFixed(d));
  return { rmseK: r(s.rmseK, 4), maeK: r(s.maeK, 4), biasK: r(s.biasK, 4), r2: r(s.r2, 4), r: r(s.r, 4), ssim: r(s.ssim, 4), n: s.n };
}

/**
 * One line per method, under what was scored: the closed-loop table printed without --json; then,
 * per method with one, `notes`' line on what its score is (SRDA-Net's detail weight).
 */
export function closedLoopTable(res: ClosedLoopResult, notes: Readonly<Record<string, string>> = {}): string {
  const head = `closed loop ${res.coarsePixelM.toFixed(0)} m -> ${res.referencePixelM.toFixed(0)} m (${res.stages} stage(s)) scored on ${closedLoopScored(res).text}, RMSE/MAE/bias/R2/r/SSIM in K`;
  const rows = res.methods.map(
    (m) =>
      `${m.method.padEnd(8)} corrected: ${fmt(m.corrected.rmseK)} ${fmt(m.corrected.maeK)} ${fmt(m.corrected.biasK)} ${fmt(m.corrected.r2)} ${fmt(m.corrected.r)} ${fmt(m.corrected.ssim)}` +
      `   raw: ${fmt(m.uncorrected.rmseK)} ${fmt(m.uncorrected.ssim)}   ${m.seconds.toFixed(2)} s`,
  );
  const under = res.methods.filter((m) => notes[m.method]).map((m) => `${m.method.padEnd(8)} ${notes[m.method]}`);
  return [head, ...rows, ...under].join('\n');
}

async function resolveMethods(list: string | undefined, notices: string[], load: CliMethodOptions): Promise<StageMethod[]> {
  if (list !== undefined) {
    const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) throw new AppError('BAD_ARGUMENT', '--methods is empty: give e.g. bicubic,tsharp,dms.');
    const out: StageMethod[] = [];
    for (const id of ids) out.push((await resolveMethod(id, load)).method);
    return out;
  }
  const out: StageMethod[] = [];
  const def = await resolveMethod(undefined, load);
  if (def.method.id === 'srda') out.push(def.method);
  else if (def.notice) notices.push(def.notice.replace(/; using .*/, '; not evaluated.'));
  for (const id of ['bicubic', 'tsharp', 'dms']) out.push(await loadMethod(id));
  return out;
}

/** `srda-lst evaluate`: see HELP. */
export const evaluateCommand: Command = async (argv) => {
  const values = parseCli(argv, {
    ...INPUT_OPTIONS,
    truth: { type: 'string' },
    methods: { type: 'string' },
    json: { type: 'boolean' },
    'reference-factor': { type: 'string' },
    orientations: { type: 'string' },
    'whole-scene': { type: 'boolean' },
    'full-detail': { type: 'boolean' },
  });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const notices: string[] = [];
  const stages = intOption(values.stages, 'stages', 1) ?? 1;
  const referenceFactor = intOption(values['reference-factor'], 'reference-factor', 1) ?? 1;
  const residualMode = parseResidualMode(values['residual-mode']);
  const tile = intOption(values.tile, 'tile', 8);
  const orientations = parseOrientations(values.orientations);
  const load: CliMethodOptions = {
    backend: parseBackend(values.backend),
    finetuneSteps: intOption(values.finetune, 'finetune', 0),
    modelPath: typeof values.weights === 'string' ? path.resolve(values.weights) : undefined,
    orientations,
  };
  let methods = await resolveMethods(values.methods as string | undefined, notices, load);
  const loaded = await loadInputs(values);
  const scene = prepareScene(loaded.inputs, { allowZeroStages: true });
  if (!scene.levels[0].aux.ndvi) {
    const before = methods.length;
    methods = methods.filter((m) => m.id !== 'tsharp');
    if (methods.length < before) notices.push('tsharp skipped: it needs NDVI (give --ndvi or --red and --nir).');
  }
  const hasSrda = methods.some((m) => m.id === 'srda');
  const orientedNotice = orientationsNotice(orientations, methods.map((m) => m.id));
  if (orientedNotice) notices.push(orientedNotice);
  // What reading, assembling and preparing the scene did, as downscale prints it (the app shows each too).
  if (!values.quiet) for (const n of sceneNotices([...loaded.warnings, ...scene.notes])) process.stderr.write(`notice: ${terminalSafe(n)}\n`);
  const progress = stderrProgress(values.quiet as boolean | undefined);
  // The app's, downscale's and batch's one-stage loop (on windows of a large scene) unless asked otherwise.
  const asApp = !values['whole-scene'] && stages === 1 && referenceFactor === 1;
  // SRDA-Net as the app shows it and downscale writes it: with the share of its detail its own loop supports.
  // A loop of 2+ stages or a block-averaged reference stands for a run from the loop's coarse input:
  // the app and downscale fit that run's weight on the input's own one-stage loop, so evaluate does too
  // (before, it fitted the scene's, one octave finer than the run it scored could know).
  const fittedOn: DetailShareFit = asApp ? 'this' : stages > 1 || referenceFactor > 1 ? 'loop-input' : 'scene';
  const weightScene = fittedOn === 'loop-input' ? closedLoopScene(scene, stages, referenceFactor).loop : scene;
  const srda = methods.find((m) => m.id === 'srda');
  const weight: DetailWeight | undefined = srda && !values['full-detail'] ? await fitDetailWeight(weightScene, srda, residualMode, { onProgress: progress }) : undefined;
  if (srda && weight) methods = methods.map((m) => (m === srda ? withDetailWeight(srda, weight.alpha) : m));
  // Fitted on the app's loop or on the loop input's: on another loop than its fit its score is not optimistic in the same way.
  const weightNote = weight && detailShareWords(weight.alpha, fittedOn);
  const loop = asApp
    ? await evaluateSampledLoop(scene, methods, { residualMode, tileCoarsePx: tile }, { onProgress: progress })
    : await evaluateClosedLoop(scene, methods, { stages, referenceFactor, residualMode, tileCoarsePx: tile }, { onProgress: progress });
  const scored = closedLoopScored(loop);
  const appWindows = loopWindows(scene.lst.width, scene.lst.height).length;
  if (!asApp && appWindows > 1)
    notices.push(`Scored on ${scored.text}; the app, downscale and batch score this scene's one-stage loop on ${appWindows} windows of it, so their numbers differ (evaluate without --whole-scene, --stages and --reference-factor gives theirs).`);

  let truth: Record<string, unknown> | undefined;
  let truthLines: string[] = [];
  if (typeof values.truth === 'string') {
    if (scene.stages < 1) throw new AppError('BAD_ARGUMENT', '--truth needs an LST coarser than the auxiliary layers (something to downscale).');
    const t = await loadDataset(values.truth);
    const band = t.bands.find((b) => b.role === 'lst') ?? t.bands[0];
    const runs = [];
    for (const m of methods) {
      const r = await runDownscale(scene, { method: m, residualMode, tileCoarsePx: tile }, { onProgress: progress });
      runs.push({ method: m.id, stages: r.stages.map((st) => ({ stage: st.stage, lst: st.lst })) });
    }
    const section = truthSection(values.truth, { name: band.name, raster: band.raster }, scene, runs);
    truth = section.json;
    truthLines = section.lines;
    notices.push(...section.notices);
  }

  // Which method to use here, by the rule the app's trust panel and downscale read (core/recommend.ts).
  const check = closedLoopVerdict(loaded.inputs.names?.lst ?? 'the LST file', loop);
  const doc = {
    tool: 'srda-lst evaluate',
    scene: sceneReport(scene, summariseInputs(loaded)),
    ...(hasSrda ? { orientations: orientations ?? DEFAULT_ORIENTATIONS } : {}),
    closedLoop: {
      stages: loop.stages,
      referenceFactor,
      coarsePixelM: Number(loop.coarsePixelM.toFixed(2)),
      referencePixelM: Number(loop.referencePixelM.toFixed(2)),
      referenceSize: [loop.referenceGrid.width, loop.referenceGrid.height],
      scored,
      residualMode,
      methods: loop.methods.map((m) => ({
        method: m.method,
        label: m.label,
        ...(m.method === 'srda' && weight && weightNote ? { detailWeight: weight.alpha, detailWeightNote: weightNote } : {}),
        corrected: round(m.corrected),
        uncorrected: round(m.uncorrected),
        energyMaxAbsK: m.energyMaxAbsK,
        seconds: Number(m.seconds.toFixed(3)),
      })),
    },
    ...(check ? { closedLoopCheck: check } : {}),
    ...(truth ? { truth } : {}),
    notices,
  };
  if (values.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  else {
    process.stdout.write(closedLoopTable(loop, weightNote ? { srda: weightNote } : {}) + '\n');
    if (check) process.stdout.write(`${terminalSafe(check.message)}\n`);
    for (const l of truthLines) process.stdout.write(`${l}\n`);
    for (const n of notices) process.stdout.write(`notice: ${terminalSafe(n)}\n`);
  }
  return 0;
};
