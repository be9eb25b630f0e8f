/**
 * What a closed-loop score of SRDA-Net with its detail weight (pipeline/detail-weight.ts) is, in the
 * words the app's trust panel and `srda-lst evaluate` show beside it: the share of SRDA-Net's detail
 * over bicubic the output keeps (`alpha`, 0..1), and that the loop scored chose it, so the score is
 * optimistic. `onThisLoop` false: the score is of another loop than the one the share was fitted on
 * (`evaluate --whole-scene`, `--stages 2+`, `--reference-factor 2+`), which the sentence then says
 * instead. One sentence.
 */
export function detailShareWords(alpha: number, onThisLoop = true): string {
  const fittedOn = "the scene's one-stage loop on the app's sample";
  if (alpha <= 0)
    return onThisLoop
      ? 'Its detail is not supported here, so the output is the bicubic result.'
      : `Its detail is not supported on ${fittedOn} (not this loop), so the output is the bicubic result.`;
  const kept = `The output keeps ${Math.round(100 * alpha)} % of SRDA-Net's detail over bicubic`;
  return onThisLoop
    ? `${kept}, the share this loop supports; the loop chose that share, so this score is optimistic.`
    : `${kept}, the share ${fittedOn} supports (not this loop).`;
}
