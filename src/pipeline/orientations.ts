import { orientationWords } from '../core/raster/orient.ts';

/**
 * What the user is told when SRDA-Net averaged its prediction over `n` (2 or 8) orientations of
 * its input (the `orientations` option; app notice, CLI notice).
 */
export function orientationsMessage(n: number): string {
  return `SRDA-Net's prediction is the mean over ${n} orientations of its input (${orientationWords(n)}), which lowers its error at the cost of ${n} network passes (about ${n}x one pass's time).`;
}
