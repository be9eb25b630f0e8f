import { isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import type { ResidualMode } from '../core/raster/correct.ts';
import type { ClosedLoopResult } from './evaluate.ts';
import { evaluateSampledLoop } from './loop-sample.ts';
import type { MethodId, StageMethod } from './method.ts';
import type { Scene } from './scene.ts';
import type { DetailWeight } from './detail-weight.ts';
import { MIN_LOOP_PIXELS } from '../core/loop-pixels.ts';
import { RECOMMEND_MARGIN, recommendMethod, type LoopScore } from '../core/recommend.ts';
import { methodName } from '../core/method-names.ts';

/** SRDA-Net against bicubic + residual correction in the scene's own closed loop. */
export interface HarmCheck {
  srdaRmseK: number;
  bicubicRmseK: number;
  /** Loop scale, metres: coarse -> reference. */
  coarsePixelM: number;
  referencePixelM: number;
  /** True when SRDA-Net's closed-loop RMSE is higher than bicubic's. */
  srdaWorse: boolean;
  /** Valid pixels both scores rest on. */
  pixels: number;
  /** The method to use here by the one rule (core/recommend.ts: SRDA-Net only when 1 % or more below bicubic); absent when the loop has fewer than MIN_LOOP_PIXELS valid pixels (nothing can be said). */
  recommendedMethod?: 'srda' | 'bicubic';
  /** Plain-words verdict for the user (names the LST file). */
  message: string;
}

/**
 * The verdict of a closed loop that scored SRDA-Net and bicubic (both residual-corrected) on
 * `pixels` valid pixels, by the rule the app's trust panel reads (core/recommend.ts): SRDA-Net is
 * recommended when it is 1 % or more below bicubic, else bicubic (also when SRDA-Net is better by
 * less, which the message says), neither below MIN_LOOP_PIXELS (it says why instead). `lstName` is
 * the LST file.
 */
export function harmVerdict(lstName: string, srdaRmseK: number, bicubicRmseK: number, coarsePixelM: number, referencePixelM: number, pixels: number): HarmCheck {
  const srdaWorse = srdaRmseK > bicubicRmseK;
  const { recommendedMethod } = recommendMethod([
    { method: 'srda', rmseK: srdaRmseK, pixels },
    { method: 'bicubic', rmseK: bicubicRmseK, pixels },
  ]) ?? {};
  const scale = `${Math.round(coarsePixelM)} m -> ${Math.round(referencePixelM)} m`;
  const rmse = `RMSE ${srdaRmseK.toFixed(3)} K vs ${bicubicRmseK.toFixed(3)} K`;
  if (!recommendedMethod)
    return {
      srdaRmseK,
      bicubicRmseK,
      coarsePixelM,
      referencePixelM,
      srdaWorse,
      pixels,
      message: `On ${lstName}, no method is recommended: this scene's own closed loop (${scale}) has ${pixels} valid ${pixels === 1 ? 'pixel' : 'pixels'}, fewer than ${MIN_LOOP_PIXELS}, too few to tell SRDA-Net from bicubic (${rmse} there).`,
    };
  // A share of bicubic's error means nothing when bicubic fits the loop exactly (a handful of valid pixels).
  const share = (word: string) => (bicubicRmseK > 0 ? `, ${((Math.abs(srdaRmseK - bicubicRmseK) / bicubicRmseK) * 100).toFixed(1)} % ${word}` : '');
  const margin = `${Math.round(100 * RECOMMEND_MARGIN)} %`;
  const message = srdaWorse
    ? `On ${lstName}, SRDA-Net is worse than bicubic with residual correction in this scene's own closed loop (${scale}: ${rmse}${share('worse')}). Its extra detail here is not supported by the data: use the bicubic method for this scene.`
    : recommendedMethod === 'bicubic'
      ? `On ${lstName}, SRDA-Net is within ${margin} of bicubic with residual correction in this scene's own closed loop (${scale}: ${rmse}${share('better')}), less than the ${margin} a method must gain to be recommended: use the bicubic method for this scene.`
      : `On ${lstName}, SRDA-Net beats bicubic with residual correction in this scene's own closed loop (${scale}: ${rmse}${share('better')}).`;
  return { srdaRmseK, bicubicRmseK, coarsePixelM, referencePixelM, srdaWorse, pixels, recommendedMethod: recommendedMethod === 'srda' ? 'srda' : 'bicubic', message };
}

/**
 * Runs the scene's own closed loop (one stage: the LST block-averaged by 2 and downscaled back, on
 * the sample the detail weight is fitted on: loop-sample.ts)
 * with SRDA-Net and bicubic, both residual-corrected, and returns the verdict. Undefined when the
 * scene is too small for a loop (the reason is not an error for the user's run).
 */
export async function checkSrdaAgainstBicubic(scene: Scene, srda: StageMethod, lstName: string, residualMode?: ResidualMode, run: RunOptions = {}): Promise<HarmCheck | undefined> {
  try {
    const loop = await evaluateSampledLoop(scene, [srda, 'bicubic'], residualMode ? { residualMode } : {}, run);
    const s = loop.methods.find((m) => m.method === 'srda');
    const b = loop.methods.find((m) => m.method === 'bicubic');
    if (!s || !b || !Number.isFinite(s.corrected.rmseK) || !Number.isFinite(b.corrected.rmseK)) return undefined;
    return harmVerdict(lstName, s.corrected.rmseK, b.corrected.rmseK, loop.coarsePixelM, loop.referencePixelM, Math.min(s.corrected.n, b.corrected.n));
  } catch (e) {
    if (isAppError(e) && e.code === 'CANCELLED') throw e;
    return undefined;
  }
}

/**
 * Why SRDA-Net kept all of its detail although the user asked for the closed-loop weight: the
 * scene's own loop had too few valid pixels to fit it (`minPixels`, MIN_LOOP_PIXELS).
 */
export function detailKeptWholeMessage(lstName: string, minPixels: number): string {
  return `On ${lstName}, SRDA-Net keeps all of its detail: the scene's own closed loop has fewer than ${minPixels} valid pixels, too few to fit the share of its detail the data support. Scores on so few pixels say little about this scene.`;
}

/**
 * The plain-words verdict of a closed-loop detail weight (pipeline/detail-weight.ts) for the user:
 * how SRDA-Net alone compared with bicubic + residual correction in the scene's own closed loop,
 * and how much of its detail the output keeps. `lstName` is the LST file. `recommended`: the
 * method a closed-loop check over more methods recommends (the app's trust panel, core/recommend.ts);
 * when it is neither bicubic nor SRDA-Net, a weight too small to recommend SRDA-Net names it
 * instead of bicubic, so the two never contradict each other.
 */
export function detailWeightMessage(lstName: string, w: DetailWeight, recommended?: string): string {
  const scale = `${Math.round(w.coarsePixelM)} m -> ${Math.round(w.referencePixelM)} m`;
  const pct = (Math.abs(w.srdaRmseK - w.bicubicRmseK) / w.bicubicRmseK) * 100;
  const worse = w.srdaRmseK > w.bicubicRmseK;
  const head = `On ${lstName}, SRDA-Net alone is ${pct.toFixed(1)} % ${worse ? 'worse' : 'better'} than bicubic with residual correction in this scene's own closed loop (${scale}: RMSE ${w.srdaRmseK.toFixed(3)} K vs ${w.bicubicRmseK.toFixed(3)} K).`;
  if (w.alpha <= 0)
    return `${head} Its extra detail is not supported by the data here, so the output is the bicubic result with residual correction.`;
  const kept = Math.round(100 * w.alpha);
  const other = recommended !== undefined && recommended !== 'bicubic' && !recommended.startsWith('srda') ? methodName(recommended) : undefined;
  const instead = other ? `of the methods the closed-loop check scored, ${other} is recommended for this scene` : 'bicubic is recommended for this scene';
  const within = detailWeightRecommendation(w) === 'bicubic' ? ` That is within ${Math.round(100 * RECOMMEND_MARGIN)} % of bicubic, too little to recommend SRDA-Net: ${instead}.` : '';
  return `${head} The output keeps ${kept} % of SRDA-Net's detail over bicubic, the share that fits this loop best (RMSE ${w.blendedRmseK.toFixed(3)} K there; this loop chose the share, so that figure is optimistic).${within}`;
}

/**
 * The method to recommend on a scene whose SRDA-Net output keeps the fitted share of its detail,
 * by the one rule (core/recommend.ts) as the app applies it to the same weighted output: SRDA-Net
 * when its weighted closed-loop RMSE is 1 % or more below bicubic's, else bicubic (also for a
 * small share kept); none below MIN_LOOP_PIXELS (the weight is not fitted there).
 */
export function detailWeightRecommendation(w: DetailWeight): 'srda' | 'bicubic' | undefined {
  const rec = recommendMethod([
    { method: 'srda', rmseK: w.blendedRmseK, pixels: w.pixels },
    { method: 'bicubic', rmseK: w.bicubicRmseK, pixels: w.pixels },
  ])?.recommendedMethod;
  return rec === 'srda' || rec === 'bicubic' ? rec : undefined;
}

/** report.json's `closedLoopCheck` of an SRDA-Net output, in `downscale` and each `batch` date. */
export interface SrdaOutputCheck {
  srdaRmseK: number;
  bicubicRmseK: number;
  /** With the detail weight: the loop RMSE of the output as weighted, and the share kept. */
  weightedRmseK?: number;
  detailWeight?: number;
  coarsePixelM: number;
  referencePixelM: number;
  pixels: number;
  srdaWorse: boolean;
  /** By core/recommend.ts over SRDA-Net as written, bicubic and any other method the run scored; absent below MIN_LOOP_PIXELS. */
  recommendedMethod?: string;
  message: string;
}

/**
 * The closed-loop verdict on what an SRDA-Net run writes, the one `downscale` and `batch` put in
 * report.json: with the detail weight (`weight`, fitted before the run) the output as weighted
 * against bicubic (detailWeightRecommendation); without it (--full-detail, or a loop too small to
 * fit one) SRDA-Net alone against bicubic in the scene's own loop (checkSrdaAgainstBicubic, run
 * here with the run's residual mode). A `weight` with its `message` (detailWeightMessage, made by
 * the caller for its own report) has it used as is. `others`: the loop scores of any other method the run scored
 * (batch --closed-loop: TsHARP, DMS); the recommendation is then over all of them by the same rule
 * (loopScoresVerdict, SRDA-Net scored as written), and when one of them is recommended the message
 * is that verdict. Undefined when the scene is too small for a loop.
 */
export async function srdaOutputCheck(
  scene: Scene,
  srda: StageMethod,
  lstName: string,
  weight: (DetailWeight & { message?: string }) | undefined,
  residualMode?: ResidualMode,
  run: RunOptions = {},
  others: readonly LoopScore[] = [],
): Promise<SrdaOutputCheck | undefined> {
  // HarmCheck is this shape without the weight's fields (recommendedMethod absent, not undefined, under MIN_LOOP_PIXELS).
  const check: SrdaOutputCheck | undefined = weight ? weightedOutputCheck(lstName, weight) : await checkSrdaAgainstBicubic(scene, srda, lstName, residualMode, run);
  return check && againstOtherMethods(check, lstName, others);
}

function weightedOutputCheck(lstName: string, weight: DetailWeight & { message?: string }): SrdaOutputCheck {
  const recommendedMethod = detailWeightRecommendation(weight);
  return {
    srdaRmseK: weight.srdaRmseK,
    bicubicRmseK: weight.bicubicRmseK,
    weightedRmseK: weight.blendedRmseK,
    detailWeight: weight.alpha,
    coarsePixelM: weight.coarsePixelM,
    referencePixelM: weight.referencePixelM,
    pixels: weight.pixels,
    srdaWorse: weight.srdaRmseK > weight.bicubicRmseK,
    ...(recommendedMethod ? { recommendedMethod } : {}),
    message: weight.message ?? detailWeightMessage(lstName, weight),
  };
}

/** `check` with the recommendation over SRDA-Net as written, bicubic and `others` (loopScoresVerdict) where one of `others` wins. */
function againstOtherMethods(check: SrdaOutputCheck, lstName: string, others: readonly LoopScore[]): SrdaOutputCheck {
  const scored = others.filter((o) => o.method !== 'srda' && o.method !== 'bicubic' && Number.isFinite(o.rmseK));
  if (scored.length === 0) return check;
  const scores: LoopScore[] = [
    { method: 'srda', rmseK: check.weightedRmseK ?? check.srdaRmseK, pixels: check.pixels },
    { method: 'bicubic', rmseK: check.bicubicRmseK, pixels: check.pixels },
    ...scored,
  ];
  const verdict = loopScoresVerdict(lstName, scores, check.coarsePixelM, check.referencePixelM, 'srda');
  const rec = verdict?.recommendedMethod;
  if (!verdict || rec === undefined || rec === 'srda' || rec === 'bicubic') return check;
  return { ...check, recommendedMethod: rec, message: verdict.message };
}

/** A closed loop's verdict as report.json's `closedLoopCheck` names it, in the app and the CLI. */
export interface LoopVerdict {
  coarsePixelM: number;
  referencePixelM: number;
  /** Fewest valid loop pixels any scored method rests on. */
  pixels?: number;
  /** By core/recommend.ts; absent below MIN_LOOP_PIXELS. */
  recommendedMethod?: string;
  /** The method the run wrote, when the verdict judges a run's output (downscale, batch). */
  writtenMethod?: string;
  /** True when the written method's loop RMSE is above the recommended method's. */
  writtenWorse?: boolean;
  message: string;
}

/**
 * The verdict of a closed loop over every method it scored (`scores`: residual-corrected loop
 * RMSEs), by the one rule of core/recommend.ts. With `written` (the method a run wrote, scored
 * among them) the message also says, when another method is recommended, whether the written one
 * is worse than it or within the margin of bicubic. Undefined when bicubic was not scored (no bar
 * to judge by). `lstName` is the LST file.
 */
export function loopScoresVerdict(lstName: string, scores: readonly LoopScore[], coarsePixelM: number, referencePixelM: number, written?: string): LoopVerdict | undefined {
  const rec = recommendMethod(scores);
  if (!rec) return undefined;
  const scale = `${Math.round(coarsePixelM)} m -> ${Math.round(referencePixelM)} m`;
  const on = rec.pixels !== undefined ? { pixels: rec.pixels } : {};
  const n = rec.pixels ?? 0;
  if (!rec.recommendedMethod)
    return { coarsePixelM, referencePixelM, ...on, ...(written ? { writtenMethod: written } : {}), message: `On ${lstName}, no method is recommended: this scene's own closed loop (${scale}) has ${n} valid ${n === 1 ? 'pixel' : 'pixels'}, fewer than ${MIN_LOOP_PIXELS}, too few to tell the methods apart.` };
  const pct = `${(100 * rec.gain).toFixed(1)} %`;
  const restsOn = `${scale}, ${n.toLocaleString('en-US')} valid pixels`;
  const margin = `${Math.round(100 * RECOMMEND_MARGIN)} %`;
  const message =
    rec.recommendedMethod !== 'bicubic'
      ? `On ${lstName}, recommended: ${methodName(rec.recommendedMethod)}, the lowest error in this scene's own closed loop (${restsOn}), ${pct} below bicubic with residual correction.`
      : rec.best === 'bicubic'
        ? `On ${lstName}, recommended: bicubic. No method beat it in this scene's own closed loop (${restsOn}).`
        : `On ${lstName}, recommended: bicubic. No method beat it by ${margin} or more in this scene's own closed loop (${restsOn}; ${methodName(rec.best)} ${pct} below it).`;
  const verdict = { coarsePixelM, referencePixelM, ...on, recommendedMethod: rec.recommendedMethod };
  const own = written !== undefined ? scores.find((s) => s.method === written && Number.isFinite(s.rmseK)) : undefined;
  if (!own) return { ...verdict, message };
  const best = scores.find((s) => s.method === rec.recommendedMethod || s.method === `${rec.recommendedMethod} (fine-tuned)`)!;
  const writtenWorse = own.rmseK > best.rmseK;
  const usesRecommended = own.method.replace(/ \(fine-tuned\)$/, '') === rec.recommendedMethod;
  const rmse = `RMSE ${own.rmseK.toFixed(3)} K vs ${best.rmseK.toFixed(3)} K`;
  const share = best.rmseK > 0 ? `, ${((Math.abs(own.rmseK - best.rmseK) / best.rmseK) * 100).toFixed(1)} % ${writtenWorse ? 'worse' : 'better'}` : '';
  const recName = rec.recommendedMethod === 'bicubic' ? 'bicubic' : methodName(rec.recommendedMethod);
  const about = usesRecommended || (!writtenWorse && rec.recommendedMethod !== 'bicubic')
    ? ''
    : writtenWorse
      ? ` The method written here, ${methodName(own.method)}, is worse than ${recName} there (${rmse}${share}): use ${recName} for this scene.`
      : ` The method written here, ${methodName(own.method)}, is within ${margin} of bicubic there (${rmse}${share}), less than a method must gain to be recommended: use ${recName} for this scene.`;
  return { ...verdict, writtenMethod: written!, writtenWorse, message: message + about };
}

/**
 * The verdict of a closed loop over every method it scored (residual-corrected scores), by the one
 * rule of core/recommend.ts: the CLI's evaluate, downscale and batch reports; with `written`, on
 * the method a run wrote (loopScoresVerdict). Undefined when bicubic was not scored.
 */
export function closedLoopVerdict(lstName: string, loop: Pick<ClosedLoopResult, 'methods' | 'coarsePixelM' | 'referencePixelM'>, written?: string): LoopVerdict | undefined {
  return loopScoresVerdict(lstName, loop.methods.map((m) => ({ method: m.method, rmseK: m.corrected.rmseK, pixels: m.corrected.n })), loop.coarsePixelM, loop.referencePixelM, written);
}

/**
 * The closed-loop check of a run that writes `written` with a method other than SRDA-Net, the one
 * `downscale` and `batch` put in report.json: the scene's own one-stage loop (on the sample the
 * app and the detail weight score, loop-sample.ts) scores `methods` (residual-corrected, in the run's mode) and closedLoopVerdict judges `written` among them. The
 * loop is returned too (batch lists its scores). Errors of the loop propagate.
 */
export async function writtenOutputCheck(
  scene: Scene,
  methods: readonly (MethodId | StageMethod)[],
  lstName: string,
  written: string,
  options: { residualMode?: ResidualMode; tileCoarsePx?: number } = {},
  run: RunOptions = {},
): Promise<{ loop: ClosedLoopResult; check?: LoopVerdict }> {
  const loop = await evaluateSampledLoop(scene, methods, options, run);
  const check = closedLoopVerdict(lstName, loop, written);
  return { loop, ...(check ? { check } : {}) };
}
