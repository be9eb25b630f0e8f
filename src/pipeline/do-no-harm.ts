import { isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import { evaluateClosedLoop } from './evaluate.ts';
import type { StageMethod } from './method.ts';
import type { Scene } from './scene.ts';
import type { DetailWeight } from './detail-weight.ts';
import { MIN_LOOP_PIXELS } from '../core/loop-pixels.ts';

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
  /** The method to use here; absent when the loop has fewer than MIN_LOOP_PIXELS valid pixels (nothing can be said). */
  recommendedMethod?: 'srda' | 'bicubic';
  /** Plain-words verdict for the user (names the LST file). */
  message: string;
}

/**
 * The verdict of a closed loop that scored SRDA-Net and bicubic (both residual-corrected) on
 * `pixels` valid pixels: a recommendation when SRDA-Net is worse, a confirmation otherwise, and
 * neither below MIN_LOOP_PIXELS (it says why instead). `lstName` is the LST file.
 */
export function harmVerdict(lstName: string, srdaRmseK: number, bicubicRmseK: number, coarsePixelM: number, referencePixelM: number, pixels: number): HarmCheck {
  const srdaWorse = srdaRmseK > bicubicRmseK;
  const scale = `${Math.round(coarsePixelM)} m -> ${Math.round(referencePixelM)} m`;
  const rmse = `RMSE ${srdaRmseK.toFixed(3)} K vs ${bicubicRmseK.toFixed(3)} K`;
  if (pixels < MIN_LOOP_PIXELS)
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
  const message = srdaWorse
    ? `On ${lstName}, SRDA-Net is worse than bicubic with residual correction in this scene's own closed loop (${scale}: ${rmse}${share('worse')}). Its extra detail here is not supported by the data: use the bicubic method for this scene.`
    : `On ${lstName}, SRDA-Net beats bicubic with residual correction in this scene's own closed loop (${scale}: ${rmse}${share('better')}).`;
  return { srdaRmseK, bicubicRmseK, coarsePixelM, referencePixelM, srdaWorse, pixels, recommendedMethod: srdaWorse ? 'bicubic' : 'srda', message };
}

/**
 * Runs the scene's own closed loop (one stage: the LST block-averaged by 2 and downscaled back)
 * with SRDA-Net and bicubic, both residual-corrected, and returns the verdict. Undefined when the
 * scene is too small for a loop (the reason is not an error for the user's run).
 */
export async function checkSrdaAgainstBicubic(scene: Scene, srda: StageMethod, lstName: string, run: RunOptions = {}): Promise<HarmCheck | undefined> {
  try {
    const loop = await evaluateClosedLoop(scene, [srda, 'bicubic'], { stages: 1 }, run);
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
 * and how much of its detail the output keeps. `lstName` is the LST file.
 */
export function detailWeightMessage(lstName: string, w: DetailWeight): string {
  const scale = `${Math.round(w.coarsePixelM)} m -> ${Math.round(w.referencePixelM)} m`;
  const pct = (Math.abs(w.srdaRmseK - w.bicubicRmseK) / w.bicubicRmseK) * 100;
  const worse = w.srdaRmseK > w.bicubicRmseK;
  const head = `On ${lstName}, SRDA-Net alone is ${pct.toFixed(1)} % ${worse ? 'worse' : 'better'} than bicubic with residual correction in this scene's own closed loop (${scale}: RMSE ${w.srdaRmseK.toFixed(3)} K vs ${w.bicubicRmseK.toFixed(3)} K).`;
  if (w.alpha <= 0)
    return `${head} Its extra detail is not supported by the data here, so the output is the bicubic result with residual correction.`;
  const kept = Math.round(100 * w.alpha);
  return `${head} The output keeps ${kept} % of SRDA-Net's detail over bicubic, the share that fits this loop best (RMSE ${w.blendedRmseK.toFixed(3)} K there; this loop chose the share, so that figure is optimistic).`;
}
