import { MIN_LOOP_PIXELS } from './loop-pixels.ts';

/**
 * Least share of bicubic's closed-loop RMSE a method must beat it by to be recommended over it:
 * a smaller gain is within what another loop sample or date moves, and bicubic (with residual
 * correction) adds no detail the data do not support.
 */
export const RECOMMEND_MARGIN = 0.01;

/** One method's closed-loop score as the recommendation reads it. */
export interface LoopScore {
  /** Method id; SRDA-Net fine-tuned is `srda (fine-tuned)` in the app. */
  method: string;
  /** Closed-loop RMSE, K (residual-corrected where the run corrects). */
  rmseK: number;
  /** Valid loop pixels the score rests on. */
  pixels?: number;
}

/** Which method to use on a scene by its own closed loop. */
export interface LoopRecommendation {
  /** The method id to use (SRDA-Net fine-tuned or not is `srda`); absent below MIN_LOOP_PIXELS. */
  recommendedMethod?: string;
  /** The scored method with the lowest RMSE (ties: the first scored), as scored (`srda (fine-tuned)` kept). */
  best: string;
  /** Share of bicubic's RMSE the best method is below it (0 when bicubic is the best). */
  gain: number;
  /** Fewest valid loop pixels any scored method rests on, when counted. */
  pixels?: number;
}

/**
 * The one rule for which method to recommend on a scene, read by the app's trust panel and
 * report.json and by the CLI's downscale, evaluate and batch reports: among every method scored
 * with a finite RMSE, the lowest closed-loop RMSE is recommended when it beats bicubic's by
 * RECOMMEND_MARGIN (1 %) or more, else bicubic (ties go to the method scored first, and bicubic
 * wins any tie with it); none when the loop has fewer than MIN_LOOP_PIXELS valid pixels (the
 * fewest any method rests on). Undefined when bicubic has no finite score (no bar to judge by).
 */
export function recommendMethod(scores: readonly LoopScore[]): LoopRecommendation | undefined {
  const scored = scores.filter((s) => Number.isFinite(s.rmseK));
  const bicubic = scored.find((s) => s.method === 'bicubic');
  if (!bicubic) return undefined;
  let best = bicubic;
  for (const s of scored) if (s.rmseK < best.rmseK) best = s;
  const counts = scored.map((s) => s.pixels).filter((n): n is number => n !== undefined);
  const pixels = counts.length > 0 ? Math.min(...counts) : undefined;
  const on = pixels !== undefined ? { pixels } : {};
  const gain = bicubic.rmseK > 0 ? (bicubic.rmseK - best.rmseK) / bicubic.rmseK : 0;
  if (pixels !== undefined && pixels < MIN_LOOP_PIXELS) return { best: best.method, gain, ...on };
  const wins = best !== bicubic && gain >= RECOMMEND_MARGIN;
  return { recommendedMethod: wins ? best.method.replace(/ \(fine-tuned\)$/, '') : 'bicubic', best: best.method, gain, ...on };
}
