/**
 * Which loop the detail weight a score uses was fitted on: `this` the loop scored (the app's check,
 * `evaluate`'s default); `scene` the scene's one-stage loop on the app's sample while another loop
 * of the same input is scored (`evaluate --whole-scene`); `loop-input` the one-stage loop of the
 * scored loop's own coarse input, as the app and `downscale` fit it for a run from that input
 * (`evaluate --stages 2+`, `--reference-factor 2+`).
 */
export type DetailShareFit = 'this' | 'scene' | 'loop-input';

/**
 * What a closed-loop score of SRDA-Net with its detail weight (pipeline/detail-weight.ts) is, in the
 * words the app's trust panel and `srda-lst evaluate` show beside it: the share of SRDA-Net's detail
 * over bicubic the output keeps (`alpha`, 0..1), and which loop chose it (`fittedOn`): the loop
 * scored, so the score is optimistic, or another, which the sentence then names. One sentence.
 */
export function detailShareWords(alpha: number, fittedOn: DetailShareFit = 'this'): string {
  if (fittedOn === 'this')
    return alpha <= 0
      ? 'Its detail is not supported here, so the output is the bicubic result.'
      : `The output keeps ${Math.round(100 * alpha)} % of SRDA-Net's detail over bicubic, the share this loop supports; the loop chose that share, so this score is optimistic.`;
  const [loop, which] =
    fittedOn === 'scene'
      ? ["the scene's one-stage loop on the app's sample", 'not this loop']
      : ["the one-stage loop of this loop's coarse input", 'as the app fits it for a run from that input'];
  return alpha <= 0
    ? `Its detail is not supported on ${loop} (${which}), so the output is the bicubic result.`
    : `The output keeps ${Math.round(100 * alpha)} % of SRDA-Net's detail over bicubic, the share ${loop} supports (${which}).`;
}
