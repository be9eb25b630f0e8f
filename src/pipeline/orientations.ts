/**
 * What the user is told when SRDA-Net averaged its prediction over `n` orientations of its input
 * (the `orientations` option; app notice, trust panel, CLI notice).
 */
export function orientationsMessage(n: number): string {
  return `SRDA-Net's prediction is the mean over ${n} orientations of its input (mirrored, rotated, transposed), which lowers its error at about ${n}x the network's time.`;
}
