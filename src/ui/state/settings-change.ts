import { DEFAULT_ORIENTATIONS } from '../../core/raster/orient.ts';
import type { RunSettings } from './store.ts';

const usesSrda = (s: RunSettings) => s.method === 'srda' || s.method === 'all';

/**
 * The run panel's settings (in its own words) that differ from those the results on screen were
 * run with, and would change them: SRDA-Net's own boxes and the backend only when both runs use
 * SRDA-Net, the reference factor only for inputs already on one grid (`isSameGrid`), guides in
 * place only with guides (`hasGuides`). The date and the queue's range are left to the scene panel.
 */
export function changedSettings(ran: RunSettings, now: RunSettings, scene: { isSameGrid: boolean; hasGuides: boolean }): string[] {
  const changed: string[] = [];
  const add = (name: string, a: unknown, b: unknown) => {
    if (a !== b) changed.push(name);
  };
  add('method', ran.method, now.method);
  add('residual correction', ran.residualCorrection, now.residualCorrection);
  if (usesSrda(ran) && usesSrda(now)) {
    add('fine-tuning', ran.finetuneSteps, now.finetuneSteps);
    add("keep all of SRDA-Net's detail", ran.srdaFullDetail === true, now.srdaFullDetail === true);
    add('orientations', ran.srdaOrientations ?? DEFAULT_ORIENTATIONS, now.srdaOrientations ?? DEFAULT_ORIENTATIONS);
    add('backend', ran.backend, now.backend);
  }
  if (scene.hasGuides) add('keep guides in place', ran.guidesInPlace === true, now.guidesInPlace === true);
  add('closed-loop check', ran.evaluate, now.evaluate);
  if (scene.isSameGrid) add('reference factor', ran.referenceFactor, now.referenceFactor);
  return changed;
}

/**
 * The run panel's note when its settings changed after the run (undefined when none did): what to
 * do first, the changed settings last (the panel may cut a long list short on one line).
 */
export function settingsChangedText(changed: string[]): string | undefined {
  if (changed.length === 0) return undefined;
  return `Results made with other settings: press Run to update them (${changed.join(', ')}).`;
}
