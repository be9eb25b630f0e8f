import { detailShareWords } from '../core/detail-share.ts';
import { orientationWords } from '../core/raster/orient.ts';
import { MIN_LOOP_PIXELS } from '../core/loop-pixels.ts';
import { recommendMethod } from '../core/recommend.ts';
import { methodName } from '../core/method-names.ts';
import type { MethodMetrics, RunResult } from '../worker/protocol.ts';
import type { AppState, RunFacts } from './state/store.ts';

type EnergyError = RunResult['energyError'];

export { methodName };
export { formatDistance, shownTruthRows, truthResolutionWords, truthSentence } from '../core/truth-words.ts';
import { formatDistance } from '../core/truth-words.ts';


/**
 * Which method to use on this scene by its own closed loop, as report.json's `closedLoopCheck`
 * records it (the CLI's field, with the same meaning): `recommendedMethod` by the one rule of
 * core/recommend.ts that the CLI's reports read too (the lowest closed-loop RMSE among every
 * scored method when it beats bicubic by 1 % or more, else bicubic; absent below MIN_LOOP_PIXELS
 * valid loop pixels), `message` the trust panel's sentence. Undefined when bicubic was not scored
 * (no bar to judge against).
 */
export function loopRecommendation(metrics: readonly Pick<MethodMetrics, 'method' | 'rmse' | 'pixels'>[]): { recommendedMethod?: string; pixels?: number; message: string } | undefined {
  const rec = recommendMethod(metrics.map((m) => ({ method: m.method, rmseK: m.rmse, ...(m.pixels !== undefined ? { pixels: m.pixels } : {}) })));
  if (!rec) return undefined;
  const { recommendedMethod, pixels } = rec;
  const restsOn = pixels !== undefined ? ` (the loop's ${pixels.toLocaleString('en-US')} valid pixels)` : '';
  const on = pixels !== undefined ? { pixels } : {};
  if (pixels !== undefined && !recommendedMethod)
    return { ...on, message: `No method is recommended on this scene: its closed loop has ${pixels} valid ${pixels === 1 ? 'pixel' : 'pixels'}, fewer than ${MIN_LOOP_PIXELS}, too few to tell the methods apart.` };
  if (recommendedMethod !== 'bicubic')
    return { recommendedMethod, ...on, message: `Recommended on this scene: ${methodName(rec.best)}, the lowest closed-loop error${restsOn}.` };
  return { recommendedMethod: 'bicubic', ...on, message: `Recommended on this scene: bicubic. No sharpening method beat it by 1 % or more in the closed loop${restsOn}, so the extra detail of the others is not supported here.` };
}

/**
 * The trust panel's note on a check that ran on a sample of a large scene (`closedLoop.windows`),
 * with the pixels its scores rest on, so that they are not read as the whole scene's; undefined
 * when it ran on all of it.
 */
export function loopSampleNote(loop: { scoredPixels?: number; windows?: number }): string | undefined {
  if (loop.windows === undefined) return undefined;
  const scored = loop.scoredPixels !== undefined ? ` (${loop.scoredPixels.toLocaleString('en-US')} valid pixels scored)` : '';
  return `On this large scene the check runs on ${loop.windows} windows spread across it${scored}, the same sample the detail weight is fitted on, not on every pixel.`;
}
/**
 * The closed-loop reading in words: each method against bicubic (the bar with residual correction),
 * and which method to use. `coarseM -> referenceM` is the loop's scale (one octave above the output).
 */
export function trustSentences(metrics: MethodMetrics[], coarseM: number, referenceM: number): { perMethod: { method: string; text: string }[]; recommendation: string } {
  const scale = `${formatDistance(coarseM)} → ${formatDistance(referenceM)}`;
  const bicubic = metrics.find((m) => m.method === 'bicubic');
  const perMethod: { method: string; text: string }[] = [];
  for (const m of metrics) {
    if (m.method === 'bicubic' || !bicubic || !(bicubic.rmse > 0)) continue;
    const change = (100 * (bicubic.rmse - m.rmse)) / bicubic.rmse;
    const rmse = `RMSE ${m.rmse.toFixed(3)} K vs ${bicubic.rmse.toFixed(3)} K`;
    const text =
      Math.abs(change) < 1
        ? `${methodName(m.method)} is as good as bicubic (within 1 %) on this scene's closed loop at ${scale} (${rmse}).`
        : `${methodName(m.method)} is ${Math.round(Math.abs(change))} % ${change > 0 ? 'better' : 'worse'} than bicubic on this scene's closed loop at ${scale} (${rmse}).`;
    const weighted = m.detailWeight === undefined ? '' : ` ${detailShareWords(m.detailWeight)}`;
    const oriented = m.orientations ? ` Its prediction is the mean over ${m.orientations} orientations of its input (${orientationWords(m.orientations)}).` : '';
    perMethod.push({ method: m.method, text: text + weighted + oriented });
  }
  return { perMethod, recommendation: loopRecommendation(metrics)?.message ?? '' };
}

/** One energy-conservation line of the trust panel and the run it is of: the run the scores describe, or the last run when those scores are an earlier run's. */
export interface EnergyLine {
  run: 'scores' | 'last';
  text: string;
}

function energyWords(energy: EnergyError): string | undefined {
  if (energy.length === 0) return undefined;
  const maxK = Math.max(...energy.map((e) => e.maxAbsK));
  return `every output block averages back to the input LST within ${maxK.toExponential(1)} K${maxK < 0.01 ? ' (residual correction on).' : ' (residual correction off: block means drift from the input).'}`;
}

/** ` (SRDA-Net output, 2024-04-06)`: the output method and date of a run, where known. */
function outputWords(run: RunFacts | undefined): string {
  const parts = [run?.method ? `${methodName(run.method)} output` : undefined, run?.date].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

const dateWords = (run: RunFacts | undefined): string => (run?.date ? ` (${run.date})` : '');

/**
 * The trust panel's lines that name a run, each of the run it describes. When the scores are the
 * last run's (it had the closed-loop check), one energy line as before. When they are an earlier
 * run's (`isMetricsEarlier`: the last run had no check), a note naming both runs, the earlier run's
 * energy conservation beside its scores and the last run's apart, each with its date and method.
 */
export function trustRunLines(s: Pick<AppState, 'isMetricsEarlier' | 'metricsRun' | 'energyError' | 'resultScene' | 'layers' | 'earlierLayerIds'>): {
  earlierNote?: string;
  energy: EnergyLine[];
} {
  const lastWords = energyWords(s.energyError);
  if (!s.isMetricsEarlier) return { energy: lastWords ? [{ run: 'last', text: `Energy conservation: ${lastWords}` }] : [] };
  const last: RunFacts = {
    date: s.resultScene?.date,
    method: s.layers.find((l) => l.kind === 'output' && !s.earlierLayerIds.includes(l.id))?.method,
    energyError: s.energyError,
  };
  const earlier = s.metricsRun;
  const earlierWords = earlier ? energyWords(earlier.energyError) : undefined;
  const energy: EnergyLine[] = [];
  if (earlierWords) energy.push({ run: 'scores', text: `Energy conservation of that earlier run${outputWords(earlier)}: ${earlierWords}` });
  if (lastWords) energy.push({ run: 'last', text: `Energy conservation of the last run${outputWords(last)}, which has no scores here: ${lastWords}` });
  return {
    earlierNote: `These scores are of an earlier run with other settings${dateWords(earlier)}: the last run${dateWords(last)} had no closed-loop check.`,
    energy,
  };
}
