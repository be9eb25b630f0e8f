/**
 * What a closed-loop score of SRDA-Net with its detail weight (pipeline/detail-weight.ts) is, in the
 * words the app's trust panel and `srda-lst evaluate` show beside it: the share of SRDA-Net's detail
 * over bicubic the output keeps (`alpha`, 0..1), and that the loop scored chose it, so the score is
 * optimistic. One sentence.
 */
export function detailShareWords(alpha: number): string {
  if (alpha <= 0) return 'Its detail is not supported here, so the output is the bicubic result.';
  return `The output keeps ${Math.round(100 * alpha)} % of SRDA-Net's detail over bicubic, the share this loop supports; the loop chose that share, so this score is optimistic.`;
}
