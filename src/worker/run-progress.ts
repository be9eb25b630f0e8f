import type { Progress } from '../core/progress.ts';

/**
 * The progress of one part of a run (the detail weight, each method's run, the closed-loop check)
 * as one plain phrase with its place in the run: `phrase` turns the part's own stage into the
 * words shown ('SRDA-Net detail weight: Bicubic, stage 1'), and `stage k` from the stage runner
 * becomes `stage k of <stages>` where `stages` is given (a method's run over the scene, not a
 * one-stage closed loop). `step` is the part's 0-based index in a plan of `steps` parts.
 */
export function partProgress(step: number, steps: number, stages: number | undefined, phrase: (stage: string) => string): (p: Progress) => Progress {
  const ofStages = (s: string) => stages === undefined ? s : s.replace(/\bstage (\d+)$/, (_, k: string) => `stage ${k} of ${stages}`);
  return (p) => ({ ...p, stage: phrase(ofStages(p.stage)), step: step + 1, steps });
}
