/**
 * SRDA-Net's orientation ensemble (`runSrdaStage` with `orientations: 2` or `8`): the network run
 * on the input in each orientation of the set (core/raster/orient.ts `orientationSet`), the
 * predictions turned back and averaged.
 */
import { AppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import { DEFAULT_ORIENTATIONS, inverseOrientation, orientArray, orientationSet, orientedSize, orientWindow, ORIENTATION_COUNTS, ORIENTATION_COUNTS_TEXT, type OrientationCount } from '../core/raster/orient.ts';
import { f32Of } from '../core/scratch.ts';
import type { SrdaInferOptions, SrdaStageInput, SrdaStageOutput } from './infer.ts';
import type { FineAux } from './inputs.ts';
import type { SrdaModel } from './weights.ts';

/** One pass of the network over a stage (infer.ts's, handed in so that this module does not import it). */
export type OnePass = (model: SrdaModel, input: SrdaStageInput, options: SrdaInferOptions) => Promise<SrdaStageOutput>;

/**
 * BAD_ARGUMENT unless `n` is a number of orientations SRDA-Net can average over (1, 2 or 8);
 * returns it (absent: DEFAULT_ORIENTATIONS, the app's and the CLI's default too).
 */
export function checkOrientations(n: number | undefined): OrientationCount {
  if (n === undefined) return DEFAULT_ORIENTATIONS;
  const allowed: readonly number[] = ORIENTATION_COUNTS;
  if (allowed.includes(n)) return n as OrientationCount;
  throw new AppError('BAD_ARGUMENT', `SRDA-Net orientations must be ${ORIENTATION_COUNTS_TEXT}, not ${String(n)}.`);
}

/**
 * The self-ensemble over `options.orientations` (2 or 8 passes, orientationSet): per orientation
 * `k` the coarse LST, the fine guides and the core window oriented, one pass (`runSrdaOnce`, tiled as usual), its output
 * oriented back and summed into the result arrays (sigma as sigma^2), which then hold the mean and
 * the root of the mean of sigma^2. The identity's pass writes the result arrays; the others share
 * one oriented output and one oriented-back array (scratch roles when given), so memory is two
 * outputs beyond one pass's, whatever the number of orientations. Tiles are cut per orientation
 * with their halo, so tiled and untiled agree as for one pass.
 */
export async function runSrdaOriented(model: SrdaModel, input: SrdaStageInput, options: SrdaInferOptions, runSrdaOnce: OnePass): Promise<SrdaStageOutput> {
  const { width: w, height: h, scratch } = input;
  const set = orientationSet(checkOrientations(options.orientations));
  const n = 4 * w * h;
  const first = await runSrdaOnce(model, input, { ...options, onProgress: progressOf(options, 0, set.length) });
  const { lstK, sigmaK } = first;
  if (sigmaK) for (let i = 0; i < n; i++) sigmaK[i] *= sigmaK[i];
  const orientedLst = f32Of(scratch, 'orient.lst', w * h);
  const orientedAux: FineAux = {};
  const outLst = f32Of(scratch, 'orient.outLst', n);
  const outSigma = sigmaK ? f32Of(scratch, 'orient.outSigma', n) : undefined;
  const back = f32Of(scratch, 'orient.back', n);
  for (let j = 1; j < set.length; j++) {
    const k = set[j];
    throwIfAborted(options.signal);
    const o = orientedSize(w, h, k);
    for (const [name, a] of Object.entries(input.fineAux) as [keyof FineAux, Float32Array | undefined][]) {
      if (a) orientedAux[name] = orientArray(a, 2 * w, 2 * h, k, (orientedAux[name] ??= f32Of(scratch, `orient.aux.${name}`, n)));
    }
    const pass = await runSrdaOnce(
      model,
      {
        width: o.w,
        height: o.h,
        coarseLstK: orientArray(input.coarseLstK, w, h, k, orientedLst),
        fineAux: orientedAux,
        ...(input.core ? { core: orientWindow(input.core, w, h, k) } : {}),
        into: { lstK: outLst, ...(outSigma ? { sigmaK: outSigma } : {}) },
        scratch,
      },
      { ...options, onProgress: progressOf(options, j, set.length) },
    );
    const undo = inverseOrientation(k);
    orientArray(pass.lstK, 2 * o.w, 2 * o.h, undo, back);
    for (let i = 0; i < n; i++) lstK[i] += back[i];
    if (sigmaK && pass.sigmaK) {
      orientArray(pass.sigmaK, 2 * o.w, 2 * o.h, undo, back);
      for (let i = 0; i < n; i++) sigmaK[i] += back[i] * back[i];
    }
  }
  for (let i = 0; i < n; i++) lstK[i] /= set.length;
  if (sigmaK) for (let i = 0; i < n; i++) sigmaK[i] = Math.sqrt(sigmaK[i] / set.length);
  return first;
}

/** Progress of the `i`-th pass (0-based) as a share of all `count`. */
function progressOf(options: SrdaInferOptions, i: number, count: number): RunOptions['onProgress'] {
  const report = options.onProgress;
  return report && ((p) => report({ ...p, done: i * p.total + p.done, total: count * p.total, detail: `orientation ${i + 1}/${count}, ${p.detail ?? ''}` }));
}
