import { methodName } from './method-names.ts';

/** A distance in metres as `1.7 km` or `850 m`. */
export function formatDistance(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`;
}

/** What `truthSentence` reads of a check against an independent LST (pipeline/truth-score.ts TruthCheck). */
export interface TruthWords {
  name: string;
  rows: readonly { method: string; stage: number; pixelSizeM: number; detailPixels: number; detailRmseK: number; detailCorr: number }[];
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
  return `At ${formatDistance(first.pixelSizeM)}, ${methodName(first.method)}'s detail within each input pixel is ${closer} ${truth.name}'s than bicubic's (detail RMSE ${first.detailRmseK.toFixed(2)} vs ${bic.detailRmseK.toFixed(2)} K, correlation ${corr(first.detailCorr)} vs ${corr(bic.detailCorr)}, ${first.detailPixels.toLocaleString('en-US')} pixels).`;
}
