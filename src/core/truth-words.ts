import { methodName } from './method-names.ts';

/** A distance in metres as `1.7 km` or `850 m`. */
export function formatDistance(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`;
}

/** Words as an English list: `a`, `a and b`, `a, b and c`. */
export function joinList(words: readonly string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : (words[0] ?? '');
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
    /** With `scoredPixelSizeM`: the stage whose scores (every method's) this row repeats. */
    repeatsStage?: number;
  }[];
}

/**
 * The outputs (their pixel sizes, in words) finer than the independent LST `name` that it could not
 * score, and `why` (`truthBlocks`: its pixels are not whole blocks of theirs on its grid).
 */
export function unscoredFinerWords(name: string, sizes: readonly string[], why?: string): string {
  const many = sizes.length > 1;
  const head = `The ${joinList(sizes)} output${many ? 's are' : ' is'} finer than ${name} and ${many ? 'were' : 'was'} not scored against it`;
  return why ? `${head}: ${why}.` : `${head}.`;
}

/** The rows worth showing: without those that repeat another stage's scores (`repeatsStage`). */
export function shownTruthRows<R extends TruthWords['rows'][number]>(rows: readonly R[]): R[] {
  return rows.filter((r) => r.repeatsStage === undefined);
}

/**
 * Where outputs finer than the independent LST were scored at its resolution (each block-averaged
 * onto its grid): which, and how, in a sentence naming the file; where they average back to a
 * coarser stage's outputs (`repeatsStage`), that they score as its rows and why. Undefined where none was.
 */
export function truthResolutionWords(truth: TruthWords): string | undefined {
  const rows = truth.rows.filter((r) => r.scoredPixelSizeM !== undefined);
  if (rows.length === 0) return undefined;
  const stages = [...new Map(rows.map((r) => [r.stage, r])).values()];
  const sizeOf = (stage: number) => formatDistance(truth.rows.find((r) => r.stage === stage)!.pixelSizeM);
  const at = formatDistance(rows[0].scoredPixelSizeM!);
  const words: string[] = [];
  const scored = stages.filter((r) => r.repeatsStage === undefined);
  if (scored.length > 0) {
    const many = scored.length > 1;
    const sizes = joinList(scored.map((r) => formatDistance(r.pixelSizeM)));
    const blocks = joinList(scored.map((r) => `${r.outputBlockPx} x ${r.outputBlockPx}`));
    // Input pixels per truth pixel across (stage k's output pixels group 2^k x 2^k into input pixels). A truth pixel
    // as coarse as an input pixel leaves no detail to score (the residual correction fixes that mean), nor one
    // that does not tile them.
    const perInput = rows.filter((r) => r.repeatsStage === undefined && r.detailPixels === 0).map((r) => 2 ** r.stage / r.outputBlockPx!);
    const why = [
      ...(perInput.some((n) => n <= 1) ? ["its pixels are as coarse as the input LST's"] : []),
      ...(perInput.some((n) => n > 1 && !Number.isInteger(n)) ? ["its pixels do not tile the input LST's"] : []),
    ];
    const noDetail = why.length > 0 ? `, with no detail scored where ${why.join(' or where ')}` : '';
    words.push(`The ${sizes} output${many ? 's are' : ' is'} finer than ${truth.name}, so ${many ? 'they are' : 'it is'} scored at its ${at} resolution: block-averaged ${blocks} onto its grid${noDetail}.`);
  }
  const repeated = stages.filter((r) => r.repeatsStage !== undefined);
  for (const coarser of new Set(repeated.map((r) => r.repeatsStage!))) {
    const sizes = joinList(repeated.filter((r) => r.repeatsStage === coarser).map((r) => formatDistance(r.pixelSizeM)));
    words.push(
      `The ${sizes} outputs average back exactly to the ${sizeOf(coarser)} outputs (residual correction keeps each block's mean), so against ${truth.name} they score as the ${sizeOf(coarser)} rows; ${truth.name} cannot score detail finer than ${at}.`,
    );
  }
  return words.join(' ');
}

/**
 * The trust panel's verdict on the finest output against an independent LST: the first method's
 * detail (each pixel minus its input pixel's mean) against bicubic's, the one thing a downscaler
 * adds (not a finer output's rows that repeat its scores); undefined without bicubic at that stage or
 * without detail pixels.
 */
export function truthSentence(truth: TruthWords): string | undefined {
  const shown = shownTruthRows(truth.rows);
  const last = Math.max(0, ...shown.map((r) => r.stage));
  const rows = shown.filter((r) => r.stage === last);
  const first = rows[0];
  const bic = rows.find((r) => r.method === 'bicubic');
  if (!first || !bic || first === bic || !(first.detailPixels > 0) || !Number.isFinite(first.detailRmseK) || !Number.isFinite(bic.detailRmseK)) return undefined;
  const pct = Math.round((100 * (first.detailRmseK - bic.detailRmseK)) / bic.detailRmseK);
  const closer = pct < 0 ? `${-pct} % closer to` : pct > 0 ? `${pct} % farther from` : 'as close to';
  const corr = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'none');
  const at = first.scoredPixelSizeM !== undefined ? `At ${formatDistance(first.scoredPixelSizeM)} (the ${formatDistance(first.pixelSizeM)} outputs block-averaged onto ${truth.name}'s grid)` : `At ${formatDistance(first.pixelSizeM)}`;
  return `${at}, ${methodName(first.method)}'s detail within each input pixel is ${closer} ${truth.name}'s than bicubic's (detail RMSE ${first.detailRmseK.toFixed(2)} vs ${bic.detailRmseK.toFixed(2)} K, correlation ${corr(first.detailCorr)} vs ${corr(bic.detailCorr)}, ${first.detailPixels.toLocaleString('en-US')} pixels).`;
}
