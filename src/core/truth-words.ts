import { methodName } from './method-names.ts';

/** A distance in metres as `1.7 km` or `850 m`. */
export function formatDistance(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`;
}

/** What `truthSentence` reads of a check against an independent LST (pipeline/truth-score.ts TruthCheck). */
export interface TruthWords {
  name: string;
  rows: readonly {
    method: string;
    stage: number;
    pixelSizeM: number;
    detailPixels: number;
    detailRmseK: number;
    detailCorr: number;
    /** Set where the output, finer than the truth, was block-averaged onto its grid: the truth's pixel size (m). */
    scoredPixelSizeM?: number;
    /** With `scoredPixelSizeM`: output pixels per truth pixel, across and down. */
    outputBlockPx?: number;
  }[];
}

/**
 * The outputs (their pixel sizes, in words) finer than the independent LST `name` that it could not
 * score, and `why` (`truthBlocks`: its pixels are not whole blocks of theirs on its grid).
 */
export function unscoredFinerWords(name: string, sizes: readonly string[], why?: string): string {
  const many = sizes.length > 1;
  const head = `The ${sizes.join(' and ')} output${many ? 's are' : ' is'} finer than ${name} and ${many ? 'were' : 'was'} not scored against it`;
  return why ? `${head}: ${why}.` : `${head}.`;
}

/**
 * Where outputs finer than the independent LST were scored at its resolution (each block-averaged
 * onto its grid): which, and how, in a sentence naming the file; undefined where none was.
 */
export function truthResolutionWords(truth: TruthWords): string | undefined {
  const rows = truth.rows.filter((r) => r.scoredPixelSizeM !== undefined);
  if (rows.length === 0) return undefined;
  const stages = [...new Map(rows.map((r) => [r.stage, r])).values()];
  const many = stages.length > 1;
  const sizes = stages.map((r) => formatDistance(r.pixelSizeM)).join(' and ');
  const blocks = stages.map((r) => `${r.outputBlockPx} x ${r.outputBlockPx}`).join(' and ');
  // A truth pixel as coarse as an input pixel: the residual correction fixes that mean, no detail is left to score.
  const noDetail = rows.some((r) => r.detailPixels === 0) ? ", with no detail scored where its pixels are as coarse as the input LST's" : '';
  return `The ${sizes} output${many ? 's are' : ' is'} finer than ${truth.name}, so ${many ? 'they are' : 'it is'} scored at its ${formatDistance(rows[0].scoredPixelSizeM!)} resolution: block-averaged ${blocks} onto its grid${noDetail}.`;
}

/**
 * The trust panel's verdict on the finest output against an independent LST: the first method's
 * detail (each pixel minus its input pixel's mean) against bicubic's, the one thing a downscaler
 * adds; undefined without bicubic at that stage or without detail pixels.
 */
export function truthSentence(truth: TruthWords): string | undefined {
  const last = Math.max(0, ...truth.rows.map((r) => r.stage));
  const rows = truth.rows.filter((r) => r.stage === last);
  const first = rows[0];
  const bic = rows.find((r) => r.method === 'bicubic');
  if (!first || !bic || first === bic || !(first.detailPixels > 0) || !Number.isFinite(first.detailRmseK) || !Number.isFinite(bic.detailRmseK)) return undefined;
  const pct = Math.round((100 * (first.detailRmseK - bic.detailRmseK)) / bic.detailRmseK);
  const closer = pct < 0 ? `${-pct} % closer to` : pct > 0 ? `${pct} % farther from` : 'as close to';
  const corr = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'none');
  const at = first.scoredPixelSizeM !== undefined ? `At ${formatDistance(first.scoredPixelSizeM)} (the ${formatDistance(first.pixelSizeM)} outputs block-averaged onto ${truth.name}'s grid)` : `At ${formatDistance(first.pixelSizeM)}`;
  return `${at}, ${methodName(first.method)}'s detail within each input pixel is ${closer} ${truth.name}'s than bicubic's (detail RMSE ${first.detailRmseK.toFixed(2)} vs ${bic.detailRmseK.toFixed(2)} K, correlation ${corr(first.detailCorr)} vs ${corr(bic.detailCorr)}, ${first.detailPixels.toLocaleString('en-US')} pixels).`;
}
