import { isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import type { ResidualMode } from '../core/raster/correct.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { MIN_LOOP_PIXELS } from '../core/loop-pixels.ts';
import { METHOD_NAMES, type FittedStage, type StageInput, type StageMethod, type StagePrediction } from './method.ts';
import type { Scene } from './scene.ts';
import { mixDetail, weightDetailCore } from './detail-mix.ts';
import { sampledLoop } from './loop-sample.ts';

export { droppedDetailVariance, weightedSigma } from './detail-mix.ts';
export { LOOP_MARGIN_PX, loopWindows, MAX_LOOP_PIXELS } from './loop-sample.ts';

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
 * scene is too small for a loop or it has fewer than MIN_LOOP_PIXELS valid pixels (then nothing
 * can be said, and the caller keeps SRDA-Net as is). Cancellation propagates.
 */
export async function fitDetailWeight(scene: Scene, srda: StageMethod, residualMode: ResidualMode = 'linear', run: RunOptions = {}): Promise<DetailWeight | undefined> {
  const onLoop = sampledLoop(scene, residualMode);
  if (!onLoop) return undefined;
  const { loop, reference } = onLoop;
  const inner = (what: string): RunOptions => ({
    signal: run.signal,
    onProgress: run.onProgress && ((p) => run.onProgress!({ ...p, stage: `detail weight: ${what}, ${p.stage}` })),
  });
  const final = (m: StageMethod, what: string) => onLoop.final(m, inner(what));
  // Bicubic on this thread while SRDA-Net's windows run (on a pool's workers, or interleaved here).
  const [s, b] = await Promise.all([final(srda, METHOD_NAMES.srda), final(bicubicMethod, METHOD_NAMES.bicubic)]);
  const fit = fitDetailAlpha(reference, s, b);
  if (fit.n < MIN_LOOP_PIXELS) return undefined;
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

/**
 * SRDA-Net with `alpha` of its detail over bicubic: each stage predicts bicubic + alpha x (SRDA-Net
 * - bicubic) before the runner's residual correction (linear, so block means still equal the
 * input), with the uncertainty of that mix (`weightedSigma`); the variance of the detail it drops
 * goes to the runner as `carriedVarK2`, which adds it to later stages' sigma. Everything else of
 * `srda` (backend, notices, fine-tuning report, pool concurrency) reads through to it.
 */
export function withDetailWeight<M extends StageMethod>(srda: M, alpha: number): M {
  const bic = bicubicMethod;
  const a = Math.min(1, Math.max(0, alpha));
  const both = async (run: (m: StageMethod) => Promise<Float32Array>) => {
    const [s, b] = await Promise.all([run(srda), run(bic)]);
    return mixDetail(b, s, a);
  };
  // Over the tile's core only, bicubic included (what the pipeline keeps of a tile).
  const withSigma = async (input: StageInput, srdaPred: Promise<StagePrediction>): Promise<StagePrediction> => weightDetailCore(await srdaPred, input, a);
  // Reads through to the SRDA-Net method (its getters: backend, weights, finetune, notices).
  const out = Object.create(srda) as M & { -readonly [K in keyof StageMethod]: StageMethod[K] };
  Object.assign(out, {
    label: `${srda.label}, ${Math.round(100 * a)} % of its detail (closed-loop weight)`,
    haloCoarsePx: Math.max(srda.haloCoarsePx, bic.haloCoarsePx),
    runStage: (input: StageInput, opts?: RunOptions) => both((m) => m.runStage(input, opts)),
    // The weighted method's own output is not to be weighted again through the pool's.
    runStageWeighted: undefined,
  });
  if (srda.runStageWeighted) {
    // A pool mixes in its workers: the same functions on the same values, off this thread.
    const weighted = srda.runStageWeighted.bind(srda);
    out.runStageWithSigma = (input, opts) => weighted(input, a, opts);
  } else if (srda.runStageWithSigma) out.runStageWithSigma = (input, opts) => withSigma(input, srda.runStageWithSigma!(input, opts));
  if (srda.fit) {
    out.fit = async (input: StageInput, opts?: RunOptions): Promise<FittedStage> => {
      const f = await srda.fit!(input, opts);
      return {
        haloCoarsePx: Math.max(f.haloCoarsePx, bic.haloCoarsePx),
        predictTile: async (i, o) => mixDetail(await bic.runStage(i, o), await f.predictTile(i, o), a),
        ...(f.predictTileWithSigma ? { predictTileWithSigma: (i: StageInput, o?: RunOptions) => withSigma(i, f.predictTileWithSigma!(i, o)) } : {}),
        summary: { ...f.summary, detailWeight: a },
      };
    };
  }
  return out;
}

/**
 * Least-squares weights in [0, 1] of `bicubic + sum_k w_k (terms_k - bicubic)` against `reference`
 * (box-constrained, by coordinate descent on the normal equations), over pixels finite in all
 * fields, with the RMSE of the mix there.
 */
export function fitDetailMix(reference: Float32Array, bicubic: Float32Array, terms: readonly Float32Array[]): { weights: number[]; n: number; rmseK: number; bicubicRmseK: number } {
  const k = terms.length;
  const g = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const c = new Array<number>(k).fill(0);
  let sb = 0;
  let n = 0;
  const d = new Array<number>(k);
  for (let i = 0; i < reference.length; i++) {
    const t = reference[i];
    const b = bicubic[i];
    if (!Number.isFinite(t) || !Number.isFinite(b) || terms.some((m) => !Number.isFinite(m[i]))) continue;
    for (let a = 0; a < k; a++) d[a] = terms[a][i] - b;
    for (let a = 0; a < k; a++) {
      c[a] += d[a] * (t - b);
      for (let e = a; e < k; e++) g[a][e] += d[a] * d[e];
    }
    sb += (b - t) ** 2;
    n++;
  }
  for (let a = 0; a < k; a++) for (let e = 0; e < a; e++) g[a][e] = g[e][a];
  const w = new Array<number>(k).fill(0);
  for (let it = 0; it < 500; it++) {
    let moved = 0;
    for (let a = 0; a < k; a++) {
      if (!(g[a][a] > 0)) continue;
      let r = c[a];
      for (let e = 0; e < k; e++) if (e !== a) r -= g[a][e] * w[e];
      const next = Math.min(1, Math.max(0, r / g[a][a]));
      moved = Math.max(moved, Math.abs(next - w[a]));
      w[a] = next;
    }
    if (moved < 1e-9) break;
  }
  // |b - t + sum w d|^2 = |b - t|^2 - 2 w.c + w' G w
  let sse = sb;
  for (let a = 0; a < k; a++) {
    sse -= 2 * w[a] * c[a];
    for (let e = 0; e < k; e++) sse += w[a] * g[a][e] * w[e];
  }
  const rmse = (x: number) => (n > 0 ? Math.sqrt(Math.max(0, x) / n) : Number.NaN);
  return { weights: w, n, rmseK: rmse(sse), bicubicRmseK: rmse(sb) };
}

/**
 * Fits `fitDetailMix` weights of `terms` (e.g. SRDA-Net and DMS) on the scene's own one-stage
 * closed loop, like `fitDetailWeight`. Undefined when the scene is too small.
 */
export async function fitDetailMixOnLoop(scene: Scene, terms: readonly StageMethod[], residualMode: ResidualMode = 'linear', run: RunOptions = {}): Promise<{ weights: number[]; rmseK: number; bicubicRmseK: number } | undefined> {
  const onLoop = sampledLoop(scene, residualMode);
  if (!onLoop) return undefined;
  const final = (m: StageMethod) => onLoop.final(m, { signal: run.signal });
  // A term that cannot run on the loop (DMS on too few pixels) gets weight 0.
  const outs: Float32Array[] = [];
  const ran: number[] = [];
  for (let k = 0; k < terms.length; k++) {
    try {
      outs.push(await final(terms[k]));
      ran.push(k);
    } catch (e) {
      if (isAppError(e) && e.code === 'CANCELLED') throw e;
    }
  }
  const fit = fitDetailMix(onLoop.reference, await final(bicubicMethod), outs);
  if (fit.n < MIN_LOOP_PIXELS) return undefined;
  const weights = terms.map(() => 0);
  ran.forEach((k, i) => (weights[k] = fit.weights[i]));
  return { weights, rmseK: fit.rmseK, bicubicRmseK: fit.bicubicRmseK };
}

/**
 * A global stage method predicting bicubic + sum_k weights_k (terms_k - bicubic) each stage
 * (global methods such as DMS are fitted on the whole stage first), before residual correction.
 * No sigma. Used by `npm run eval:accuracy` as an experiment; the CLI and the app do not run it.
 */
export function withDetailMix(terms: readonly StageMethod[], weights: readonly number[], label: string): StageMethod {
  const bic = bicubicMethod;
  const predictorOf = async (m: StageMethod, input: StageInput, run?: RunOptions): Promise<Pick<FittedStage, 'haloCoarsePx' | 'predictTile'>> =>
    m.fit ? m.fit(input, run) : { haloCoarsePx: m.haloCoarsePx, predictTile: (i, o) => m.runStage(i, o) };
  const fit = async (input: StageInput, run?: RunOptions): Promise<FittedStage> => {
    const fitted: Pick<FittedStage, 'haloCoarsePx' | 'predictTile'>[] = [];
    // Terms with weight 0 are not run (nor fitted).
    for (let k = 0; k < terms.length; k++) fitted.push(weights[k] > 0 ? await predictorOf(terms[k], input, run) : { haloCoarsePx: 0, predictTile: () => Promise.resolve(new Float32Array(0)) });
    return {
      haloCoarsePx: Math.max(bic.haloCoarsePx, ...fitted.map((f) => f.haloCoarsePx)),
      predictTile: async (i, o) => {
        const b = await bic.runStage(i, o);
        const out = Float32Array.from(b);
        for (let k = 0; k < fitted.length; k++) {
          if (weights[k] === 0) continue;
          const p = await fitted[k].predictTile(i, o);
          for (let j = 0; j < out.length; j++) out[j] += weights[k] * (p[j] - b[j]);
        }
        return out;
      },
      summary: { detailWeights: [...weights] },
    };
  };
  return {
    id: 'srda',
    label,
    usesAux: [...new Set(terms.flatMap((m) => m.usesAux))],
    haloCoarsePx: Infinity,
    fit,
    runStage: async (input, run) => (await fit(input, run)).predictTile(input, run),
  };
}
