import { isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import type { ResidualMode } from '../core/raster/correct.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { runDownscale } from './downscale.ts';
import { closedLoopScene } from './evaluate.ts';
import type { FittedStage, StageInput, StageMethod, StagePrediction } from './method.ts';
import type { Scene } from './scene.ts';

/**
 * How much of SRDA-Net's detail over bicubic a scene supports, fitted on the scene's own closed
 * loop (its LST block-averaged by 2 and downscaled back, both residual-corrected):
 * output = bicubic + alpha x (SRDA-Net - bicubic), alpha in [0, 1] by least squares.
 */
export interface DetailWeight {
  /** Share of SRDA-Net's detail kept, 0 (= bicubic) .. 1 (= SRDA-Net as is). */
  alpha: number;
  /** Closed-loop RMSE (K) of SRDA-Net alone, of bicubic, and of the weighted mix (in-sample: alpha was fitted there). */
  srdaRmseK: number;
  bicubicRmseK: number;
  blendedRmseK: number;
  /** Loop scale, metres: coarse -> reference. */
  coarsePixelM: number;
  referencePixelM: number;
  /** Reference pixels the fit used. */
  pixels: number;
}

/** Fewest closed-loop pixels a weight is fitted on; smaller scenes keep SRDA-Net as is. */
export const MIN_DETAIL_PIXELS = 64;

/**
 * Least-squares alpha in [0, 1] of `bicubic + alpha (srda - bicubic)` against `reference`, over
 * pixels finite in all three, with the RMSE of each field there. alpha = 0 when SRDA-Net adds no
 * detail anywhere.
 */
export function fitDetailAlpha(
  reference: Float32Array,
  srda: Float32Array,
  bicubic: Float32Array,
): { alpha: number; n: number; srdaRmseK: number; bicubicRmseK: number; blendedRmseK: number } {
  let num = 0;
  let den = 0;
  let n = 0;
  let sb = 0;
  let ss = 0;
  let sbs = 0;
  for (let i = 0; i < reference.length; i++) {
    const t = reference[i];
    const s = srda[i];
    const b = bicubic[i];
    if (!Number.isFinite(t) || !Number.isFinite(s) || !Number.isFinite(b)) continue;
    const d = s - b;
    num += d * (t - b);
    den += d * d;
    sb += (b - t) ** 2;
    ss += (s - t) ** 2;
    n++;
  }
  const alpha = den > 0 ? Math.min(1, Math.max(0, num / den)) : 0;
  // |b + a d - t|^2 = |b - t|^2 + 2 a <d, b - t> + a^2 |d|^2
  sbs = sb - 2 * alpha * num + alpha * alpha * den;
  const rmse = (x: number) => (n > 0 ? Math.sqrt(Math.max(0, x) / n) : Number.NaN);
  return { alpha, n, srdaRmseK: rmse(ss), bicubicRmseK: rmse(sb), blendedRmseK: rmse(sbs) };
}

/**
 * Fits the detail weight of `srda` on the scene's own one-stage closed loop. Undefined when the
 * scene is too small for a loop or it has fewer than MIN_DETAIL_PIXELS valid pixels (then nothing
 * can be said, and the caller keeps SRDA-Net as is). Cancellation propagates.
 */
export async function fitDetailWeight(scene: Scene, srda: StageMethod, residualMode: ResidualMode = 'linear', run: RunOptions = {}): Promise<DetailWeight | undefined> {
  let built: ReturnType<typeof closedLoopScene>;
  try {
    built = closedLoopScene(scene, 1);
  } catch (e) {
    if (isAppError(e) && e.code === 'TOO_LARGE') return undefined;
    throw e;
  }
  const { loop, reference } = built;
  const inner = (what: string): RunOptions => ({
    signal: run.signal,
    onProgress: run.onProgress && ((p) => run.onProgress!({ ...p, stage: `detail weight, ${what}: ${p.stage}` })),
  });
  const final = async (m: StageMethod, what: string) => {
    const r = await runDownscale(loop, { method: m, residualCorrection: true, residualMode }, inner(what));
    return r.stages[r.stages.length - 1].lst.data;
  };
  const s = await final(srda, 'SRDA-Net');
  const b = await final(bicubicMethod, 'bicubic');
  const fit = fitDetailAlpha(reference.data, s, b);
  if (fit.n < MIN_DETAIL_PIXELS) return undefined;
  return {
    alpha: fit.alpha,
    srdaRmseK: fit.srdaRmseK,
    bicubicRmseK: fit.bicubicRmseK,
    blendedRmseK: fit.blendedRmseK,
    coarsePixelM: loop.levels[0].pixelSizeM,
    referencePixelM: loop.levels[1].pixelSizeM,
    pixels: fit.n,
  };
}

function mix(bicubic: Float32Array, srda: Float32Array, alpha: number): Float32Array {
  const out = new Float32Array(srda.length);
  for (let i = 0; i < out.length; i++) out[i] = bicubic[i] + alpha * (srda[i] - bicubic[i]);
  return out;
}

/**
 * SRDA-Net with `alpha` of its detail over bicubic: each stage predicts bicubic + alpha x (SRDA-Net
 * - bicubic) before the runner's residual correction (linear, so block means still equal the
 * input). The predicted sigma is SRDA-Net's. Everything else of `srda` (backend, notices,
 * fine-tuning report, pool concurrency) reads through to it.
 */
export function withDetailWeight<M extends StageMethod>(srda: M, alpha: number): M {
  const bic = bicubicMethod;
  const a = Math.min(1, Math.max(0, alpha));
  const both = async (run: (m: StageMethod) => Promise<Float32Array>) => {
    const [s, b] = await Promise.all([run(srda), run(bic)]);
    return mix(b, s, a);
  };
  const withSigma = async (input: StageInput, srdaPred: Promise<StagePrediction>, opts?: RunOptions): Promise<StagePrediction> => {
    const [p, b] = await Promise.all([srdaPred, bic.runStage(input, opts)]);
    return { lstK: mix(b, p.lstK, a), sigmaK: p.sigmaK };
  };
  // Reads through to the SRDA-Net method (its getters: backend, weights, finetune, notices).
  const out = Object.create(srda) as M & { -readonly [K in keyof StageMethod]: StageMethod[K] };
  Object.assign(out, {
    label: `${srda.label}, ${Math.round(100 * a)} % of its detail (closed-loop weight)`,
    haloCoarsePx: Math.max(srda.haloCoarsePx, bic.haloCoarsePx),
    runStage: (input: StageInput, opts?: RunOptions) => both((m) => m.runStage(input, opts)),
  });
  if (srda.runStageWithSigma) out.runStageWithSigma = (input, opts) => withSigma(input, srda.runStageWithSigma!(input, opts), opts);
  if (srda.fit) {
    out.fit = async (input: StageInput, opts?: RunOptions): Promise<FittedStage> => {
      const f = await srda.fit!(input, opts);
      return {
        haloCoarsePx: Math.max(f.haloCoarsePx, bic.haloCoarsePx),
        predictTile: async (i, o) => mix(await bic.runStage(i, o), await f.predictTile(i, o), a),
        ...(f.predictTileWithSigma ? { predictTileWithSigma: (i: StageInput, o?: RunOptions) => withSigma(i, f.predictTileWithSigma!(i, o), o) } : {}),
        summary: { ...f.summary, detailWeight: a },
      };
    };
  }
  return out;
}
