/**
 * SRDA-Net's orientation ensemble (`runSrdaStage` with `orientations: 8`): the network run on the
 * input in each of its eight orientations, the predictions turned back and averaged.
 */
import { AppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import { inverseOrientation, orientArray, orientedSize, orientWindow, ORIENTATIONS } from '../core/raster/orient.ts';
import { f32Of } from '../core/scratch.ts';
import type { SrdaInferOptions, SrdaStageInput, SrdaStageOutput } from './infer.ts';
import type { FineAux } from './inputs.ts';
import type { SrdaModel } from './weights.ts';

/** One pass of the network over a stage (infer.ts's, handed in so that this module does not import it). */
export type OnePass = (model: SrdaModel, input: SrdaStageInput, options: SrdaInferOptions) => Promise<SrdaStageOutput>;

/** BAD_ARGUMENT unless `n` is a number of orientations SRDA-Net can average over (1 or 8); returns it. */
export function checkOrientations(n: number | undefined): 1 | 8 {
  if (n === undefined || n === 1) return 1;
  if (n === ORIENTATIONS) return ORIENTATIONS;
  throw new AppError('BAD_ARGUMENT', `SRDA-Net orientations must be 1 or ${ORIENTATIONS}, not ${String(n)}.`);
}

/**
 * The self-ensemble over the eight orientations: per orientation `k` the coarse LST, the fine
 * guides and the core window oriented, one pass (`runSrdaOnce`, tiled as usual), its output
 * oriented back and summed into the result arrays (sigma as sigma^2), which then hold the mean and
 * the root of the mean of sigma^2. The identity's pass writes the result arrays; the others share
 * one oriented output and one oriented-back array (scratch roles when given), so memory is two
 * outputs beyond one pass's, whatever the number of orientations. Tiles are cut per orientation
 * with their halo, so tiled and untiled agree as for one pass.
 */
export async function runSrdaOriented(model: SrdaModel, input: SrdaStageInput, options: SrdaInferOptions, runSrdaOnce: OnePass): Promise<SrdaStageOutput> {
  const { width: w, height: h, scratch } = input;
  const n = 4 * w * h;
  const first = await runSrdaOnce(model, input, { ...options, onProgress: progressOf(options, 0) });
  const { lstK, sigmaK } = first;
  if (sigmaK) for (let i = 0; i < n; i++) sigmaK[i] *= sigmaK[i];
  const orientedLst = f32Of(scratch, 'orient.lst', w * h);
  const orientedAux: FineAux = {};
  const outLst = f32Of(scratch, 'orient.outLst', n);
  const outSigma = sigmaK ? f32Of(scratch, 'orient.outSigma', n) : undefined;
  const back = f32Of(scratch, 'orient.back', n);
  for (let k = 1; k < ORIENTATIONS; k++) {
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
      { ...options, onProgress: progressOf(options, k) },
    );
    const undo = inverseOrientation(k);
    orientArray(pass.lstK, 2 * o.w, 2 * o.h, undo, back);
    for (let i = 0; i < n; i++) lstK[i] += back[i];
    if (sigmaK && pass.sigmaK) {
      orientArray(pass.sigmaK, 2 * o.w, 2 * o.h, undo, back);
      for (let i = 0; i < n; i++) sigmaK[i] += back[i] * back[i];
    }
  }
  for (let i = 0; i < n; i++) lstK[i] /= ORIENTATIONS;
  if (sigmaK) for (let i = 0; i < n; i++) sigmaK[i] = Math.sqrt(sigmaK[i] / ORIENTATIONS);
  return first;
}

/** Progress of orientation `k`'s pass as a share of all eight. */
function progressOf(options: SrdaInferOptions, k: number): RunOptions['onProgress'] {
  const report = options.onProgress;
  return report && ((p) => report({ ...p, done: k * p.total + p.done, total: ORIENTATIONS * p.total, detail: `orientation ${k + 1}/${ORIENTATIONS}, ${p.detail ?? ''}` }));
}
