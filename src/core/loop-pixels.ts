/**
 * Fewest valid pixels of a scene's own closed loop that anything is read from: SRDA-Net's detail
 * weight is fitted (detail-weight.ts), and a method recommended (the CLI's closed-loop check, the
 * app's trust panel), on at least this many; below it the weight is not fitted and no method is
 * recommended. In core: the app's trust panel reads it too.
 */
export const MIN_LOOP_PIXELS = 64;
